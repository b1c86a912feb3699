"""mypy findings on the changed Python files, and what mypy could not resolve.

mypy runs (in an adapter) on the changed files alone, without the repository's mypy plugins and
without the PR's dependencies installed: imports it cannot resolve are reported as a note, never
as errors of the pull request, and are typed as `Any` by mypy. Where the repository does not
type-check a file with mypy, its errors there are counted in a note (`enabled: auto`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.core.basefiles import in_mypy_scope, mypy_configured, mypy_scope
from app.core.checks.check import Checked, CheckInput
from app.core.checks.ruff import python_files
from app.core.config.checks import MypyConfig
from app.core.diff import PatchLines
from app.core.fingerprint import fingerprint
from app.core.models import Finding, PullRequestSnapshot
from app.core.ports import LintDiagnostic, MypyResult

CHECK = "mypy"
# Names shown in a note before "…".
_SHOWN_IMPORTS = 5


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


# mypy's own false positive on a class keyword (`class M(Base, extra="allow")`) when the base
# comes from a package it cannot see: the base is Any, yet mypy checks `object.__init_subclass__`.
_CLASS_KEYWORD_ON_UNSEEN_BASE = re.compile(
    r'^Unexpected keyword argument "\w+" for "__init_subclass__" of "object"'
)


def _unseen_base(diag: LintDiagnostic, result: MypyResult) -> bool:
    return (
        diag.rule == "call-arg"
        and bool(result.unresolved_imports)
        and bool(_CLASS_KEYWORD_ON_UNSEEN_BASE.match(diag.message))
    )


def mypy_findings(
    snapshot: PullRequestSnapshot,
    config: MypyConfig,
    result: MypyResult,
    lines: Mapping[str, PatchLines],
    test_paths: Sequence[str] = (),
) -> tuple[list[Finding], list[str]]:
    """mypy's errors as findings, marked in or out of the added lines, and notes on the run.

    With `enabled: auto`, errors the repository's own mypy run would not see (it configures
    no mypy, the file is outside its `files`/`packages`/`exclude`, or it is a test) are
    counted in a note, not reported: on the real-world corpus (bench/realworld) none of the
    47 mypy findings judged, most of them on such files, was worth a look. With
    `enabled: true` they are findings, notices that never fail in `test_paths` (tests mock
    and patch what types forbid)."""
    if not config.enabled:
        return [], []
    auto = config.enabled == "auto"
    unconfigured = auto and not mypy_configured(snapshot.base_configs)
    scope = mypy_scope(snapshot.base_configs)
    tests = [re.compile(p) for p in test_paths]
    findings: list[Finding] = []
    texts: dict[str, list[str]] = {}
    unseen_base = 0
    hidden = 0
    for diag in result.diagnostics:
        if _unseen_base(diag, result):
            unseen_base += 1
            continue
        in_tests = any(p.search(diag.path) for p in tests)
        if auto and (unconfigured or in_tests or not in_mypy_scope(diag.path, *scope)):
            hidden += 1
            continue
        if diag.path not in texts:
            texts[diag.path] = snapshot.contents.get(diag.path, "").split("\n")
        text = texts[diag.path]
        line_text = text[diag.line - 1] if 0 < diag.line <= len(text) else diag.message
        added = lines.get(diag.path, PatchLines()).added
        findings.append(
            Finding(
                check=CHECK,
                rule=diag.rule,
                level="notice" if in_tests else config.level,
                path=diag.path,
                start_line=diag.line,
                end_line=max(diag.end_line, diag.line),
                message=diag.message,
                in_diff=diag.line in added,
                fingerprint=fingerprint(CHECK, diag.rule, diag.path, line_text),
                url=diag.url,
                advisory=in_tests,
            )
        )
    notes = mypy_notes(config, result)
    if unseen_base:
        notes.append(
            f"{_count(unseen_base, 'mypy error')} about a class keyword on a base class from a "
            f"package mypy could not see {'is' if unseen_base == 1 else 'are'} not reported: "
            "the base is unknown to it, not wrong."
        )
    if hidden:
        where = (
            "the repository does not configure mypy"
            if unconfigured
            else "they are in tests or outside the files the repository type-checks with mypy"
        )
        notes.append(
            f"mypy reported {_count(hidden, 'error')} not shown as findings: {where} "
            "(`checks.mypy.enabled: auto`; set it to `true` to see them)."
        )
    return findings, notes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


class MypyCheck:
    """mypy on the changed Python files: the slowest check, in a process of its own."""

    name = CHECK
    apart = True

    def run(self, given: CheckInput) -> Checked:
        config, files = given.checks.mypy, python_files(given.snapshot)
        if not config.enabled or not files:
            return Checked()
        result = given.linters.mypy(sorted(files), config)
        found, notes = mypy_findings(
            given.snapshot, config, result, given.lines, given.checks.test_paths
        )
        return Checked(found, notes)
