"""The outcome tables and their figures on SQLite and PostgreSQL: merged and closed PRs, one
PR split between two services, findings per KLOC on AI and human lines, and rework measured
on a scripted git history (AI lines deleted and rewritten by later human commits)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.adapters.figures import Figures, Scope
from app.adapters.git import Git, git_environment
from app.adapters.outcomes import AnalysedPR, Budget, Outcome, Outcomes
from app.adapters.store import SqlStore
from app.core.models import (
    Attribution,
    Cost,
    FileAttribution,
    Finding,
    Report,
    Verdict,
)
from app.core.services import priced_model, primary_tool, split_report
from app.rework import AiFile, measure
from tests.gitrepo import Person, RepoBuilder

REPO = "octo/mono"
SERVICES = {"services/*/**": "{1}"}
MARCH = datetime(2025, 3, 3, 12, tzinfo=UTC)


def finding(path: str, check: str, ai: bool) -> Finding:
    return Finding(
        check=check,
        rule="X1",
        level="warning",
        path=path,
        start_line=1,
        end_line=1,
        message="m",
        ai_attributed=ai,
    )


def two_service_report(number: int, usd: float) -> Report:
    """A PR adding 150 lines to `payments` (120 AI) and 50 to `search` (30 AI)."""
    files = (
        FileAttribution(
            path="services/payments/api.py", added_lines=150, ai_added_lines=120, ai_share=0.8
        ),
        FileAttribution(
            path="services/search/index.py", added_lines=50, ai_added_lines=30, ai_share=0.6
        ),
    )
    return Report(
        repository=REPO,
        base_sha="b" * 40,
        head_sha=f"{number:040x}",
        pull_request=number,
        attribution=Attribution(
            ai=True,
            tools=("claude-code",),
            added_lines=200,
            ai_added_lines=150,
            files=files,
        ),
        findings=(
            finding("services/payments/api.py", "ruff", True),
            finding("services/payments/api.py", "ruff", True),
            finding("services/payments/api.py", "secrets", False),
            finding("services/search/index.py", "ruff", False),
        ),
        cost=Cost(model="claude-sonnet-4-5", usd=usd),
        verdict=Verdict(conclusion="success"),
    )


def analyse(store: SqlStore, report: Report, at: datetime) -> None:
    """What the job layer records for an analysed head (app/tracking.py)."""
    assert report.pull_request is not None
    usd = report.cost.usd if report.cost else None
    store.record_cost(REPO, report.pull_request, report.head_sha, usd, at)
    Outcomes(store).record_analysis(
        AnalysedPR(
            repository=REPO,
            pull_request=report.pull_request,
            head_sha=report.head_sha,
            title=f"PR {report.pull_request}",
            url=f"https://github.com/{REPO}/pull/{report.pull_request}",
            ai=report.attribution.ai,
            tool=primary_tool(report),
            model=priced_model(report),
            added_lines=report.attribution.added_lines,
            ai_added_lines=report.attribution.ai_added_lines,
            findings=len(report.findings),
            slices=split_report(report, SERVICES),
        ),
        at,
        [Budget("payments", 100.0, 0.8)],
        SERVICES,
    )


def test_one_pr_is_split_between_the_two_services_it_touches(store: SqlStore) -> None:
    analyse(store, two_service_report(1, 10.0), MARCH)
    figures = Figures(store)
    [payments, search] = sorted(figures.groups(Scope(), "service"), key=lambda g: g.key)
    # Spend follows the AI lines: 120 of 150 to payments, 30 to search.
    assert (payments.key, search.key) == ("payments", "search")
    assert payments.totals.open_usd == pytest.approx(8.0)
    assert search.totals.open_usd == pytest.approx(2.0)
    assert figures.totals(Scope()).open_prs == 1  # one PR, however many services
    assert figures.totals(Scope(service="payments")).open_prs == 1
    # The service ledger adds up to the repository's.
    assert figures.month_spend(Scope(service="payments"), MARCH) == pytest.approx(8.0)
    assert figures.month_spend(Scope(), MARCH) == pytest.approx(store.month_to_date(REPO, MARCH))
    [budget] = figures.budgets(Scope(repository=REPO), MARCH)
    assert (budget.service, budget.month_usd, budget.used) == ("payments", 8.0, 0.08)


def test_a_scope_sees_only_visible_repositories_of_its_organisation_and_period(
    store: SqlStore,
) -> None:
    """The reader's repositories narrow every figure: another organisation's scope, or a
    repository the reader may not see, shows nothing; a period counts the spend booked in it."""
    analyse(store, two_service_report(1, 10.0), MARCH)
    figures = Figures(store)
    visible = (REPO, "other/elsewhere")
    mine = figures.totals(Scope(repositories=visible, organisation="octo"))
    assert mine == figures.totals(Scope())
    assert mine.open_prs == 1
    assert figures.totals(Scope(repositories=visible, organisation="other")).open_prs == 0
    hidden = Scope(repositories=("other/elsewhere",), repository=REPO)
    assert figures.totals(hidden).open_prs == 0
    assert figures.series(hidden, "month") == []
    assert figures.groups(hidden, "service") == []
    booked = Scope(repositories=visible, organisation="octo", since=MARCH - timedelta(days=1))
    assert [p.spend_usd for p in figures.series(booked, "month")] == [pytest.approx(10.0)]
    later = replace(booked, since=MARCH + timedelta(days=1))
    assert [p.spend_usd for p in figures.series(later, "month")] == []


def test_a_new_head_moves_spend_between_services_as_deltas(store: SqlStore) -> None:
    analyse(store, two_service_report(1, 10.0), MARCH)
    only_search = two_service_report(1, 4.0).model_copy(
        update={
            "head_sha": "c" * 40,
            "attribution": Attribution(
                ai=True,
                tools=("aider",),
                added_lines=50,
                ai_added_lines=30,
                files=(two_service_report(1, 0).attribution.files[1],),
            ),
            "findings": (),
        }
    )
    april = MARCH + timedelta(days=31)
    analyse(store, only_search, april)
    figures = Figures(store)
    assert figures.month_spend(Scope(service="payments"), april) == pytest.approx(-8.0)
    assert figures.month_spend(Scope(service="search"), april) == pytest.approx(2.0)
    assert [g.key for g in figures.groups(Scope(), "service")] == ["search"]
    assert [g.key for g in figures.groups(Scope(), "tool")] == ["aider"]


def test_merged_prs_are_accepted_and_closed_ones_discarded(store: SqlStore) -> None:
    analyse(store, two_service_report(1, 10.0), MARCH)
    analyse(store, two_service_report(2, 6.0), MARCH)
    analyse(store, two_service_report(3, 1.0), MARCH)
    outcomes = Outcomes(store)
    outcomes.record_outcome(Outcome(REPO, 1, "merged", MARCH + timedelta(days=2), "m" * 40))
    outcomes.record_outcome(Outcome(REPO, 2, "closed", MARCH + timedelta(days=9)))
    # Reopened after being closed: open again, its spend no longer discarded.
    outcomes.record_outcome(Outcome(REPO, 3, "closed", MARCH + timedelta(days=3)))
    outcomes.record_outcome(Outcome(REPO, 3, "open", MARCH + timedelta(days=4)))
    totals = Figures(store).totals(Scope())
    assert (totals.merged_prs, totals.closed_prs, totals.open_prs) == (1, 1, 1)
    assert totals.accepted_usd == pytest.approx(10.0)
    assert totals.discarded_usd == pytest.approx(6.0)
    assert totals.open_usd == pytest.approx(1.0)
    assert totals.ai_share == pytest.approx(150 / 200)
    assert totals.usd_per_ai_line == pytest.approx(10.0 / 150)
    assert totals.usd_per_kloc == pytest.approx(10_000 / 150)
    densities = {d.check: d for d in Figures(store).densities(Scope())}
    # Only the merged PR's findings: 2 ruff on 150 AI lines, 1 ruff on 50 human lines.
    assert densities["ruff"].ai_per_kloc == pytest.approx(2 * 1000 / 150)
    assert densities["ruff"].human_per_kloc == pytest.approx(1 * 1000 / 50)
    assert densities["secrets"].human_findings == 1
    # The period places PRs by their outcome: PR 2 was closed on the 12th.
    early = Figures(store).totals(Scope(until=MARCH + timedelta(days=5)))
    assert (early.merged_prs, early.closed_prs) == (1, 0)
    weeks = {p.period: p for p in Figures(store).series(Scope(), "week")}
    assert weeks["2025-03-03"].accepted_usd == pytest.approx(10.0)
    assert weeks["2025-03-10"].discarded_usd == pytest.approx(6.0)


def test_a_merged_pr_never_analysed_counts_with_nothing(store: SqlStore) -> None:
    Outcomes(store).record_outcome(Outcome(REPO, 9, "merged", MARCH, "m" * 40, title="Old"))
    totals = Figures(store).totals(Scope())
    assert (totals.merged_prs, totals.merged_lines, totals.accepted_usd) == (1, 0, 0.0)
    [row] = Figures(store).pulls(Scope())
    assert (row.pull_request, row.state) == (9, "merged")


DAY = 86_400
T0 = int(datetime(2025, 1, 6, tzinfo=UTC).timestamp())
AI_LINES = "".join(f"value_{i} = {i}\n" for i in range(10))
HUMAN = Person("Hu Man", "human@example.com")


def scripted_history(tmp_path: Path) -> tuple[Git, str, str]:
    """main: a base, a squash merge adding 10 AI lines (day 1), a human deleting 4 of them
    (day 10), a human rewriting 2 more (day 60); and a merge commit of a second file whose
    lines survive. Returns the repository, the squash merge and the head."""
    builder = RepoBuilder(tmp_path / "repo.git")
    base = builder.commit({"services/payments/api.py": "x = 0\n"}, "Base", at=T0)
    merged = builder.commit(
        {"services/payments/api.py": "x = 0\n" + AI_LINES},
        "Add values (#5)\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
        [base],
        at=T0 + DAY,
    )
    lines = AI_LINES.splitlines(keepends=True)
    deleted = builder.commit(
        {"services/payments/api.py": "x = 0\n" + "".join(lines[4:])},
        "Remove unused values",
        [merged],
        author=HUMAN,
        at=T0 + 10 * DAY,
    )
    rewritten = lines[4:]
    rewritten[0], rewritten[1] = "value_4 = 40\n", "value_5 = 50\n"
    head = builder.commit(
        {"services/payments/api.py": "x = 0\n" + "".join(rewritten)},
        "Fix values",
        [deleted],
        author=HUMAN,
        at=T0 + 60 * DAY,
    )
    git = Git(tmp_path / "repo.git", git_environment(None))
    return git, merged, head


def test_rework_counts_ai_lines_deleted_or_rewritten_within_each_window(
    store: SqlStore, tmp_path: Path
) -> None:
    git, merged, head = scripted_history(tmp_path)
    merged_at = datetime.fromtimestamp(T0 + DAY, UTC)
    files = [AiFile("services/payments/api.py", "payments", 1.0)]
    late = merged_at + timedelta(days=200)
    [survival, nothing] = measure(git, head, merged, merged_at, files, late, ["search"])
    # A service whose files the merge did not bring (renamed away, say) has nothing to measure.
    assert (nothing.service, nothing.lines) == ("search", 0)
    assert (survival.lines, survival.survived_30, survival.survived_90) == (10, 6, 4)
    assert survival.final_30
    assert survival.final_90
    # Half way: the 30-day window has closed, the 90-day one counts what is known so far.
    [early] = measure(git, head, merged, merged_at, files, merged_at + timedelta(days=40))
    assert (early.survived_30, early.final_30, early.final_90) == (6, True, False)
    # A mixed file counts its AI share of the merge's lines.
    [half] = measure(git, head, merged, merged_at, [AiFile(files[0].path, "payments", 0.5)], late)
    assert (half.lines, half.survived_30) == (5, 3)

    analyse(store, two_service_report(5, 3.0), merged_at - timedelta(hours=1))
    outcomes = Outcomes(store)
    outcomes.record_outcome(Outcome(REPO, 5, "merged", merged_at, merged))
    assert [m.pull_request for m in outcomes.merged_for_rework(REPO, merged_at)] == [5]
    outcomes.record_rework(REPO, 5, [survival, nothing])
    totals = Figures(store).totals(Scope())
    assert totals.rework_30 == pytest.approx(0.4)
    assert totals.rework_90 == pytest.approx(0.6)
    # Measured for good: no longer pending.
    assert outcomes.merged_for_rework(REPO, merged_at) == []


def test_rework_of_a_merge_commit_counts_the_pull_request_s_commits(tmp_path: Path) -> None:
    builder = RepoBuilder(tmp_path / "repo.git")
    base = builder.commit({"a.py": "a = 1\n"}, "Base", at=T0)
    work = builder.commit(
        {"b.py": AI_LINES}, "AI work", [base], ref="refs/heads/feature", at=T0 + 100
    )
    # A merge commit: the second parent's file, taken as it is.
    merge = builder.commit({"b.py": AI_LINES}, "Merge pull request #6", [base, work], at=T0 + DAY)
    later = builder.commit(
        {"b.py": AI_LINES.replace("value_0 = 0", "value_0 = 1")}, "Edit", [merge], at=T0 + 5 * DAY
    )
    git = Git(tmp_path / "repo.git", git_environment(None))
    at = datetime.fromtimestamp(T0 + DAY, UTC)
    [survival] = measure(
        git, later, merge, at, [AiFile("b.py", "(unassigned)", 1.0)], at + timedelta(days=100)
    )
    assert (survival.lines, survival.survived_30, survival.survived_90) == (10, 9, 9)
