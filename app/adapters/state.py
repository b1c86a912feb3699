"""Short-lived shared state for the webhook and jobs: seen deliveries, claimed jobs, PR heads,
the lock a job holds on a head while it works on it, and the check run each head has."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Protocol

import redis
from redis.exceptions import LockError
from redis.lock import Lock

from app.errors import Unavailable

# How long a head's check run is remembered: retries and late events come within hours.
RUN_TTL = 24 * 3600


@dataclass(frozen=True)
class RunRecord:
    """The check run recorded for a head: open (queued or in progress) or done."""

    run_id: int
    done: bool


class HeldLock(Protocol):
    def renew(self) -> bool:
        """Extend the lock by its ttl; False when it was lost (it expired, another took it)."""
        ...

    def release(self) -> None:
        """Let go of the lock if this holder still has it."""
        ...


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

    def lock(self, key: str, ttl: float) -> HeldLock | None:
        """The lock on `key` for `ttl` seconds (renewable), or None when another holds it."""
        ...

    def run_of(self, key: str) -> RunRecord | None:
        """The check run recorded for a head (a job key), if any."""
        ...

    def record_run(self, key: str, run_id: int, *, done: bool, if_absent: bool = False) -> bool:
        """Record the head's check run, open or done (with `if_absent`, only when none is
        recorded); whether it was recorded."""
        ...

    def forget_run(self, key: str, run_id: int) -> None:
        """Forget the head's run if it is still `run_id` (it was cancelled: the head may come
        back and then needs a new one)."""
        ...


def _encode_run(run_id: int, done: bool) -> str:
    return f"{run_id}:done" if done else str(run_id)


def _decode_run(value: str) -> RunRecord | None:
    number, _, state = value.partition(":")
    return RunRecord(int(number), state == "done") if number.isdigit() else None


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
        return self._get(f"head:{pr_key}")

    def _get(self, key: str) -> str | None:
        with self._lock:
            return self._values.get(key) if self._live(key, time.monotonic()) else None

    def _put(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._values[key] = value
            self._expiry[key] = time.monotonic() + ttl

    def _put_if(self, key: str, value: str, ttl: float, expected: str | None) -> bool:
        """Set `key` if its live value is `expected` (None: absent); remove it if `value` is
        empty."""
        with self._lock:
            now = time.monotonic()
            current = self._values.get(key) if self._live(key, now) else None
            if current != expected:
                return False
            if value:
                self._values[key] = value
                self._expiry[key] = now + ttl
            else:
                self._values.pop(key, None)
                self._expiry.pop(key, None)
            return True

    def lock(self, key: str, ttl: float) -> HeldLock | None:
        held = _MemoryLock(self, f"lock:{key}", ttl)
        return held if self._put_if(held.key, held.token, ttl, None) else None

    def run_of(self, key: str) -> RunRecord | None:
        value = self._get(f"run:{key}")
        return _decode_run(value) if value is not None else None

    def record_run(self, key: str, run_id: int, *, done: bool, if_absent: bool = False) -> bool:
        value = _encode_run(run_id, done)
        if if_absent:
            return self._put_if(f"run:{key}", value, RUN_TTL, None)
        self._put(f"run:{key}", value, RUN_TTL)
        return True

    def forget_run(self, key: str, run_id: int) -> None:
        for done in (False, True):
            self._put_if(f"run:{key}", "", 0, _encode_run(run_id, done))


class _MemoryLock:
    def __init__(self, state: MemoryJobState, key: str, ttl: float) -> None:
        self.key = key
        self.token = uuid.uuid4().hex
        self._state = state
        self._ttl = ttl

    def renew(self) -> bool:
        return self._state._put_if(self.key, self.token, self._ttl, self.token)

    def release(self) -> None:
        self._state._put_if(self.key, "", 0, self.token)


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
        self._forget = client.register_script(_FORGET)

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

    def lock(self, key: str, ttl: float) -> HeldLock | None:
        # redis-py's lock: a random token a holder alone may extend or release (Lua).
        held = self._redis.lock(
            f"{self._prefix}lock:{key}", timeout=ttl, blocking=False, thread_local=False
        )
        with _reachable():
            return _RedisLock(held) if held.acquire() else None

    def run_of(self, key: str) -> RunRecord | None:
        with _reachable():
            value = self._redis.get(f"{self._prefix}run:{key}")
        return _decode_run(value.decode()) if isinstance(value, bytes) else None

    def record_run(self, key: str, run_id: int, *, done: bool, if_absent: bool = False) -> bool:
        with _reachable():
            return bool(
                self._redis.set(
                    f"{self._prefix}run:{key}", _encode_run(run_id, done), ex=RUN_TTL, nx=if_absent
                )
            )

    def forget_run(self, key: str, run_id: int) -> None:
        with _reachable():
            self._forget(
                keys=[f"{self._prefix}run:{key}"],
                args=[_encode_run(run_id, False), _encode_run(run_id, True)],
            )


# Deletes KEYS[1] if it holds one of the ARGV values: a newer run is never forgotten.
_FORGET = """
local value = redis.call('GET', KEYS[1])
for _, expected in ipairs(ARGV) do
  if value == expected then
    return redis.call('DEL', KEYS[1])
  end
end
return 0
"""


class _RedisLock:
    def __init__(self, held: Lock) -> None:
        self._held = held

    def renew(self) -> bool:
        with _reachable():
            try:
                return bool(self._held.reacquire())
            except LockError:
                return False

    def release(self) -> None:
        # A lock that expired meanwhile has nothing left to release.
        with _reachable(), suppress(LockError):
            self._held.release()
