"""Random failures, as a busy GitHub answers them: a share of reads 502, of writes 429 or a
secondary rate limit (403 with `retry-after`). Seeded, so a run can be repeated."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@dataclass
class Chaos:
    seed: int = 0
    read_errors: float = 0.10
    write_429: float = 0.03
    write_secondary: float = 0.02
    retry_after: int = 1
    # What was injected, by kind: the bench prints it.
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def failure(self, method: str) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The status, body and headers of an injected failure, or None to answer normally."""
        with self._lock:
            roll = self._rng.random()
        if method == "GET":
            if roll < self.read_errors:
                self.injected["read 502"] += 1
                return 502, {"message": "Server Error"}, {}
            return None
        wait = {"retry-after": str(self.retry_after)}
        if roll < self.write_429:
            self.injected["write 429"] += 1
            return 429, {"message": "API rate limit exceeded"}, wait
        if roll < self.write_429 + self.write_secondary:
            self.injected["write secondary"] += 1
            return 403, {"message": SECONDARY}, wait
        return None
