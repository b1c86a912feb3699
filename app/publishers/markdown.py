"""The Markdown a maintainer reads: the check-run summary, also `--format markdown`."""

from __future__ import annotations

from collections import Counter

from app.core.models import LEVEL_ORDER, Attribution, Finding, Report
from app.publishers.cost import render_cost_markdown

TITLES = {
    "success": "Passed",
    "neutral": "Not gated",
    "failure": "Failed",
    "action_required": "Needs a human review",
}
# GitHub rejects a summary over 65,535 characters.
MAX_SUMMARY = 65_000
# The most severe findings listed in the summary (all of them are annotated on their lines).
LISTED_FINDINGS = 10
LISTED_FILES = 20


def render_title(report: Report) -> str:
    """A one-line title: verdict, AI share and number of findings."""
    att = report.attribution
    ai = f"AI {att.ai_share:.0%} of added lines" if att.ai else "no AI attribution"
    return f"{TITLES[report.verdict.conclusion]}: {ai}, {len(report.findings)} finding(s)"


def _configuration(report: Report) -> list[str]:
    info = report.config
    if not (info.settings or info.notes or info.errors):
        return []
    out = ["", "### Configuration", ""]
    out += [f"- {note}" for note in (*info.errors, *info.notes)]
    if info.settings:
        rows = [f"| `{key}` | {source} |" for key, source in sorted(info.settings.items())]
        out += [
            "",
            "<details><summary>Where each setting came from</summary>",
            "",
            "| setting | from |",
            "|---|---|",
            *rows,
            "",
            "</details>",
        ]
    return out


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _ai_files(att: Attribution) -> list[str]:
    """AI lines per file, collapsed, when the PR is partly AI-written."""
    files = sorted(
        (f for f in att.files if f.ai_added_lines), key=lambda f: (-f.ai_added_lines, f.path)
    )
    if not files or att.ai_added_lines == att.added_lines:
        return []
    rows = [
        f"| `{_cell(f.path)}` | {f.ai_added_lines} of {f.added_lines} ({f.ai_share:.0%}) |"
        for f in files[:LISTED_FILES]
    ]
    more = (
        ["", f"… and {len(files) - LISTED_FILES} more file(s)."]
        if len(files) > LISTED_FILES
        else []
    )
    return [
        "",
        "<details><summary>AI-attributed lines per file</summary>",
        "",
        "| file | AI added lines |",
        "|---|---|",
        *rows,
        *more,
        "",
        "</details>",
    ]


def _findings(findings: tuple[Finding, ...]) -> list[str]:
    if not findings:
        return ["No findings on the added lines."]
    by_check = Counter(f.check for f in findings)
    by_level = Counter(f.level for f in findings)
    out = ["| check | findings |", "|---|---|"]
    out += [f"| {check} | {n} |" for check, n in sorted(by_check.items())]
    levels = ", ".join(f"{n} {lvl}" for lvl, n in sorted(by_level.items()))
    out += ["", f"On added lines: {levels}. Each is annotated on its line."]
    worst = sorted(findings, key=lambda f: (-LEVEL_ORDER[f.level], f.path, f.start_line))
    rows = [
        f"| {f.level} | `{_cell(f.path)}:{f.start_line}` | {f.check} `{_cell(f.rule)}` "
        f"| {_cell(f.message)} |"
        for f in worst[:LISTED_FINDINGS]
    ]
    title = "Most severe" if len(findings) > LISTED_FINDINGS else "All findings"
    out += ["", f"<details><summary>{title}</summary>", "", "| level | where | rule | message |"]
    out += ["|---|---|---|---|", *rows, "", "</details>"]
    return out


def render_summary(report: Report, version: str | None = None) -> str:
    """Attribution, findings by check, cost and the reasons for the verdict (and which
    ai-gate made them, when `version` is given)."""
    att = report.attribution
    out = [f"### Verdict: {report.verdict.conclusion}", ""]
    out += [f"- {reason}" for reason in report.verdict.reasons]
    out += ["", "### Attribution", ""]
    if att.ai:
        out += [
            "| tools | models | AI-attributed commits | AI added lines |",
            "|---|---|---|---|",
            f"| {', '.join(att.tools) or 'none'} | {', '.join(att.models) or 'unknown'} "
            f"| {sum(c.ai for c in att.commits)} of {len(att.commits)} "
            f"| {att.ai_added_lines} of {att.added_lines} ({att.ai_share:.0%}) |",
            "",
        ]
        evidence = [f"- `{s.source}` ({s.kind}): `{s.evidence}`" for s in att.signals]
        if len(evidence) > 5:
            out += ["<details><summary>Evidence</summary>", "", *evidence, "", "</details>"]
        else:
            out += ["Evidence:", "", *evidence]
        out += _ai_files(att)
    else:
        out.append(f"No AI signal in {len(att.commits)} commit(s) or the pull request.")
    out += ["", "### Findings", "", *_findings(report.findings)]
    if report.cost is not None:
        out += ["", *render_cost_markdown(report.cost)]
    if report.notes:
        out += ["", "### Notes", "", *[f"- {note}" for note in report.notes]]
    out += _configuration(report)
    name = f"ai-gate {version}" if version else "ai-gate"
    out += ["", f"<sub>{name} · config: {', '.join(report.config.sources) or 'defaults'}</sub>"]
    text = "\n".join(out)
    return text if len(text) <= MAX_SUMMARY else text[:MAX_SUMMARY] + "\n\n… (truncated)"
