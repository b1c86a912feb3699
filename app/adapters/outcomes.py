"""What became of each pull request, per service: the facts the dashboard, `/metrics`,
alerts and `ai-gate report` compute their figures from (app/adapters/figures.py).

- An analysis records the PR's latest head: its added and AI lines, findings and spend, split
  between the services its files belong to (`app/core/services.py`), under the PR's tool and
  model. The PR stays `open`.
- Merging records it `merged` (accepted), closing unmerged `closed` (its spend discarded); a
  reopened PR is `open` again. The outcome's time places the PR in a week and a month.
- Spend per service is a ledger like the repository's (app/adapters/store.py): each service's
  part of the PR's booked amount, booked as a delta in the month it changed, so a month's sum
  over a repository's services is what its ledger booked that month.
- Rework (app/rework.py) is kept on the merged PR's services: the AI lines of the merge and how
  many of them were still there 30 and 90 days later.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    select,
    update,
)
from sqlalchemy.engine import Connection

from app.adapters.migrations import UtcDateTime
from app.adapters.store import SqlStore, cost_pull_requests, insert_ignoring
from app.core.periods import month_key, week_key
from app.core.services import UNASSIGNED, ServiceSlice

OutcomeState = str  # open | merged | closed
STATES = ("open", "merged", "closed")

# The latest schema, for queries only: `migrations.py` (version 3) creates it.
metadata = MetaData()


def _outcome_columns() -> list[Column[object]]:
    return [
        Column("organisation", Text, nullable=False),
        Column("state", Text, nullable=False),
        Column("tool", Text, nullable=False),
        Column("model", Text, nullable=False),
        Column("outcome_at", UtcDateTime, nullable=False),
        Column("month", Text, nullable=False),
        Column("week", Text, nullable=False),
    ]


pull_requests = Table(
    "pull_requests",
    metadata,
    Column("repository", Text, primary_key=True),
    Column("pull_request", Integer, primary_key=True),
    *_outcome_columns(),
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
)
pr_services = Table(
    "pr_services",
    metadata,
    Column("repository", Text, primary_key=True),
    Column("pull_request", Integer, primary_key=True),
    Column("service", Text, primary_key=True),
    *_outcome_columns(),
    Column("lead", Integer, nullable=False),
    Column("added_lines", Integer, nullable=False),
    Column("ai_added_lines", Integer, nullable=False),
    Column("usd", Float, nullable=False),
    Column("rework_lines", Float),
    Column("survived_30", Float),
    Column("survived_90", Float),
    Column("final_30", Integer, nullable=False),
    Column("final_90", Integer, nullable=False),
)
pr_findings = Table(
    "pr_findings",
    metadata,
    Column("repository", Text, primary_key=True),
    Column("pull_request", Integer, primary_key=True),
    Column("service", Text, primary_key=True),
    Column("check_name", Text, primary_key=True),
    Column("ai_findings", Integer, nullable=False),
    Column("human_findings", Integer, nullable=False),
)
spend_entries = Table(
    "spend_entries",
    metadata,
    Column("id", Integer, primary_key=True),
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
)
spend_pull_requests = Table(
    "spend_pull_requests",
    metadata,
    Column("repository", Text, primary_key=True),
    Column("pull_request", Integer, primary_key=True),
    Column("service", Text, primary_key=True),
    Column("booked_usd", Float, nullable=False),
)
budgets = Table(
    "budgets",
    metadata,
    Column("repository", Text, primary_key=True),
    Column("service", Text, primary_key=True),
    Column("monthly_usd", Float, nullable=False),
    Column("alert_ratio", Float, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
service_maps = Table(
    "service_maps",
    metadata,
    Column("repository", Text, primary_key=True),
    Column("services", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
# The repository as a whole, where a table is keyed by service.
WHOLE = ""


def organisation_of(repository: str) -> str:
    return repository.split("/", 1)[0]


@dataclass(frozen=True)
class AnalysedPR:
    """One analysed head of a pull request, as the outcome tables keep it."""

    repository: str
    pull_request: int
    head_sha: str
    title: str
    url: str
    ai: bool
    tool: str
    model: str
    added_lines: int
    ai_added_lines: int
    findings: int
    slices: tuple[ServiceSlice, ...]
    installation_id: int | None = None


@dataclass(frozen=True)
class Budget:
    service: str  # WHOLE for the repository
    monthly_usd: float
    alert_ratio: float


@dataclass(frozen=True)
class Outcome:
    """What GitHub says became of a pull request."""

    repository: str
    pull_request: int
    state: OutcomeState
    at: datetime  # merged_at, closed_at, or now for a reopened PR
    merge_commit_sha: str | None = None
    head_sha: str = ""
    title: str = ""
    url: str = ""
    installation_id: int | None = None


@dataclass(frozen=True)
class MergedPR:
    """A merged PR whose rework is still being measured."""

    repository: str
    pull_request: int
    head_sha: str
    merge_commit_sha: str
    merged_at: datetime
    # service -> AI-attributed added lines of the PR
    ai_lines: Mapping[str, int]


@dataclass(frozen=True)
class Survival:
    """A service's AI lines of a merge, and how many of them a window kept."""

    service: str
    lines: float
    survived_30: float
    survived_90: float
    final_30: bool
    final_90: bool


