"""What the job layer records beyond the check run: each analysed head's figures per service
(and the budget alerts its booking crosses), what became of the PR when it was merged or
closed, and the rework of merged AI lines as the default branch moves on.

Three hooks, called from the job layer (app/jobs/analyse.py, kinds.py): `after_booking` (an
analysis booked its cost), `outcome_job` (`pull_request.closed` / `reopened`) and `rework_job`
(`push` to the default branch). Each can run twice safely: the outcome tables are keyed by PR
and service, the service ledger books differences, and an alert is raised once per threshold and
month.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from app.adapters.github.models import PullRequest
from app.adapters.github.source import PullRequestSource
from app.adapters.outcomes import WHOLE, AnalysedPR, Budget, Outcome
from app.core.config.model import Config
from app.core.models import Report
from app.core.services import priced_model, primary_tool, split_report
from app.deadline import Deadline
from app.errors import AiGateError
from app.rework import WINDOWS, ai_files, measure

if TYPE_CHECKING:
    from app.jobs.deps import Deps
    from app.jobs.model import Job

log = logging.getLogger(__name__)

# Rework is measured for PRs merged this long ago at most (the longest window and a margin
# for pushes that come late).
Recorded = Literal["recorded"]
REWORK_HORIZON = timedelta(days=max(WINDOWS) + 14)


def budget_list(config: Config) -> list[Budget]:
    """The repository's monthly budget and its services' (from `.ai-gate.yml`)."""
    budget = config.cost.budget
    found = [Budget(WHOLE, budget.monthly_usd, budget.alert_ratio)] if budget.monthly_usd else []
    found += [
        Budget(name, usd, budget.alert_ratio) for name, usd in sorted(budget.services.items())
    ]
    return found


def after_booking(
    job: Job, deps: Deps, pr: PullRequest, report: Report, config: Config, at: datetime
) -> Report:
    """Record the head's figures per service and raise the alerts its booking crossed; the
    report, with the crossings in its cost section, is saved again when there were any."""
    if deps.outcomes is None:
        return report
    slices = split_report(report, config.services)
    analysed = AnalysedPR(
        repository=job.repository,
        pull_request=job.pull_number,
        head_sha=job.head_sha,
        title=pr.title,
        url=pr.html_url,
        ai=report.attribution.ai,
        tool=primary_tool(report),
        model=priced_model(report),
        added_lines=report.attribution.added_lines,
        ai_added_lines=report.attribution.ai_added_lines,
        findings=sum(1 for f in report.findings if f.in_diff),
        slices=slices,
        installation_id=job.installation_id,
    )
    budgets = budget_list(config)
    deps.outcomes.record_analysis(analysed, at, budgets, config.services)
    if deps.alerts is None or not budgets:
        return report
    lines = deps.alerts.crossings(
        job.repository, job.pull_number, budgets, [s.service for s in slices], at
    )
    if not lines:
        return report
    if report.cost is not None:
        cost = report.cost.model_copy(update={"budget": (*report.cost.budget, *lines)})
        report = report.model_copy(update={"cost": cost})
    else:
        report = report.model_copy(update={"notes": (*report.notes, *lines)})
    deps.reports.save_report(report)
    return report


def deliver_alerts(deps: Deps, deadline: Deadline) -> None:
    """Send the alerts that are due (this job's, or earlier ones waiting for a retry); a
    failure to send never fails the job."""
    if deps.alerts is None:
        return
    try:
        remaining = deadline.remaining()
        limit = time.monotonic() + min(remaining, 30.0)
        deps.alerts.deliver_due(deadline=limit)
    except AiGateError:
        log.warning("could not deliver budget alerts", exc_info=True)


def outcome_job(job: Job, deps: Deps, deadline: Deadline) -> Recorded:
    """Record what GitHub says became of the PR now: merged, closed unmerged, or open again
    (a redelivered or late event records the current state, never a stale one)."""
    if deps.outcomes is None:
        return "recorded"
    api = deps.github.installation(job.installation_id, deadline)
    pr = PullRequestSource(api).pull_request(job.repository, job.pull_number)
    if pr.merged_at is not None:
        state, at = "merged", pr.merged_at
    elif pr.state == "closed":
        state, at = "closed", pr.closed_at or datetime.now(UTC)
    else:
        state, at = "open", datetime.now(UTC)
    deps.outcomes.record_outcome(
        Outcome(
            repository=job.repository,
            pull_request=job.pull_number,
            state=state,
            at=at,
            merge_commit_sha=pr.merge_commit_sha,
            head_sha=pr.head_sha or job.head_sha,
            title=pr.title,
            url=pr.html_url,
            installation_id=job.installation_id,
        )
    )
    log.info("job %s: pull request %s", job.key, state)
    return "recorded"


def rework_job(job: Job, deps: Deps, deadline: Deadline) -> Recorded:
    """Measure the rework of the repository's recently merged PRs at the pushed head."""
    if deps.outcomes is None:
        return "recorded"
    now = datetime.now(UTC)
    merged = deps.outcomes.merged_for_rework(job.repository, now - REWORK_HORIZON)
    if not merged:
        return "recorded"
    api = deps.github.installation(job.installation_id, deadline)
    # The clone URL as the API gives it (GHES and forks alike), from a merged PR.
    pr = PullRequestSource(api).pull_request(job.repository, merged[0].pull_request)
    services = deps.outcomes.service_map(job.repository)
    oldest = min(m.merged_at for m in merged) - timedelta(days=30)
    token = deps.github.token(job.installation_id)
    with deps.gitcache.open_branch(pr.fetch_url(), job.head_sha, oldest, token, deadline) as git:
        for item in merged:
            report = deps.reports.load_report(job.repository, item.head_sha)
            if report is None:
                continue
            files = ai_files(report, services)
            survivals = measure(
                git, job.head_sha, item.merge_commit_sha, item.merged_at, files, now, item.ai_lines
            )
            deps.outcomes.record_rework(job.repository, item.pull_request, survivals)
    log.info("job %s: rework measured for %d merged pull requests", job.key, len(merged))
    return "recorded"
