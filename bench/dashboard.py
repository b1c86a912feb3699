"""The dashboard's queries on a large store: 100,000 PRs over 50 repositories and 150 services
(two years of them), on SQLite and, given a URL, PostgreSQL. Prints p50 and p95 of every query
a view runs (bar: 200 ms at p95).

    .venv/bin/python -m bench.dashboard [--prs 100000] [--repeat 20] [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import make_url, text

from app.adapters.figures import Dimension, Figures, Scope
from app.adapters.outcomes import budgets, pr_findings, pr_services, pull_requests, spend_entries
from app.adapters.store import SqlStore
from app.core.periods import month_key, week_key

ORGS = 5
REPOS = 50
SERVICES_PER_REPO = 3
TOOLS = ("claude-code", "copilot-agent", "cursor", "codex", "aider", "human")
MODELS = ("claude-sonnet-4-5", "claude-opus-4-5", "gpt-5", "gpt-4o", "gemini-2.5-pro")
CHECKS = ("ruff", "mypy", "secrets", "licence")
BAR_MS = 200.0


def generate(store: SqlStore, prs: int, now: datetime, seed: int = 7) -> None:
    """Bulk rows as the jobs would have written them."""
    rng = random.Random(seed)
    repos = [f"org{r % ORGS}/repo{r:02d}" for r in range(REPOS)]
    pull_rows, service_rows, finding_rows, spend_rows = [], [], [], []
    for number in range(1, prs + 1):
        repo = rng.choice(repos)
        at = now - timedelta(seconds=rng.randrange(730 * 86_400))
        state = rng.choices(("merged", "closed", "open"), (0.75, 0.15, 0.10))[0]
        tool = rng.choice(TOOLS)
        model = rng.choice(MODELS) if tool != "human" else "unknown"
        touched = rng.sample(range(SERVICES_PER_REPO), rng.choice((1, 1, 2)))
        usd_total = 0.0
        added_total = ai_total = 0
        common = {
            "repository": repo,
            "pull_request": number,
            "organisation": repo.split("/")[0],
            "state": state,
            "tool": tool,
            "model": model,
            "outcome_at": at,
            "month": month_key(at),
            "week": week_key(at),
        }
        for index, service_index in enumerate(touched):
            service = f"svc{service_index}-{repo.split('/')[1]}"
            added = rng.randrange(5, 800)
            ai = 0 if tool == "human" else rng.randrange(0, added + 1)
            usd = ai * 0.004
            usd_total += usd
            added_total += added
            ai_total += ai
            merged = state == "merged"
            service_rows.append(
                common
                | {
                    "service": service,
                    "lead": int(index == 0),
                    "added_lines": added,
                    "ai_added_lines": ai,
                    "usd": usd,
                    "rework_lines": float(ai) if merged else None,
                    "survived_30": ai * 0.8 if merged else None,
                    "survived_90": ai * 0.7 if merged else None,
                    "final_30": int(merged),
                    "final_90": int(merged),
                }
            )
            spend_rows.append(
                {
                    key: common[key]
                    for key in ("repository", "pull_request", "organisation", "tool", "model")
                }
                | {
                    "service": service,
                    "month": month_key(at),
                    "week": week_key(at),
                    "delta_usd": usd,
                    "at": at,
                }
            )
            for check in rng.sample(CHECKS, rng.randrange(0, 3)):
                finding_rows.append(
                    {
                        "repository": repo,
                        "pull_request": number,
                        "service": service,
                        "check_name": check,
                        "ai_findings": rng.randrange(0, 4),
                        "human_findings": rng.randrange(0, 4),
                    }
                )
        pull_rows.append(
            common
            | {
                "installation_id": 1,
                "title": f"Change {number}",
                "url": f"https://github.com/{repo}/pull/{number}",
                "head_sha": f"{number:040x}",
                "ai": int(tool != "human"),
                "added_lines": added_total,
                "ai_added_lines": ai_total,
                "usd": usd_total,
                "findings": 0,
                "analysed_at": at,
                "merged_at": at if state == "merged" else None,
                "closed_at": at if state != "open" else None,
                "merge_commit_sha": None,
            }
        )
    budget_rows = [
        {
            "repository": repo,
            "service": f"svc{s}-{repo.split('/')[1]}",
            "monthly_usd": 500.0,
            "alert_ratio": 0.8,
            "updated_at": now,
        }
        for repo in repos
        for s in range(SERVICES_PER_REPO)
    ]
    with store.transaction(write=True) as conn:
        for table, rows in (
            (pull_requests, pull_rows),
            (pr_services, service_rows),
            (pr_findings, finding_rows),
            (spend_entries, spend_rows),
            (budgets, budget_rows),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(table.insert(), rows[start : start + 5000])
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def views(now: datetime) -> dict[str, tuple[Scope, tuple[Dimension, ...]]]:
    repos = tuple(f"org{r % ORGS}/repo{r:02d}" for r in range(REPOS))
    since = now - timedelta(days=90)
    return {
        "overview (50 repos, 90 d)": (
            Scope(repositories=repos, since=since),
            ("organisation", "repository", "tool", "model"),
        ),
        "organisation (90 d)": (
            Scope(repositories=repos, organisation="org1", since=since),
            ("repository", "service", "tool", "model"),
        ),
        "organisation (a year)": (
            Scope(repositories=repos, organisation="org1", since=now - timedelta(days=365)),
            ("repository", "service", "tool", "model"),
        ),
        "repository (90 d)": (
            Scope(repositories=repos, repository="org1/repo01", since=since),
            ("service", "tool", "model"),
        ),
        "service (90 d)": (
            Scope(repositories=repos, repository="org1/repo01", service="svc0-repo01", since=since),
            ("tool", "model"),
        ),
    }


def view_queries(
    figures: Figures, scope: Scope, by: tuple[Dimension, ...], now: datetime
) -> dict[str, Callable[[], object]]:
    """Every query one view runs (app/web/dashboard.py, via figures.collect)."""
    queries: dict[str, Callable[[], object]] = {
        "totals": partial(figures.totals, scope),
        "findings by check": partial(figures.densities, scope),
        "weeks": partial(figures.series, scope, "week"),
        "months": partial(figures.series, scope, "month"),
        "month to date": partial(figures.month_spend, scope, now),
        "budgets": partial(figures.budgets, scope, now),
        "pull requests (200)": partial(figures.pulls, scope, 200),
    }
    for dimension in by:
        queries[f"by {dimension}"] = partial(figures.groups, scope, dimension)
    return queries


def run(store: SqlStore, label: str, repeat: int, now: datetime) -> list[float]:
    figures = Figures(store)
    p95s = []
    print(f"\n{label}")
    print(f"  {'view':<26} {'query':<22} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (scope, by) in views(now).items():
        queries = view_queries(figures, scope, by, now)
        for query, call in queries.items():
            p50, p95 = timed(call, repeat)
            p95s.append(p95)
            print(f"  {name:<26} {query:<22} {p50:>8.1f} {p95:>8.1f}")
    worst = max(p95s)
    verdict = "within" if worst <= BAR_MS else "OVER"
    print(f"  slowest p95: {worst:.1f} ms ({verdict} the {BAR_MS:.0f} ms bar)")
    return p95s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--postgres", help="postgresql://… of a server to test on (a schema of its own)"
    )
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStore(f"sqlite:///{Path(tmp) / 'bench.db'}")
        started = time.perf_counter()
        generate(store, args.prs, now)
        print(f"SQLite: {args.prs:,} PRs generated in {time.perf_counter() - started:.1f} s")
        run(
            store,
            f"SQLite, {args.prs:,} PRs, {REPOS} repositories, {REPOS * SERVICES_PER_REPO} services",
            args.repeat,
            now,
        )
        store.close()
    if args.postgres:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        base = make_url(args.postgres)
        libpq = base.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq, autocommit=True) as admin:
            admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = base.update_query_dict({"options": f"-csearch_path={schema}"})
            store = SqlStore(url.render_as_string(hide_password=False))
            generate(store, args.prs, now)
            run(store, f"PostgreSQL, {args.prs:,} PRs", args.repeat, now)
            store.close()
        finally:
            with psycopg.connect(libpq, autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
