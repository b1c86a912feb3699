"""The SQL store on a real SQLite file and a real PostgreSQL: reports, acknowledgements, and
the monthly cost ledger's rules (see app/adapters/store.py's docstring)."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from app.adapters.migrations import MIGRATIONS, apply_migrations
from app.adapters.reports import ReportStore
from app.adapters.store import (
    CostLedger,
    SqlStore,
    database_url,
    engine_for,
    metadata,
    reports,
)
from app.core.models import (
    Acknowledgement,
    Attribution,
    Conclusion,
    Cost,
    Finding,
    Report,
    Verdict,
)
from app.errors import SettingsError
from tests.integration.databases import OpenStore

REPO = "octo/widgets"
MARCH = datetime(2025, 3, 10, 12, tzinfo=UTC)
APRIL = datetime(2025, 4, 2, 9, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def make_report(
    head_sha: str = "a" * 40, conclusion: Conclusion = "success", usd: float = 1.25
) -> Report:
    return Report(
        repository=REPO,
        base_sha="b" * 40,
        head_sha=head_sha,
        pull_request=7,
        attribution=Attribution(ai=True, confidence=0.9, tools=("claude-code",)),
        findings=(
            Finding(
                check="ruff",
                rule="BLE001",
                level="warning",
                path="pkg/mod.py",
                start_line=3,
                end_line=3,
                message="Do not catch blind exception: `Exception`",
                fingerprint="f1",
            ),
        ),
        cost=Cost(model="claude-sonnet-4", usd=usd, usd_low=usd / 2, usd_high=usd * 2),
        verdict=Verdict(conclusion=conclusion, reasons=("ok",)),
    )


def _implements_the_ports(store: SqlStore) -> tuple[ReportStore, CostLedger]:
    return store, store  # mypy checks this; nothing calls it


# Reports and acknowledgements


def test_report_round_trips_and_a_rerun_replaces_it(store: SqlStore) -> None:
    first = make_report(conclusion="failure")
    store.save_report(first)
    assert store.load_report(REPO, first.head_sha) == first

    rerun = make_report(conclusion="success", usd=2.5)
    store.save_report(rerun)
    assert store.load_report(REPO, first.head_sha) == rerun
    assert store.load_report(REPO, "c" * 40) is None
    assert store.load_report("octo/other", first.head_sha) is None


def test_a_rerun_keeps_when_the_head_was_first_stored(open_store: OpenStore, url: str) -> None:
    times = iter([MARCH, APRIL])
    store = open_store(now=lambda: next(times))
    store.save_report(make_report(conclusion="failure"))
    store.save_report(make_report(conclusion="success"))
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as conn:
            row = conn.execute(select(reports.c.created_at, reports.c.updated_at)).one()
    finally:
        engine.dispose()
    assert tuple(row) == (MARCH, APRIL)


def test_reports_survive_a_restart(open_store: OpenStore) -> None:
    report = make_report()
    first = open_store()
    first.save_report(report)
    first.close()
    assert open_store().load_report(REPO, report.head_sha) == report


def test_a_report_that_no_longer_validates_reads_as_missing(
    store: SqlStore, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store.save_report(make_report())
    engine = create_engine(database_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE reports SET report = '{\"schema_version\": 0}'"))
    finally:
        engine.dispose()
    assert store.load_report(REPO, "a" * 40) is None
    assert "unreadable" in caplog.text


def test_acknowledgements_oldest_first_and_a_redelivered_press_once(store: SqlStore) -> None:
    head = "a" * 40
    first = Acknowledgement(login="mona", permission="write", at="2025-03-10T12:00:00Z")
    second = Acknowledgement(login="hubot", permission="admin", at="2025-03-10T12:05:00Z")
    store.add_acknowledgement(REPO, head, first)
    store.add_acknowledgement(REPO, head, second)
    store.add_acknowledgement(REPO, head, first)
    assert store.acknowledgements(REPO, head) == (first, second)
    assert store.acknowledgements(REPO, "c" * 40) == ()


# The cost ledger


def test_ledger_survives_a_restart(open_store: OpenStore) -> None:
    first = open_store()
    first.record_cost(REPO, 1, "h1", 2.0, MARCH)
    first.record_cost(REPO, 2, "h2", 0.5, APRIL)
    first.close()
    reopened = open_store()
    assert reopened.monthly_totals(REPO) == [("2025-03", 2.0), ("2025-04", 0.5)]
    assert reopened.month_to_date(REPO, APRIL) == 0.5


def test_ledger_written_by_another_process_is_read_here(store: SqlStore, url: str) -> None:
    script = textwrap.dedent(
        """
        import sys
        from datetime import datetime
        from app.adapters.store import SqlStore

        store = SqlStore(sys.argv[1])
        store.record_cost("octo/widgets", 9, "h9", 4.5, datetime.fromisoformat(sys.argv[2]))
        store.record_cost("octo/widgets", 9, "h9", 4.5, datetime.fromisoformat(sys.argv[2]))
        store.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, url, MARCH.isoformat()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert store.month_to_date(REPO, MARCH) == 4.5


