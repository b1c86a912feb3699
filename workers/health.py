"""The worker's liveness: a file its consumer loop touches every few seconds.

The step runs on the consumer's own timer, so the file goes stale when the consumer dies or
stops turning (a lost broker connection it cannot restore, a hang), not merely when the
process is gone. `ai-gate health worker` says whether the file is fresh; Compose and
Kubernetes use it to restart a worker that has stopped consuming.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from celery import bootsteps
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

INTERVAL = 5.0
# Stale after this many missed beats.
MISSED_BEATS = 6


class Heartbeat(bootsteps.StartStopStep):  # type: ignore[misc]
    """Touches the heartbeat file from the consumer's event loop."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.path = Path(parent.app.conf.get("ai_gate_heartbeat_file") or "")
        self.tref: Any = None

    def start(self, parent: Any) -> None:
        if not self.path.name:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.beat()
        self.tref = parent.timer.call_repeatedly(INTERVAL, self.beat)

    def stop(self, parent: Any) -> None:  # noqa: ARG002 - the step's signature
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def beat(self) -> None:
        try:
            self.path.touch()
        except OSError:
            log.warning("cannot touch the heartbeat file %s", self.path, exc_info=True)


def alive(path: Path, now: float | None = None) -> bool:
    """Whether the consumer beat within the last MISSED_BEATS intervals."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:
        return False
    return age <= INTERVAL * MISSED_BEATS


class Lease(bootsteps.StartStopStep):  # type: ignore[misc]
    """Renews the leases of the jobs this worker holds, from the consumer's timer.

    kombu's Redis transport keeps each unacknowledged message's delivery time in a sorted set
    (`unacked_index`) and puts back the ones older than the visibility timeout. Moving the
    held ones' times forward every third of it keeps a long job with its live worker, while
    a dead worker's jobs come back one lease later. Only times of messages still there are
    moved (`XX`): an acknowledged job is not revived.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        options = parent.app.conf.broker_transport_options or {}
        self.interval = float(options.get("visibility_timeout", 3600)) / 3
        self.tref: Any = None

    def start(self, parent: Any) -> None:
        self.tref = parent.timer.call_repeatedly(self.interval, self.renew, (parent,))

    def stop(self, parent: Any) -> None:  # noqa: ARG002 - the step's signature
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def renew(self, parent: Any) -> None:
        consumer = getattr(parent, "task_consumer", None)
        channel = getattr(consumer, "channel", None)
        qos = getattr(channel, "qos", None)
        if channel is None or qos is None or not hasattr(qos, "unacked_index_key"):
            return  # not kombu's Redis transport
        dirty = set(qos._dirty)
        held = [tag for tag in list(qos._delivered) if tag not in dirty]
        if not held:
            return
        now = time.time()
        try:
            with channel.conn_or_acquire() as client:
                client.zadd(qos.unacked_index_key, dict.fromkeys(held, now), xx=True)
        except (RedisError, OSError):  # Redis down: the next renewal tries again
            log.warning("could not renew the leases of %d jobs", len(held), exc_info=True)