class Outcomes:
    """Writes of the outcome tables, on the store's database."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def record_analysis(
        self,
        pr: AnalysedPR,
        at: datetime,
        budget_list: Sequence[Budget] = (),
        services: Mapping[str, str] | None = None,
    ) -> float:
        """Keep the PR's latest analysed head and book its spend per service; the PR's
        booked spend (from the repository's ledger) is returned."""
        with self.store.transaction(write=True) as conn:
            usd = _booked(conn, pr.repository, pr.pull_request)
            state, outcome_at = _upsert_pr(conn, pr, usd, at)
            _replace_services(conn, pr, usd, state, outcome_at)
            _book_services(conn, pr, usd, at)
            _keep_budgets(conn, pr.repository, budget_list, at)
            if services is not None:
                _keep_services(conn, pr.repository, services, at)
        return usd

    def record_outcome(self, outcome: Outcome) -> None:
        """Mark the PR merged, closed or open again, at the outcome's time."""
        key = {"repository": outcome.repository, "pull_request": outcome.pull_request}
        placed = _placed(outcome.state, outcome.at)
        with self.store.transaction(write=True) as conn:
            merged = outcome.state == "merged"
            dates = {
                "merged_at": outcome.at if merged else None,
                "closed_at": outcome.at if outcome.state != "open" else None,
                "merge_commit_sha": outcome.merge_commit_sha if merged else None,
            }
            # Never analysed (installed later, or merged before its analysis finished):
            # counted as a PR, with no lines and no spend. Inserted unless a row exists, so a
            # worker booking the PR at the same moment is never in conflict with this one.
            unknown = {
                **key,
                **placed,
                **dates,
                "organisation": organisation_of(outcome.repository),
                "tool": "human",
                "model": "unknown",
                "installation_id": outcome.installation_id,
                "title": outcome.title,
                "url": outcome.url,
                "head_sha": outcome.head_sha,
                "ai": 0,
                "added_lines": 0,
                "ai_added_lines": 0,
                "usd": _booked(conn, outcome.repository, outcome.pull_request),
                "findings": 0,
            }
            if insert_ignoring(conn, pull_requests, unknown):
                conn.execute(
                    pr_services.insert().values(
                        **key,
                        **placed,
                        organisation=organisation_of(outcome.repository),
                        service=UNASSIGNED,
                        tool="human",
                        model="unknown",
                        lead=1,
                        added_lines=0,
                        ai_added_lines=0,
                        usd=0.0,
                        final_30=0,
                        final_90=0,
                    )
                )
                return
            conn.execute(
                select(pull_requests.c.state).where(*_key(pull_requests, key)).with_for_update()
            )
            extra = {"title": outcome.title} if outcome.title else {}
            if outcome.url:
                extra["url"] = outcome.url
            conn.execute(
                update(pull_requests)
                .where(*_key(pull_requests, key))
                .values(**placed, **dates, **extra)
            )
            rework = {} if merged else {"rework_lines": None, "final_30": 0, "final_90": 0}
            conn.execute(
                update(pr_services).where(*_key(pr_services, key)).values(**placed, **rework)
            )

    def merged_for_rework(self, repository: str, since: datetime) -> list[MergedPR]:
        """Merged PRs with AI lines, merged after `since`, whose 90-day window is open."""
        prs, svc = pull_requests.c, pr_services.c
        query = (
            select(
                prs.pull_request,
                prs.head_sha,
                prs.merge_commit_sha,
                prs.merged_at,
                svc.service,
                svc.ai_added_lines,
            )
            .join(
                pr_services,
                (svc.repository == prs.repository) & (svc.pull_request == prs.pull_request),
            )
            .where(
                prs.repository == repository,
                prs.state == "merged",
                prs.merge_commit_sha.is_not(None),
                prs.merged_at >= since,
                svc.final_90 == 0,
                svc.ai_added_lines > 0,
            )
            .order_by(prs.merged_at)
        )
        heads: dict[int, tuple[str, str, datetime]] = {}
        lines: dict[int, dict[str, int]] = {}
        with self.store.transaction(write=False) as conn:
            for row in conn.execute(query):
                number = int(row.pull_request)
                heads[number] = (str(row.head_sha), str(row.merge_commit_sha), row.merged_at)
                lines.setdefault(number, {})[str(row.service)] = int(row.ai_added_lines)
        return [
            MergedPR(repository, number, head, merge, at, lines[number])
            for number, (head, merge, at) in heads.items()
        ]

    def record_rework(
        self, repository: str, pull_request: int, survivals: Sequence[Survival]
    ) -> None:
        """Keep how many of a merged PR's AI lines each window kept, per service."""
        with self.store.transaction(write=True) as conn:
            for survival in survivals:
                conn.execute(
                    update(pr_services)
                    .where(
                        pr_services.c.repository == repository,
                        pr_services.c.pull_request == pull_request,
                        pr_services.c.service == survival.service,
                        pr_services.c.state == "merged",
                    )
                    .values(
                        rework_lines=survival.lines,
                        survived_30=survival.survived_30,
                        survived_90=survival.survived_90,
                        final_30=int(survival.final_30),
                        final_90=int(survival.final_90),
                    )
                )

    def service_map(self, repository: str) -> dict[str, str]:
        """The `services:` map of the repository's latest analysis (empty when none)."""
        query = select(service_maps.c.services).where(service_maps.c.repository == repository)
        with self.store.transaction(write=False) as conn:
            data = conn.scalar(query)
        loaded = json.loads(data) if data else {}
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}

    def month_spend(self, repository: str, service: str, at: datetime) -> float:
        """What a service (or WHOLE: the repository) booked in the month of `at`."""
        entries = spend_entries.c
        query = select(entries.delta_usd).where(
            entries.repository == repository, entries.month == month_key(at)
        )
        if service != WHOLE:
            query = query.where(entries.service == service)
        with self.store.transaction(write=False) as conn:
            return float(sum(conn.scalars(query)))


