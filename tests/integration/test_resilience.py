"""Nothing lost: a worker killed mid-job, and Redis restarted under the web and the worker.

Each test runs its own web process and worker on a Redis database (or server) of its own, so
the session's worker cannot take their jobs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import make_url

from app.settings import load_settings
from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import (
    BIN,
    Process,
    app_env,
    deliver,
    free_port,
    redis_url,
    require_redis_server,
    serve,
    start_worker,
    wait_until,
)
from tests.integration.scenarios import REPO, our_runs, pull_request_payload, stage_file_pr
from workers.celery_app import TASK_NAME, configure

OWNER = "resilience-org"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def broker_env(github: FakeGitHub, tmp: Path, broker: str) -> dict[str, str]:
    """Web and worker on `broker`, sharing a database in `tmp`, with short limits: a job gives
    up after 10 s, and a dead worker's job runs again 10 + 5 s after its last renewal."""
    return app_env(github, redis=True, data=tmp) | {
        "REDIS_URL": broker,
        "AI_GATE_JOB_TIME_LIMIT": "10",
        "AI_GATE_LEASE_SECONDS": "10",
    }


def start(github: FakeGitHub, tmp: Path, broker: str, name: str) -> tuple[Process, Process, str]:
    """A worker and a web process on `broker`, sharing a database in `tmp`."""
    env = broker_env(github, tmp, broker)
    worker = start_worker(env, tmp / f"{name}-worker.log", concurrency=1)
    web, url = serve(env, tmp)
    return worker, web, url


def completed(github: FakeGitHub, head: str) -> bool:
    runs = our_runs(github, head)
    return bool(runs) and all(r["status"] == "completed" for r in runs)


@pytest.fixture
def own_db() -> Iterator[str]:
    # A database of its own, next to the session's (two test sessions may share a machine).
    base, _, db = redis_url().rpartition("/")
    url = f"{base}/{(int(db) + 1) % 16}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


