"""The small interfaces the core calls out through; adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from app.core.config import RuffConfig
from app.core.models import Frozen


class FixEdit(Frozen):
    """Replace the text from (row, column) up to (end_row, end_column) with `content` (1-based)."""

    row: int
    column: int
    end_row: int
    end_column: int
    content: str


class LintDiagnostic(Frozen):
    """One diagnostic a linter reported, in the linter's own terms."""

    path: str
    line: int
    end_line: int
    column: int = 1
    rule: str
    message: str
    url: str | None = None
    # The linter's own fix, when it has one.
    fix: tuple[FixEdit, ...] = ()


class Linters(Protocol):
    """Runs linters over file contents without executing them."""

    def ruff(self, files: Mapping[str, str], config: RuffConfig) -> Sequence[LintDiagnostic]:
        """Lint these files (path → text) with ruff."""
        ...
