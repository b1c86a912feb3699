"""The figures of the dashboard, `/metrics` and `ai-gate report`, each computed once, in SQL,
over the outcome tables (app/adapters/outcomes.py). README, "Figures", defines them.

Every query takes a `Scope`: the repositories a reader may see (GitHub's answer for a signed-in
user; None for the operator's views), narrowed to an organisation, a repository or a service,
and a period on each PR's outcome time. A repository outside the allow-list never reaches a
sum, a count or a name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, Table, and_, case, false, func, literal, select
from sqlalchemy.sql.elements import KeyedColumnElement

from app.adapters.outcomes import (
    WHOLE,
    budgets,
    organisation_of,
    pr_findings,
    pr_services,
    pull_requests,
    spend_entries,
)
from app.adapters.store import SqlStore
from app.core.periods import month_key

Dimension = Literal["organisation", "repository", "service", "tool", "model"]
Grain = Literal["week", "month"]


@dataclass(frozen=True)
class Scope:
    """Which PRs a figure covers."""

    repositories: tuple[str, ...] | None = None  # None: every repository
    organisation: str | None = None
    repository: str | None = None
    service: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def from_(self, since: datetime) -> Scope:
        return replace(self, since=since)


@dataclass(frozen=True)
class Totals:
    """The headline figures of a scope (README, Figures)."""

    merged_prs: int = 0
    closed_prs: int = 0
    open_prs: int = 0
    merged_lines: int = 0
    merged_ai_lines: int = 0
    accepted_usd: float = 0.0
    discarded_usd: float = 0.0
    open_usd: float = 0.0
    rework_lines_30: float = 0.0
    kept_30: float = 0.0
    rework_lines_90: float = 0.0
    kept_90: float = 0.0

    @property
    def ai_share(self) -> float | None:
        return self.merged_ai_lines / self.merged_lines if self.merged_lines else None

    @property
    def usd_per_ai_line(self) -> float | None:
        return self.accepted_usd / self.merged_ai_lines if self.merged_ai_lines else None

    @property
    def usd_per_kloc(self) -> float | None:
        per_line = self.usd_per_ai_line
        return None if per_line is None else per_line * 1000

    @property
    def rework_30(self) -> float | None:
        return 1 - self.kept_30 / self.rework_lines_30 if self.rework_lines_30 else None

    @property
    def rework_90(self) -> float | None:
        return 1 - self.kept_90 / self.rework_lines_90 if self.rework_lines_90 else None


@dataclass(frozen=True)
class Group:
    key: str
    totals: Totals
    # A service's repository, where services of several repositories are listed together.
    repository: str | None = None


@dataclass(frozen=True)
class CheckDensity:
    """Findings per KLOC of a check on merged AI-written and human-written lines."""

    check: str
    ai_findings: int
    human_findings: int
    ai_lines: int
    human_lines: int

    @property
    def ai_per_kloc(self) -> float | None:
        return self.ai_findings * 1000 / self.ai_lines if self.ai_lines else None

    @property
    def human_per_kloc(self) -> float | None:
        return self.human_findings * 1000 / self.human_lines if self.human_lines else None


@dataclass(frozen=True)
class Point:
    """One week or month of a scope."""

    period: str
    spend_usd: float = 0.0
    merged_lines: int = 0
    merged_ai_lines: int = 0
    accepted_usd: float = 0.0
    discarded_usd: float = 0.0


@dataclass(frozen=True)
class BudgetUse:
    repository: str
    service: str  # WHOLE for the repository
    monthly_usd: float
    alert_ratio: float
    month_usd: float

    @property
    def used(self) -> float:
        return self.month_usd / self.monthly_usd if self.monthly_usd else 0.0


@dataclass(frozen=True)
class PullRow:
    repository: str
    pull_request: int
    title: str
    url: str
    state: str
    tool: str
    model: str
    outcome_at: datetime
    added_lines: int
    ai_added_lines: int
    usd: float
    findings: int
    services: tuple[str, ...] = field(default_factory=tuple)


class Figures:
    """Read-only queries of the outcome tables."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def totals(self, scope: Scope) -> Totals:
        query = select(*_aggregates(scope)).where(*_filters(scope))
        with self.store.transaction(write=False) as conn:
            row = conn.execute(query).one()
        return _totals(row)

    def groups(self, scope: Scope, by: Dimension, limit: int = 500) -> list[Group]:
        """The figures of each organisation, repository, service, tool or model in the scope,
        the largest spend first; services of several repositories are kept apart."""
        svc = pr_services.c
        keys = [svc[by].label("key")]
        if by == "service" and scope.repository is None:
            keys.append(svc.repository.label("repo"))
        spend = func.coalesce(func.sum(svc.usd), 0.0)
        here = scope.repository if by == "service" else None
        query = (
            select(*keys, *_aggregates(scope, split=by == "service"))
            .where(*_filters(scope))
            .group_by(*keys)
            .order_by(spend.desc(), *keys)
            .limit(limit)
        )
        with self.store.transaction(write=False) as conn:
            return [
                Group(str(row.key), _totals(row), getattr(row, "repo", None) or here)
                for row in conn.execute(query)
            ]

    def densities(self, scope: Scope, totals: Totals | None = None) -> list[CheckDensity]:
        """Findings per KLOC by check, on merged AI-written and human-written lines."""
        totals = totals or self.totals(scope)
        svc, found = pr_services.c, pr_findings.c
        query = (
            select(
                found.check_name,
                func.sum(found.ai_findings).label("ai"),
                func.sum(found.human_findings).label("human"),
            )
            .join(
                pr_services,
                (svc.repository == found.repository)
                & (svc.pull_request == found.pull_request)
                & (svc.service == found.service),
            )
            .where(svc.state == "merged", *_filters(scope))
            .group_by(found.check_name)
            .order_by(found.check_name)
        )
        ai_lines = totals.merged_ai_lines
        human_lines = totals.merged_lines - totals.merged_ai_lines
        with self.store.transaction(write=False) as conn:
            return [
                CheckDensity(
                    str(r.check_name), int(r.ai or 0), int(r.human or 0), ai_lines, human_lines
                )
                for r in conn.execute(query)
            ]

    def series(self, scope: Scope, grain: Grain) -> list[Point]:
        """Spend booked, merged lines, accepted and discarded spend per week or month."""
        svc, entries = pr_services.c, spend_entries.c
        period = svc[grain]
        merged, closed = svc.state == "merged", svc.state == "closed"
        outcomes = (
            select(
                period.label("period"),
                _sum(svc.added_lines, merged).label("lines"),
                _sum(svc.ai_added_lines, merged).label("ai_lines"),
                _sum(svc.usd, merged).label("accepted"),
                _sum(svc.usd, closed).label("discarded"),
            )
            .where(*_filters(scope))
            .group_by(period)
        )
        spend = (
            select(entries[grain].label("period"), func.sum(entries.delta_usd).label("usd"))
            .where(*_spend_filters(scope))
            .group_by(entries[grain])
        )
        points: dict[str, Point] = {}
        with self.store.transaction(write=False) as conn:
            for row in conn.execute(outcomes):
                points[str(row.period)] = Point(
                    str(row.period),
                    merged_lines=int(row.lines or 0),
                    merged_ai_lines=int(row.ai_lines or 0),
                    accepted_usd=float(row.accepted or 0.0),
                    discarded_usd=float(row.discarded or 0.0),
                )
            for row in conn.execute(spend):
                key = str(row.period)
                points[key] = replace(points.get(key, Point(key)), spend_usd=float(row.usd or 0))
        return [points[key] for key in sorted(points)]

    def by_tool_and_model(self, scope: Scope) -> list[tuple[str, str, str, Totals]]:
        """(repository, tool, model, figures) of the scope, for /metrics."""
        svc = pr_services.c
        keys = (svc.repository, svc.tool, svc.model)
        query = select(*keys, *_aggregates(scope)).where(*_filters(scope)).group_by(*keys)
        with self.store.transaction(write=False) as conn:
            return [
                (str(r.repository), str(r.tool), str(r.model), _totals(r))
                for r in conn.execute(query)
            ]

    def service_month(self, scope: Scope, at: datetime) -> list[tuple[str, str, float]]:
        """(repository, service, USD booked in the month of `at`), for /metrics."""
        entries = spend_entries.c
        query = (
            select(entries.repository, entries.service, func.sum(entries.delta_usd).label("usd"))
            .where(entries.month == month_key(at), *_spend_filters(_unbounded(scope)))
            .group_by(entries.repository, entries.service)
        )
        with self.store.transaction(write=False) as conn:
            return [(str(r.repository), str(r.service), float(r.usd)) for r in conn.execute(query)]

    def month_spend(self, scope: Scope, at: datetime) -> float:
        """What the scope booked in the month of `at`, whatever the scope's period."""
        query = select(func.coalesce(func.sum(spend_entries.c.delta_usd), 0.0)).where(
            spend_entries.c.month == month_key(at), *_spend_filters(_unbounded(scope))
        )
        with self.store.transaction(write=False) as conn:
            return float(conn.scalar(query) or 0.0)

    def budgets(self, scope: Scope, at: datetime) -> list[BudgetUse]:
        """Each budget in the scope with what its repository or service booked this month."""
        b, e = budgets.c, spend_entries.c
        joined = budgets.outerjoin(
            spend_entries,
            and_(
                e.repository == b.repository,
                e.month == month_key(at),
                (b.service == WHOLE) | (e.service == b.service),
            ),
        )
        query = (
            select(
                b.repository,
                b.service,
                b.monthly_usd,
                b.alert_ratio,
                func.coalesce(func.sum(e.delta_usd), 0.0).label("usd"),
            )
            .select_from(joined)
            .where(*_budget_filters(scope))
            .group_by(b.repository, b.service, b.monthly_usd, b.alert_ratio)
            .order_by(b.repository, b.service)
        )
        with self.store.transaction(write=False) as conn:
            return [
                BudgetUse(
                    str(r.repository),
                    str(r.service),
                    float(r.monthly_usd),
                    float(r.alert_ratio),
                    float(r.usd),
                )
                for r in conn.execute(query)
            ]

    def pulls(self, scope: Scope, limit: int = 200) -> list[PullRow]:
        """The scope's PRs, latest outcome first; in a service scope, the service's part."""
        prs = pull_requests.c
        # What names and places each PR, whichever table its figures come from.
        described = (
            prs.repository,
            prs.pull_request,
            prs.title,
            prs.url,
            prs.state,
            prs.tool,
            prs.model,
            prs.outcome_at,
        )
        if scope.service is None:
            # The PR's own row has its totals: no join, and the (owner, time) indexes serve
            # the order.
            query = (
                select(
                    *described,
                    prs.added_lines.label("added"),
                    prs.ai_added_lines.label("ai"),
                    func.coalesce(prs.usd, 0.0).label("usd"),
                    prs.findings,
                )
                .where(*_filters(scope, pull_requests))
                .order_by(prs.outcome_at.desc(), prs.repository, prs.pull_request.desc())
                .limit(limit)
            )
        else:
            svc = pr_services.c
            query = (
                select(
                    *described,
                    svc.added_lines.label("added"),
                    svc.ai_added_lines.label("ai"),
                    svc.usd,
                    prs.findings,
                )
                .join(
                    pr_services,
                    (svc.repository == prs.repository) & (svc.pull_request == prs.pull_request),
                )
                .where(*_filters(scope))
                .order_by(svc.outcome_at.desc(), svc.repository, svc.pull_request.desc())
                .limit(limit)
            )
        with self.store.transaction(write=False) as conn:
            return [
                PullRow(
                    str(r.repository),
                    int(r.pull_request),
                    str(r.title),
                    str(r.url),
                    str(r.state),
                    str(r.tool),
                    str(r.model),
                    r.outcome_at,
                    int(r.added or 0),
                    int(r.ai or 0),
                    float(r.usd or 0.0),
                    int(r.findings),
                    (scope.service,) if scope.service is not None else (),
                )
                for r in conn.execute(query)
            ]

    def organisations(self, scope: Scope) -> list[str]:
        """Organisations with recorded PRs in the scope's repositories."""
        column = pull_requests.c.organisation
        query = select(column).where(*_repository_filters(scope, pull_requests.c.repository))
        with self.store.transaction(write=False) as conn:
            found: list[object] = list(conn.scalars(query.group_by(column)))
        return sorted(str(value) for value in found)


