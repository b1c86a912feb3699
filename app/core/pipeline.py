"""The analysis core's one entry point: snapshot and config in, report out, no I/O."""

from __future__ import annotations

from app.core.attribution import attribute
from app.core.checks.ruff import ruff_findings
from app.core.config import Config
from app.core.diff import parse_patch
from app.core.gate import decide
from app.core.models import ConfigInfo, FileDiff, PullRequestSnapshot, Report
from app.core.ports import Linters


def needs_contents(f: FileDiff) -> bool:
    """Whether a check reads this file's head contents (so an adapter must fetch them).

    Without a patch (binary, or too large for GitHub to diff) no added line is known, so
    nothing in the file could be reported.
    """
    return f.patch is not None and f.path.endswith((".py", ".pyi"))


def _unchecked(snapshot: PullRequestSnapshot) -> list[str]:
    return [
        f"`{f.path}`: GitHub sent no diff (binary or too large); its lines were not checked."
        for f in snapshot.files
        if f.patch is None and f.status not in ("removed", "renamed") and f.path.endswith(".py")
    ]


def analyse(
    snapshot: PullRequestSnapshot,
    config: Config,
    linters: Linters,
    config_info: ConfigInfo | None = None,
) -> Report:
    """Attribute, check and judge one head sha of a pull request."""
    lines = {f.path: parse_patch(f.patch) for f in snapshot.files if f.status != "removed"}
    added_lines = sum(len(pl.added) for pl in lines.values())
    attribution = attribute(snapshot, added_lines)
    ruff_found, ruff_notes = ruff_findings(snapshot, config.checks.ruff, linters, lines)
    findings = [f for f in ruff_found if f.in_diff]
    ai_lines_known = attribution.ai_added_lines == added_lines and attribution.ai
    if ai_lines_known:
        findings = [f.model_copy(update={"ai_attributed": True}) for f in findings]
    findings.sort(key=lambda f: (f.path, f.start_line, f.rule))
    return Report(
        repository=snapshot.repository,
        base_sha=snapshot.base_sha,
        head_sha=snapshot.head_sha,
        pull_request=snapshot.pull_request.number if snapshot.pull_request else None,
        attribution=attribution,
        findings=tuple(findings),
        verdict=decide(config.gate, attribution, findings),
        config=config_info or ConfigInfo(sources=("defaults",)),
        notes=(*snapshot.notes, *_unchecked(snapshot), *ruff_notes),
    )
