"""Celery tasks: thin wrappers that hand a job to the shared runner."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import Task
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from app.errors import SettingsError
from app.jobs.deps import Deps, build_deps
from app.jobs.model import Job
from app.jobs.runner import MAX_ATTEMPTS, retry_delay, run_attempts
from app.settings import load_settings
from workers.celery_app import TASK_NAME, celery

log = logging.getLogger(__name__)
# Retries waiting at most this long run in the task itself, its message still held (leased,
# see workers/health.py): nothing to publish, so a broker that is down cannot lose them.
INLINE_RETRY_SECONDS = 60.0
_deps: Deps | None = None
_deps_lock = threading.Lock()


def deps() -> Deps:
    """This worker process's collaborators, built on first use (by one thread)."""
    global _deps
    with _deps_lock:
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

    def wait(delay: float) -> bool:
        if delay > INLINE_RETRY_SECONDS and _retry_later(self, delay):
            return False
        time.sleep(delay)
        return True

    run_attempts(parsed, collaborators, self.request.retries, wait)


def _retry_later(task: Task, delay: float) -> bool:
    """Hand a long wait (a rate limit's) back to the broker; False when it cannot take it,
    then the task waits itself rather than lose the job."""
    try:
        task.retry(countdown=delay, throw=False)
    except (OperationalError, RedisError, OSError):
        log.warning("the broker cannot take a retry in %.0fs: waiting here", delay)
        return False
    return True
