"""New suppressions on AI-written lines: what an agent adds to get a pull request through.

A new `# noqa`, `# type: ignore`, `# nosec`, `# pragma: allowlist secret` or `# pragma: no
cover`, a file-level `# ruff: noqa` / `# mypy: ignore-errors`, a new skip or xfail marker, an
`assert True`, assertions removed from a test, and a loosened ruff, mypy or ai-gate
configuration. A maintainer's own suppression is a decision: human lines are left alone unless
`human_lines` says otherwise. Only the head text and the patch are read; nothing is executed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence

from app.core.checks.check import Checked, CheckInput
from app.core.checks.directives import Directive, directives
from app.core.checks.loosening import loosened_lines
from app.core.checks.seethrough import hidden_findings
from app.core.config.checks import SuppressionsConfig
from app.core.diff import PatchLines, patch_rows
from app.core.fingerprint import fingerprint
from app.core.models import Finding, PullRequestSnapshot

CHECK = "suppressions"
REMOVAL_RULES = frozenset({"assertions-removed"})

_WHAT = {
    "new-noqa": "hides ruff findings",
    "file-noqa": "hides every ruff finding in the file",
    "new-type-ignore": "hides type checkers' errors",
    "new-pyright-ignore": "hides pyright errors",
    "file-type-ignore": "hides every mypy error in the file",
    "file-ignore-errors": "hides every mypy error in the file",
    "new-nosec": "hides security-linter findings",
    "new-allowlist-secret": "hides a secret from secret scanners",
    "new-no-cover": "leaves the code out of coverage",
}
# Unconditional skips only: `skipif(not has_numpy)` gates a test on its environment.
_SKIP_DECORATORS = re.compile(r"(?:^|\.)(?:mark\.(?:skip|xfail)|unittest\.skip|expectedFailure)$")
_SKIP_CALLS = frozenset({"pytest.skip", "pytest.xfail"})
_DEF = re.compile(r"^\s*(?:async\s+)?def\s")
_ASSERTION = re.compile(r"^\s*(?:assert\b|self\.assert\w*\(|(?:with\s+)?pytest\.raises\()")


def _finding(
    config: SuppressionsConfig, rule: str, path: str, line: int, text: str, message: str
) -> Finding:
    return Finding(
        check=CHECK,
        rule=rule,
        level=config.level,
        path=path,
        start_line=line,
        end_line=line,
        message=message,
        fingerprint=fingerprint(CHECK, rule, path, text),
    )


def _directive_message(d: Directive, ai: bool) -> str:
    named = f" ({', '.join(d.codes)})" if d.codes else ""
    where = "an AI-written line" if ai else "a line"
    return (
        f"New `{d.text}` on {where} {_WHAT[d.rule]}{named}: fix what it hides, or have a "
        "maintainer accept it."
    )


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _unconditional_calls(tree: ast.AST) -> Iterator[ast.Call]:
    """Calls that are statements of their own directly in a function's body (not under an
    `if`, where `pytest.skip()` gates a test on its environment)."""
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in fn.body:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                    yield stmt.value


def _test_weakening(tree: ast.AST, added: frozenset[int]) -> list[tuple[int, str, str]]:
    """(line, rule, message) for added skips, xfails and `assert True`."""
    out: list[tuple[int, str, str]] = []
    for call in _unconditional_calls(tree):
        if call.lineno in added and _dotted(call.func) in _SKIP_CALLS:
            out.append(
                (call.lineno, "new-skip", f"New `{_dotted(call.func)}()`: the test stops "
                 "here; fix it rather than skip it.")
            )  # fmt: skip
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for deco in node.decorator_list:
                name = _dotted(deco)
                if deco.lineno in added and _SKIP_DECORATORS.search(name):
                    out.append(
                        (
                            deco.lineno,
                            "new-skip",
                            f"New `@{name}` on `{node.name}`: the test "
                            "no longer runs (or no longer fails); fix it rather than skip it.",
                        )
                    )
        elif (
            isinstance(node, ast.Assign)
            and node.lineno in added
            and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
            and re.search(r"mark\.skip\b|mark\.xfail\b", ast.unparse(node.value))
        ):
            out.append((node.lineno, "new-skip", "New module-wide skip marker (`pytestmark`)."))
        elif (
            isinstance(node, ast.Assert)
            and node.lineno in added
            and isinstance(node.test, ast.Constant)
            and bool(node.test.value)
        ):
            out.append(
                (
                    node.lineno,
                    "assert-true",
                    "`assert True` checks nothing: assert what the test is about.",
                )
            )
    return out


def _removed_assertions(patch: str | None) -> list[tuple[int, int]]:
    """(head line, count) per hunk where more assertions were removed than added, when the
    file as a whole lost assertions (moving them is not removing them). A hunk that removes a
    whole function removed a test (or its subject), not a test's assertions."""
    per_hunk: list[list[int]] = []  # [removed, added, first head line, removes a def]
    for kind, line, text in patch_rows(patch):
        if kind == "@":
            per_hunk.append([0, 0, 0, 0])
        elif per_hunk and kind == "-" and _DEF.match(text):
            per_hunk[-1][3] = 1
        elif per_hunk and _ASSERTION.match(text) and kind in ("-", "+"):
            hunk = per_hunk[-1]
            if kind == "-":
                hunk[0] += 1
                hunk[2] = hunk[2] or line
            else:
                hunk[1] += 1
    if sum(h[0] for h in per_hunk) <= sum(h[1] for h in per_hunk):
        return []
    return [(h[2], h[0] - h[1]) for h in per_hunk if h[0] > h[1] and not h[3]]


