"""Celery tasks: thin wrappers that hand a job to the shared runner."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from app.errors import SettingsError
from app.jobs import Deps, Job
from app.runner import MAX_ATTEMPTS, attempt_job, retry_delay
from app.settings import load_settings
from app.wiring import build_deps
from workers.celery_app import TASK_NAME, celery

log = logging.getLogger(__name__)
_deps: Deps | None = None


def deps() -> Deps:
    """This worker process's collaborators, built on first use (after the fork)."""
    global _deps
    if _deps is None:
        _deps = build_deps(load_settings())
    return _deps


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_ATTEMPTS
)
def analyse_pull_request(self: Task, job: dict[str, Any]) -> None:
    parsed = Job.model_validate(job)
    try:
        collaborators = deps()
    except SettingsError as exc:  # e.g. the database is not up yet: the job waits for it
        log.warning("job %s: cannot start: %s", parsed.key, exc)
        raise self.retry(countdown=retry_delay(self.request.retries)) from exc
    delay = attempt_job(parsed, collaborators, self.request.retries)
    if delay is not None:
        raise self.retry(countdown=delay)