def test_a_job_whose_worker_is_killed_mid_job_runs_again_and_completes(
    github: FakeGitHub, own_db: str, tmp_path: Path
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    worker, web, url = start(github, tmp_path, own_db, "first")
    held = github.hold("GET", rf"/repos/{OWNER}/[^/]+/pulls/{pr.number}/commits")
    try:
        assert deliver(url, "pull_request", pull_request_payload(pr)).status_code == 202
        assert held.reached.wait(60), worker.output()
        os.killpg(worker.proc.pid, signal.SIGKILL)  # mid-job: the run is in progress
        worker.proc.wait(10)
        assert [r["status"] for r in our_runs(github, pr.head_sha)] == ["in_progress"]
    finally:
        held.release()
        worker.stop()
    replacement = Process(  # not waited for: its start-up counts against the bound
        [str(BIN), "worker", "--concurrency", "1"],
        broker_env(github, tmp_path, own_db),
        tmp_path / "second-worker.log",
    )
    try:
        # Within the bound above plus slack; kombu's default sweep (every 100 s) would miss it.
        wait_until(lambda: completed(github, pr.head_sha), "the redelivered job", timeout=60)
    finally:
        replacement.stop()
        web.stop()
    [run] = our_runs(github, pr.head_sha)  # the same run, completed; no second one
    assert run["conclusion"] == "success"


@pytest.fixture
def private_redis(tmp_path: Path) -> tuple[int, Path]:
    require_redis_server()
    return free_port(), tmp_path


def run_redis(port: int, tmp: Path) -> Process:
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = Process(
        [*args, "--appendonly", "no"], dict(os.environ), tmp / f"redis-{uuid.uuid4()}.log"
    )
    client = redis.Redis(port=port)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    proc.wait_for(up, "redis-server")
    return proc


def test_redis_restarted_under_the_web_and_the_worker(
    github: FakeGitHub, private_redis: tuple[int, Path]
) -> None:
    port, tmp = private_redis
    broker = f"redis://127.0.0.1:{port}/0"
    server = run_redis(port, tmp)
    worker, web, url = start(github, tmp, broker, "restart")
    try:
        before = stage_file_pr(github, "x = 1\n", owner=OWNER)
        assert deliver(url, "pull_request", pull_request_payload(before)).status_code == 202
        wait_until(lambda: completed(github, before.head_sha), "a job before the restart")

        server.stop()
        during = stage_file_pr(github, "y = 2\n", owner=OWNER)
        delivery = str(uuid.uuid4())
        # Refused, not dropped: GitHub marks the delivery failed and it can be redelivered.
        refused = deliver(url, "pull_request", pull_request_payload(during), delivery=delivery)
        assert refused.status_code == 503

        server = run_redis(port, tmp)
        wait_until(
            lambda: (
                deliver(
                    url, "pull_request", pull_request_payload(during), delivery=delivery
                ).status_code
                == 202
            ),
            "the redelivery accepted once Redis is back",
            timeout=60,
        )
        wait_until(lambda: completed(github, during.head_sha), "a job after the restart")
    finally:
        web.stop()
        worker.stop()
        server.stop()


def test_a_job_over_its_time_limit_ends_timed_out_not_as_an_internal_error(
    github: FakeGitHub, own_db: str, tmp_path: Path
) -> None:
    pr = stage_file_pr(github, "y = 1\n", owner=OWNER)
    worker, web, url = start(github, tmp_path, own_db, "slow")
    # GitHub stalls on the PR's commits past the job's 10 s limit.
    held = github.hold("GET", rf"/repos/{OWNER}/[^/]+/pulls/{pr.number}/commits")
    try:
        assert deliver(url, "pull_request", pull_request_payload(pr)).status_code == 202
        assert held.reached.wait(60), worker.output()
        wait_until(lambda: completed(github, pr.head_sha), "the timed-out run", timeout=60)
    finally:
        held.release()
        worker.stop()
        web.stop()
    [run] = our_runs(github, pr.head_sha)
    assert run["conclusion"] == "timed_out", run.get("output")
    assert "longer than its time limit" in run["output"]["summary"]


class Forwarder:
    """A TCP port that refuses connections until `open()`, then forwards them to `target`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._server: socket.socket | None = None

    def open(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port))
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def close(self) -> None:
        if self._server is not None:
            self._server.close()


def test_a_job_waits_for_a_database_that_is_not_up_yet(
    github: FakeGitHub, own_db: str, tmp_path: Path
) -> None:
    postgres = make_url(os.environ.get("AI_GATE_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    try:
        socket.create_connection((postgres.host or "127.0.0.1", postgres.port or 5432), 2).close()
    except OSError:
        pytest.skip("needs the test PostgreSQL (AI_GATE_TEST_POSTGRES_URL)")
    forwarder = Forwarder((postgres.host or "127.0.0.1", postgres.port or 5432))
    schema = f"test_resilience_{uuid.uuid4().hex[:12]}"  # a schema of its own, dropped after
    admin = postgres.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = postgres.set(drivername="postgresql", port=forwarder.port).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    env = broker_env(github, tmp_path, own_db)
    env["DATABASE_URL"] = url.render_as_string(hide_password=False)
    try:
        worker = start_worker(env, tmp_path / "worker.log", concurrency=1)
        try:
            pr = stage_file_pr(github, "w = 1\n", owner=OWNER)
            job = {
                "installation_id": 1,
                "repository": f"{OWNER}/{REPO}",
                "pull_number": pr.number,
                "head_sha": pr.head_sha,
            }
            configure(load_settings(redis_url=own_db)).send_task(TASK_NAME, args=[job])
            wait_until(lambda: "cannot start" in worker.output(), "the job to find no database")
            forwarder.open()  # the database comes up
            wait_until(lambda: completed(github, pr.head_sha), "the job once it is up", timeout=60)
        finally:
            worker.stop()
    finally:
        forwarder.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    [run] = our_runs(github, pr.head_sha)
    assert run["conclusion"] == "success"


def test_the_worker_beats_while_it_consumes_and_its_health_check_says_so(
    github: FakeGitHub, own_db: str, tmp_path: Path
) -> None:
    beat = tmp_path / "alive"
    env = broker_env(github, tmp_path, own_db) | {"AI_GATE_HEARTBEAT_FILE": str(beat)}

    def health() -> int:
        return subprocess.run([str(BIN), "health", "worker"], env=env, check=False).returncode

    assert health() == 1  # no worker yet
    worker = start_worker(env, tmp_path / "beating-worker.log", concurrency=1)
    try:
        wait_until(beat.exists, "the first heartbeat", timeout=30)
        first = beat.stat().st_mtime
        wait_until(lambda: beat.stat().st_mtime > first, "a second heartbeat", timeout=30)
        assert health() == 0
    finally:
        worker.stop()
    # A stopped consumer beats no more: once the last beat is old enough, the check fails.
    old = time.time() - 60
    os.utime(beat, (old, old))
    assert health() == 1


def test_a_job_longer_than_its_lease_stays_with_its_live_worker(
    github: FakeGitHub, own_db: str, tmp_path: Path
) -> None:
    """The worker renews the lease of the job it holds: a job that runs for more than two
    leases (GitHub slow to answer) is not taken for a dead worker's and run a second time."""
    pr = stage_file_pr(github, "z = 1\n", owner=OWNER)
    # The shortest lease: an unrenewed job would come back 5 s (lease) + 5 s (sweep) later.
    env = broker_env(github, tmp_path, own_db) | {
        "AI_GATE_JOB_TIME_LIMIT": "60",
        "AI_GATE_LEASE_SECONDS": "5",
    }
    worker = start_worker(env, tmp_path / "leasing-worker.log", concurrency=2)
    web, url = serve(env, tmp_path)
    held = github.hold("GET", rf"/repos/{OWNER}/[^/]+/pulls/{pr.number}/commits")
    try:
        assert deliver(url, "pull_request", pull_request_payload(pr)).status_code == 202
        assert held.reached.wait(60), worker.output()
        time.sleep(13)  # two and a half leases: an unrenewed job would have come back
        held.release()
        wait_until(lambda: completed(github, pr.head_sha), "the long job", timeout=60)
        time.sleep(2)
    finally:
        held.release()
        worker.stop()
        web.stop()
    [run] = our_runs(github, pr.head_sha)
    assert run["conclusion"] == "success"
    pulls = github.requests_matching("GET", rf"/repos/{OWNER}/[^/]+/pulls/{pr.number}$")
    assert len(pulls) == 2  # one job: the PR read at its start and again before publishing


@pytest.mark.parametrize("moment", ["idle", "busy", "down-60s"])
def test_the_worker_outlives_a_redis_restart(
    github: FakeGitHub, private_redis: tuple[int, Path], moment: str
) -> None:
    """Redis stopped and started again, with the worker idle, in the middle of a job, or
    after a minute down: the worker keeps consuming and every PR delivered around it ends
    with a completed run."""
    port, tmp = private_redis
    broker = f"redis://127.0.0.1:{port}/0"
    server = run_redis(port, tmp)
    worker, web, url = start(github, tmp, broker, f"outlive-{moment}")
    prs = []
    try:
        before = stage_file_pr(github, "a = 1\n", owner=OWNER)
        assert deliver(url, "pull_request", pull_request_payload(before)).status_code == 202
        prs.append(before)
        held = None
        if moment == "busy":
            busy = stage_file_pr(github, "b = 2\n", owner=OWNER)
            held = github.hold("GET", rf"/repos/{OWNER}/[^/]+/pulls/{busy.number}/commits")
            assert deliver(url, "pull_request", pull_request_payload(busy)).status_code == 202
            assert held.reached.wait(60), worker.output()
            prs.append(busy)
        else:
            wait_until(lambda: completed(github, before.head_sha), "the job before the restart")
        server.stop()
        time.sleep(60 if moment == "down-60s" else 2)
        if held is not None:
            held.release()
        server = run_redis(port, tmp)
        time.sleep(5)  # the worker's reconnection
        assert worker.proc.poll() is None, worker.output()[-3000:]
        after = stage_file_pr(github, "c = 3\n", owner=OWNER)
        wait_until(
            lambda: deliver(url, "pull_request", pull_request_payload(after)).status_code == 202,
            "a delivery accepted after the restart",
            timeout=30,
        )
        prs.append(after)
        for pr in prs:
            wait_until(partial(completed, github, pr.head_sha), f"PR {pr.number}", timeout=90)
        assert "Unrecoverable error" not in worker.output()
    finally:
        web.stop()
        worker.stop()
        server.stop()
