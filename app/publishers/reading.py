"""What every publisher says the same way: the order of findings, who wrote a finding's line,
what each piece of evidence is, and what was set aside."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.core.models import LEVEL_ORDER, Finding, SetAside, Signal

# Signal kinds (app.core.attribution.detection) as a maintainer names them.
_KINDS = {
    "commit_author": "commit author",
    "commit_committer": "committer",
    "commit_marker": "commit message",
    "pr_author": "PR author",
    "pr_marker": "PR title or body",
    "branch": "branch name",
    "label": "PR label",
    "file_header": "comment in a file",
    "config": "rule in .ai-gate.yml",
}


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings that decide the verdict first, then by level (most severe first), then place."""
    return sorted(
        findings, key=lambda f: (not f.decisive, -LEVEL_ORDER[f.level], f.path, f.start_line)
    )


def written_by(finding: Finding) -> str:
    """Whose line the finding is on."""
    if not finding.in_diff:
        return "unchanged line"
    return "AI-written line" if finding.ai_attributed else "human-written line"


def evidence_label(signal: Signal) -> str:
    """What the evidence is: `committer`, `co-author trailer`, `PR title or body`, …"""
    if signal.kind == "trailer":
        key = signal.evidence.split(":", 1)[0].strip()
        if key.lower() == "co-authored-by":
            return "co-author trailer"
        return f"`{key}` trailer" if key and " " not in key else "trailer"
    return _KINDS.get(signal.kind, signal.kind.replace("_", " "))


def split_evidence(signals: Sequence[Signal]) -> tuple[list[Signal], list[Signal]]:
    """(counted, seen but not counted)."""
    return [s for s in signals if s.counted], [s for s in signals if not s.counted]


def set_aside_line(aside: Sequence[SetAside]) -> str:
    """One sentence: how many added lines were set aside, in how many files."""
    lines = sum(a.added_lines for a in aside)
    files = f"{len(aside)} file{'' if len(aside) == 1 else 's'}"
    return (
        f"{lines:,} added line{'' if lines == 1 else 's'} in {files} set aside "
        "(lock, generated or vendored: neither checked nor counted as AI-written)"
    )


def percent(share: float) -> str:
    """A share as people read it: 0.4% rather than 0% when it is not nothing."""
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


def count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"
