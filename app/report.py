"""`ai-gate report`: the dashboard's figures for a local checkout, for teams without the App.

Each change merged into the branch within `--since` is one merged pull request: a merge
commit's second-parent commits (`merge-base..M^2`), or a squash or plain commit on its own
(`M^1..M`), read from the branch's first-parent history. Each is analysed with the same
engine as `ai-gate check`, recorded in an in-memory store as the App records merged PRs, its
rework measured against the branch's later history, and the figures computed by the same
SQL as the dashboard's. Closed, unmerged work never reaches a branch, so discarded spend is 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.adapters.figures import Figures, Scope, View, collect
from app.adapters.git import Git
from app.adapters.outcomes import AnalysedPR, Outcome, Outcomes
from app.adapters.store import SqlStore
from app.core.config.model import Config
from app.core.models import ConfigInfo
from app.core.ports import LicenceResolver
from app.core.services import priced_model, primary_tool, split_report
from app.deadline import Deadline
from app.engine import analyse_range
from app.errors import UsageError
from app.rework import ai_files, measure

_NUMBER = re.compile(r"(?:\(#(\d+)\)\s*$|^Merge pull request #(\d+))")
_SINCE = re.compile(r"^(\d+)([dw])$")


@dataclass(frozen=True)
class Change:
    """One change merged into the branch."""

    sha: str
    base: str  # what the change is compared with
    head: str  # its last commit
    at: datetime
    subject: str
    number: int


def parse_since(value: str) -> timedelta:
    """`90d` or `12w`."""
    match = _SINCE.match(value.strip())
    if match is None:
        raise UsageError(f"--since {value!r}: give days or weeks, e.g. 90d or 12w")
    amount = int(match.group(1))
    return timedelta(days=amount) if match.group(2) == "d" else timedelta(weeks=amount)


def merged_changes(git: Git, branch: str, since: datetime) -> list[Change]:
    """The branch's first-parent commits since `since`, oldest first, as merged changes."""
    out = git.run(
        "log",
        "--first-parent",
        "--reverse",
        f"--since={int(since.timestamp())}",
        "--format=%H%x00%P%x00%ct%x00%s",
        branch,
    ).decode(errors="replace")
    changes = []
    for index, line in enumerate(out.splitlines(), start=1):
        sha, parents, stamp, subject = line.split("\0", 3)
        parent = parents.split()
        if not parent:
            continue  # the root commit: nothing to compare with
        if len(parent) > 1:
            base = git.run("merge-base", parent[0], parent[1]).decode().strip()
            head = parent[1]
        else:
            base, head = parent[0], sha
        match = _NUMBER.search(subject)
        number = int(next(g for g in match.groups() if g)) if match else index
        at = datetime.fromtimestamp(int(stamp), UTC)
        changes.append(Change(sha, base, head, at, subject, number))
    return changes


def build_report(
    git: Git,
    branch: str,
    since: timedelta,
    *,
    repository: str,
    config: Config,
    info: ConfigInfo,
    licences: LicenceResolver | None = None,
    progress: Callable[[str], None] = lambda _: None,
    time_limit: float = 600.0,
    now: datetime | None = None,
) -> View:
    """The figures of the changes merged into `branch` in the last `since` (before `now`);
    a rework window still open at `now` is not counted, as in the App."""
    head = git.run("rev-parse", "--verify", f"{branch}^{{commit}}").decode().strip()
    now = now or datetime.now(UTC)
    store = SqlStore("sqlite://")
    outcomes = Outcomes(store)
    changes = merged_changes(git, head, now - since)
    for count, change in enumerate(changes, start=1):
        progress(f"[{count}/{len(changes)}] {change.sha[:12]} {change.subject[:60]}")
        report = analyse_range(
            git,
            change.base,
            change.head,
            repository=repository,
            config=config,
            info=info,
            licences=licences,
            deadline=Deadline.after(time_limit),
        ).report
        usd = report.cost.usd if report.cost else None
        store.record_cost(repository, change.number, change.head, usd, change.at)
        outcomes.record_analysis(
            AnalysedPR(
                repository=repository,
                pull_request=change.number,
                head_sha=change.head,
                title=change.subject,
                url="",
                ai=report.attribution.ai,
                tool=primary_tool(report),
                model=priced_model(report),
                added_lines=report.attribution.added_lines,
                ai_added_lines=report.attribution.ai_added_lines,
                findings=sum(1 for f in report.findings if f.in_diff),
                slices=split_report(report, config.services),
            ),
            change.at,
        )
        outcomes.record_outcome(Outcome(repository, change.number, "merged", change.at, change.sha))
        files = ai_files(report, config.services)
        if files:
            survivals = measure(git, head, change.sha, change.at, files, now)
            outcomes.record_rework(repository, change.number, survivals)
    view = collect(Figures(store), Scope(since=now - since), now, ("service", "tool", "model"))
    store.close()
    return view