def _sum(
    column: KeyedColumnElement[float] | KeyedColumnElement[int], when: ColumnElement[bool]
) -> ColumnElement[float]:
    return func.coalesce(func.sum(case((when, column), else_=0)), 0)


def _aggregates(scope: Scope, *, split: bool = False) -> list[ColumnElement[float]]:
    svc = pr_services.c
    merged, closed, opened = svc.state == "merged", svc.state == "closed", svc.state == "open"
    # A PR counts once, on its lead service's row, unless the figures are per service.
    one = literal(1) if split or scope.service is not None else svc.lead
    final_30, final_90 = merged & (svc.final_30 == 1), merged & (svc.final_90 == 1)
    return [
        _sum(one, merged).label("merged_prs"),
        _sum(one, closed).label("closed_prs"),
        _sum(one, opened).label("open_prs"),
        _sum(svc.added_lines, merged).label("merged_lines"),
        _sum(svc.ai_added_lines, merged).label("merged_ai_lines"),
        _sum(svc.usd, merged).label("accepted_usd"),
        _sum(svc.usd, closed).label("discarded_usd"),
        _sum(svc.usd, opened).label("open_usd"),
        _sum(svc.rework_lines, final_30).label("rework_lines_30"),
        _sum(svc.survived_30, final_30).label("kept_30"),
        _sum(svc.rework_lines, final_90).label("rework_lines_90"),
        _sum(svc.survived_90, final_90).label("kept_90"),
    ]


