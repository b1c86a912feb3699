"""Where jobs go: Celery on Redis, or an in-process executor in embedded mode."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from app.jobs.model import Job

log = logging.getLogger(__name__)


class QueueFull(Exception):
    """The embedded queue has no room; the delivery should be retried by GitHub."""


class JobQueue(Protocol):
    def enqueue(self, job: Job) -> None: ...

    def ready(self) -> bool: ...


class CeleryQueue:
    """Sends jobs to the Celery task by name, as JSON."""

    def __init__(self, send: Callable[[dict[str, Any]], None], ping: Callable[[], bool]) -> None:
        self._send = send
        self._ping = ping

    def enqueue(self, job: Job) -> None:
        self._send(job.model_dump(mode="json"))

    def ready(self) -> bool:
        return self._ping()


class EmbeddedQueue:
    """A bounded background executor running the same job function in this process."""

    def __init__(self, execute: Callable[[dict[str, Any]], None], workers: int, capacity: int):
        self._execute = execute
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ai-gate-job")
        self._slots = threading.BoundedSemaphore(capacity)

    def enqueue(self, job: Job) -> None:
        if not self._slots.acquire(blocking=False):
            raise QueueFull("embedded queue is full")
        # The same JSON round trip as Celery, so embedded mode cannot depend on shared objects.
        payload = json.loads(json.dumps(job.model_dump(mode="json")))
        self._pool.submit(self._run, payload)

    def _run(self, payload: dict[str, Any]) -> None:
        try:
            self._execute(payload)
        except Exception:
            log.exception("embedded job failed: %s", payload.get("head_sha"))
        finally:
            self._slots.release()

    def ready(self) -> bool:
        return True

    def shutdown(self, wait: bool = False) -> None:
        """Drop the queued jobs; `wait` for the running ones to end (the web's shutdown does
        not: GitHub redelivers what was lost)."""
        self._pool.shutdown(wait=wait, cancel_futures=True)


class UnconfiguredQueue:
    """Embedded mode without app credentials: deliveries are refused until they are set."""

    not_ready_reason = "GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY are not set; jobs cannot run"

    def enqueue(self, job: Job) -> None:  # noqa: ARG002 - nothing can run it
        raise QueueFull(self.not_ready_reason)

    def ready(self) -> bool:
        return False
