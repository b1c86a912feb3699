"""ruff findings on the changed Python files, kept on the lines the PR added."""

from __future__ import annotations

from collections.abc import Mapping

from app.core.config import RuffConfig
from app.core.diff import PatchLines
from app.core.fingerprint import fingerprint
from app.core.models import Finding, Level, PullRequestSnapshot, Suggestion
from app.core.ports import LintDiagnostic, Linters
from app.core.suggestions import suggestion_for

# Rule prefixes whose findings are likely real bugs rather than style: they fail by default.
_FAILURE_PREFIXES = ("E9", "F63", "F7", "F82", "S3", "S5", "S6")
_NOTICE_PREFIXES = ("F401", "F841", "E4", "W")


def level_for(rule: str) -> Level:
    """How serious a ruff rule's finding is."""
    if rule.startswith(_FAILURE_PREFIXES):
        return "failure"
    if rule.startswith(_NOTICE_PREFIXES):
        return "notice"
    return "warning"


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


def ruff_findings(
    snapshot: PullRequestSnapshot,
    config: RuffConfig,
    linters: Linters,
    lines: Mapping[str, PatchLines],
) -> tuple[list[Finding], tuple[str, ...]]:
    """Run ruff on the changed Python files; findings marked in or out of the added lines,
    and notes about the run."""
    files = python_files(snapshot)
    if not config.enabled or not files:
        return [], ()
    findings: list[Finding] = []
    result = linters.ruff(sorted(files), config)
    for diag in result.diagnostics:
        added = lines.get(diag.path, PatchLines()).added
        text = files.get(diag.path, "").splitlines()
        line_text = text[diag.line - 1] if 0 < diag.line <= len(text) else diag.message
        findings.append(
            Finding(
                check="ruff",
                rule=diag.rule,
                level=level_for(diag.rule),
                path=diag.path,
                start_line=diag.line,
                end_line=max(diag.end_line, diag.line),
                message=diag.message,
                in_diff=diag.line in added,
                fingerprint=fingerprint("ruff", diag.rule, diag.path, line_text),
                url=diag.url,
                suggestion=_suggestion(files.get(diag.path, ""), diag, added),
            )
        )
    return findings, result.notes
