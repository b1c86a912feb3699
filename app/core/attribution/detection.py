"""Which commits of a pull request an AI coding tool wrote, with the text that proves it.

Every signal (`signals` collects them) names its kind, tool, source (`commit:<sha>`,
`pull_request`, `file:<path>:<line>`) and the exact text matched. Confidences (see `catalogue`)
combine per tool and scope by noisy-or, 1 - prod(1 - c): independent marks of the same tool
reinforce each other, marks of different tools never add up. A commit (or the pull request) is
AI when one tool's combined confidence reaches `detection.min_confidence` (0.5 by default), so a
WEAK mark alone, such as aider's committer-only `(aider)` suffix, is listed as evidence but
decides nothing.

Pull-request-level signals (author, title/body markers, branch, labels, file headers) stand for
the tools that leave no mark on commits (Codex cloud, Cursor under the user's identity). When no
commit is AI on its own, they make every commit of the PR AI except merges and known non-AI bots;
when some commits carry their own evidence, the PR is mixed and the others stay human.

A merge commit owns no lines and is never agent work, whatever it carries; an agent's branch
that a merge of the range brought in stands for the merged commits the same way
(`merges`). The forms trailers and prose take are read by `disclosures`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.attribution import catalogue
from app.core.attribution.merges import is_merge, merged_branch_verdicts
from app.core.attribution.signals import (
    commit_signals,
    file_signals,
    ignored_person,
    lowered,
    pull_request_signals,
)
from app.core.config.detection import DetectionConfig
from app.core.models import (
    Attribution,
    Commit,
    CommitAttribution,
    PullRequestSnapshot,
    Signal,
)


@dataclass(frozen=True)
class Verdict:
    """One scope's outcome: tools over the threshold, their models and the best confidence."""

    tools: tuple[str, ...]
    models: tuple[str, ...]
    confidence: float


def judge(signals: Sequence[Signal], threshold: float) -> Verdict:
    """Combine signals per tool by noisy-or; tools at or over the threshold count."""
    miss: dict[str, float] = {}
    for s in signals:
        miss[s.tool] = miss.get(s.tool, 1.0) * (1.0 - s.confidence)
    scores = {tool: round(1.0 - m, 4) for tool, m in miss.items()}
    tools = tuple(sorted(t for t, score in scores.items() if score >= threshold))
    models = tuple(sorted({s.model for s in signals if s.model and s.tool in tools}))
    return Verdict(tools, models, max(scores.values(), default=0.0))


def _inherits(commit: Commit, config: DetectionConfig) -> bool:
    author = commit.author
    return not (
        is_merge(commit)
        or catalogue.is_non_ai_bot(author.email, author.login)
        or ignored_person(config, author.email, author.login)
    )


def _dedupe(signals: Iterable[Signal], config: DetectionConfig) -> list[Signal]:
    ignored = lowered(config.ignore_tools)
    seen: set[tuple[str, str, str, str]] = set()
    out: list[Signal] = []
    for s in signals:
        key = (s.kind, s.tool, s.source, s.evidence)
        if s.tool.lower() not in ignored and key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _commit_verdicts(
    commits: Sequence[Commit], signals: Sequence[Signal], threshold: float
) -> list[CommitAttribution]:
    by_source: dict[str, list[Signal]] = {}
    for s in signals:
        by_source.setdefault(s.source, []).append(s)
    out = []
    for commit in commits:
        v = judge(by_source.get(f"commit:{commit.sha}", []), threshold)
        out.append(
            CommitAttribution(
                sha=commit.sha,
                ai=bool(v.tools),
                tools=v.tools,
                models=v.models,
                confidence=v.confidence,
            )
        )
    return out


def _spread(
    commits: Sequence[Commit],
    verdicts: list[CommitAttribution],
    pr: Verdict,
    config: DetectionConfig,
) -> list[CommitAttribution]:
    """PR-level evidence for the PR's own commits when none carries evidence of its own."""
    if not pr.tools or any(v.ai for v in verdicts):
        return verdicts
    update = {
        "ai": True,
        "tools": pr.tools,
        "models": pr.models,
        "confidence": pr.confidence,
        "inherited": True,
    }
    return [
        v.model_copy(update=update) if _inherits(c, config) else v
        for c, v in zip(commits, verdicts, strict=True)
    ]


def collect_signals(snapshot: PullRequestSnapshot, config: DetectionConfig) -> list[Signal]:
    """Every signal of the snapshot, pull request first, then commits in order, then files."""
    found: list[Signal] = []
    if snapshot.pull_request is not None:
        found += pull_request_signals(snapshot.pull_request, config)
    for commit in snapshot.commits:
        # A merge owns no lines and is never agent work: its own marks decide nothing.
        found += [] if len(commit.parents) > 1 else commit_signals(commit, config)
    found += file_signals(snapshot.files, config)
    return _dedupe(found, config)


def detect(snapshot: PullRequestSnapshot, config: DetectionConfig | None = None) -> Attribution:
    """Commit- and PR-level attribution with every signal; line counts are left to `lines`."""
    config = config or DetectionConfig()
    threshold = config.min_confidence
    signals = collect_signals(snapshot, config)
    pr_level = [s for s in signals if not s.source.startswith("commit:")]
    pr = judge(pr_level, threshold)
    verdicts, merged = merged_branch_verdicts(
        snapshot.commits,
        _commit_verdicts(snapshot.commits, signals, threshold),
        lambda commit: _inherits(commit, config),
        lowered(config.ignore_tools),
        threshold,
    )
    signals += merged
    verdicts = _spread(snapshot.commits, verdicts, pr, config)
    ai_commits = [v for v in verdicts if v.ai]
    tools = sorted({*pr.tools, *(t for v in ai_commits for t in v.tools)})
    models = sorted({*pr.models, *(m for v in ai_commits for m in v.models)})
    confidence = max([pr.confidence, *(v.confidence for v in verdicts)])
    return Attribution(
        ai=bool(tools),
        confidence=confidence,
        tools=tuple(tools),
        models=tuple(models),
        signals=tuple(signals),
        commits=tuple(verdicts),
    )
