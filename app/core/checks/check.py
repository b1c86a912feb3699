"""What every check is: a name, and a run over the changed files of one group of the change
under that group's settings, giving findings and notes about the run.

A new check implements `Check` in a module of its own and is listed in `pipeline.CHECKS` (or
`pipeline.SECOND_LOOK` when it reads what the other checks found); its settings go in
`app/core/config/checks.py`, where the config never imports the check that reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.core.config.checks import ChecksConfig
from app.core.diff import PatchLines
from app.core.models import Finding, PullRequestSnapshot
from app.core.ports import LicenceResolver, Linters


@dataclass(frozen=True)
class CheckInput:
    """What a check reads: the files of one group and the settings that apply to them."""

    snapshot: PullRequestSnapshot
    checks: ChecksConfig
    # Added and commentable head lines of every changed file of the whole change.
    lines: Mapping[str, PatchLines]
    linters: Linters
    # Looks up new dependencies' licences; without one they are noted as unchecked.
    licences: LicenceResolver | None = None
    # Known once the change is attributed: the AI-written head lines by path, the AI commits.
    ai_lines: Mapping[str, frozenset[int]] = field(default_factory=dict)
    ai_commits: frozenset[str] = frozenset()
    # What the other checks found (for a second look: see-through compares with it).
    found: Sequence[Finding] = ()


@dataclass(frozen=True)
class Checked:
    """What one check found (in or out of the diff: the pipeline scopes them) and its notes."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Check(Protocol):
    @property
    def name(self) -> str:
        """The `check` of its findings (and its key under `checks:`)."""
        ...

    @property
    def apart(self) -> bool:
        """It waits on a process of its own: started first, the other checks run meanwhile."""
        ...

    def run(self, given: CheckInput) -> Checked:
        """The findings on the group's files, and what the maintainer should know about the run;
        a disabled check finds nothing."""
        ...
