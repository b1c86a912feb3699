"""The licence check's findings: what added text names and what new dependencies carry, each
judged by the policy."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.core.checks.check import Checked, CheckInput
from app.core.checks.licence.own import with_own_licences
from app.core.checks.licence.policy import Decision, Policy, canonical, unversioned
from app.core.checks.licence.texts import (
    MAX_LINE_CHARS,
    MAX_LINES,
    Run,
    comment_runs,
    hits_in,
    is_licence_file,
    is_source,
    may_name_a_licence,
)
from app.core.config.checks import LicenceConfig
from app.core.diff import PatchLines, parse_patch
from app.core.fingerprint import fingerprint
from app.core.manifests import Dependency, head_view, new_dependencies
from app.core.models import FileDiff, Finding, Level, PullRequestSnapshot
from app.core.ports import LicenceResolver, ResolvedLicence

CHECK = "licence"


def _finding(rule: str, level: Level, path: str, line: int, text: str, message: str) -> Finding:
    return Finding(
        check=CHECK,
        rule=rule,
        level=level,
        path=path,
        start_line=line,
        end_line=line,
        message=message,
        fingerprint=fingerprint(CHECK, rule, path, text),
    )


def _judged(
    rule: str, what: str, decision: Decision, config: LicenceConfig, where: tuple[str, int, str]
) -> list[Finding]:
    if decision.status == "allowed":
        return []
    level: Level = "failure" if decision.status == "denied" else config.unknown
    path, line, text = where
    return [
        _finding(
            f"{rule}-{decision.status}", level, path, line, text, f"{what} {decision.describe()}"
        )
    ]


def _added(
    f: FileDiff, content: str | None, added: frozenset[int]
) -> tuple[list[tuple[int, str]], bool]:
    view = head_view(f, content, limit=max(added, default=0))
    lines = [(n, t[:MAX_LINE_CHARS]) for n, t in view.lines if n in added]
    return lines[:MAX_LINES], len(lines) > MAX_LINES


def _copied_level(config: LicenceConfig) -> Level | None:
    level = config.copied_text
    return None if level == "off" else level


def _source_findings(
    f: FileDiff, runs: Sequence[Run], policy: Policy, config: LicenceConfig
) -> list[Finding]:
    own = {unversioned(canonical(o)) for o in config.own_licences or ()}
    found: list[Finding] = []
    for run in runs:
        for hit in hits_in(run):
            where = (f.path, hit.line, hit.line_text)
            decision = policy.judge(hit.expression)
            if hit.kind == "tag":
                found += _judged("spdx", "SPDX licence tag", decision, config, where)
                continue
            found += _judged("notice", f"Licence {hit.kind}", decision, config, where)
            level = _copied_level(config)
            copied = hit.kind == "text" and level is not None and is_source(f.path)
            if copied and level is not None and unversioned(canonical(hit.expression)) not in own:
                found.append(
                    _finding(
                        "copied-licence-text",
                        level,
                        *where,
                        f"Possible copied code: a {hit.expression} licence text was pasted "
                        f"into {f.path}",
                    )
                )
    return found


def _licence_file_findings(
    f: FileDiff, runs: Sequence[Run], policy: Policy, config: LicenceConfig
) -> list[Finding]:
    hits = [h for run in runs for h in hits_in(run)]
    named = [h for h in hits if h.kind in ("tag", "text")] or hits
    if not named:
        if f.status != "added" or not runs:
            return []
        first = runs[0]
        decision = Decision("unknown", f.path, ("its text is not one ai-gate recognises",))
        where = (f.path, first.line_numbers[0], first.raw[0])
        return _judged("licence-file", "New licence file", decision, config, where)
    found: list[Finding] = []
    for hit in {h.expression: h for h in reversed(named)}.values():
        where = (f.path, hit.line, hit.line_text)
        found += _judged(
            "licence-file", "Licence file", policy.judge(hit.expression), config, where
        )
    return found


def text_findings(
    snapshot: PullRequestSnapshot,
    config: LicenceConfig,
    lines: Mapping[str, PatchLines],
) -> tuple[list[Finding], list[str]]:
    """Licence tags, notices and pasted texts in the added lines of every changed file."""
    policy = Policy(config, config.own_licences or ())
    ignore = [re.compile(p) for p in config.ignore]
    found: list[Finding] = []
    notes: list[str] = []
    for f in snapshot.files:
        if f.status == "removed" or any(p.search(f.path) for p in ignore):
            continue
        added = (lines.get(f.path) or parse_patch(f.patch)).added
        if not added:
            continue
        text, cut = _added(f, snapshot.contents.get(f.path), added)
        if cut:
            notes.append(
                f"`{f.path}`: only its first {MAX_LINES} added lines were read for licences."
            )
        if is_licence_file(f.path):
            found += _licence_file_findings(f, list(comment_runs(text)), policy, config)
        elif may_name_a_licence(text):
            found += _source_findings(f, list(comment_runs(text)), policy, config)
    return found, notes


def dependency_findings(
    deps: Sequence[Dependency],
    resolved: Mapping[Dependency, ResolvedLicence],
    config: LicenceConfig,
) -> tuple[list[Finding], list[str]]:
    """Denied and unknown licences of new dependencies; failed look-ups become notes."""
    policy = Policy(config)
    found: list[Finding] = []
    notes: list[str] = []
    for dep in deps:
        what = f"New dependency `{dep.name}` ({'PyPI' if dep.ecosystem == 'pypi' else 'npm'}):"
        result = resolved.get(dep)
        if result is None or result.error:
            why = result.error if result is not None else "no answer from the resolver"
            notes.append(f"Licence of `{dep.name}` ({dep.ecosystem}) not checked: {why}.")
            continue
        if result.expression is None:
            decision = Decision("unknown", dep.name, (result.detail or "no licence is declared",))
        else:
            decision = policy.judge(result.expression)
        where = (dep.path, dep.line, f"{dep.ecosystem}:{dep.name}")
        for finding in _judged("dependency", what, decision, config, where):
            found.append(finding.model_copy(update={"url": result.source}))
    return found, notes


def licence_findings(
    snapshot: PullRequestSnapshot,
    config: LicenceConfig,
    lines: Mapping[str, PatchLines],
    resolver: LicenceResolver | None,
) -> tuple[list[Finding], list[str]]:
    """Every licence finding of the pull request, and notes on what could not be checked."""
    if not config.enabled:
        return [], []
    found, notes = text_findings(snapshot, config, lines)
    if not config.dependencies:
        return found, notes
    deps, dep_notes = new_dependencies(snapshot, lines)
    notes += dep_notes
    if deps and resolver is None:
        notes.append(
            f"Licences of {len(deps)} new dependenc{'y' if len(deps) == 1 else 'ies'} were not "
            "checked: no package registry is configured."
        )
    elif deps and resolver is not None:
        dep_found, lookup_notes = dependency_findings(deps, resolver.licences(deps), config)
        found += dep_found
        notes += lookup_notes
    return found, notes


class LicenceCheck:
    """The licence check as the pipeline runs it: under the repository's own licences (read
    from its base branch unless configured), so its own headers are never judged as copied."""

    name = CHECK
    apart = False

    def run(self, given: CheckInput) -> Checked:
        config = with_own_licences(given.checks.licence, given.snapshot.base_configs)
        found, notes = licence_findings(given.snapshot, config, given.lines, given.licences)
        return Checked(found, notes)