def _removal_is_ai(snapshot: PullRequestSnapshot, path: str, ai_commits: frozenset[str]) -> bool:
    """A removed line has no author at the head: AI when every commit that touched the file
    is AI-attributed."""
    own = [c.sha for c in snapshot.commits if len(c.parents) <= 1]
    touched = (snapshot.touched or {}).get(path, tuple(own))
    return bool(touched) and all(sha in ai_commits for sha in touched)


def _python_findings(
    config: SuppressionsConfig,
    path: str,
    text: str,
    added: frozenset[int],
    keep: frozenset[int] | None,
    is_test: bool,
    ai: frozenset[int] | None = None,
) -> list[Finding]:
    rows = text.split("\n")
    found: list[Finding] = []

    def add(rule: str, line: int, message: str) -> None:
        if keep is None or line in keep:
            row = rows[line - 1] if 0 < line <= len(rows) else ""
            found.append(_finding(config, rule, path, line, row, message))

    # In tests a line's suppression is routine (mocks, private helpers, fake secrets): there
    # only what weakens the tests themselves is reported.
    for d in () if is_test else directives(text):
        if d.line in added:
            add(d.rule, d.line, _directive_message(d, ai is not None and d.line in ai))
    if is_test:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return found
        for line, rule, message in _test_weakening(tree, added):
            add(rule, line, message)
    return found


def suppression_findings(
    snapshot: PullRequestSnapshot,
    config: SuppressionsConfig,
    lines: Mapping[str, PatchLines],
    ai_lines: Mapping[str, frozenset[int]],
    ai_commits: frozenset[str],
    test_paths: Sequence[str] = (),
) -> list[Finding]:
    """New suppressions on the added lines (AI-written ones unless `human_lines`)."""
    if not config.enabled:
        return []
    tests = [re.compile(p) for p in test_paths]
    found: list[Finding] = []
    for f in snapshot.files:
        if f.status == "removed":
            continue
        added = lines.get(f.path, PatchLines()).added
        keep = None if config.human_lines else ai_lines.get(f.path, frozenset())
        is_test = any(p.search(f.path) for p in tests)
        text = snapshot.contents.get(f.path)
        if f.path.endswith((".py", ".pyi")) and text is not None:
            ai = ai_lines.get(f.path, frozenset())
            found += _python_findings(config, f.path, text, added, keep, is_test, ai)
        removal_ai = _removal_is_ai(snapshot, f.path, ai_commits)
        if is_test and f.path.endswith(".py") and (config.human_lines or removal_ai):
            for line, count in _removed_assertions(f.patch):
                found.append(
                    _finding(
                        config,
                        "assertions-removed",
                        f.path,
                        line,
                        f"removed-{count}",
                        f"{count} assertion{'s' if count > 1 else ''} removed from this test "
                        "and not replaced: the test checks less than before.",
                    ).model_copy(update={"ai_attributed": removal_ai})
                )
        for line, row, message in loosened_lines(f.path, f.patch, text):
            if keep is None or line in keep:
                found.append(_finding(config, "config-loosened", f.path, line, row, message))
    return found


class SuppressionsCheck:
    """New suppressions on AI-written lines, and with `see_through` what they hide: a second
    look after the other checks, linting the files with the new directives cut out."""

    name = CHECK
    apart = False

    def run(self, given: CheckInput) -> Checked:
        checks = given.checks
        if not checks.suppressions.enabled:
            return Checked()
        found = suppression_findings(
            given.snapshot,
            checks.suppressions,
            given.lines,
            given.ai_lines,
            given.ai_commits,
            checks.test_paths,
        )
        if checks.suppressions.see_through:
            found += hidden_findings(
                given.snapshot,
                checks,
                checks.mypy,
                given.linters,
                given.lines,
                given.ai_lines,
                given.found,
            )
        return Checked(found)
