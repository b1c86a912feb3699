"""Rework: how much of a merged PR's AI-written code later commits on the default branch
deleted or rewrote within 30 and 90 days (the cleanup cost of AI code).

For each file the PR added AI lines to, `git blame` over `M^1..end` (M the merge commit, so
nothing older than the merge's first parent is walked) says which lines of the file at `end`
still come from the merge's own commits (`M^1..M`: the squash commit, or the PR's commits under
a merge commit). The same count at M itself is what the merge brought in. A window's `end` is
the last first-parent commit of the default branch made within the window; a line changed in
any way, or deleted, after the merge is no longer the merge's.

Lines are counted per file and weighted by the file's AI share from the PR's report (a file
whose added lines are all AI-written counts every line; a mixed file counts its AI share of
them), so the rate is over AI-written lines:

    rework(W) = 1 - sum(kept at end of W * share) / sum(brought in by M * share)

A window still open (its end is after now) is measured so far and marked not final; the
figures count only final windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.adapters.git import Git
from app.adapters.linehistory import blame_paths
from app.adapters.localgit import tree_entries
from app.adapters.outcomes import Survival
from app.core.models import Report
from app.core.services import rules, service_of
from app.errors import UsageError

WINDOWS = (30, 90)


@dataclass(frozen=True)
class AiFile:
    path: str
    service: str
    share: float  # AI-attributed share of the PR's added lines in this file


def ai_files(report: Report, services: Mapping[str, str]) -> list[AiFile]:
    """The files a PR added AI lines to, with their service and AI share."""
    ordered = rules(services)
    return [
        AiFile(f.path, service_of(f.path, ordered), f.ai_added_lines / f.added_lines)
        for f in report.attribution.files
        if f.ai_added_lines > 0 and f.added_lines > 0
    ]


def window_end(git: Git, head: str, merged_at: datetime, days: int) -> str:
    """The last first-parent commit of `head` made within `days` of the merge."""
    limit = int((merged_at + timedelta(days=days)).timestamp())
    out = git.run("rev-list", "-1", "--first-parent", f"--before={limit}", head)
    return out.decode().strip() or head


def merged_commits(git: Git, merge_sha: str) -> frozenset[str]:
    """The commits a merge brought in: itself, and under a merge commit the PR's commits."""
    out = git.run("rev-list", f"{merge_sha}^1..{merge_sha}")
    return frozenset(out.decode().split())


def _kept(
    git: Git, base: str, end: str, files: Sequence[AiFile], brought: frozenset[str]
) -> dict[str, float]:
    """Per service: AI-weighted lines of the files at `end` that still come from `brought`."""
    present = tree_entries(git, end, [f.path for f in files])
    paths = [f.path for f in files if f.path in present]
    blamed = blame_paths(git, base, end, paths)
    kept: dict[str, float] = {}
    for file in files:
        origins = blamed.get(file.path, {})
        count = sum(1 for sha, _, _ in origins.values() if sha in brought)
        kept[file.service] = kept.get(file.service, 0.0) + count * file.share
    return kept


def measure(
    git: Git,
    head: str,
    merge_sha: str,
    merged_at: datetime,
    files: Sequence[AiFile],
    now: datetime,
    services: Iterable[str] = (),
) -> list[Survival]:
    """Each service's AI lines brought in by the merge, and how many each window kept; a
    service of `services` with none (its files gone) is measured as nothing, so it is done."""
    try:
        base = git.run("rev-parse", f"{merge_sha}^1").decode().strip()
    except UsageError:
        return []  # a root commit, or history cut before it: nothing to compare against
    brought = merged_commits(git, merge_sha)
    at_merge = dict.fromkeys(services, 0.0) | _kept(git, base, merge_sha, files, brought)
    kept: dict[int, dict[str, float]] = {}
    final: dict[int, bool] = {}
    for days in WINDOWS:
        final[days] = now >= merged_at + timedelta(days=days)
        end = window_end(git, head, merged_at, days) if final[days] else head
        kept[days] = _kept(git, base, end, files, brought)
    return [
        Survival(
            service=service,
            lines=lines,
            survived_30=min(kept[30].get(service, 0.0), lines),
            survived_90=min(kept[90].get(service, 0.0), lines),
            final_30=final[30],
            final_90=final[90],
        )
        for service, lines in sorted(at_merge.items())
    ]
