"""Services of a repository: path globs mapped to service names in `.ai-gate.yml`, and a PR's
figures split between the services its files belong to. Pure.

A monorepo of 142 services is one rule: `services: {"services/*/**": "{1}"}` names each
directory under `services/` as a service of its own (`{1}` is what the first `*` matched).

Globs: `*` is any part of one path segment, `**` any number of segments, `?` one character; a
glob without a wildcard names a file or a directory (and everything under it). When several
globs match a path, the most specific wins (the most literal characters), so the order in
which an organisation's defaults and a repository's file list them never matters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from pydantic import AfterValidator

from app.core.models import Report

# Where a path no glob matches is counted.
UNASSIGNED = "(unassigned)"
MAX_SERVICE_NAME = 100
_REF = re.compile(r"\{(\d+)\}")


@dataclass(frozen=True)
class Rule:
    glob: str
    name: str
    pattern: re.Pattern[str]
    specificity: int


def _translate(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("([^/]*)")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    body = "".join(out).rstrip("/")
    # A glob names a file, or a directory and everything under it.
    return f"^{body}(?:/.*)?$"


@cache
def glob_pattern(glob: str) -> re.Pattern[str]:
    """A path glob (`**`, `*`, `?`; a directory names everything under it) as a regex."""
    return re.compile(_translate(glob.strip().lstrip("/")))


@cache
def _rule(glob: str, name: str) -> Rule:
    cleaned = glob.strip().lstrip("/")
    literal = len(re.sub(r"[*?]", "", cleaned))
    return Rule(glob, name, re.compile(_translate(cleaned)), literal)


def _checked(value: dict[str, str]) -> dict[str, str]:
    for glob, name in value.items():
        if not glob.strip() or not name.strip():
            raise ValueError("a service glob and its name may not be empty")
        if len(name) > MAX_SERVICE_NAME:
            raise ValueError(f"service name {name[:20]!r}… is longer than {MAX_SERVICE_NAME}")
        stars = _translate(glob).count("([^/]*)")
        for ref in _REF.findall(name):
            if not 1 <= int(ref) <= stars:
                raise ValueError(
                    f"service {name!r} refers to {{{ref}}}, but {glob!r} has {stars} single `*`"
                )
    return value


# glob -> service name; validated when the config is read, so a bad entry has its line.
ServiceMap = Annotated[dict[str, str], AfterValidator(_checked)]


def rules(services: Mapping[str, str]) -> tuple[Rule, ...]:
    """The rules of a `services:` map, most specific first."""
    built = [_rule(glob, name) for glob, name in services.items()]
    return tuple(sorted(built, key=lambda r: -r.specificity))


def service_of(path: str, ordered: Sequence[Rule]) -> str:
    """The service a path belongs to, or UNASSIGNED."""
    for rule in ordered:
        match = rule.pattern.match(path)
        if match is None:
            continue
        return _named(rule.name, match.groups()) or UNASSIGNED
    return UNASSIGNED


def _named(template: str, groups: Sequence[str | None]) -> str:
    return _REF.sub(lambda ref: groups[int(ref.group(1)) - 1] or "", template).strip()


@dataclass(frozen=True)
class CheckCounts:
    check: str
    ai: int  # findings on AI-attributed lines
    human: int  # findings on other added lines


@dataclass(frozen=True)
class ServiceSlice:
    """One service's part of a pull request."""

    service: str
    added_lines: int
    ai_added_lines: int
    # The service's share of the PR's spend (0 to 1): by AI lines, else by added lines.
    share: float
    findings: tuple[CheckCounts, ...] = ()


def split_report(report: Report, services: Mapping[str, str]) -> tuple[ServiceSlice, ...]:
    """The PR's added lines, AI lines, spend share and findings per service, most lines first.

    Findings count when they are on the diff (what the gate judges); a PR that changes no
    counted line still has one slice (its spend has to go somewhere)."""
    ordered = rules(services)
    lines: dict[str, list[int]] = {}
    for file in report.attribution.files:
        counts = lines.setdefault(service_of(file.path, ordered), [0, 0])
        counts[0] += file.added_lines
        counts[1] += file.ai_added_lines
    found: dict[tuple[str, str], list[int]] = {}
    for finding in report.findings:
        if not finding.in_diff:
            continue
        service = service_of(finding.path, ordered)
        lines.setdefault(service, [0, 0])
        pair = found.setdefault((service, finding.check), [0, 0])
        pair[0 if finding.ai_attributed else 1] += 1
    if not lines:
        lines[UNASSIGNED] = [0, 0]
    total_ai = sum(ai for _, ai in lines.values())
    total_added = sum(added for added, _ in lines.values())
    slices = []
    for service, (added, ai) in lines.items():
        if total_ai:
            share = ai / total_ai
        elif total_added:
            share = added / total_added
        else:
            share = 1.0 / len(lines)
        checks = tuple(
            CheckCounts(check, counts[0], counts[1])
            for (svc, check), counts in sorted(found.items())
            if svc == service
        )
        slices.append(ServiceSlice(service, added, ai, share, checks))
    return tuple(sorted(slices, key=lambda s: (-s.added_lines, -s.share, s.service)))


def primary_tool(report: Report) -> str:
    """The tool a PR's figures are kept under: its first attributed tool, `human` without one."""
    attribution = report.attribution
    return attribution.tools[0] if attribution.ai and attribution.tools else "human"


def priced_model(report: Report) -> str:
    """The model the PR's cost was priced with, `unknown` when it was not priced."""
    return (report.cost.model if report.cost else None) or "unknown"
