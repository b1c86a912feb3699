"""One attempt at a job, deciding between done, retry later, and failed for good."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.deadline import Deadline
from app.errors import AiGateError, Busy, RateLimited, TimeLimitExceeded, TransientError
from app.jobs.deps import Deps
from app.jobs.kinds import fail_job, run_job
from app.jobs.model import Job
from app.publishers.checkrun import ErrorConclusion

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
MAX_RETRY_DELAY = 900.0
# A job whose head another job holds looks again this often, for at most this many times
# (10 minutes: longer than any job may hold a head).
BUSY_DELAY = 3.0
MAX_BUSY_WAITS = 200


@dataclass(frozen=True)
class Retry:
    """Try the job again after `delay` seconds; a wait for a busy head is no failed attempt."""

    delay: float
    counts: bool = True


def retry_delay(attempt: int) -> float:
    """Exponential backoff: 2, 4, 8, … seconds, capped."""
    return float(min(2 ** (attempt + 1), MAX_RETRY_DELAY))


def attempt_job(job: Job, deps: Deps, attempt: int) -> Retry | None:
    """Run the job once, within its time limit; when to try again, or None when it is
    finished. No exception escapes: a job always ends with its run completed."""
    started = time.monotonic()
    outcome = "failed"
    try:
        outcome = run_job(job, deps, Deadline.after(deps.time_limit))
        return None
    except Busy:
        outcome = "busy"
        return Retry(BUSY_DELAY, counts=False)
    except TimeLimitExceeded:
        outcome = "timed-out"
        give_up(
            job,
            deps,
            "timed_out",
            f"The analysis took longer than its time limit ({deps.time_limit:.0f} s).",
        )
        return None
    except TransientError as exc:
        if attempt + 1 >= MAX_ATTEMPTS:
            give_up(
                job,
                deps,
                "failure",
                f"GitHub kept failing after {MAX_ATTEMPTS} attempts: {exc}. Re-run to retry.",
            )
            return None
        outcome = "retry"
        delay = exc.retry_after if isinstance(exc, RateLimited) else retry_delay(attempt)
        log.warning("job %s attempt %d: %s; retrying in %.0fs", job.key, attempt + 1, exc, delay)
        return Retry(min(max(delay, 1.0), MAX_RETRY_DELAY))
    except AiGateError as exc:
        give_up(job, deps, "failure", f"{type(exc).__name__}: {exc}")
        return None
    except Exception as exc:  # a bug of ours must still not leave the run in progress
        log.exception("job %s crashed", job.key)
        give_up(job, deps, "failure", f"Internal error ({type(exc).__name__}); see the app logs.")
        return None
    finally:
        if outcome != "busy":  # a look at a busy head is no attempt worth a metric
            _record(job, deps, outcome, time.monotonic() - started)
        if outcome not in ("retry", "busy"):
            _release(job, deps)


def _release(job: Job, deps: Deps) -> None:
    """The job is over: a later event for its head may queue one again (a second event of the
    same push then finds the head's run completed and stops at once)."""
    try:
        deps.state.release(job.key)
    except AiGateError:
        log.warning("could not release the claim of job %s", job.key, exc_info=True)


def _record(job: Job, deps: Deps, outcome: str, seconds: float) -> None:
    """Keep the attempt for the metrics; a store failure must not fail the job."""
    try:
        deps.runs.record_job(
            job.repository, job.pull_number, job.head_sha, job.kind, outcome, seconds
        )
    except Exception:
        log.warning("could not record job %s for the metrics", job.key, exc_info=True)


def give_up(job: Job, deps: Deps, conclusion: ErrorConclusion, message: str) -> None:
    """Complete the check run with the reason; if even that fails, log it."""
    log.error("job %s failed for good: %s", job.key, message)
    try:
        fail_job(job, deps, conclusion, message)
    except Exception:  # the last resort: whatever broke, the job ends logged, never raised
        log.exception("could not complete the check run of job %s", job.key)


def run_attempts(job: Job, deps: Deps, attempt: int, wait: Callable[[float], bool]) -> None:
    """Attempt the job until it is finished; `wait(delay)` waits before the next attempt, or
    answers False when it handed the job over to run later (then this call is done)."""
    busy = 0
    while (retry := attempt_job(job, deps, attempt)) is not None:
        if retry.counts:
            attempt += 1
        else:
            busy += 1
            if busy > MAX_BUSY_WAITS:
                log.warning("job %s: its head stayed busy; the job holding it finishes it", job.key)
                return
        if not wait(retry.delay):
            return


def run_with_retries(job: Job, deps: Deps, sleep: Callable[[float], None] = time.sleep) -> None:
    """Embedded mode's retry loop: the same attempts and backoff as the Celery task."""

    def wait(delay: float) -> bool:
        sleep(delay)
        return True

    run_attempts(job, deps, 0, wait)
