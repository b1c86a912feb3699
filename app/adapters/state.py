"""Short-lived shared state for the webhook and jobs: seen deliveries, claimed jobs, PR heads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import redis

from app.errors import Unavailable


class JobState(Protocol):
    def first_delivery(self, delivery_id: str, ttl: int) -> bool:
        """True the first time a delivery id is seen within ttl seconds."""
        ...

    def forget_delivery(self, delivery_id: str) -> None:
        """Let a delivery be processed again (its enqueue failed)."""
        ...

    def claim(self, key: str, ttl: int) -> bool:
        """True for the first claim of a key within ttl seconds."""
        ...

    def release(self, key: str) -> None:
        """Undo a claim (the job could not be queued)."""
        ...

    def set_head(self, pr_key: str, sha: str) -> None:
        """Record the newest head sha announced for a pull request."""
        ...

    def head(self, pr_key: str) -> str | None:
        """The newest head sha announced for a pull request, if known."""
        ...

    def mark_published(self, attempt_key: str, ttl: int) -> None:
        """Record that a job's check run was completed (its retries must not complete another)."""
        ...

    def published(self, attempt_key: str) -> bool:
        """Whether `mark_published` was called for the key within its ttl."""
        ...


HEAD_TTL = 7 * 24 * 3600


class MemoryJobState:
    """Embedded mode's state: one process, entries expire by time."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> bool:
        expires = self._expiry.get(key)
        if expires is not None and expires <= now:
            self._expiry.pop(key, None)
            self._values.pop(key, None)
            return False
        return key in self._values

    def _set_nx(self, key: str, ttl: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._expiry) > 100_000:  # keep memory bounded: drop the expired
                for k in [k for k, t in self._expiry.items() if t <= now]:
                    self._expiry.pop(k, None)
                    self._values.pop(k, None)
            if self._live(key, now):
                return False
            self._values[key] = "1"
            self._expiry[key] = now + ttl
            return True

    def first_delivery(self, delivery_id: str, ttl: int) -> bool:
        return self._set_nx(f"delivery:{delivery_id}", ttl)

    def mark_published(self, attempt_key: str, ttl: int) -> None:
        self._set_nx(f"published:{attempt_key}", ttl)

    def published(self, attempt_key: str) -> bool:
        with self._lock:
            return self._live(f"published:{attempt_key}", time.monotonic())

    def forget_delivery(self, delivery_id: str) -> None:
        with self._lock:
            self._values.pop(f"delivery:{delivery_id}", None)

    def claim(self, key: str, ttl: int) -> bool:
        return self._set_nx(f"claim:{key}", ttl)

    def release(self, key: str) -> None:
        with self._lock:
            self._values.pop(f"claim:{key}", None)

    def set_head(self, pr_key: str, sha: str) -> None:
        with self._lock:
            self._values[f"head:{pr_key}"] = sha
            self._expiry[f"head:{pr_key}"] = time.monotonic() + HEAD_TTL

    def head(self, pr_key: str) -> str | None:
        with self._lock:
            key = f"head:{pr_key}"
            return self._values.get(key) if self._live(key, time.monotonic()) else None


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise Unavailable(f"Redis does not answer ({type(exc).__name__})") from exc


class RedisJobState:
    """Redis-backed state shared by the web processes and the workers."""

    def __init__(self, client: redis.Redis, prefix: str = "ai-gate:") -> None:
        self._redis = client
        self._prefix = prefix

    def first_delivery(self, delivery_id: str, ttl: int) -> bool:
        with _reachable():
            key = f"{self._prefix}delivery:{delivery_id}"
            return bool(self._redis.set(key, 1, nx=True, ex=ttl))

    def forget_delivery(self, delivery_id: str) -> None:
        with _reachable():
            self._redis.delete(f"{self._prefix}delivery:{delivery_id}")

    def mark_published(self, attempt_key: str, ttl: int) -> None:
        with _reachable():
            self._redis.set(f"{self._prefix}published:{attempt_key}", 1, ex=ttl)

    def published(self, attempt_key: str) -> bool:
        with _reachable():
            return bool(self._redis.exists(f"{self._prefix}published:{attempt_key}"))

    def claim(self, key: str, ttl: int) -> bool:
        with _reachable():
            return bool(self._redis.set(f"{self._prefix}claim:{key}", 1, nx=True, ex=ttl))

    def release(self, key: str) -> None:
        with _reachable():
            self._redis.delete(f"{self._prefix}claim:{key}")

    def set_head(self, pr_key: str, sha: str) -> None:
        with _reachable():
            self._redis.set(f"{self._prefix}head:{pr_key}", sha, ex=HEAD_TTL)

    def head(self, pr_key: str) -> str | None:
        with _reachable():
            value = self._redis.get(f"{self._prefix}head:{pr_key}")
        return value.decode() if isinstance(value, bytes) else None