def _key(table: Table, key: Mapping[str, object]) -> list[ColumnElement[bool]]:
    return [table.c[name] == value for name, value in key.items()]


def _placed(state: OutcomeState, at: datetime) -> dict[str, object]:
    return {"state": state, "outcome_at": at, "month": month_key(at), "week": week_key(at)}


def _booked(conn: Connection, repository: str, pull_request: int) -> float:
    query = select(cost_pull_requests.c.booked_usd).where(
        cost_pull_requests.c.repository == repository,
        cost_pull_requests.c.pull_request == pull_request,
    )
    return float(conn.scalar(query) or 0.0)


def _upsert_pr(
    conn: Connection, pr: AnalysedPR, usd: float, at: datetime
) -> tuple[OutcomeState, datetime]:
    """The PR's row with this head's figures; a closed or merged PR keeps its outcome."""
    key = {"repository": pr.repository, "pull_request": pr.pull_request}
    figures = {
        "head_sha": pr.head_sha,
        "tool": pr.tool,
        "model": pr.model,
        "ai": int(pr.ai),
        "added_lines": pr.added_lines,
        "ai_added_lines": pr.ai_added_lines,
        "usd": usd,
        "findings": pr.findings,
        "analysed_at": at,
    }
    if pr.title:
        figures["title"] = pr.title
    if pr.url:
        figures["url"] = pr.url
    if pr.installation_id is not None:
        figures["installation_id"] = pr.installation_id
    fresh = {
        **key,
        "title": pr.title,
        "url": pr.url,
        **figures,
        **_placed("open", at),
        "organisation": organisation_of(pr.repository),
    }
    # Inserted unless it exists, then locked: two workers booking one PR at once take turns.
    if insert_ignoring(conn, pull_requests, fresh):
        return "open", at
    row = conn.execute(
        select(pull_requests.c.state, pull_requests.c.outcome_at)
        .where(*_key(pull_requests, key))
        .with_for_update()
    ).one()
    state, outcome_at = str(row.state), row.outcome_at
    if state == "open":
        figures |= _placed("open", at)
        outcome_at = at
    conn.execute(update(pull_requests).where(*_key(pull_requests, key)).values(**figures))
    return state, outcome_at


