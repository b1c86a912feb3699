"""Budget alerts in the store: one row per repository or service, month and threshold, so a
threshold is announced once a month however many workers see it crossed (the first insert
wins), and a notification is delivered at least once (a row stays pending, with its next
attempt's time, until every target took it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Float, Integer, MetaData, Table, Text, select, update

from app.adapters.migrations import UtcDateTime
from app.adapters.store import SqlStore, insert_ignoring

metadata = MetaData()
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("repository", Text, nullable=False),
    Column("service", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("threshold", Text, nullable=False),
    Column("usd", Float, nullable=False),
    Column("budget_usd", Float, nullable=False),
    Column("pull_request", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("delivered", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
)


@dataclass(frozen=True)
class Alert:
    id: int
    repository: str
    service: str  # "" for the repository as a whole
    month: str
    threshold: float
    usd: float
    budget_usd: float
    pull_request: int
    delivered: frozenset[str]
    attempts: int


class AlertLog:
    """The alerts table, on the store's database."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def raise_once(
        self,
        repository: str,
        service: str,
        month: str,
        threshold: float,
        usd: float,
        budget_usd: float,
        pull_request: int,
        at: datetime,
    ) -> bool:
        """Record the crossing unless it was recorded this month; whether this call did."""
        values = {
            "repository": repository,
            "service": service,
            "month": month,
            "threshold": f"{threshold:.2f}",
            "usd": usd,
            "budget_usd": budget_usd,
            "pull_request": pull_request,
            "status": "pending",
            "delivered": "",
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        with self.store.transaction(write=True) as conn:
            return insert_ignoring(conn, alerts, values)

    def claim_due(self, at: datetime, lease_until: datetime, limit: int = 20) -> list[Alert]:
        """Pending alerts whose attempt is due, each claimed by this caller until
        `lease_until` (another worker skips them meanwhile)."""
        a = alerts.c
        due = (
            select(alerts)
            .where(a.status == "pending", a.next_attempt_at <= at)
            .order_by(a.id)
            .limit(limit)
        )
        claimed = []
        with self.store.transaction(write=True) as conn:
            for row in conn.execute(due).all():
                won = conn.execute(
                    update(alerts)
                    .where(a.id == row.id, a.status == "pending", a.next_attempt_at <= at)
                    .values(next_attempt_at=lease_until, attempts=a.attempts + 1)
                )
                if won.rowcount == 1:
                    claimed.append(_alert(row))
        return claimed

    def delivered(self, alert: Alert, targets: frozenset[str], at: datetime) -> None:
        """Every target took it."""
        with self.store.transaction(write=True) as conn:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert.id)
                .values(
                    status="sent", delivered=",".join(sorted(targets)), sent_at=at, last_error=None
                )
            )

    def retry_later(
        self, alert: Alert, targets: frozenset[str], error: str, at: datetime | None
    ) -> None:
        """Some target failed: try again at `at`, or give up (None)."""
        values: dict[str, object] = {
            "delivered": ",".join(sorted(targets)),
            "last_error": error[:500],
        }
        values |= {"next_attempt_at": at} if at is not None else {"status": "failed"}
        with self.store.transaction(write=True) as conn:
            conn.execute(update(alerts).where(alerts.c.id == alert.id).values(values))

    def all(self) -> list[Alert]:
        """Every alert, oldest first (for tests and the operator)."""
        with self.store.transaction(write=False) as conn:
            return [_alert(r) for r in conn.execute(select(alerts).order_by(alerts.c.id))]


def _alert(row: object) -> Alert:
    delivered = str(getattr(row, "delivered", "") or "")
    return Alert(
        id=int(getattr(row, "id")),  # noqa: B009 - a Row's attributes
        repository=str(getattr(row, "repository")),  # noqa: B009
        service=str(getattr(row, "service")),  # noqa: B009
        month=str(getattr(row, "month")),  # noqa: B009
        threshold=float(getattr(row, "threshold")),  # noqa: B009
        usd=float(getattr(row, "usd")),  # noqa: B009
        budget_usd=float(getattr(row, "budget_usd")),  # noqa: B009
        pull_request=int(getattr(row, "pull_request")),  # noqa: B009
        delivered=frozenset(filter(None, delivered.split(","))),
        attempts=int(getattr(row, "attempts")),  # noqa: B009
    )
