"""mypy findings on the changed Python files, and what mypy could not resolve.

mypy runs (in an adapter) on the changed files alone, without the repository's mypy plugins and
without the PR's dependencies installed: imports it cannot resolve are reported as a note, never
as errors of the pull request, and are typed as `Any` by mypy. A repository that does not
configure mypy gets its findings as notices that never fail (`enabled: auto`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import Field, field_validator

from app.core.basefiles import in_mypy_scope, mypy_configured, mypy_scope
from app.core.diff import PatchLines
from app.core.fingerprint import fingerprint
from app.core.models import Finding, Frozen, Level, PullRequestSnapshot
from app.core.ports import LintDiagnostic
from app.core.section import Section

CHECK = "mypy"
# Names shown in a note before "…".
_SHOWN_IMPORTS = 5


class MypyConfig(Section):
    enabled: bool | Literal["auto"] = Field(
        default="auto",
        description="type-check the changed Python files. `auto`: at `level` where the "
        "repository configures mypy (`[tool.mypy]` in pyproject.toml, mypy.ini, `[mypy]` in "
        "setup.cfg) or ships `py.typed`; elsewhere its findings are notices that never fail",
    )
    strict: bool = Field(default=False, description="run mypy with --strict")
    level: Level = Field(default="warning", description="the level of mypy's findings")
    time_limit_seconds: int = Field(
        default=120, ge=5, le=900, description="stop mypy after this many seconds"
    )
    python_version: str | None = Field(
        default=None,
        description="the Python version to check against, e.g. '3.12' (default: ai-gate's own)",
    )

    @field_validator("python_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"3\.\d{1,2}", value):
            raise ValueError(f"{value!r} is not a Python 3 version like '3.12'")
        return value


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


def _listed(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:_SHOWN_IMPORTS])
    return shown + (", …" if len(names) > _SHOWN_IMPORTS else "")


def mypy_notes(config: MypyConfig, result: MypyResult) -> list[str]:
    """What the maintainer should know about the run itself."""
    notes: list[str] = []
    if result.timed_out:
        notes.append(
            f"mypy timed out after {config.time_limit_seconds} s; its findings are incomplete."
        )
    if result.error:
        notes.append(f"mypy could not run: {result.error}")
    if result.skipped:
        notes.append(
            f"mypy could not check {len(result.skipped)} "
            f"file{'s' if len(result.skipped) != 1 else ''} ({_listed(result.skipped)}): "
            "a syntax error or a module name clash stopped it."
        )
    n = len(result.unresolved_imports)
    if n:
        notes.append(
            f"mypy could not resolve {n} import{'s' if n != 1 else ''} "
            f"({_listed(result.unresolved_imports)}): install-free analysis of the changed "
            "files alone treats them as Any."
        )
    return notes


def mypy_findings(
    snapshot: PullRequestSnapshot,
    config: MypyConfig,
    result: MypyResult,
    lines: Mapping[str, PatchLines],
    test_paths: Sequence[str] = (),
) -> tuple[list[Finding], list[str]]:
    """mypy's errors as findings, marked in or out of the added lines, and notes on the run.
    In `test_paths` they are notices that never fail: tests mock and patch what types forbid,
    and many projects type-check their package, not its tests."""
    if not config.enabled:
        return [], []
    # Without the repository's own mypy setup its findings are hints: shown, never failing;
    # so are those on files its mypy run leaves out (`files`, `packages`, `exclude`).
    advisory = config.enabled == "auto" and not mypy_configured(snapshot.base_configs)
    scope = mypy_scope(snapshot.base_configs)
    tests = [re.compile(p) for p in test_paths]
    findings: list[Finding] = []
    texts: dict[str, list[str]] = {}
    for diag in result.diagnostics:
        if diag.path not in texts:
            texts[diag.path] = snapshot.contents.get(diag.path, "").split("\n")
        text = texts[diag.path]
        line_text = text[diag.line - 1] if 0 < diag.line <= len(text) else diag.message
        added = lines.get(diag.path, PatchLines()).added
        outside = config.enabled == "auto" and not in_mypy_scope(diag.path, *scope)
        hint = advisory or outside or any(p.search(diag.path) for p in tests)
        findings.append(
            Finding(
                check=CHECK,
                rule=diag.rule,
                level="notice" if hint else config.level,
                path=diag.path,
                start_line=diag.line,
                end_line=max(diag.end_line, diag.line),
                message=diag.message,
                in_diff=diag.line in added,
                fingerprint=fingerprint(CHECK, diag.rule, diag.path, line_text),
                url=diag.url,
                advisory=hint,
            )
        )
    notes = mypy_notes(config, result)
    if advisory and findings:
        notes.append(
            "mypy's findings are notices that never fail: the repository does not configure "
            "mypy (`checks.mypy.enabled: auto`; set it to `true` to judge them at "
            f"`checks.mypy.level: {config.level}`)."
        )
    return findings, notes
