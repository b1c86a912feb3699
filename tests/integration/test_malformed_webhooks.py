"""Signed but malformed deliveries: real-shaped payloads of every event we route, mutated
(fields dropped, values of the wrong type, huge and negative numbers, odd unicode, long
strings, bodies that are not JSON objects), with valid signatures. Each is answered 2xx or
4xx, never 5xx; the server stays healthy; and once the jobs they made have settled, no check
run is left queued or in progress.

Most examples go through the app `create_app` builds, in-process (its jobs run in threads
against the fake GitHub over HTTP); a smaller number through `ai-gate serve` in Redis mode,
whose jobs the session's worker runs.
"""

from __future__ import annotations

import base64
import gc
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import redis
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from app.adapters.intake import Intake, MemoryIntake
from app.adapters.state import MemoryJobState
from app.jobs.deps import build_deps
from app.jobs.model import Job
from app.jobs.runner import run_with_retries
from app.settings import Settings
from app.web.main import create_app
from tests.fakes.github_server import FakeGitHub
from tests.fakes.keys import private_key_pem
from tests.integration.conftest import (
    APP_ID,
    SECRET,
    Process,
    redis_url,
    wait_until,
)
from tests.integration.malformed import (
    JSON,
    SWEEP_VALUES,
    Delivery,
    deliveries,
    event_payloads,
    sweep,
)
from tests.integration.scenarios import (
    Change,
    StagedPR,
    pull_request_payload,
    stage_pr,
    wait_completed,
)
from workers.celery_app import QUEUE

OWNER = "malformed-org"
WEBHOOK = "/api/github/webhooks"


# ---------------------------------------------------------------- the in-process app


class Jobs:
    """Runs jobs in two threads, as a worker would, and knows when none is left: the
    embedded queue (`enqueue`), or the messages Redis mode's intake puts on the Celery queue
    (`drain`)."""

    def __init__(self, execute: Callable[[dict[str, Any]], None]) -> None:
        self._execute = execute
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="malformed-job")
        self._lock = threading.Lock()
        self._pending = 0
        self._broker: redis.Redis | None = None
        self._stop = threading.Event()
        self._drainer: threading.Thread | None = None

    def _submit(self, payload: dict[str, Any], counted: bool = False) -> None:
        if not counted:
            with self._lock:
                self._pending += 1
        self._pool.submit(self._run, payload)

    def _run(self, payload: dict[str, Any]) -> None:
        try:
            self._execute(payload)
        finally:
            with self._lock:
                self._pending -= 1

    # JobQueue, for the embedded intake
    def enqueue(self, job: Job) -> None:
        # The JSON round trip of both queues: a job carries only what JSON can.
        self._submit(json.loads(json.dumps(job.model_dump(mode="json"))))

    def ready(self) -> bool:
        return True

    def drain(self, broker: redis.Redis) -> None:
        """Take the jobs of Celery messages off the queue, as a worker does."""
        self._broker = broker
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        assert self._broker is not None
        while not self._stop.is_set():
            with self._lock:
                raw: bytes | None = self._broker.rpop(QUEUE)  # type: ignore[assignment]
                # Counted as it leaves the queue: `idle` always sees it in one place or the other.
                self._pending += raw is not None
            if raw is None:
                time.sleep(0.02)
                continue
            # kombu's envelope around Celery's body: [args, kwargs, embed], args = [job]
            message = json.loads(raw)
            args, _, _ = json.loads(base64.b64decode(message["body"]))
            self._submit(args[0], counted=True)

    def idle(self) -> bool:
        with self._lock:
            queued = self._broker.llen(QUEUE) if self._broker is not None else 0
            return self._pending == 0 and queued == 0

    def close(self) -> None:
        wait_until(self.idle, "the last jobs to end", timeout=60)
        self._stop.set()
        if self._drainer is not None:
            self._drainer.join(5)
        self._pool.shutdown()


@dataclass
class InProcess:
    client: TestClient
    jobs: Jobs


def _settings(github: FakeGitHub, data: Path, broker: str | None) -> Settings:
    return Settings(
        github_app_id=APP_ID,
        github_app_private_key=private_key_pem(),
        github_webhook_secret=SECRET,
        github_api_url=github.base_url,  # type: ignore[attr-defined]
        redis_url=broker,
        database_url=f"sqlite:///{data / 'ai-gate.db'}",
        cache_dir=data / "git-cache",
        github_write_interval=0,
        pypi_url="",
        npm_url="",
    )