def _totals(row: object) -> Totals:
    def number(name: str) -> float:
        return float(getattr(row, name) or 0)

    return Totals(
        merged_prs=int(number("merged_prs")),
        closed_prs=int(number("closed_prs")),
        open_prs=int(number("open_prs")),
        merged_lines=int(number("merged_lines")),
        merged_ai_lines=int(number("merged_ai_lines")),
        accepted_usd=number("accepted_usd"),
        discarded_usd=number("discarded_usd"),
        open_usd=number("open_usd"),
        rework_lines_30=number("rework_lines_30"),
        kept_30=number("kept_30"),
        rework_lines_90=number("rework_lines_90"),
        kept_90=number("kept_90"),
    )


def _repository_filters(
    scope: Scope, repository: KeyedColumnElement[str]
) -> list[ColumnElement[bool]]:
    if scope.repositories is None:
        return []
    # Only the visible repositories the scope can hold: a short list lets the database seek
    # each one's rows, where the whole list would make it read every repository's and filter
    # by organisation after (a year of one organisation of five read five times the rows).
    visible = [
        name
        for name in scope.repositories
        if (scope.organisation is None or organisation_of(name) == scope.organisation)
        and (scope.repository is None or name == scope.repository)
    ]
    if not visible:
        return [false()]
    return [repository.in_(visible)]


