"""Durable state in SQL: stored reports, acknowledgements and the monthly cost ledger.

`DATABASE_URL` takes `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite://` (in memory,
one process only) or `postgresql://user:password@host/db` (driven by psycopg 3). A SQLite file
runs in WAL mode with a busy timeout, so the web process and workers on one host can share it;
writes take the lock up front (`BEGIN IMMEDIATE`) so no transaction has to upgrade a read lock,
which SQLite cannot wait for. The schema is migrated when a store opens (see `migrations.py`).

The cost ledger, per repository per calendar month (UTC):
- A PR counts once, with the estimate of its latest head. An estimate covers the PR's whole
  diff, so a push replaces the PR's amount rather than adding to it; a force-push likewise.
- Recording the same head with the same amount again (a re-run, a redelivery) books nothing,
  even from two workers at once: the PR's row is created by an `ON CONFLICT DO NOTHING` insert
  and then changed under a row lock (PostgreSQL) or the database write lock (SQLite).
- A change is booked as a delta in the month the new head was analysed: a PR estimated at $2
  in March and $3 in April books $2 in March and $1 in April, so a month's total is what that
  month added and the sum over all months is the sum of every PR's latest estimate. A
  lower estimate books a negative delta.
- An unpriced head (`usd=None`) books nothing: the PR keeps its last priced amount (spend
  is never shown lower than what is known) and is counted as unpriced for the month.
- A record older than the PR's latest (`at` earlier) is stale, out of order, and ignored.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    case,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import StaticPool

from app.adapters.migrations import UtcDateTime, apply_migrations
from app.core.models import Acknowledgement, Report
from app.errors import DatabaseUnavailable, SettingsError

log = logging.getLogger(__name__)

# Long enough to outwait another process's write (they are single-row upserts), short enough
# that a wedged database surfaces as an error rather than a stuck worker.
BUSY_TIMEOUT_SECONDS = 30.0
_WRITE = "ai_gate_write"

# The latest schema, for queries only: `migrations.py` creates it.
metadata = MetaData()
reports = Table(
    "reports",
    metadata,
    Column("repository", Text, primary_key=True),
    Column("head_sha", Text, primary_key=True),
    Column("pull_request", Integer),
    Column("report", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("conclusion", Text),
    Column("added_lines", Integer),
    Column("ai_added_lines", Integer),
)
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("repository", Text, nullable=False),
    Column("pull_request", Integer, nullable=False),
    Column("head_sha", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
)
acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("repository", Text, nullable=False),
    Column("head_sha", Text, nullable=False),
    Column("login", Text, nullable=False),
    Column("permission", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)
cost_pull_requests = Table(
    "cost_pull_requests",
    metadata,
    Column("repository", Text, primary_key=True),
    Column("pull_request", Integer, primary_key=True),
    Column("head_sha", Text, nullable=False),
    Column("usd", Float),
    Column("booked_usd", Float, nullable=False),
    Column("month", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
cost_entries = Table(
    "cost_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("repository", Text, nullable=False),
    Column("pull_request", Integer, nullable=False),
    Column("head_sha", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("usd", Float),
    Column("delta_usd", Float, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)


def database_url(url: str) -> URL:
    """Parse DATABASE_URL, pointing PostgreSQL at the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SettingsError("DATABASE_URL", f"not a database URL ({exc})") from exc
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise SettingsError(
        "DATABASE_URL",
        f"unsupported database {parsed.drivername!r}: use sqlite:///PATH or "
        "postgresql://USER:PASSWORD@HOST/DB",
    )