@pytest.fixture(scope="module", params=["embedded", "redis"])
def in_process(
    request: pytest.FixtureRequest, github: FakeGitHub, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[InProcess]:
    """The app `create_app` builds, with the intake of embedded mode or of Redis mode (on a
    Redis database of its own, which no worker of the session reads)."""
    data = tmp_path_factory.mktemp(f"malformed-{request.param}")
    base, _, db = redis_url().rpartition("/")
    broker = f"{base}/{(int(db) + 1) % 16}" if request.param == "redis" else None
    app_settings = _settings(github, data, broker)
    state = MemoryJobState()
    deps = build_deps(app_settings, state)

    def execute(payload: dict[str, Any]) -> None:
        # Retries wait a moment, not minutes: the test waits for every job to end.
        run_with_retries(Job.model_validate(payload), deps, sleep=lambda _: time.sleep(0.05))

    jobs = Jobs(execute)
    intake: Intake
    if broker is None:
        intake = MemoryIntake(state, jobs, app_settings.delivery_ttl_seconds)
        app = create_app(app_settings, intake_override=intake)
    else:
        client = redis.Redis.from_url(broker)
        client.flushdb()
        jobs.drain(client)
        app = create_app(app_settings)
    # One event loop for every request (Redis mode's client lives on it); the app's lifespan
    # freezes the garbage collector's view of the process, undone after.
    with TestClient(app, raise_server_exceptions=False) as http:
        yield InProcess(http, jobs)
    gc.unfreeze()
    jobs.close()
    deps.github.close()
    if broker is not None:
        redis.Redis.from_url(broker).flushdb()


def runs_since(github: FakeGitHub, after: int) -> list[JSON]:
    """Check runs created since run `after`."""
    with github.lock:
        return [dict(run) for run_id, run in github.check_runs.items() if run_id > after]


def open_runs(github: FakeGitHub, after: int) -> list[JSON]:
    return [run for run in runs_since(github, after) if run["status"] != "completed"]


def last_run_id(github: FakeGitHub) -> int:
    with github.lock:
        return max(github.check_runs, default=0)


class Answer(Protocol):
    """An HTTP response, from httpx or from the test client."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def assert_answer(response: Answer, delivery: Delivery) -> None:
    assert response.status_code < 500, (
        f"{delivery.what} answered {response.status_code}: {response.text[:300]}"
    )
    assert 200 <= response.status_code < 300 or 400 <= response.status_code < 500
    assert isinstance(response.json(), dict)


def stage_small_pr(github: FakeGitHub, owner: str = OWNER) -> StagedPR:
    """A PR without Python files: quick to analyse, however often it is asked for."""
    return stage_pr(
        github, {"README.md": "# hello\n"}, [Change({"NOTES.md": "notes\n"})], owner=owner
    )


def send_all(
    post: Callable[[Delivery], Answer],
    bases: list[tuple[str, JSON]],
    examples: int,
    values: list[JSON] = SWEEP_VALUES,
) -> set[int]:
    """Every delivery of the sweep (with these values) and of the examples answered 2xx or
    4xx; returns the statuses seen."""
    seen: set[int] = set()
    for delivery in sweep(bases, values):
        response = post(delivery)
        assert_answer(response, delivery)
        seen.add(response.status_code)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(deliveries(bases))
    def one(delivery: Delivery) -> None:
        response = post(delivery)
        assert_answer(response, delivery)
        seen.add(response.status_code)

    one()
    return seen


def test_signed_malformed_deliveries_answer_2xx_or_4xx_and_leave_no_run_open(
    github: FakeGitHub, in_process: InProcess
) -> None:
    pr = stage_small_pr(github)
    before = last_run_id(github)
    client = in_process.client

    def post(delivery: Delivery) -> Answer:
        return client.post(WEBHOOK, content=delivery.body, headers=delivery.headers())

    statuses = send_all(post, event_payloads(pr), examples=400)
    # The examples reach every outcome: refused, ignored or duplicate, and queued.
    assert {200, 202, 400} <= statuses
    assert client.get("/healthz").status_code == 200
    wait_until(in_process.jobs.idle, "every job to end", timeout=60)
    assert runs_since(github, before), "no job reached GitHub: the examples prove nothing"
    assert open_runs(github, before) == []
    # Still analysing: a well-formed delivery after all that is answered and its run completed.
    # Its PR is in a repository of its own: a mutated delivery may have named any number of
    # the sweep's repository, this one's included.
    fresh = stage_small_pr(github, owner=f"{OWNER}-after")
    body = json.dumps(pull_request_payload(fresh)).encode()
    answer = post(Delivery("pull_request", body, str(uuid.uuid4()), "well-formed"))
    assert answer.status_code == 202, answer.text
    try:
        wait_completed(github, fresh.head_sha)
    except AssertionError as exc:
        with github.lock:
            asked = [
                f"{r.method} {r.path} -> {r.status}"
                for r in github.requests
                if f"/{fresh.owner}/" in r.path
            ]
        raise AssertionError(f"{exc}; GitHub was asked: {asked[-20:]}") from exc


def test_the_real_server_in_redis_mode_answers_them_alike(
    github: FakeGitHub, redis_server: str, redis_client: redis.Redis, worker: Process
) -> None:
    pr = stage_small_pr(github)
    before = last_run_id(github)
    with httpx.Client(base_url=redis_server, timeout=10) as client:

        def post(delivery: Delivery) -> Answer:
            return client.post(WEBHOOK, content=delivery.body, headers=delivery.headers())

        values: list[JSON] = [2**64, True, "../x\x00"]
        statuses = send_all(post, event_payloads(pr), examples=60, values=values)
        assert {200, 400} <= statuses
        assert client.get("/healthz").status_code == 200
    wait_until(lambda: redis_client.llen(QUEUE) == 0, "the queue to drain", timeout=60)
    wait_until(lambda: not open_runs(github, before), "every run to complete", timeout=60)
    assert worker.proc.poll() is None, worker.output()
