"""A job's time limit, enforced where a job waits: on git, on the linters and on GitHub.

A worker runs jobs in threads (see README, "Worker"), where Celery cannot interrupt a task:
every wait of a job is bounded by what is left of its limit instead. The analysis stops a
little earlier than the job (`sooner`), so a linter cut short still leaves time to publish
the report with a note rather than no report.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from app.errors import TimeLimitExceeded


@dataclass(frozen=True)
class Deadline:
    """A point in `time.monotonic()` after which the job gives up."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    @classmethod
    def never(cls) -> Deadline:
        return cls(math.inf)

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def check(self) -> None:
        """TimeLimitExceeded once the deadline has passed."""
        if self.expired():
            raise TimeLimitExceeded("the job reached its time limit")

    def timeout(self, default: float) -> float:
        """`default` seconds, or fewer when the deadline is nearer; TimeLimitExceeded once it
        has passed."""
        self.check()
        return min(default, self.remaining())

    def sooner(self, seconds: float) -> Deadline:
        return Deadline(self.at - seconds)
