"""Real parts: Redis, `ai-gate serve` and `ai-gate worker` processes, and our fake GitHub."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from app.adapters.gitcache import GitCache
from app.adapters.github.client import GitHubApp
from app.adapters.registry import MemoryLicenceCache, RegistryResolver
from app.adapters.state import MemoryJobState
from app.adapters.store import SqlStore
from app.jobs.deps import Deps
from app.web.signature import sign
from tests.fakes.github_server import FakeGitHub, FakeGitHubServer
from tests.fakes.keys import private_key_pem, public_key_pem
from tests.fakes.registry_server import FakeRegistry, FakeRegistryServer

# The store tests' databases (fixtures `url`, `store`, `open_store`, `postgres`).
from tests.integration.databases import database, open_store, postgres, sql_store  # noqa: F401

APP_ID = 4242
INSTALLATION_ID = 1
SECRET = "integration-secret"
BIN = Path(sys.executable).parent / "ai-gate"
# A database of its own so the tests never touch another user's keys; two test sessions on one
# machine (a second checkout, say) each need their own: AI_GATE_TEST_REDIS_DB picks it. The
# resilience tests also use the next one (and flush it): keep two sessions two apart.
REDIS_DB = int(os.environ.get("AI_GATE_TEST_REDIS_DB", "13"))


def redis_url() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    return f"{base}/{REDIS_DB}"


def require_redis_server() -> None:
    """Skip without a redis-server binary of our own to start and stop; in CI
    (AI_GATE_REQUIRE_REDIS_SERVER=1) fail instead, so the test is never silently lost."""
    if shutil.which("redis-server") is not None:
        return
    message = "this test starts and stops a redis-server of its own: install Debian's package"
    if os.environ.get("AI_GATE_REQUIRE_REDIS_SERVER"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url())
    try:
        client.ping()
    except redis.RedisError as exc:  # CI starts one; say so rather than skip silently
        pytest.fail(f"integration tests need Redis at {redis_url()}: {exc}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(scope="session")
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=public_key_pem())
    fake.add_installation(INSTALLATION_ID)
    with FakeGitHubServer(fake) as server:
        fake.base_url = server.url  # type: ignore[attr-defined]
        yield fake


@contextmanager
def github_taking(token: str) -> Iterator[tuple[FakeGitHub, str]]:
    """A fake GitHub of its own, served over HTTP, that takes `token` for an hour: for the
    git cache's tests, which fetch with a token and never ask for one."""
    fake = FakeGitHub()
    with FakeGitHubServer(fake) as server:
        with fake.lock:
            fake.tokens[token] = (1, datetime.now(UTC) + timedelta(hours=1))
        yield fake, server.url


class Process:
    """A child process whose output goes to a log file we can read on failure."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._file = log.open("wb")
        self.proc = subprocess.Popen(
            args, env=env, stdout=self._file, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, ready: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{what} exited early:\n{self.output()}")
            if ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{what} not ready after {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._file.close()


@pytest.fixture(scope="session")
def registry() -> Iterator[FakeRegistry]:
    """The package registries (PyPI and npm) the licence check looks dependencies up in."""
    fake = FakeRegistry()
    with FakeRegistryServer(fake) as server:
        fake.base_url = server.url  # type: ignore[attr-defined]
        yield fake


def app_env(
    github: FakeGitHub, *, redis: bool, data: Path, registry: FakeRegistry | None = None
) -> dict[str, str]:
    """The environment of a server or worker: the fake GitHub and registries, a database in
    `data`. Without a fake registry, lookups are switched off: tests never reach the internet."""
    registry_url = getattr(registry, "base_url", "")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "REDIS_", "DATABASE_"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{data / 'ai-gate.db'}",
        "AI_GATE_CACHE_DIR": str(data / "git-cache"),
        "GITHUB_APP_ID": str(APP_ID),
        "GITHUB_APP_PRIVATE_KEY": private_key_pem(),
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": github.base_url,  # type: ignore[attr-defined]
        "PYTHONUNBUFFERED": "1",
        "AI_GATE_WRITE_INTERVAL": "0.02",
        "AI_GATE_PYPI_URL": registry_url,
        "AI_GATE_NPM_URL": registry_url,
    }
    if redis:
        env["REDIS_URL"] = redis_url()
    return env


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def serve(env: dict[str, str], logs: Path) -> tuple[Process, str]:
    """`ai-gate serve` on a free port, once it answers /healthz; stopped if it never does."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = Process([str(BIN), "serve", "--port", str(port)], env, logs / f"serve-{port}.log")
    try:
        proc.wait_for(lambda: healthy(url), "ai-gate serve")
    except RuntimeError:
        proc.stop()
        raise
    return proc, url


