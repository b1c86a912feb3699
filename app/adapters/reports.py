"""Stored reports and acknowledgements per head sha (so a review can re-judge without
re-running the checks). `app.adapters.store.SqlStore` implements it durably."""

from __future__ import annotations

from typing import Protocol

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