def _filters(scope: Scope, table: Table = pr_services) -> list[ColumnElement[bool]]:
    svc = table.c
    found = _repository_filters(scope, svc.repository)
    if scope.organisation is not None:
        found.append(svc.organisation == scope.organisation)
    if scope.repository is not None:
        found.append(svc.repository == scope.repository)
    if scope.service is not None:
        found.append(svc["service"] == scope.service)
    if scope.since is not None:
        found.append(svc.outcome_at >= scope.since)
    if scope.until is not None:
        found.append(svc.outcome_at < scope.until)
    return found


def _spend_filters(scope: Scope) -> list[ColumnElement[bool]]:
    entries = spend_entries.c
    found = _repository_filters(scope, entries.repository)
    if scope.organisation is not None:
        found.append(entries.organisation == scope.organisation)
    if scope.repository is not None:
        found.append(entries.repository == scope.repository)
    if scope.service is not None:
        found.append(entries.service == scope.service)
    if scope.since is not None:
        # The month bounds the rows the (organisation, month) index reads; `at` is exact.
        found += [entries.month >= month_key(scope.since), entries.at >= scope.since]
    if scope.until is not None:
        found += [entries.month <= month_key(scope.until), entries.at < scope.until]
    return found


def _budget_filters(scope: Scope) -> list[ColumnElement[bool]]:
    b = budgets.c
    found = _repository_filters(scope, b.repository)
    if scope.organisation is not None:
        found.append(b.repository.startswith(scope.organisation + "/", autoescape=True))
    if scope.repository is not None:
        found.append(b.repository == scope.repository)
    if scope.service is not None:
        found.append(b.service == scope.service)
    return found


def _unbounded(scope: Scope) -> Scope:
    return replace(scope, since=None, until=None)


@dataclass(frozen=True)
class View:
    """Everything one page (or `ai-gate report`) shows of a scope."""

    scope: Scope
    at: datetime
    totals: Totals
    month_usd: float
    budgets: list[BudgetUse]
    densities: list[CheckDensity]
    weeks: list[Point]
    months: list[Point]
    breakdowns: dict[str, list[Group]]
    pulls: list[PullRow]


def collect(
    figures: Figures, scope: Scope, at: datetime, by: Sequence[Dimension], pulls: int = 200
) -> View:
    """The figures of a scope, broken down by each of `by`."""
    totals = figures.totals(scope)
    return View(
        scope=scope,
        at=at,
        totals=totals,
        month_usd=figures.month_spend(scope, at),
        budgets=figures.budgets(scope, at),
        densities=figures.densities(scope, totals),
        weeks=figures.series(scope, "week"),
        months=figures.series(scope, "month"),
        breakdowns={dimension: figures.groups(scope, dimension) for dimension in by},
        pulls=figures.pulls(scope, pulls),
    )