def month_of(at: datetime) -> str:
    """The ledger month (`YYYY-MM`, UTC) an aware datetime falls in."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at.isoformat()}: pass an aware one")
    return at.astimezone(UTC).strftime("%Y-%m")


def _is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # sqlite3 would BEGIN lazily and only before DML; `_sqlite_begin` takes over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    _enable_wal(cursor)
    # WAL keeps the database consistent with NORMAL; only the last commits can be lost on
    # power failure, and a lost ledger row is rebooked by the next run of that head.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    # Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is
    # locked" at once (no busy wait) when two processes open the new database together. WAL is
    # then a property of the file, so a short retry settles it for every later connection.
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def _dispose_after_fork(engine: Engine) -> None:
    # Celery's prefork pool forks after the store is built; a child must not reuse the
    # parent's sockets or file handles (https://docs.sqlalchemy.org/en/20/core/pooling.html).
    ref = weakref.ref(engine)

    def reset() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=reset)


def engine_for(url: URL) -> Engine:
    """An engine for a parsed DATABASE_URL, set up for several processes sharing it."""
    if url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
    else:
        # A pooled connection may have been dropped by a database restart or a proxy.
        engine = create_engine(url, pool_pre_ping=True)
    if not _is_memory(url):
        _dispose_after_fork(engine)
    return engine


def _sqlite_engine(url: URL) -> Engine:
    if _is_memory(url):
        # One connection for the whole process: each new one would be an empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def insert_ignoring(conn: Connection, table: Table, values: Mapping[str, object]) -> bool:
    """Insert a row unless its key exists; whether it was inserted."""
    # RETURNING rather than rowcount, which drivers need not report for an INSERT.
    first = table.primary_key.columns.values()[0]
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table).values(values).on_conflict_do_nothing().returning(first)
        return conn.execute(pg).first() is not None
    lite = sqlite.insert(table).values(values).on_conflict_do_nothing().returning(first)
    return conn.execute(lite).first() is not None


def _upsert_report(conn: Connection, values: Mapping[str, object]) -> None:
    keys = ["repository", "head_sha"]
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(reports).values(values)
        conn.execute(pg.on_conflict_do_update(index_elements=keys, set_=_replaced(pg.excluded)))
    else:
        lite = sqlite.insert(reports).values(values)
        conn.execute(lite.on_conflict_do_update(index_elements=keys, set_=_replaced(lite.excluded)))


def _replaced(excluded: object) -> dict[str, object]:
    # A re-run replaces the report but keeps when the head was first stored.
    replaced = ("pull_request", "report", "updated_at", "conclusion", "added_lines")
    return {name: getattr(excluded, name) for name in (*replaced, "ai_added_lines")}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CostLedger(Protocol):
    """Monthly LLM spend per repository, booked once per PR head (`SqlStore` implements it)."""

    def record_cost(
        self, repository: str, pull_request: int, head_sha: str, usd: float | None, at: datetime
    ) -> None:
        """Book a PR head's estimate; None means unpriced."""
        ...

    def pull_request_cost(self, repository: str, pull_request: int) -> float:
        """What the PR has booked so far over all months."""
        ...

    def month_to_date(self, repository: str, at: datetime) -> float:
        """What the repository's PRs added in the month of `at`."""
        ...


class JobLog(Protocol):
    """Attempts at jobs, kept for the metrics (`SqlStore` implements it)."""

    def record_job(
        self,
        repository: str,
        pull_request: int,
        head_sha: str,
        kind: str,
        outcome: str,
        seconds: float,
    ) -> None: ...