def _replace_services(
    conn: Connection, pr: AnalysedPR, usd: float, state: OutcomeState, outcome_at: datetime
) -> None:
    key = {"repository": pr.repository, "pull_request": pr.pull_request}
    conn.execute(delete(pr_services).where(*_key(pr_services, key)))
    conn.execute(delete(pr_findings).where(*_key(pr_findings, key)))
    shared = {
        **key,
        **_placed(state, outcome_at),
        "organisation": organisation_of(pr.repository),
        "tool": pr.tool,
        "model": pr.model,
        "final_30": 0,
        "final_90": 0,
    }
    conn.execute(
        pr_services.insert(),
        [
            {
                **shared,
                "service": piece.service,
                "lead": int(index == 0),
                "added_lines": piece.added_lines,
                "ai_added_lines": piece.ai_added_lines,
                "usd": usd * piece.share,
            }
            for index, piece in enumerate(pr.slices)
        ],
    )
    findings = [
        {
            **key,
            "service": piece.service,
            "check_name": counts.check,
            "ai_findings": counts.ai,
            "human_findings": counts.human,
        }
        for piece in pr.slices
        for counts in piece.findings
    ]
    if findings:
        conn.execute(pr_findings.insert(), findings)


def _book_services(conn: Connection, pr: AnalysedPR, usd: float, at: datetime) -> None:
    """Each service's part of the PR's booked spend, as deltas in the month of `at`."""
    key = {"repository": pr.repository, "pull_request": pr.pull_request}
    booked = {
        str(row.service): float(row.booked_usd)
        for row in conn.execute(
            select(spend_pull_requests.c.service, spend_pull_requests.c.booked_usd)
            .where(*_key(spend_pull_requests, key))
            .with_for_update()
        )
    }
    target = {piece.service: usd * piece.share for piece in pr.slices}
    for service in sorted(set(booked) | set(target)):
        old, new = booked.get(service, 0.0), target.get(service, 0.0)
        if abs(new - old) < 1e-9:
            continue
        if service in booked:
            conn.execute(
                update(spend_pull_requests)
                .where(*_key(spend_pull_requests, key), spend_pull_requests.c.service == service)
                .values(booked_usd=new)
            )
        else:
            conn.execute(
                spend_pull_requests.insert().values(**key, service=service, booked_usd=new)
            )
        conn.execute(
            spend_entries.insert().values(
                **key,
                organisation=organisation_of(pr.repository),
                service=service,
                tool=pr.tool,
                model=pr.model,
                month=month_key(at),
                week=week_key(at),
                delta_usd=new - old,
                at=at,
            )
        )


def _keep_budgets(
    conn: Connection, repository: str, budget_list: Sequence[Budget], at: datetime
) -> None:
    """The budgets of the repository's latest analysis (its config on the base branch)."""
    conn.execute(delete(budgets).where(budgets.c.repository == repository))
    rows = [
        {
            "repository": repository,
            "service": item.service,
            "monthly_usd": item.monthly_usd,
            "alert_ratio": item.alert_ratio,
            "updated_at": at,
        }
        for item in budget_list
    ]
    if rows:
        conn.execute(budgets.insert(), rows)


def _keep_services(
    conn: Connection, repository: str, services: Mapping[str, str], at: datetime
) -> None:
    conn.execute(delete(service_maps).where(service_maps.c.repository == repository))
    conn.execute(
        service_maps.insert().values(
            repository=repository, services=json.dumps(dict(services)), updated_at=at
        )
    )
