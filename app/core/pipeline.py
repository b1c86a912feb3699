"""The analysis core's one entry point: snapshot and config in, report out, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from app.core.attribution.detection import detect
from app.core.attribution.evidence import mark_counted
from app.core.attribution.lines import LineOutcome, attribute_pr_lines, needs_history
from app.core.checks.duplicates import without_duplicates
from app.core.checks.licence import licence_findings
from app.core.checks.mypy import mypy_findings
from app.core.checks.ownlicence import with_own_licences
from app.core.checks.ruff import python_files, ruff_findings
from app.core.checks.secrets import secret_findings
from app.core.checks.seethrough import hidden_findings
from app.core.checks.smells import smell_findings
from app.core.checks.suppressions import REMOVAL_RULES, suppression_findings
from app.core.config.model import Config, FiltersConfig
from app.core.cost.estimate import budget_status, pull_request_cost, with_budget
from app.core.cost.tokens import TokenCounter
from app.core.diff import PatchLines, parse_patch
from app.core.disclosure import disclosure_status
from app.core.gate import GateInput, decide, decisive
from app.core.generated import set_aside
from app.core.manifests import is_manifest
from app.core.models import (
    Attribution,
    ConfigInfo,
    Disclosure,
    FileDiff,
    Finding,
    PullRequestSnapshot,
    Report,
)
from app.core.ports import LicenceResolver, Linters
from app.core.scope import groups, only_paths, out_of_scope, path_gates, with_overrides


def needs_contents(f: FileDiff) -> bool:
    """Whether a check reads this file's head contents (so an adapter must fetch them).

    Without a patch (binary, or too large for GitHub to diff) no added line is known, so
    nothing in the file could be reported. Dependency manifests are read whole so that an added
    line is placed in its table or section (`[project]`, `devDependencies`).
    """
    return f.patch is not None and (f.path.endswith((".py", ".pyi")) or is_manifest(f.path))


def patch_lines(snapshot: PullRequestSnapshot) -> dict[str, PatchLines]:
    """Added and commentable head lines of every file still present at the head."""
    return {f.path: parse_patch(f.patch) for f in snapshot.files if f.status != "removed"}


def _truncated(snapshot: PullRequestSnapshot) -> bool:
    pr = snapshot.pull_request
    if pr is None:
        return False
    return (pr.commits_total or 0) > len(snapshot.commits) or (pr.files_total or 0) > len(
        snapshot.files
    )


def needs_line_history(snapshot: PullRequestSnapshot, config: Config) -> bool:
    """Whether the adapter should fetch per-commit patches: only for mixed AI/human PRs."""
    if snapshot.blame is not None or snapshot.commit_files is not None or _truncated(snapshot):
        return False
    commit_level = detect(snapshot, config.detection)
    return needs_history(snapshot.commits, frozenset(c.sha for c in commit_level.commits if c.ai))


def attribute_snapshot(
    snapshot: PullRequestSnapshot, lines: Mapping[str, PatchLines], config: Config
) -> tuple[Attribution, LineOutcome]:
    """Commit-level verdicts, then the commit of origin of every added line."""
    commit_level = mark_counted(detect(snapshot, config.detection), config.detection.min_confidence)
    ai_commits = frozenset(c.sha for c in commit_level.commits if c.ai)
    outcome = attribute_pr_lines(
        lines,
        snapshot.commits,
        ai_commits,
        blame=snapshot.blame,
        commit_files=snapshot.commit_files,
        records=snapshot.records,
        truncated=_truncated(snapshot),
        touched=snapshot.touched,
    )
    counts = outcome.counts
    attribution = commit_level.model_copy(
        update={
            "added_lines": counts.added_lines,
            "ai_added_lines": counts.ai_added_lines,
            "ai_share": round(counts.ai_added_lines / counts.added_lines, 4)
            if counts.added_lines
            else 0.0,
            "files": counts.files,
            "line_method": outcome.method,
        }
    )
    return attribution, outcome


def in_scope(
    finding: Finding, lines: PatchLines, filters: FiltersConfig, ai_lines: frozenset[int]
) -> bool:
    """Whether the finding survives the diff filter (and the AI-lines-only filter).

    A removal (assertions taken out of a test) has no added line: it stands on the head line
    where the removed lines were, which the diff shows."""
    if filters.ai_only and not (finding.ai_attributed or finding.start_line in ai_lines):
        return False
    if finding.rule in REMOVAL_RULES and finding.check == "suppressions":
        return finding.start_line in lines.commentable
    if _unbound_by_the_change(finding):
        return True
    if filters.mode == "added":
        return finding.start_line in lines.added
    if filters.mode == "diff_context":
        return finding.start_line in lines.commentable
    return True


def _unbound_by_the_change(finding: Finding) -> bool:
    """An undefined name on an untouched line that ruff's check marked as the change's own:
    the change removed its binding (app/core/checks/removedbindings.py)."""
    return finding.check == "ruff" and finding.rule == "F821" and finding.in_diff


def _unchecked(snapshot: PullRequestSnapshot) -> list[str]:
    return [
        f"`{f.path}`: GitHub sent no diff (binary or too large); its lines were not checked."
        for f in snapshot.files
        if f.patch is None and f.status not in ("removed", "renamed") and f.path.endswith(".py")
    ]


def _scoped(
    findings: Sequence[Finding],
    lines: Mapping[str, PatchLines],
    config: Config,
    ai_lines: Mapping[str, frozenset[int]],
) -> list[Finding]:
    kept = []
    for f in findings:
        ai = ai_lines.get(f.path, frozenset())
        if in_scope(f, lines.get(f.path, PatchLines()), config.filters, ai):
            kept.append(
                f.model_copy(update={"ai_attributed": f.ai_attributed or f.start_line in ai})
            )
    return sorted(kept, key=lambda f: (f.path, f.start_line, f.check, f.rule))


def run_checks(
    snapshot: PullRequestSnapshot,
    config: Config,
    linters: Linters,
    lines: Mapping[str, PatchLines],
    licences: LicenceResolver | None = None,
) -> tuple[list[Finding], list[str]]:
    """Every enabled check but mypy: findings (in or out of the diff) and notes about the runs.

    `licences` looks up new dependencies' licences; without one they are noted as unchecked.
    """
    checks = config.checks
    found, ruff_notes = ruff_findings(snapshot, checks.ruff, linters, lines, checks.test_paths)
    notes = list(ruff_notes)
    if checks.secrets.enabled:
        found += secret_findings(snapshot, checks.secrets, lines, checks.test_paths)
    found += smell_findings(snapshot, checks.cost, lines, checks.test_paths)
    licence_config = with_own_licences(checks.licence, snapshot.base_configs)
    licence_found, licence_notes = licence_findings(snapshot, licence_config, lines, licences)
    return [*found, *licence_found], [*notes, *licence_notes]


def gate_input(
    snapshot: PullRequestSnapshot,
    attribution: Attribution,
    findings: Sequence[Finding],
    budget_failures: Sequence[str] = (),
    config: Config | None = None,
    disclosure: Disclosure | None = None,
) -> GateInput:
    """What the gate needs from the snapshot and the analysis (`config` for the per-path gate
    settings of its overrides)."""
    pr = snapshot.pull_request
    return GateInput(
        path_gates=path_gates(config, {f.path for f in findings}) if config else {},
        base_ref=pr.base_ref or None if pr else None,
        labels=pr.labels if pr else (),
        label_grants=snapshot.label_grants,
        disclosure=disclosure,
        attribution=attribution,
        findings=findings,
        pr_author=pr.author_login if pr else "",
        draft=pr.draft if pr else False,
        reviews=snapshot.reviews,
        acknowledgements=snapshot.acknowledgements,
        budget_failures=tuple(budget_failures),
    )


def analyse(
    snapshot: PullRequestSnapshot,
    config: Config,
    linters: Linters,
    config_info: ConfigInfo | None = None,
    month_to_date_usd: float | None = None,
    licences: LicenceResolver | None = None,
    tokenizer: TokenCounter | None = None,
) -> Report:
    """Attribute, check, cost and judge one head sha of a pull request.

    `month_to_date_usd` is the repository's spend this month without this pull request (None
    where no ledger is kept, as in `ai-gate check`).
    """
    snapshot, aside = set_aside(snapshot)
    snapshot, left_out = out_of_scope(snapshot, config)
    aside = (*aside, *left_out)
    lines = patch_lines(snapshot)
    grouped = groups(config, [f.path for f in snapshot.files])
    # Files no override applies to are checked with the top-level settings, the others per
    # group of override blocks (usually none, so the whole change at once).
    plain = only_paths(snapshot, grouped.pop((), [])) if grouped else snapshot
    mypy_config, files = config.checks.mypy, python_files(plain)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # mypy is the slowest step and waits on a process of its own: everything else runs
        # meanwhile, so on a Python PR the job takes about as long as mypy alone.
        mypy_run = (
            pool.submit(linters.mypy, sorted(files), mypy_config)
            if mypy_config.enabled and files
            else None
        )
        attribution, outcome = attribute_snapshot(snapshot, lines, config)
        found, notes = run_checks(plain, config, linters, lines, licences)
        cost = pull_request_cost(
            snapshot, attribution, outcome.counts.ai_lines, config.cost, tokenizer
        )
        if mypy_run is not None:
            mypy_found, mypy_notes = mypy_findings(
                plain, mypy_config, mypy_run.result(), lines, config.checks.test_paths
            )
            found += mypy_found
            notes += mypy_notes
    found += _suppressions(plain, config, linters, lines, attribution, outcome, found)
    found = without_duplicates(found, config.checks.secrets.enabled)
    for key, members in grouped.items():
        group_config = with_overrides(config, [config.overrides[n] for n in key])
        group = only_paths(snapshot, members)
        group_found, group_notes = _checked_group(
            group, group_config, linters, lines, attribution, outcome, licences
        )
        found += group_found
        notes += group_notes
    findings = _scoped(found, lines, config, outcome.counts.ai_lines)
    budget = budget_status(cost, month_to_date_usd, config.cost.budget)
    disclosure = disclosure_status(snapshot, attribution, config.gate)
    judged = gate_input(snapshot, attribution, findings, budget.failures, config, disclosure)
    verdict = decide(config.gate, judged)
    findings = mark_decisive(findings, decisive(config.gate, judged))
    return Report(
        repository=snapshot.repository,
        base_sha=snapshot.base_sha,
        head_sha=snapshot.head_sha,
        pull_request=snapshot.pull_request.number if snapshot.pull_request else None,
        attribution=attribution,
        findings=tuple(findings),
        cost=with_budget(cost, budget) if cost is not None else None,
        verdict=verdict,
        config=config_info or ConfigInfo(sources=("defaults",)),
        notes=(*snapshot.notes, *_unchecked(snapshot), *outcome.notes, *notes),
        set_aside=aside,
        disclosure=disclosure,
    )


def _checked_group(
    snapshot: PullRequestSnapshot,
    config: Config,
    linters: Linters,
    lines: Mapping[str, PatchLines],
    attribution: Attribution,
    outcome: LineOutcome,
    licences: LicenceResolver | None,
) -> tuple[list[Finding], list[str]]:
    """Every check on the files of one group of override blocks, under their settings."""
    found, notes = run_checks(snapshot, config, linters, lines, licences)
    files = python_files(snapshot)
    if config.checks.mypy.enabled and files:
        result = linters.mypy(sorted(files), config.checks.mypy)
        mypy_found, mypy_notes = mypy_findings(
            snapshot, config.checks.mypy, result, lines, config.checks.test_paths
        )
        found += mypy_found
        notes += mypy_notes
    found += _suppressions(snapshot, config, linters, lines, attribution, outcome, found)
    return without_duplicates(found, config.checks.secrets.enabled), notes


def _suppressions(
    snapshot: PullRequestSnapshot,
    config: Config,
    linters: Linters,
    lines: Mapping[str, PatchLines],
    attribution: Attribution,
    outcome: LineOutcome,
    found: Sequence[Finding],
) -> list[Finding]:
    """New suppressions, and with `see_through` what they hide (after the other checks ran:
    the second look lints the workspace with the suppressions cut out)."""
    checks = config.checks
    if not checks.suppressions.enabled:
        return []
    ai_lines = outcome.counts.ai_lines
    ai_commits = frozenset(c.sha for c in attribution.commits if c.ai)
    new = suppression_findings(
        snapshot, checks.suppressions, lines, ai_lines, ai_commits, checks.test_paths
    )
    if checks.suppressions.see_through:
        new += hidden_findings(snapshot, checks, checks.mypy, linters, lines, ai_lines, found)
    return new


def mark_decisive(findings: Sequence[Finding], deciding: Sequence[Finding]) -> list[Finding]:
    """The findings with those the verdict fails on marked `decisive`."""
    chosen = {id(f) for f in deciding}
    return [f.model_copy(update={"decisive": True}) if id(f) in chosen else f for f in findings]
