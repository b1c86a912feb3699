"""The starter: shows each new head's check run queued within moments of its push.

The analysis queue may be long; the run should not wait for it. The web's intake puts each
new head's job on a short list of its own besides the queue (app/adapters/intake.py), and a
few threads of every worker take from that list and create the head's run `queued`
(`show_queued` in app/jobs/analyse.py). The analysis job finds the run recorded and moves it to in
progress. Best effort by design: an entry lost to a crash or a Redis restart only means the
job creates the run itself when it starts.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import redis
from celery import bootsteps
from redis.exceptions import RedisError

from app.adapters.intake import STARTS
from app.errors import AiGateError
from app.jobs.analyse import show_queued
from app.jobs.model import Job

log = logging.getLogger(__name__)

THREADS = 4
POLL_SECONDS = 1


class Starter(bootsteps.StartStopStep):  # type: ignore[misc]
    """Takes new heads from the starter's list and shows their runs queued."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.url = str(parent.app.conf.broker_url or "")
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, parent: Any) -> None:  # noqa: ARG002 - the step's signature
        if not self.url.startswith(("redis://", "rediss://", "unix://")):
            return
        self.stopping.clear()
        self.thread = threading.Thread(target=self.run, name="ai-gate-starter", daemon=True)
        self.thread.start()

    def stop(self, parent: Any) -> None:  # noqa: ARG002 - the step's signature
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(POLL_SECONDS + 5)
            self.thread = None

    def run(self) -> None:
        client = redis.Redis.from_url(self.url, socket_timeout=POLL_SECONDS + 5)
        with ThreadPoolExecutor(THREADS, thread_name_prefix="ai-gate-start") as pool:
            while not self.stopping.is_set():
                try:
                    item = client.brpop([f"ai-gate:{STARTS}"], timeout=POLL_SECONDS)
                except (RedisError, OSError):  # Redis down: the jobs create their runs
                    self.stopping.wait(POLL_SECONDS)
                    continue
                if isinstance(item, (list, tuple)) and len(item) == 2:
                    pool.submit(start, bytes(item[1]))


def start(raw: bytes) -> None:
    """Show one head's run queued; any failure is logged and left to the job."""
    from workers.tasks import deps  # the worker's collaborators, built once per process

    try:
        entry = orjson.loads(raw)
        job = Job.model_validate(entry["job"])
        if show_queued(job, deps()):
            log.info(
                "run of %s shown queued %.2fs after its delivery",
                job.key,
                time.time() - float(entry["at"]),
            )
    except (AiGateError, ValueError, KeyError, TypeError, RedisError, OSError) as exc:
        log.info("could not show a queued run (its job will create it): %s", exc)
    except Exception:
        log.exception("the starter failed on one head; its job will create the run")