def test_rerunning_the_same_head_books_once(store: SqlStore) -> None:
    store.record_cost(REPO, 1, "h1", 2.0, MARCH)
    store.record_cost(REPO, 1, "h1", 2.0, MARCH + timedelta(hours=1))
    store.record_cost(REPO, 1, "h1", 2.0, APRIL)
    assert store.monthly_totals(REPO) == [("2025-03", 2.0)]


def _race(workers: list[SqlStore], pr: int, sha: str, usd: float, at: datetime) -> None:
    """Four threads over two stores (two processes' engines) record one head at once."""
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def record(store: SqlStore) -> None:
        try:
            barrier.wait(timeout=10)
            store.record_cost(REPO, pr, sha, usd, at)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(workers[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def test_a_redelivery_racing_in_two_workers_books_once(open_store: OpenStore) -> None:
    workers = [open_store(), open_store()]
    prs = range(1, 11)
    for pr in prs:
        _race(workers, pr, f"first{pr}", 1.0, MARCH)
    assert workers[0].month_to_date(REPO, MARCH) == len(prs)
    # The PRs' rows exist now: a racing push changes them under the lock instead.
    for pr in prs:
        _race(workers, pr, f"pushed{pr}", 3.0, MARCH + timedelta(hours=1))
    assert workers[1].month_to_date(REPO, MARCH) == 3 * len(prs)


def test_a_force_push_replaces_the_previous_heads_amount(store: SqlStore) -> None:
    store.record_cost(REPO, 1, "before", 3.0, MARCH)
    store.record_cost(REPO, 1, "after-force-push", 1.0, MARCH + timedelta(days=1))
    store.record_cost(REPO, 2, "other", 0.25, MARCH)
    assert store.month_to_date(REPO, MARCH) == pytest.approx(1.25)


def test_a_rise_across_months_books_the_difference_in_the_new_month(store: SqlStore) -> None:
    store.record_cost(REPO, 1, "march-head", 2.0, MARCH)
    store.record_cost(REPO, 1, "april-head", 3.0, APRIL)
    assert store.monthly_totals(REPO) == [("2025-03", 2.0), ("2025-04", 1.0)]
    assert store.month_to_date(REPO, MARCH) == 2.0
    assert store.month_to_date(REPO, APRIL) == 1.0
    assert sum(usd for _, usd in store.monthly_totals(REPO)) == 3.0


def test_a_pull_requests_booked_amount_projects_the_month(store: SqlStore) -> None:
    assert store.pull_request_cost(REPO, 1) == 0.0
    store.record_cost(REPO, 1, "march-head", 2.0, MARCH)
    store.record_cost(REPO, 2, "other", 1.0, MARCH)
    store.record_cost(REPO, 1, "unpriced", None, MARCH + timedelta(hours=1))
    assert store.pull_request_cost(REPO, 1) == 2.0
    projected = store.month_to_date(REPO, MARCH) - store.pull_request_cost(REPO, 1) + 5.0
    store.record_cost(REPO, 1, "bigger", 5.0, MARCH + timedelta(hours=2))
    assert store.month_to_date(REPO, MARCH) == projected == 6.0


def test_a_fall_across_months_books_a_negative_delta(store: SqlStore) -> None:
    store.record_cost(REPO, 1, "march-head", 5.0, MARCH)
    store.record_cost(REPO, 1, "april-head", 2.0, APRIL)
    assert store.monthly_totals(REPO) == [("2025-03", 5.0), ("2025-04", -3.0)]


def test_month_boundaries_are_utc(store: SqlStore) -> None:
    # 21:00 on 31 March in New York (UTC-4) is already April in UTC.
    late_march_in_new_york = datetime(2025, 3, 31, 21, tzinfo=timezone(timedelta(hours=-4)))
    store.record_cost(REPO, 1, "h1", 1.0, late_march_in_new_york)
    assert store.monthly_totals(REPO) == [("2025-04", 1.0)]


def test_an_unpriced_head_books_nothing_and_is_counted(store: SqlStore) -> None:
    store.record_cost(REPO, 1, "priced", 2.0, MARCH)
    store.record_cost(REPO, 1, "unknown-model", None, MARCH + timedelta(days=1))
    store.record_cost(REPO, 2, "unknown-model-too", None, MARCH)
    assert store.month_to_date(REPO, MARCH) == 2.0
    assert store.unpriced_pull_requests(REPO, MARCH) == 2
    store.record_cost(REPO, 1, "priced-again", 2.5, APRIL)
    assert store.monthly_totals(REPO) == [("2025-03", 2.0), ("2025-04", 0.5)]
    assert store.unpriced_pull_requests(REPO, MARCH) == 1
    assert store.unpriced_pull_requests(REPO, APRIL) == 0


def test_a_stale_record_arriving_late_is_ignored(store: SqlStore) -> None:
    store.record_cost(REPO, 1, "new", 4.0, APRIL)
    store.record_cost(REPO, 1, "old", 1.0, MARCH)
    assert store.monthly_totals(REPO) == [("2025-04", 4.0)]


def test_a_head_coming_back_after_another_is_booked_again(store: SqlStore) -> None:
    store.record_cost(REPO, 1, "a", 2.0, MARCH)
    store.record_cost(REPO, 1, "b", 3.0, MARCH + timedelta(hours=1))
    store.record_cost(REPO, 1, "a", 2.0, MARCH + timedelta(hours=2))
    assert store.month_to_date(REPO, MARCH) == 2.0


def test_repositories_are_kept_apart(store: SqlStore) -> None:
    store.record_cost(REPO, 1, "h1", 2.0, MARCH)
    store.record_cost("octo/gadgets", 1, "h1", 5.0, MARCH)
    store.record_cost("octo/gadgets", 2, "h2", 1.0, APRIL)
    assert store.month_to_date(REPO, MARCH) == 2.0
    assert store.repository_totals(MARCH) == [("octo/gadgets", 5.0), (REPO, 2.0)]
    assert store.monthly_totals("octo/none") == []
    assert store.month_to_date("octo/none", MARCH) == 0.0


@pytest.mark.parametrize("usd", [-1.0, float("nan"), float("inf")])
def test_an_impossible_amount_is_refused(store: SqlStore, usd: float) -> None:
    with pytest.raises(ValueError, match="usd"):
        store.record_cost(REPO, 1, "h1", usd, MARCH)
    assert store.monthly_totals(REPO) == []


def test_a_naive_time_is_refused(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.record_cost(REPO, 1, "h1", 1.0, MARCH.replace(tzinfo=None))


# Schema and migrations


def _applied_versions(url: str) -> list[int]:
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT version FROM schema_migrations")))
    finally:
        engine.dispose()


def test_migrations_apply_once_when_opened_twice(open_store: OpenStore, url: str) -> None:
    open_store().record_cost(REPO, 1, "h1", 2.0, MARCH)
    reopened = open_store()
    assert _applied_versions(url) == [m.version for m in MIGRATIONS]
    assert reopened.month_to_date(REPO, MARCH) == 2.0


def test_two_processes_starting_at_once_migrate_once(url: str) -> None:
    barrier = threading.Barrier(3)
    opened: list[SqlStore] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait(timeout=10)
            opened.append(SqlStore(url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for store in opened:
        store.close()
    assert errors == []
    assert _applied_versions(url) == [m.version for m in MIGRATIONS]


def test_the_store_queries_the_schema_the_migrations_made(store: SqlStore, url: str) -> None:
    assert store is not None
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            for table in metadata.tables.values():
                columns = {column["name"] for column in found.get_columns(table.name)}
                assert columns == set(table.columns.keys()), table.name
    finally:
        engine.dispose()


# URLs and SQLite specifics (no PostgreSQL needed)


def test_sqlite_file_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    SqlStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_in_memory_store_is_shared_by_threads() -> None:
    store = SqlStore("sqlite://")
    try:
        threads = [
            threading.Thread(target=store.record_cost, args=(REPO, pr, f"h{pr}", 1.0, MARCH))
            for pr in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        store.save_report(make_report())
        assert store.month_to_date(REPO, MARCH) == 8.0
        assert store.load_report(REPO, "a" * 40) == make_report()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u:p@db/ai", "postgresql+psycopg"),
        ("postgres://u:p@db/ai", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db/ai", "postgresql+psycopg"),
        ("sqlite:///ai-gate.db", "sqlite"),
        ("sqlite://", "sqlite"),
    ],
)
def test_database_urls_map_to_our_drivers(given: str, driver: str) -> None:
    assert database_url(given).drivername == driver


@pytest.mark.parametrize("given", ["mysql://u@db/ai", "not a url"])
def test_an_unsupported_url_names_the_variable(given: str) -> None:
    with pytest.raises(SettingsError, match=r"^DATABASE_URL: "):
        database_url(given)


def test_an_unreachable_database_fails_with_one_line_naming_it() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SettingsError, match=r"^DATABASE_URL: cannot open") as caught:
        SqlStore(f"postgresql://ai:hunter2@127.0.0.1:{port}/ai?connect_timeout=2")
    assert "hunter2" not in str(caught.value)


# Activity for the metrics


def _with_lines(report: Report, pull_request: int, added: int, ai: int) -> Report:
    attribution = report.attribution.model_copy(update={"added_lines": added, "ai_added_lines": ai})
    return report.model_copy(update={"pull_request": pull_request, "attribution": attribution})


def test_activity_counts_each_pull_request_once_by_its_latest_head(open_store: OpenStore) -> None:
    clock = iter(MARCH + timedelta(minutes=m) for m in range(100))
    store = open_store(now=lambda: next(clock))
    # PR 7: two heads, the later one failing; PR 8: one head. Another repository: one PR.
    store.save_report(_with_lines(make_report("1" * 40, "success"), 7, 10, 10))
    store.save_report(_with_lines(make_report("2" * 40, "failure"), 7, 12, 6))
    store.save_report(_with_lines(make_report("3" * 40, "success"), 8, 5, 0))
    other = _with_lines(make_report("4" * 40, "action_required"), 1, 3, 3)
    store.save_report(other.model_copy(update={"repository": "octo/other"}))
    store.record_cost(REPO, 7, "2" * 40, 2.5, MARCH)

    activity = store.activity([1.0, 10.0])

    by_name = {r.repository: r for r in activity.repositories}
    assert by_name[REPO].pull_requests == {"failure": 1, "success": 1}
    assert (by_name[REPO].added_lines, by_name[REPO].ai_added_lines) == (17, 6)
    assert by_name[REPO].month_usd == 2.5
    assert by_name["octo/other"].pull_requests == {"action_required": 1}
    assert by_name["octo/other"].month_usd == 0.0


def test_a_re_judged_head_moves_its_pull_request_to_the_new_conclusion(
    store: SqlStore,
) -> None:
    store.save_report(_with_lines(make_report("1" * 40, "action_required"), 7, 4, 4))
    store.save_report(_with_lines(make_report("1" * 40, "success"), 7, 4, 4))
    [repo] = store.activity([1.0]).repositories
    assert repo.pull_requests == {"success": 1}


def test_job_durations_are_bucketed_cumulatively_per_kind_and_outcome(store: SqlStore) -> None:
    for seconds in (0.5, 3.0, 30.0):
        store.record_job(REPO, 7, "1" * 40, "analyse", "published", seconds)
    store.record_job(REPO, 7, "1" * 40, "analyse", "retry", 0.2)
    store.record_job(REPO, 7, "1" * 40, "review", "published", 0.1)

    jobs = {(j.kind, j.outcome): j for j in store.activity([1.0, 10.0]).jobs}

    published = jobs[("analyse", "published")]
    assert (published.count, published.cumulative) == (3, (1, 2))
    assert published.total_seconds == pytest.approx(33.5)
    assert jobs[("analyse", "retry")].cumulative == (1, 1)
    assert jobs[("review", "published")].count == 1


def test_migration_2_fills_the_figures_of_reports_stored_before_it(url: str) -> None:
    engine = engine_for(database_url(url))  # as the store opens it, before any migration
    try:
        with engine.begin() as conn:
            apply_migrations(conn, MIGRATIONS[:1])
            stored = _with_lines(make_report("1" * 40, "failure"), 7, 9, 4)
            conn.execute(
                text(
                    "INSERT INTO reports (repository, head_sha, pull_request, report, "
                    "created_at, updated_at) VALUES (:r, :h, 7, :j, :t, :t)"
                ),
                {"r": REPO, "h": "1" * 40, "j": stored.model_dump_json(), "t": MARCH},
            )
    finally:
        engine.dispose()
    store = SqlStore(url)
    try:
        [repo] = store.activity([1.0]).repositories
        assert repo.pull_requests == {"failure": 1}
        assert (repo.added_lines, repo.ai_added_lines) == (9, 4)
    finally:
        store.close()


def test_a_database_that_stops_answering_is_a_transient_error(tmp_path: Path) -> None:
    from app.adapters.store import engine_for
    from app.errors import DatabaseUnavailable, TransientError

    store = SqlStore(f"sqlite:///{tmp_path / 'up.db'}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The server went away: the pooled engine now reaches nothing (nothing listens on `port`).
    store._engine.dispose()
    store._engine = engine_for(
        database_url(f"postgresql://ai@127.0.0.1:{port}/ai?connect_timeout=2")
    )
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            store.save_report(make_report())
        assert isinstance(caught.value, TransientError)  # so the runner retries the job later
    finally:
        store.close()