def start_worker(env: dict[str, str], log: Path, concurrency: int = 2) -> Process:
    """`ai-gate worker`, once Celery says it is ready; stopped if it never does."""
    proc = Process([str(BIN), "worker", "--concurrency", str(concurrency)], env, log)
    try:
        proc.wait_for(lambda: "ready." in proc.output(), "ai-gate worker", timeout=60)
    except RuntimeError:
        proc.stop()
        raise
    return proc


def start_server(
    github: FakeGitHub, tmp: Path, *, redis: bool, data: Path | None = None
) -> tuple[Process, str]:
    """A server logging into `tmp`, with its database in `data` (default: `tmp`)."""
    return serve(app_env(github, redis=redis, data=data or tmp), tmp)


@pytest.fixture(scope="session")
def redis_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database of Redis mode, shared by the worker and the web (as in a deployment)."""
    return tmp_path_factory.mktemp("redis-mode-data")


@pytest.fixture(scope="session")
def worker(
    github: FakeGitHub,
    registry: FakeRegistry,
    redis_client: redis.Redis,
    redis_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Process]:
    assert redis_client.ping()  # the broker answers before the worker starts
    log_dir = tmp_path_factory.mktemp("worker")
    env = app_env(github, redis=True, data=redis_data, registry=registry)
    proc = start_worker(env, log_dir / "worker.log")
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def redis_server(
    github: FakeGitHub,
    worker: Process,
    redis_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    assert worker.proc.poll() is None, worker.output()  # jobs need a live worker
    proc, url = start_server(github, tmp_path_factory.mktemp("serve"), redis=True, data=redis_data)
    yield url
    proc.stop()


@pytest.fixture(scope="session")
def embedded_server(github: FakeGitHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(github, tmp_path_factory.mktemp("embedded"), redis=False)
    yield url
    proc.stop()


def deliver(
    url: str,
    event: str,
    payload: dict[str, Any],
    *,
    delivery: str | None = None,
    secret: str | None = SECRET,
    signature: str | None = None,
) -> httpx.Response:
    """POST a webhook delivery the way GitHub does."""
    body = json.dumps(payload).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/abc123",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": str(APP_ID),
    }
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    elif secret is not None:
        headers["X-Hub-Signature-256"] = sign(secret, body)
    return httpx.post(f"{url}/api/github/webhooks", content=body, headers=headers, timeout=10)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def deps(github: FakeGitHub, tmp_path: Path) -> Iterator[Deps]:
    """What a worker builds from its settings, here over a SQLite file and in-memory state."""
    store = SqlStore(f"sqlite:///{tmp_path / 'ai-gate.db'}")
    app = GitHubApp(
        issuer=str(APP_ID),
        private_key_pem=private_key_pem(),
        api_url=github.base_url,  # type: ignore[attr-defined]
        write_interval=0,
    )
    yield Deps(
        github=app,
        gitcache=GitCache(tmp_path / "cache", 10**9),
        licences=RegistryResolver("", "", cache=MemoryLicenceCache()),
        state=MemoryJobState(),
        reports=store,
        ledger=store,
        runs=store,
        time_limit=60,
        lease=2,
    )
    app.close()
    store.close()
