"""The FastAPI application, built from Settings by `create_app`."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.adapters.intake import CeleryMessages, Intake, MemoryIntake, RedisIntake
from app.adapters.oauth import GitHubOAuth
from app.adapters.state import JobState, MemoryJobState
from app.adapters.store import SqlStore
from app.jobs.queue import EmbeddedQueue, JobQueue, UnconfiguredQueue
from app.settings import Settings
from app.web.dashboard import StoreOnce, dashboard_router
from app.web.metrics import ActivitySource, LazyStore, WebMetrics
from app.web.outcomemetrics import OutcomeCollector
from app.web.setup import setup_router
from app.web.webhooks import webhook_route


def _redis_intake(settings: Settings) -> RedisIntake:
    """Deliveries go straight to Redis: the bookkeeping script, then the Celery queue."""
    import redis.asyncio as aioredis

    from workers.celery_app import QUEUE, TASK_NAME, configure

    messages = CeleryMessages(configure(settings), TASK_NAME, QUEUE)
    client = aioredis.Redis.from_url(settings.redis_url or "", socket_timeout=2)
    return RedisIntake(client, messages, settings.delivery_ttl_seconds)


def _embedded_queue(settings: Settings, state: JobState, store: SqlStore) -> EmbeddedQueue:
    from app.jobs.deps import build_deps
    from app.jobs.model import Job
    from app.jobs.runner import run_with_retries

    deps = build_deps(settings, state, store)

    def execute(payload: dict[str, Any]) -> None:
        run_with_retries(Job.model_validate(payload), deps)

    return EmbeddedQueue(execute, settings.embedded_workers, settings.embedded_queue_size)


def _dashboard(settings: Settings, figures: StoreOnce) -> APIRouter:
    """`/`, the dashboard and its sign-in, reading the store the jobs write."""
    oauth = None
    if settings.dashboard_enabled and settings.github_client_secret is not None:
        oauth = GitHubOAuth(
            settings.github_api_url,
            settings.github_client_id or "",
            settings.github_client_secret.get_secret_value(),
            timeout=settings.github_timeout_seconds,
        )
    return dashboard_router(settings, figures, oauth)


def create_app(settings: Settings, intake_override: Intake | None = None) -> FastAPI:
    """The web app; refuses to start without a webhook secret."""

    secret = settings.require_webhook_secret().get_secret_value()
    # The workers' records (reports, ledger, job runs) give /metrics its per-repository figures.
    # Opened at the first scrape: webhooks must be accepted even while the database is down.
    records: ActivitySource = LazyStore(lambda: SqlStore(settings.database_url))
    embedded: EmbeddedQueue | None = None
    shared: SqlStore | None = None
    intake: Intake
    if intake_override is not None:
        intake = intake_override
    elif settings.redis_url:
        intake = _redis_intake(settings)
    else:
        state = MemoryJobState()
        queue: JobQueue = UnconfiguredQueue()
        if settings.has_app_credentials:
            store = SqlStore(settings.database_url)  # jobs run here: they need it from the start
            queue = embedded = _embedded_queue(settings, state, store)
            records = shared = store
        intake = MemoryIntake(state, queue, settings.delivery_ttl_seconds)
    figures = StoreOnce(lambda: shared or SqlStore(settings.database_url))
    metrics = WebMetrics(records, OutcomeCollector(figures.figures))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise stall the event loop for tens of ms.
        gc.collect()
        gc.freeze()
        yield
        if embedded is not None:
            embedded.shutdown()

    app = FastAPI(title="ai-gate", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.router.routes.append(webhook_route(secret, intake, metrics))
    app.include_router(setup_router(settings))
    app.include_router(_dashboard(settings, figures))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        if await intake.ready():
            return JSONResponse(
                {"status": "ready", "mode": "embedded" if settings.embedded else "redis"}
            )
        if settings.embedded and not settings.has_app_credentials:
            return JSONResponse({"status": UnconfiguredQueue.not_ready_reason}, status_code=503)
        return JSONResponse({"status": "broker unreachable"}, status_code=503)

    @app.get("/metrics")
    def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
