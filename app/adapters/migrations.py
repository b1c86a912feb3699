"""The SQL store's schema history: a short versioned list, each step applied once, in order.

`apply_migrations(conn)` runs inside the caller's write transaction. Two processes starting at
once (the web app and a worker) are serialised by a lock held until that transaction ends:
`pg_advisory_xact_lock` on PostgreSQL, and on SQLite the write lock the caller's
`BEGIN IMMEDIATE` already took. Both databases have transactional DDL, so a step that fails
leaves nothing half-made and is retried at the next start.

A step's tables are written out in the step itself, frozen: the store's query tables describe
the latest schema, which later steps may change.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from app.core.periods import week_key
from app.core.services import UNASSIGNED

# One key for every ai-gate database on a server: migrating is rare and quick.
LOCK_KEY = zlib.crc32(b"ai-gate:schema_migrations")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC (SQLite keeps no zone, so one is put back on reading)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _migrations_table(metadata: MetaData) -> Table:
    return Table(
        "schema_migrations",
        metadata,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("name", Text, nullable=False),
        Column("applied_at", UtcDateTime, nullable=False),
    )


def _v1_reports_and_ledger(conn: Connection) -> None:
    metadata = MetaData()
    Table(
        "reports",
        metadata,
        Column("repository", Text, nullable=False),
        Column("head_sha", Text, nullable=False),
        Column("pull_request", Integer),
        Column("report", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
        PrimaryKeyConstraint("repository", "head_sha"),
        Index("reports_pull_request", "repository", "pull_request"),
    )
    Table(
        "acknowledgements",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("repository", Text, nullable=False),
        Column("head_sha", Text, nullable=False),
        Column("login", Text, nullable=False),
        Column("permission", Text, nullable=False),
        Column("at", Text, nullable=False),
        Column("recorded_at", UtcDateTime, nullable=False),
        # A redelivered button press is the same acknowledgement.
        UniqueConstraint("repository", "head_sha", "login", "at"),
    )
    Table(
        "cost_pull_requests",
        metadata,
        Column("repository", Text, nullable=False),
        Column("pull_request", Integer, nullable=False),
        Column("head_sha", Text, nullable=False),
        Column("usd", Float),
        Column("booked_usd", Float, nullable=False),
        Column("month", Text, nullable=False),
        Column("at", UtcDateTime, nullable=False),
        PrimaryKeyConstraint("repository", "pull_request"),
    )
    Table(
        "cost_entries",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("repository", Text, nullable=False),
        Column("pull_request", Integer, nullable=False),
        Column("head_sha", Text, nullable=False),
        Column("month", Text, nullable=False),
        Column("usd", Float),
        Column("delta_usd", Float, nullable=False),
        Column("at", UtcDateTime, nullable=False),
        Index("cost_entries_month", "repository", "month"),
    )
    metadata.create_all(conn)


def _report_figures(data: str) -> dict[str, object]:
    """The verdict and line counts a stored report carries (None where unreadable)."""
    try:
        report = json.loads(data)
        verdict, attribution = report.get("verdict") or {}, report.get("attribution") or {}
        return {
            "conclusion": verdict.get("conclusion"),
            "added_lines": attribution.get("added_lines"),
            "ai_added_lines": attribution.get("ai_added_lines"),
        }
    except (ValueError, AttributeError):
        return {"conclusion": None, "added_lines": None, "ai_added_lines": None}


def _v2_activity(conn: Connection) -> None:
    # Columns the metrics read without parsing every stored report, filled from those reports.
    for name, kind in (
        ("conclusion", "TEXT"),
        ("added_lines", "INTEGER"),
        ("ai_added_lines", "INTEGER"),
    ):
        conn.execute(text(f"ALTER TABLE reports ADD COLUMN {name} {kind}"))
    rows = conn.execute(text("SELECT repository, head_sha, report FROM reports")).all()
    for repository, head_sha, data in rows:
        conn.execute(
            text(
                "UPDATE reports SET conclusion = :conclusion, added_lines = :added_lines, "
                "ai_added_lines = :ai_added_lines WHERE repository = :repository AND "
                "head_sha = :head_sha"
            ),
            {**_report_figures(str(data)), "repository": repository, "head_sha": head_sha},
        )
    metadata = MetaData()
    Table(
        "job_runs",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("repository", Text, nullable=False),
        Column("pull_request", Integer, nullable=False),
        Column("head_sha", Text, nullable=False),
        Column("kind", Text, nullable=False),
        Column("outcome", Text, nullable=False),
        Column("seconds", Float, nullable=False),
        Column("finished_at", UtcDateTime, nullable=False),
        Index("job_runs_repository", "repository", "kind"),
    )
    metadata.create_all(conn)


def _v3_tables(metadata: MetaData) -> None:
    def outcome() -> tuple[Column[object], ...]:
        return (
            Column("organisation", Text, nullable=False),
            Column("state", Text, nullable=False),  # open | merged | closed
            Column("tool", Text, nullable=False),
            Column("model", Text, nullable=False),
            # When the PR's figures count: merged or closed, else analysed.
            Column("outcome_at", UtcDateTime, nullable=False),
            Column("month", Text, nullable=False),
            Column("week", Text, nullable=False),
        )

    Table(
        "pull_requests",
        metadata,
        Column("repository", Text, nullable=False),
        Column("pull_request", Integer, nullable=False),
        *outcome(),
        Column("installation_id", Integer),
        Column("title", Text, nullable=False),
        Column("url", Text, nullable=False),
        Column("head_sha", Text, nullable=False),
        Column("ai", Integer, nullable=False),
        Column("added_lines", Integer, nullable=False),
        Column("ai_added_lines", Integer, nullable=False),
        Column("usd", Float),
        Column("findings", Integer, nullable=False),
        Column("analysed_at", UtcDateTime),
        Column("merged_at", UtcDateTime),
        Column("closed_at", UtcDateTime),
        Column("merge_commit_sha", Text),
        PrimaryKeyConstraint("repository", "pull_request"),
        Index("pull_requests_org", "organisation", "outcome_at"),
        Index("pull_requests_repo", "repository", "outcome_at"),
    )
    Table(
        "pr_services",
        metadata,
        Column("repository", Text, nullable=False),
        Column("pull_request", Integer, nullable=False),
        Column("service", Text, nullable=False),
        *outcome(),
        # 1 on exactly one row of each PR (its largest service): counts PRs in any grouping
        # that does not split them.
        Column("lead", Integer, nullable=False),
        Column("added_lines", Integer, nullable=False),
        Column("ai_added_lines", Integer, nullable=False),
        Column("usd", Float, nullable=False),
        # AI lines of the merge that rework is measured on, and how many survived each window.
        Column("rework_lines", Float),
        Column("survived_30", Float),
        Column("survived_90", Float),
        Column("final_30", Integer, nullable=False),
        Column("final_90", Integer, nullable=False),
        PrimaryKeyConstraint("repository", "pull_request", "service"),
        Index("pr_services_org", "organisation", "outcome_at"),
        Index("pr_services_repo", "repository", "outcome_at"),
        Index("pr_services_service", "repository", "service", "outcome_at"),
    )
    Table(
        "pr_findings",
        metadata,
        Column("repository", Text, nullable=False),
        Column("pull_request", Integer, nullable=False),
        Column("service", Text, nullable=False),
        Column("check_name", Text, nullable=False),
        Column("ai_findings", Integer, nullable=False),
        Column("human_findings", Integer, nullable=False),
        PrimaryKeyConstraint("repository", "pull_request", "service", "check_name"),
    )
    Table(
        "spend_entries",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("organisation", Text, nullable=False),
        Column("repository", Text, nullable=False),
        Column("service", Text, nullable=False),
        Column("pull_request", Integer, nullable=False),
        Column("tool", Text, nullable=False),
        Column("model", Text, nullable=False),
        Column("month", Text, nullable=False),
        Column("week", Text, nullable=False),
        Column("delta_usd", Float, nullable=False),
        Column("at", UtcDateTime, nullable=False),
        Index("spend_entries_org", "organisation", "month"),
        Index("spend_entries_repo", "repository", "service", "month"),
    )
    Table(
        "spend_pull_requests",
        metadata,
        Column("repository", Text, nullable=False),
        Column("pull_request", Integer, nullable=False),
        Column("service", Text, nullable=False),
        Column("booked_usd", Float, nullable=False),
        PrimaryKeyConstraint("repository", "pull_request", "service"),
    )
    Table(
        "budgets",
        metadata,
        Column("repository", Text, nullable=False),
        Column("service", Text, nullable=False),  # "" for the repository as a whole
        Column("monthly_usd", Float, nullable=False),
        Column("alert_ratio", Float, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
        PrimaryKeyConstraint("repository", "service"),
    )
    Table(
        "service_maps",
        metadata,
        Column("repository", Text, primary_key=True),
        Column("services", Text, nullable=False),  # the `services:` map as JSON
        Column("updated_at", UtcDateTime, nullable=False),
    )
    Table(
        "alerts",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("repository", Text, nullable=False),
        Column("service", Text, nullable=False),  # "" for the repository as a whole
        Column("month", Text, nullable=False),
        Column("threshold", Text, nullable=False),  # "0.80", "1.00"
        Column("usd", Float, nullable=False),
        Column("budget_usd", Float, nullable=False),
        Column("pull_request", Integer, nullable=False),
        Column("status", Text, nullable=False),  # pending | sent | failed
        Column("delivered", Text, nullable=False),  # targets that took it, comma-separated
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", UtcDateTime, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("sent_at", UtcDateTime),
        Column("last_error", Text),
        # One notification per threshold per month, whichever worker gets there first.
        UniqueConstraint("repository", "service", "month", "threshold"),
        Index("alerts_due", "status", "next_attempt_at"),
    )


def _stored_time(value: object) -> datetime:
    """A timestamp as a raw query returns it: a datetime, or SQLite's text of one (UTC)."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _v3_outcomes(conn: Connection) -> None:
    # Figures per organisation, repository, service, tool and model (app/adapters/outcomes.py),
    # service budgets and alerts. Spend booked before this version carries over, unassigned.
    metadata = MetaData()
    _v3_tables(metadata)
    metadata.create_all(conn)
    spend, per_pr = metadata.tables["spend_entries"], metadata.tables["spend_pull_requests"]
    entries = conn.execute(
        text("SELECT repository, pull_request, month, delta_usd, at FROM cost_entries ORDER BY id")
    ).all()
    for repository, pull_request, month, delta, at in entries:
        when = _stored_time(at)
        conn.execute(
            spend.insert().values(
                organisation=str(repository).split("/", 1)[0],
                repository=repository,
                service=UNASSIGNED,
                pull_request=pull_request,
                tool="unknown",
                model="unknown",
                month=month,
                week=week_key(when),
                delta_usd=delta,
                at=when,
            )
        )
    booked = conn.execute(
        text("SELECT repository, pull_request, booked_usd FROM cost_pull_requests")
    ).all()
    for repository, pull_request, usd in booked:
        conn.execute(
            per_pr.insert().values(
                repository=repository,
                pull_request=pull_request,
                service=UNASSIGNED,
                booked_usd=usd,
            )
        )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "reports and cost ledger", _v1_reports_and_ledger),
    Migration(2, "report figures and job runs", _v2_activity),
    Migration(3, "outcomes, services, budgets and alerts", _v3_outcomes),
)


def apply_migrations(
    conn: Connection, migrations: tuple[Migration, ...] = MIGRATIONS
) -> tuple[int, ...]:
    """Apply the steps not yet recorded in `schema_migrations`; the versions applied now."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    table = _migrations_table(MetaData())
    table.create(conn, checkfirst=True)
    done: set[int] = set(conn.scalars(select(table.c.version)))
    applied: list[int] = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in done:
            continue
        migration.apply(conn)
        conn.execute(
            table.insert().values(
                version=migration.version, name=migration.name, applied_at=datetime.now(UTC)
            )
        )
        applied.append(migration.version)
    return tuple(applied)
