"""`POST /api/github/webhooks`: verify, parse, record, enqueue, answer — no GitHub call here,
and nothing that blocks the event loop (the intake is async)."""

from __future__ import annotations

import logging
import time

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.adapters.intake import Intake
from app.errors import Unavailable
from app.web.metrics import WebMetrics
from app.web.routing import closed_pull_request, jobs_for
from app.web.signature import verify

log = logging.getLogger(__name__)

MAX_BODY = 25 * 1024 * 1024  # GitHub never sends more than 25 MB
PATH = "/api/github/webhooks"


def _answer(status: int, message: str, **extra: object) -> Response:
    return JSONResponse({"message": message, **extra}, status_code=status)


def _first_error(exc: ValidationError) -> str:
    """Where the payload is wrong and how, without echoing the value back."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"[:300]


def webhook_route(secret: str, intake: Intake, metrics: WebMetrics) -> Route:
    """The route, as a plain Starlette endpoint: FastAPI's dependency solving and validation
    layers have nothing to do here and cost a third of a delivery's time."""

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
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _answer(400, "body is not JSON")
        if not isinstance(payload, dict) or not event:
            return _answer(400, "expected a JSON object and an X-GitHub-Event header")
        if event == "ping":
            return _answer(200, "pong")
        delivery = request.headers.get("x-github-delivery", "")
        try:
            jobs = jobs_for(event, payload, delivery)
            closed = closed_pull_request(event, payload)
        except ValidationError as exc:
            return _answer(400, f"malformed {event} payload: {_first_error(exc)}")
        try:
            taken = await intake.take(delivery, closed, jobs)
        except Unavailable as exc:
            # Refused rather than dropped: GitHub shows the delivery failed and redelivers it.
            log.warning("delivery %s refused: %s", delivery, exc)
            return _answer(503, f"{exc}; redeliver later")
        if taken.outcome == "duplicate":
            return _answer(200, "duplicate delivery; already handled", delivery=delivery)
        if taken.outcome == "closed":
            return _answer(200, "pull request closed; pending work stops")
        if taken.outcome == "queued":
            for job in jobs[: taken.queued]:
                metrics.jobs.labels(job.event).inc()
            return _answer(202, "queued", jobs=taken.queued)
        return _answer(200, "ignored" if taken.outcome == "ignored" else "already queued")

    return Route(PATH, receive, methods=["POST"])
