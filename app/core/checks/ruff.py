"""ruff findings on the changed Python files, kept on the lines the PR added."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.core.basefiles import RUFF_CONFIG_FILES, ruff_enforced
from app.core.checks.check import Checked, CheckInput
from app.core.checks.removedbindings import removed_bindings, undefined_name
from app.core.config.checks import RuffConfig
from app.core.config.ruffrules import SYNTAX_ERRORS, is_reported, level_for
from app.core.diff import PatchLines
from app.core.fingerprint import fingerprint
from app.core.models import Finding, Level, PullRequestSnapshot, Suggestion
from app.core.ports import LintDiagnostic, Linters
from app.core.suggestions import suggestion_for


def python_files(snapshot: PullRequestSnapshot) -> dict[str, str]:
    """Head contents of the changed, still-present Python files the adapter fetched."""
    return {
        f.path: snapshot.contents[f.path]
        for f in snapshot.files
        if f.status != "removed"
        and f.path.endswith((".py", ".pyi"))
        and f.path in snapshot.contents
    }


def _suggestion(text: str, diag: LintDiagnostic, added: frozenset[int]) -> Suggestion | None:
    # A suggestion may only replace lines the PR added (a review comment needs them in one hunk).
    suggestion = suggestion_for(text, diag.fix)
    if suggestion is None:
        return None
    if not all(n in added for n in range(suggestion.start_line, suggestion.end_line + 1)):
        return None
    return suggestion


# Security and async-blocking rules: tests run commands, unpickle, write to /tmp and sleep in
# async tests on purpose.
_TEST_NOISE = re.compile(r"(?:S|ASYNC)\d+")


def _first_syntax_errors(diagnostics: Sequence[LintDiagnostic]) -> list[LintDiagnostic]:
    """Each file's first syntax error only: ruff reports every error its recovery runs into
    after the first, often dozens for one missing bracket."""
    errors: dict[tuple[str, Level], list[LintDiagnostic]] = {}
    for diag in diagnostics:
        if diag.rule in SYNTAX_ERRORS:
            errors.setdefault((diag.path, level_for(diag.rule, diag.message)), []).append(diag)
    firsts = {}
    for same in errors.values():
        first = min(same, key=lambda d: (d.line, d.column))
        more = f" (the first of {len(same)} syntax errors in this file)" if len(same) > 1 else ""
        firsts[id(first)] = first.model_copy(update={"message": first.message + more})
    return [
        firsts.get(id(d), d) for d in diagnostics if d.rule not in SYNTAX_ERRORS or id(d) in firsts
    ]


def _in_tests(path: str, tests: Sequence[re.Pattern[str]]) -> bool:
    return any(p.search(path) for p in tests)


def ruff_findings(
    snapshot: PullRequestSnapshot,
    config: RuffConfig,
    linters: Linters,
    lines: Mapping[str, PatchLines],
    test_paths: Sequence[str] = (),
) -> tuple[list[Finding], tuple[str, ...]]:
    """Run ruff on the changed Python files; findings marked in or out of the added lines,
    and notes about the run. Security (`S`) and async-blocking (`ASYNC`) rules are not
    reported in `test_paths`."""
    files = python_files(snapshot)
    if not config.enabled or not files:
        return [], ()
    tests = [re.compile(p) for p in test_paths]
    findings: list[Finding] = []
    repository_rules, notes = _repository_rules(snapshot, config)
    result = linters.ruff(sorted(files), config, repository_rules)
    patches = {f.path: f.patch for f in snapshot.files}
    for diag in _first_syntax_errors(result.diagnostics):
        if not is_reported(diag.rule, diag.message):
            continue
        if _TEST_NOISE.fullmatch(diag.rule) and _in_tests(diag.path, tests):
            continue
        added = lines.get(diag.path, PatchLines()).added
        text = files.get(diag.path, "").splitlines()
        line_text = text[diag.line - 1] if 0 < diag.line <= len(text) else diag.message
        message, ours = diag.message, diag.line in added
        unbound = _unbound_by_change(diag, patches.get(diag.path)) if not ours else None
        if unbound is not None:
            message, ours = f"{message} (this change removed its binding at line {unbound})", True
        findings.append(
            Finding(
                check="ruff",
                rule=diag.rule,
                level=level_for(diag.rule, diag.message, config.levels),
                path=diag.path,
                start_line=diag.line,
                end_line=max(diag.end_line, diag.line),
                message=message,
                in_diff=ours,
                fingerprint=fingerprint("ruff", diag.rule, diag.path, line_text),
                url=diag.url,
                suggestion=_suggestion(files.get(diag.path, ""), diag, added),
            )
        )
    return findings, (*notes, *result.notes)


def _unbound_by_change(diag: LintDiagnostic, patch: str | None) -> int | None:
    """For an undefined name on a line the change did not add: the head line where the change
    removed the name's module-level binding, if it did (see removedbindings)."""
    if diag.rule != "F821":
        return None
    name = undefined_name(diag.message)
    return removed_bindings(patch).get(name) if name else None


def _repository_rules(snapshot: PullRequestSnapshot, config: RuffConfig) -> tuple[bool, list[str]]:
    """Whether the repository's own selected rules are reported too, and a note when not."""
    if config.repository_rules != "auto":
        return config.repository_rules == "always", []
    if ruff_enforced(snapshot.base_configs):
        return True, []
    configured = any(
        name in snapshot.base_configs
        and (name != "pyproject.toml" or "[tool.ruff" in snapshot.base_configs[name])
        for name in RUFF_CONFIG_FILES
    )
    if not configured:
        return False, []
    return False, [
        "The repository's ruff configuration selects rules, but nothing in the repository runs "
        "ruff (no pre-commit hook, CI workflow, tox, nox, make or just target): only ai-gate's "
        "rule set is reported (`checks.ruff.repository_rules: always` reports them too)."
    ]


class RuffCheck:
    """ruff on the changed Python files, under the repository's own ruff configuration."""

    name = "ruff"
    apart = False

    def run(self, given: CheckInput) -> Checked:
        checks = given.checks
        found, notes = ruff_findings(
            given.snapshot, checks.ruff, given.linters, given.lines, checks.test_paths
        )
        return Checked(found, list(notes))
