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
