"""Stored reports and acknowledgements per head sha (so a review can re-judge without
re-running the checks). The SQL store implements the same port durably."""

from __future__ import annotations

import threading
from typing import Protocol

import redis

from app.core.models import Acknowledgement, Report


class ReportStore(Protocol):
    def save_report(self, report: Report) -> None:
        """Keep the report of a head sha (a re-run replaces it)."""
        ...

    def load_report(self, repository: str, head_sha: str) -> Report | None:
        """The stored report of a head sha, if any."""
        ...

    def add_acknowledgement(self, repository: str, head_sha: str, ack: Acknowledgement) -> None:
        """Record a maintainer accepting the AI part of a head sha."""
        ...

    def acknowledgements(self, repository: str, head_sha: str) -> tuple[Acknowledgement, ...]:
        """Acknowledgements recorded for a head sha, oldest first."""
        ...


class MemoryReportStore:
    """One process's store: enough for tests and a single embedded server."""

    def __init__(self, max_reports: int = 10_000) -> None:
        self._reports: dict[tuple[str, str], Report] = {}
        self._acks: dict[tuple[str, str], list[Acknowledgement]] = {}
        self._max = max_reports
        self._lock = threading.Lock()

    def save_report(self, report: Report) -> None:
        with self._lock:
            if len(self._reports) >= self._max:
                self._reports.pop(next(iter(self._reports)))
            self._reports[(report.repository, report.head_sha)] = report

    def load_report(self, repository: str, head_sha: str) -> Report | None:
        with self._lock:
            return self._reports.get((repository, head_sha))

    def add_acknowledgement(self, repository: str, head_sha: str, ack: Acknowledgement) -> None:
        with self._lock:
            self._acks.setdefault((repository, head_sha), []).append(ack)

    def acknowledgements(self, repository: str, head_sha: str) -> tuple[Acknowledgement, ...]:
        with self._lock:
            return tuple(self._acks.get((repository, head_sha), ()))


class RedisReportStore:
    """Reports shared by every worker process through Redis, kept for `ttl_seconds`."""

    def __init__(self, client: redis.Redis, ttl_seconds: int = 30 * 24 * 3600) -> None:
        self._redis = client
        self._ttl = ttl_seconds

    def save_report(self, report: Report) -> None:
        key = f"ai-gate:report:{report.repository}:{report.head_sha}"
        self._redis.set(key, report.model_dump_json(), ex=self._ttl)

    def load_report(self, repository: str, head_sha: str) -> Report | None:
        data = self._redis.get(f"ai-gate:report:{repository}:{head_sha}")
        return Report.model_validate_json(data) if isinstance(data, bytes) else None

    def add_acknowledgement(self, repository: str, head_sha: str, ack: Acknowledgement) -> None:
        key = f"ai-gate:acks:{repository}:{head_sha}"
        self._redis.rpush(key, ack.model_dump_json())
        self._redis.expire(key, self._ttl)

    def acknowledgements(self, repository: str, head_sha: str) -> tuple[Acknowledgement, ...]:
        items = self._redis.lrange(f"ai-gate:acks:{repository}:{head_sha}", 0, -1)
        assert isinstance(items, list)  # the sync client's answer
        return tuple(Acknowledgement.model_validate_json(item) for item in items)
