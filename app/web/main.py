"""The FastAPI application, built from Settings by `create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.adapters.state import JobState
from app.adapters.store import SqlStore
from app.errors import Unavailable
from app.queue import CeleryQueue, EmbeddedQueue, JobQueue, UnconfiguredQueue
from app.settings import Settings
from app.web.metrics import ActivitySource, LazyStore, WebMetrics
from app.web.setup import setup_router
from app.web.webhooks import webhook_router


def _celery_queue(settings: Settings) -> CeleryQueue:
    from workers.celery_app import TASK_NAME, configure

    celery = configure(settings)
    client = redis.Redis.from_url(settings.redis_url or "", socket_timeout=2)

    def send(job: dict[str, Any]) -> None:
        try:
            celery.send_task(TASK_NAME, args=[job])
        except (OperationalError, redis.RedisError) as exc:  # after kombu's own retries
            raise Unavailable(f"the broker does not answer ({type(exc).__name__})") from exc

    def ping() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    return CeleryQueue(send, ping)


def _embedded_queue(settings: Settings, state: JobState, store: SqlStore) -> EmbeddedQueue:
    from app.jobs import Job
    from app.runner import run_with_retries
    from app.wiring import build_deps

    deps = build_deps(settings, state, store)

    def execute(payload: dict[str, Any]) -> None:
        run_with_retries(Job.model_validate(payload), deps)

    return EmbeddedQueue(execute, settings.embedded_workers, settings.embedded_queue_size)


def create_app(settings: Settings, queue: JobQueue | None = None) -> FastAPI:
    """The web app; refuses to start without a webhook secret."""
    from app.wiring import build_state

    secret = settings.require_webhook_secret().get_secret_value()
    state = build_state(settings)
    # The workers' records (reports, ledger, job runs) give /metrics its per-repository figures.
    # Opened at the first scrape: webhooks must be accepted even while the database is down.
    records: ActivitySource = LazyStore(lambda: SqlStore(settings.database_url))
    if queue is None:
        if settings.redis_url:
            queue = _celery_queue(settings)
        elif settings.has_app_credentials:
            store = SqlStore(settings.database_url)  # jobs run here: they need it from the start
            queue, records = _embedded_queue(settings, state, store), store
        else:
            queue = UnconfiguredQueue()
    metrics = WebMetrics(records)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if isinstance(queue, EmbeddedQueue):
            queue.shutdown()

    app = FastAPI(title="ai-gate", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(webhook_router(secret, state, queue, metrics, settings.delivery_ttl_seconds))
    app.include_router(setup_router(settings))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> Response:
        if queue.ready():
            return JSONResponse(
                {"status": "ready", "mode": "embedded" if settings.embedded else "redis"}
            )
        reason = (
            queue.not_ready_reason
            if isinstance(queue, UnconfiguredQueue)
            else ("broker unreachable")
        )
        return JSONResponse({"status": reason}, status_code=503)

    @app.get("/metrics")
    def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
