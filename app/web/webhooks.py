"""`POST /api/github/webhooks`: verify, parse, dedupe, enqueue, answer — no GitHub call here."""

from __future__ import annotations

import json
import logging
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.adapters.state import JobState
from app.errors import Unavailable
from app.jobs import CLOSED
from app.queue import JobQueue, QueueFull
from app.web.metrics import WebMetrics
from app.web.routing import closed_pull_request, jobs_for
from app.web.signature import verify

log = logging.getLogger(__name__)

MAX_BODY = 25 * 1024 * 1024  # GitHub never sends more than 25 MB
# check_suite.requested and pull_request.synchronize announce the same push: one job each sha.
JOB_CLAIM_TTL = 600


def _answer(status: int, message: str, **extra: object) -> Response:
    return JSONResponse({"message": message, **extra}, status_code=status)


def webhook_router(
    secret: str, state: JobState, queue: JobQueue, metrics: WebMetrics, delivery_ttl: int
) -> APIRouter:
    router = APIRouter()

    @router.post("/api/github/webhooks")
    async def receive(request: Request) -> Response:
        started = time.perf_counter()
        event = request.headers.get("x-github-event", "")
        response = await _handle(request, event)
        metrics.deliveries.labels(event or "unknown", str(response.status_code)).inc()
        metrics.latency.observe(time.perf_counter() - started)
        return response

    async def _handle(request: Request, event: str) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            return _answer(413, "payload over 25 MiB")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _answer(413, "payload over 25 MiB")
        if not verify(secret, body, request.headers.get("x-hub-signature-256")):
            return _answer(401, "missing or wrong X-Hub-Signature-256")
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _answer(400, "body is not JSON")
        if not isinstance(payload, dict) or not event:
            return _answer(400, "expected a JSON object and an X-GitHub-Event header")
        if event == "ping":
            return _answer(200, "pong")
        delivery = request.headers.get("x-github-delivery", "")
        try:
            return _queue_jobs(event, payload, delivery)
        except Unavailable as exc:
            # Refused rather than dropped: GitHub shows the delivery failed and redelivers it.
            log.warning("delivery %s refused: %s", delivery, exc)
            return _answer(503, f"{exc}; redeliver later")

    def _queue_jobs(event: str, payload: dict[str, object], delivery: str) -> Response:
        if delivery and not state.first_delivery(delivery, delivery_ttl):
            return _answer(200, "duplicate delivery; already handled", delivery=delivery)
        try:
            jobs = jobs_for(event, payload, delivery)
        except (KeyError, TypeError, ValueError) as exc:
            return _answer(400, f"malformed {event} payload: {exc!r}")
        if (closed := closed_pull_request(event, payload)) is not None:
            state.set_head(closed, CLOSED)  # queued jobs of a closed PR stop
            return _answer(200, "pull request closed; pending work stops")
        queued = 0
        for job in jobs:
            if event == "pull_request":  # only a push announces a newer head
                state.set_head(job.pr_key, job.head_sha)
            once = job.kind == "analyse" and not job.rerun
            if once and not state.claim(job.key, JOB_CLAIM_TTL):
                continue
            try:
                queue.enqueue(job)
            except (QueueFull, Unavailable) as exc:
                # Let GitHub's redelivery try again: it must not look like a duplicate.
                state.release(job.key)
                if delivery:
                    state.forget_delivery(delivery)
                return _answer(503, f"{exc}; redeliver later")
            metrics.jobs.labels(job.event).inc()
            queued += 1
        if queued:
            return _answer(202, "queued", jobs=queued)
        return _answer(200, "ignored" if not jobs else "already queued")

    return router
