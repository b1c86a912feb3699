"""Merge commits in a range, and what their subjects say about the commits they brought in.

A merge owns no lines and is never agent work itself, whoever made it. Its subject names
branches, which is evidence only about the side it merged (the second parent's):
- `Merge branch 'main' into devin/…`: a person brought main into the agent's branch; the merged
  side is main's work, so this says nothing.
- `Merge pull request #12 from octo/devin/…`, `Merge branch 'codex/…'` (`… into main`, `… of
  github.com:o/r`), `Merge remote-tracking branch 'origin/claude/…'`: the merged branch is an
  agent's, so the commits only that side holds carry that branch prefix as evidence, at the
  confidence a pull request's branch has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

from app.core.attribution import catalogue
from app.core.models import Commit, CommitAttribution, Signal

_MERGE_SUBJECT = re.compile(
    r"^Merge (?:branch|branches|remote-tracking branch|pull request #\d+ from) "
)
_MERGED_BRANCH = re.compile(
    r"^Merge (?:pull request #\d+ from [^/\s]+/(?P<pr>\S+)"
    r"|branch '(?P<branch>[^']+)'|remote-tracking branch '[^/']+/(?P<remote>[^']+)')"
)


@dataclass(frozen=True)
class MergedBranch:
    """An agent's branch that a merge in the range brought in, and the commits only it holds."""

    subject: str
    tool: str
    confidence: float
    shas: tuple[str, ...]


def is_merge(commit: Commit) -> bool:
    """A merge brings other work in; its message naming an agent branch proves nothing of it."""
    return len(commit.parents) > 1 or bool(_MERGE_SUBJECT.match(commit.message))


def merged_branch(subject: str) -> str | None:
    """The branch a merge subject says was merged (its source), without owner or remote."""
    match = _MERGED_BRANCH.match(subject)
    if match is None:
        return None
    return match["pr"] or match["branch"] or match["remote"]


def _reach(start: str, parents: dict[str, tuple[str, ...]]) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        sha = stack.pop()
        if sha in seen or sha not in parents:
            continue
        seen.add(sha)
        stack.extend(parents[sha])
    return seen


def merged_side(commits: Sequence[Commit], merge: Commit) -> tuple[str, ...]:
    """The commits of the range reachable from the merge's second parent and not its first."""
    if len(merge.parents) < 2:
        return ()
    parents = {c.sha: c.parents for c in commits}
    first = _reach(merge.parents[0], parents)
    side = _reach(merge.parents[1], parents) - first
    return tuple(c.sha for c in commits if c.sha in side)


def agent_branches(commits: Sequence[Commit]) -> Iterator[MergedBranch]:
    """Each merge of the range whose merged branch is an agent's, with what it brought in."""
    for commit in commits:
        subject = commit.message.strip().split("\n", 1)[0].strip()
        branch = merged_branch(subject) if len(commit.parents) > 1 else None
        if branch is None or branch.startswith(catalogue.NON_AI_BRANCHES):
            continue
        # The most specific rule of a tool is listed first; one tool per branch.
        rule = next((r for r in catalogue.BRANCHES if r.pattern.match(branch)), None)
        if rule is not None and (shas := merged_side(commits, commit)):
            yield MergedBranch(subject, rule.tool, rule.confidence, shas)


def merged_branch_verdicts(
    commits: Sequence[Commit],
    verdicts: list[CommitAttribution],
    inherits: Callable[[Commit], bool],
    ignored_tools: Collection[str],
    threshold: float,
) -> tuple[list[CommitAttribution], list[Signal]]:
    """An agent branch a merge brought in stands for its commits when none has evidence of its
    own, as a pull request's branch does for the pull request's commits (merges and non-AI
    bots excepted, as `inherits` says); the branch signals are returned for the evidence."""
    by_sha = {v.sha: i for i, v in enumerate(verdicts)}
    found: list[Signal] = []
    for branch in agent_branches(commits):
        side = [by_sha[sha] for sha in branch.shas]
        if branch.tool.lower() in ignored_tools or any(verdicts[i].ai for i in side):
            continue
        heirs = [i for i in side if inherits(commits[i])]
        found += [
            Signal(
                kind="merge_branch",
                tool=branch.tool,
                source=f"commit:{commits[i].sha}",
                evidence=branch.subject[:300],
                confidence=branch.confidence,
            )
            for i in heirs
        ]
        if branch.confidence < threshold:
            continue
        update = {"ai": True, "tools": (branch.tool,), "confidence": branch.confidence}
        for i in heirs:
            verdicts[i] = verdicts[i].model_copy(update={**update, "inherited": True})
    return verdicts, found
