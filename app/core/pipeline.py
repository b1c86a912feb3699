"""The analysis core's one entry point: snapshot and config in, report out, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace

from app.core.attribution.detection import detect
from app.core.attribution.evidence import mark_counted
from app.core.attribution.lines import LineOutcome, attribute_pr_lines
from app.core.checks.check import Check, Checked, CheckInput
from app.core.checks.duplicates import without_duplicates
from app.core.checks.licence.findings import LicenceCheck
from app.core.checks.mypy import MypyCheck
from app.core.checks.ruff import RuffCheck
from app.core.checks.secrets import SecretsCheck
from app.core.checks.smells import CostSmellsCheck
from app.core.checks.suppressions import REMOVAL_RULES, SuppressionsCheck
from app.core.config.model import Config, FiltersConfig
from app.core.cost.budget import budget_status, with_budget
from app.core.cost.estimate import pull_request_cost
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
    SetAside,
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


def detect_commits(snapshot: PullRequestSnapshot, config: Config) -> Attribution:
    """Commit- and PR-level verdicts, each signal marked counted or not; no line counts yet."""
    return mark_counted(detect(snapshot, config.detection), config.detection.min_confidence)


def ai_commits_of(attribution: Attribution) -> frozenset[str]:
    """The commits attributed to agents."""
    return frozenset(c.sha for c in attribution.commits if c.ai)


def attribute_snapshot(
    snapshot: PullRequestSnapshot,
    lines: Mapping[str, PatchLines],
    config: Config,
    commit_level: Attribution | None = None,
) -> tuple[Attribution, LineOutcome]:
    """Commit-level verdicts (`commit_level` when detected already), then the commit of origin
    of every added line."""
    if commit_level is None:
        commit_level = detect_commits(snapshot, config)
    ai_commits = ai_commits_of(commit_level)
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


@dataclass(frozen=True)
class Attributed:
    """A change ready to check and cost: the files in scope, their lines, who wrote them."""

    # Without generated, vendored and lock files, and within `paths`/`exclude`.
    snapshot: PullRequestSnapshot
    set_aside: tuple[SetAside, ...]
    lines: dict[str, PatchLines]
    attribution: Attribution
    outcome: LineOutcome


def scope_snapshot(
    snapshot: PullRequestSnapshot, config: Config
) -> tuple[PullRequestSnapshot, tuple[SetAside, ...]]:
    """The snapshot without generated, vendored and lock files and without files outside
    `paths` or in `exclude`, and what was left out."""
    snapshot, aside = set_aside(snapshot)
    snapshot, left_out = out_of_scope(snapshot, config)
    return snapshot, (*aside, *left_out)


def attribute(
    snapshot: PullRequestSnapshot,
    config: Config,
    aside: Sequence[SetAside] = (),
    commit_level: Attribution | None = None,
) -> Attributed:
    """Attribute a scoped snapshot (`scope_snapshot`) once, for the cost count and the analysis
    alike; `commit_level` when the adapter detected it already to choose the lines it blames."""
    lines = patch_lines(snapshot)
    attribution, outcome = attribute_snapshot(snapshot, lines, config, commit_level)
    return Attributed(snapshot, tuple(aside), lines, attribution, outcome)


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


# Every check. mypy, the slowest, runs `apart`: it starts first and waits on a process of its
# own while the others run, so on a Python PR the job takes about as long as mypy alone.
CHECKS: tuple[Check, ...] = (
    MypyCheck(),
    RuffCheck(),
    SecretsCheck(),
    CostSmellsCheck(),
    LicenceCheck(),
)
# Checks that read what the others found and the change's attribution.
SECOND_LOOK: tuple[Check, ...] = (SuppressionsCheck(),)


class Checking:
    """The checks of one group of files under way: those that run `apart` start on `pool` when
    it is made; `finish` runs the rest, then the second look, and reports each fault once."""

    def __init__(self, given: CheckInput, pool: Executor | None = None) -> None:
        self._given = given
        self._started = {
            c.name: pool.submit(c.run, given) for c in CHECKS if c.apart and pool is not None
        }

    def finish(self, ai_lines: Mapping[str, frozenset[int]], ai_commits: frozenset[str]) -> Checked:
        given = replace(self._given, ai_lines=ai_lines, ai_commits=ai_commits)
        done = [c.run(given) for c in CHECKS if c.name not in self._started]
        done += [f.result() for f in self._started.values()]
        found = [finding for d in done for finding in d.findings]
        later = [c.run(replace(given, found=found)) for c in SECOND_LOOK]
        found += [finding for d in later for finding in d.findings]
        notes = [note for d in (*done, *later) for note in d.notes]
        return Checked(without_duplicates(found, given.checks.secrets.enabled), notes)


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
    attributed: Attributed | None = None,
) -> Report:
    """Attribute, check, cost and judge one head sha of a pull request.

    `month_to_date_usd` is the repository's spend this month without this pull request (None
    where no ledger is kept, as in `ai-gate check`). `attributed`: the snapshot scoped and
    attributed already (`attribute`), which `snapshot` then is not read for.
    """
    if attributed is None:
        scoped, aside = scope_snapshot(snapshot, config)
        attributed = attribute(scoped, config, aside)
    snapshot, aside, lines = attributed.snapshot, attributed.set_aside, attributed.lines
    attribution, outcome = attributed.attribution, attributed.outcome
    grouped = groups(config, [f.path for f in snapshot.files])
    # Files no override applies to are checked with the top-level settings, the others per
    # group of override blocks (usually none, so the whole change at once).
    plain = only_paths(snapshot, grouped.pop((), [])) if grouped else snapshot
    with ThreadPoolExecutor(max_workers=1) as pool:
        checking = Checking(CheckInput(plain, config.checks, lines, linters, licences), pool)
        cost = pull_request_cost(
            snapshot, attribution, outcome.counts.ai_lines, config.cost, tokenizer
        )
        ai_lines, ai_commits = outcome.counts.ai_lines, ai_commits_of(attribution)
        checked = checking.finish(ai_lines, ai_commits)
    found, notes = checked.findings, checked.notes
    for key, members in grouped.items():
        group = CheckInput(
            only_paths(snapshot, members),
            with_overrides(config, [config.overrides[n] for n in key]).checks,
            lines,
            linters,
            licences,
        )
        checked = Checking(group).finish(ai_lines, ai_commits)
        found += checked.findings
        notes += checked.notes
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


def mark_decisive(findings: Sequence[Finding], deciding: Sequence[Finding]) -> list[Finding]:
    """The findings with those the verdict fails on marked `decisive`."""
    chosen = {id(f) for f in deciding}
    return [f.model_copy(update={"decisive": True}) if id(f) in chosen else f for f in findings]
