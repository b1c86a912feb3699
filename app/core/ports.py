"""The small interfaces the core calls out through; adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from app.core.config.checks import MypyConfig, RuffConfig
from app.core.manifests import Dependency
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


class LintResult(Frozen):
    """What a linter run found, and what the maintainer should know about the run itself."""

    diagnostics: tuple[LintDiagnostic, ...] = ()
    notes: tuple[str, ...] = ()


class MypyResult(Frozen):
    """What one mypy run reported about the files it was given."""

    # Errors only (notes are folded into their error's message); paths as given to the runner.
    diagnostics: tuple[LintDiagnostic, ...] = ()
    # Modules mypy could not find (not installed, not in the PR): sorted, without duplicates.
    unresolved_imports: tuple[str, ...] = ()
    timed_out: bool = False
    # Why mypy could not run or finish, in a line.
    error: str | None = None
    # Files mypy could not check at all (a syntax error or a clash of module names).
    skipped: tuple[str, ...] = ()


class Linters(Protocol):
    """Runs linters over the files of a change without executing them; the adapter that
    made it knows where they are (a workspace with the repository around them)."""

    def ruff(
        self, paths: Sequence[str], config: RuffConfig, repository_rules: bool = True
    ) -> LintResult:
        """Lint these changed files with ruff under the repository's own configuration (the
        base branch's): `config`'s rules, and the rules that configuration selects when
        `repository_rules`."""
        ...

    def mypy(self, paths: Sequence[str], config: MypyConfig) -> MypyResult:
        """Type-check these changed files with mypy, without plugins, network or the PR's
        packages."""
        ...

    def replaced(self, texts: Mapping[str, str]) -> AbstractContextManager[None]:
        """While open, lint these texts in place of the files' own (by path): a second look
        at a change with its new suppressions cut out."""
        ...


class ResolvedLicence(Frozen):
    """What a package registry says about one dependency's licence."""

    # An SPDX expression, or None when the registry gives none the check can read.
    expression: str | None = None
    # Where it came from (the registry URL looked up), for the finding's link.
    source: str | None = None
    # Why there is no expression, or how it was derived (e.g. from a classifier).
    detail: str | None = None
    # The lookup itself failed (5xx, time-out, lookup limit): a note, not a finding.
    error: str | None = None


class LicenceResolver(Protocol):
    """Looks up the licences of dependencies; never raises for a registry's failure."""

    def licences(self, deps: Sequence[Dependency]) -> Mapping[Dependency, ResolvedLicence]:
        """The licence of each dependency (one entry per dependency given)."""
        ...
