"""One job at a time on a head, and the check run each head has.

A job holds its head's lock while it works on it, so two jobs for one head (a re-run asked
during an analysis, a review that needs the analysis, a killed worker's job coming back) never
create, complete or review at the same time: the second waits (`Busy`) and then finds the work
done. The lock is renewed while the job runs and lapses one ttl after its worker dies.

The head's check run is recorded in the shared job state: whoever creates it first (the
starter that shows it queued at once, or the job) records it, and every later job finds it
there without asking GitHub.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from app.adapters.state import JobState
from app.errors import Busy, Unavailable

log = logging.getLogger(__name__)


@contextmanager
def holding(state: JobState, key: str, ttl: float) -> Iterator[None]:
    """Hold the lock on the head `key` while the block runs; Busy when another job has it."""
    held = state.lock(key, ttl)
    if held is None:
        raise Busy(f"another job is working on {key}")
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl / 3):
            try:
                if not held.renew():
                    log.warning("the lock on %s lapsed while its job ran", key)
                    return
            except Unavailable:  # Redis down: try again at the next turn
                log.warning("could not renew the lock on %s", key)

    renewer = threading.Thread(target=renew, name="ai-gate-head-lock", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        try:
            held.release()
        except Unavailable:  # it lapses by itself
            log.warning("could not release the lock on %s", key)
