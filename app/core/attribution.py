"""Which commits of a pull request an AI coding tool wrote, with the text that proves it."""

from __future__ import annotations

import re

from app.core.catalogue import tool_for_identity
from app.core.models import Attribution, Commit, CommitAttribution, PullRequestSnapshot, Signal
from app.core.trailers import parse_trailers

_CO_AUTHOR_KEYS = frozenset({"co-authored-by", "assisted-by", "generated-by"})
_IDENTITY = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>\s]+)>\s*$")


def commit_signals(commit: Commit) -> list[Signal]:
    """Signals in one commit: co-author and assistance trailers naming a known agent."""
    signals: list[Signal] = []
    for trailer in parse_trailers(commit.message):
        if trailer.key not in _CO_AUTHOR_KEYS:
            continue
        match = _IDENTITY.match(trailer.value)
        if match is None:
            continue
        tool = tool_for_identity(match["email"])
        if tool is not None:
            signals.append(
                Signal(
                    kind="trailer",
                    tool=tool.id,
                    source=f"commit:{commit.sha}",
                    evidence=trailer.line,
                    confidence=0.95,
                )
            )
    return signals


def attribute(snapshot: PullRequestSnapshot, added_lines: int) -> Attribution:
    """Commit-level attribution; added lines count as AI when every commit is AI."""
    signals: list[Signal] = []
    commits: list[CommitAttribution] = []
    for commit in snapshot.commits:
        found = commit_signals(commit)
        signals.extend(found)
        tools = tuple(sorted({s.tool for s in found}))
        commits.append(CommitAttribution(sha=commit.sha, ai=bool(found), tools=tools))
    ai_commits = [c for c in commits if c.ai]
    all_ai = bool(commits) and len(ai_commits) == len(commits)
    ai_lines = added_lines if all_ai else 0
    return Attribution(
        ai=bool(ai_commits),
        confidence=max((s.confidence for s in signals), default=0.0),
        tools=tuple(sorted({s.tool for s in signals})),
        models=(),
        signals=tuple(signals),
        commits=tuple(commits),
        added_lines=added_lines,
        ai_added_lines=ai_lines,
        ai_share=round(ai_lines / added_lines, 4) if added_lines else 0.0,
    )