class SqlStore:
    """The `ReportStore` port and the cost ledger, durably, in SQLite or PostgreSQL."""

    def __init__(self, url: str, now: Callable[[], datetime] = _utc_now) -> None:
        parsed = database_url(url)
        self._engine = engine_for(parsed)
        self._now = now
        # In memory every thread shares one connection, which can carry one transaction.
        self._serial: AbstractContextManager[object] = (
            threading.RLock() if _is_memory(parsed) else nullcontext()
        )
        try:
            with self._transaction(write=True) as conn:
                applied = apply_migrations(conn)
        except DatabaseUnavailable as exc:
            self._engine.dispose()
            where = parsed.render_as_string(hide_password=True)
            raise SettingsError("DATABASE_URL", f"cannot open {where}: {exc.detail}") from exc
        if applied:
            log.info("database migrated to version %s", applied[-1])

    def close(self) -> None:
        """Close the pooled connections (a store is otherwise kept for the process's life)."""
        self._engine.dispose()

    def transaction(self, *, write: bool) -> AbstractContextManager[Connection]:
        """One transaction on the store's database, for the modules that keep tables of their
        own in it (outcomes, figures, alerts)."""
        return self._transaction(write=write)

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Connection]:
        """One transaction; a database that does not answer (down, restarting, locked past the
        busy timeout) raises `Unavailable`, which a job retries later."""
        try:
            with self._serial, self._engine.connect() as conn:
                if write:
                    conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise DatabaseUnavailable(str(exc.orig)) from exc

    # ReportStore

    def save_report(self, report: Report) -> None:
        """Keep the report of a head sha (a re-run replaces it)."""
        now = self._now()
        values = {
            "repository": report.repository,
            "head_sha": report.head_sha,
            "pull_request": report.pull_request,
            "report": report.model_dump_json(),
            "created_at": now,
            "updated_at": now,
            "conclusion": report.verdict.conclusion,
            "added_lines": report.attribution.added_lines,
            "ai_added_lines": report.attribution.ai_added_lines,
        }
        with self._transaction(write=True) as conn:
            _upsert_report(conn, values)

    def load_report(self, repository: str, head_sha: str) -> Report | None:
        """The stored report of a head sha, if any."""
        query = select(reports.c.report).where(
            reports.c.repository == repository, reports.c.head_sha == head_sha
        )
        with self._transaction(write=False) as conn:
            data = conn.scalar(query)
        if data is None:
            return None
        try:
            return Report.model_validate_json(data)
        except ValidationError as exc:
            # Stored by a version whose report no longer validates: the caller then runs the
            # full analysis again, which is what a missing report means.
            log.warning("stored report %s@%s is unreadable: %s", repository, head_sha, exc)
            return None

    def add_acknowledgement(self, repository: str, head_sha: str, ack: Acknowledgement) -> None:
        """Record a maintainer accepting the AI part of a head sha (once per press)."""
        values = {
            "repository": repository,
            "head_sha": head_sha,
            "login": ack.login,
            "permission": ack.permission,
            "at": ack.at,
            "recorded_at": self._now(),
        }
        with self._transaction(write=True) as conn:
            insert_ignoring(conn, acknowledgements, values)

    def acknowledgements(self, repository: str, head_sha: str) -> tuple[Acknowledgement, ...]:
        """Acknowledgements recorded for a head sha, oldest first."""
        table = acknowledgements
        query = (
            select(table.c.login, table.c.permission, table.c.at)
            .where(table.c.repository == repository, table.c.head_sha == head_sha)
            .order_by(table.c.id)
        )
        with self._transaction(write=False) as conn:
            rows = conn.execute(query).all()
        return tuple(Acknowledgement(login=r.login, permission=r.permission, at=r.at) for r in rows)

    # Cost ledger

    def record_cost(
        self,
        repository: str,
        pull_request: int,
        head_sha: str,
        usd: float | None,
        at: datetime,
    ) -> None:
        """Book a PR head's estimate (None: unpriced), per the module docstring's rules."""
        if usd is not None and not (math.isfinite(usd) and usd >= 0):
            raise ValueError(f"usd must be a finite amount >= 0, not {usd!r}")
        key = {"repository": repository, "pull_request": pull_request}
        latest = {"head_sha": head_sha, "usd": usd, "month": month_of(at), "at": at}
        with self._transaction(write=True) as conn:
            booked = usd or 0.0
            if insert_ignoring(conn, cost_pull_requests, key | latest | {"booked_usd": booked}):
                _book(conn, key | latest, delta=booked)
                return
            row = conn.execute(
                select(cost_pull_requests)
                .where(*_matches(cost_pull_requests, key))
                .with_for_update()
            ).one()
            if at < row.at or (row.head_sha == head_sha and row.usd == usd):
                return
            booked = row.booked_usd if usd is None else usd
            conn.execute(
                update(cost_pull_requests)
                .where(*_matches(cost_pull_requests, key))
                .values(latest | {"booked_usd": booked})
            )
            _book(conn, key | latest, delta=booked - row.booked_usd)

    def pull_request_cost(self, repository: str, pull_request: int) -> float:
        """What the PR has booked so far over all months (0 when never priced).

        A budget check projects the month as `month_to_date - pull_request_cost + new estimate`,
        which is what recording the new estimate will make it.
        """
        query = select(cost_pull_requests.c.booked_usd).where(
            cost_pull_requests.c.repository == repository,
            cost_pull_requests.c.pull_request == pull_request,
        )
        with self._transaction(write=False) as conn:
            return float(conn.scalar(query) or 0.0)

    def month_to_date(self, repository: str, at: datetime) -> float:
        """What the repository's PRs added in the month of `at`, in USD."""
        query = select(func.coalesce(func.sum(cost_entries.c.delta_usd), 0.0)).where(
            cost_entries.c.repository == repository, cost_entries.c.month == month_of(at)
        )
        with self._transaction(write=False) as conn:
            return float(conn.scalar(query) or 0.0)

    def monthly_totals(self, repository: str) -> list[tuple[str, float]]:
        """(month, USD) for every month the repository booked in, oldest first."""
        entries = cost_entries
        query = (
            select(entries.c.month, func.sum(entries.c.delta_usd).label("usd"))
            .where(entries.c.repository == repository)
            .group_by(entries.c.month)
            .order_by(entries.c.month)
        )
        with self._transaction(write=False) as conn:
            return [(str(row.month), float(row.usd)) for row in conn.execute(query)]

    def repository_totals(self, at: datetime) -> list[tuple[str, float]]:
        """(repository, USD) booked in the month of `at`, the largest first."""
        entries = cost_entries
        total = func.sum(entries.c.delta_usd).label("usd")
        query = (
            select(entries.c.repository, total)
            .where(entries.c.month == month_of(at))
            .group_by(entries.c.repository)
            .order_by(total.desc(), entries.c.repository)
        )
        with self._transaction(write=False) as conn:
            return [(str(row.repository), float(row.usd)) for row in conn.execute(query)]

    def unpriced_pull_requests(self, repository: str, at: datetime) -> int:
        """PRs whose latest head, analysed in the month of `at`, has no known price."""
        prs = cost_pull_requests
        query = select(func.count()).where(
            prs.c.repository == repository, prs.c.month == month_of(at), prs.c.usd.is_(None)
        )
        with self._transaction(write=False) as conn:
            return int(conn.scalar(query) or 0)

    # Activity, for the metrics

    def record_job(
        self,
        repository: str,
        pull_request: int,
        head_sha: str,
        kind: str,
        outcome: str,
        seconds: float,
    ) -> None:
        """Keep one attempt at a job: what it was, how it ended and how long it took."""
        values = {
            "repository": repository,
            "pull_request": pull_request,
            "head_sha": head_sha,
            "kind": kind,
            "outcome": outcome,
            "seconds": seconds,
            "finished_at": self._now(),
        }
        with self._transaction(write=True) as conn:
            conn.execute(job_runs.insert().values(values))

    def activity(self, buckets: Sequence[float]) -> Activity:
        """Per repository: PRs by the conclusion of their latest head, their added and AI
        lines, this month's spend, and job durations counted into `buckets` (upper bounds)."""
        latest = (
            select(
                reports.c.repository,
                reports.c.pull_request,
                func.max(reports.c.updated_at).label("at"),
            )
            .where(reports.c.pull_request.is_not(None))
            .group_by(reports.c.repository, reports.c.pull_request)
            .subquery()
        )
        heads = select(
            reports.c.repository,
            reports.c.pull_request,
            reports.c.conclusion,
            reports.c.added_lines,
            reports.c.ai_added_lines,
        ).join(
            latest,
            (reports.c.repository == latest.c.repository)
            & (reports.c.pull_request == latest.c.pull_request)
            & (reports.c.updated_at == latest.c.at),
        )
        runs = job_runs.c
        durations = select(
            runs.repository,
            runs.kind,
            runs.outcome,
            func.count().label("count"),
            func.sum(runs.seconds).label("total"),
            *(func.sum(case((runs.seconds <= b, 1), else_=0)) for b in buckets),
        ).group_by(runs.repository, runs.kind, runs.outcome)
        with self._transaction(write=False) as conn:
            prs = {(str(r.repository), int(r.pull_request)): r for r in conn.execute(heads)}
            timed = [
                JobDurations(
                    repository=str(row[0]),
                    kind=str(row[1]),
                    outcome=str(row[2]),
                    count=int(row[3]),
                    total_seconds=float(row[4] or 0.0),
                    cumulative=tuple(int(n or 0) for n in row[5:]),
                )
                for row in conn.execute(durations)
            ]
        spend = dict(self.repository_totals(self._now()))
        repos: dict[str, RepositoryActivity] = {
            name: RepositoryActivity(name) for name in {*spend, *(r for r, _ in prs)}
        }
        for (name, _), row in sorted(prs.items()):
            repo = repos[name]
            conclusion = str(row.conclusion or "unknown")
            repo.pull_requests[conclusion] = repo.pull_requests.get(conclusion, 0) + 1
            repo.added_lines += int(row.added_lines or 0)
            repo.ai_added_lines += int(row.ai_added_lines or 0)
        for name, usd in spend.items():
            repos[name].month_usd = usd
        return Activity(tuple(repos[n] for n in sorted(repos)), tuple(timed))


@dataclass
class RepositoryActivity:
    repository: str
    month_usd: float = 0.0
    # conclusion of each PR's latest analysed head -> how many PRs
    pull_requests: dict[str, int] = field(default_factory=dict)
    added_lines: int = 0
    ai_added_lines: int = 0


@dataclass(frozen=True)
class JobDurations:
    repository: str
    kind: str
    outcome: str
    count: int
    total_seconds: float
    cumulative: tuple[int, ...]  # jobs at or under each bucket's upper bound


@dataclass(frozen=True)
class Activity:
    repositories: tuple[RepositoryActivity, ...]
    jobs: tuple[JobDurations, ...]


def _matches(table: Table, key: Mapping[str, object]) -> list[ColumnElement[bool]]:
    return [table.c[name] == value for name, value in key.items()]


def _book(conn: Connection, entry: Mapping[str, object], delta: float) -> None:
    conn.execute(cost_entries.insert().values({**entry, "delta_usd": delta}))
