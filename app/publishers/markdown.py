"""The Markdown a maintainer reads: the check-run summary, also `--format markdown`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from app.core.models import Attribution, Finding, Report, Signal
from app.publishers.cost import render_cost_markdown
from app.publishers.reading import (
    count,
    evidence_label,
    ordered,
    percent,
    set_aside_line,
    split_evidence,
    written_by,
)

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
# Findings that decide the verdict, listed before anything else.
LISTED_DECIDING = 50
LISTED_FILES = 20


def _cause(report: Report) -> str:
    """Why a failing verdict fails, in a few words (GitHub shows titles as plain text)."""
    verdict = report.verdict
    if verdict.conclusion != "failure":
        return ""
    deciding = sum(f.decisive for f in report.findings)
    if deciding:
        return f": {count(deciding, 'finding')} {'fails' if deciding == 1 else 'fail'} the gate"
    first = verdict.reasons[0] if verdict.reasons else ""
    return f": {first.replace('`', '').rstrip('.')}" if first else ""


def render_title(report: Report) -> str:
    """A one-line title: the verdict and why, then the number of findings and the AI share."""
    att = report.attribution
    ai = f"{percent(att.ai_share)} of added lines AI-attributed" if att.ai else "no AI attribution"
    facts = f"{count(len(report.findings), 'finding')}; {ai}"
    return f"{TITLES[report.verdict.conclusion]}{_cause(report)} ({facts})"


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


_HEADER = ["| level | where | line | rule | message |", "|---|---|---|---|---|"]


def _row(f: Finding) -> str:
    return (
        f"| {f.level} | `{_cell(f.path)}:{f.start_line}` | {written_by(f)} "
        f"| {f.check} `{_cell(f.rule)}` | {_cell(f.message)} |"
    )


def _deciding(findings: Sequence[Finding]) -> list[str]:
    """The findings the verdict fails on, all of them (up to a limit), before anything else."""
    deciding = [f for f in ordered(findings) if f.decisive]
    if not deciding:
        return []
    more = len(deciding) - LISTED_DECIDING
    out = ["", "#### Findings that decide the verdict", "", *_HEADER]
    out += [_row(f) for f in deciding[:LISTED_DECIDING]]
    return out + (["", f"… and {more} more, each annotated on its line."] if more > 0 else [])


def _findings(findings: tuple[Finding, ...]) -> list[str]:
    if not findings:
        return ["No findings on the added lines."]
    by_check = Counter(f.check for f in findings)
    by_level = Counter(f.level for f in findings)
    out = ["| check | findings |", "|---|---|"]
    out += [f"| {check} | {n} |" for check, n in sorted(by_check.items())]
    levels = ", ".join(f"{n} {lvl}" for lvl, n in sorted(by_level.items()))
    ai = sum(f.ai_attributed for f in findings)
    out += [
        "",
        f"On added lines: {levels}; {ai} on AI-written lines. Each is annotated on its line.",
    ]
    others = [f for f in ordered(findings) if not f.decisive]
    if not others:
        return out
    rows = [_row(f) for f in others[:LISTED_FINDINGS]]
    title = "Most severe" if len(others) > LISTED_FINDINGS else "All findings"
    if len(others) < len(findings):
        title = f"{title} of the others"
    out += ["", f"<details><summary>{title}</summary>", "", *_HEADER, *rows, "", "</details>"]
    return out


def _evidence(signals: Sequence[Signal]) -> list[str]:
    """Evidence that counted, then what was seen but did not count, each line labelled."""
    counted, seen = split_evidence(signals)
    out: list[str] = []

    def line(s: Signal) -> str:
        return f"- {evidence_label(s)} (`{s.source}`): `{_cell(s.evidence)}`"

    if counted:
        rows = [line(s) for s in counted]
        if len(rows) > 5:
            out += [
                "<details><summary>Evidence that counted</summary>",
                "",
                *rows,
                "",
                "</details>",
            ]
        else:
            out += ["Evidence that counted:", "", *rows]
    if seen:
        out += [
            "",
            f"<details><summary>Evidence seen, not counted ({len(seen)})</summary>",
            "",
            *(line(s) for s in seen),
            "",
            "</details>",
        ]
    return out


def _set_aside(report: Report) -> list[str]:
    if not report.set_aside:
        return []
    rows = [
        f"| `{_cell(a.path)}` | {a.reason} | {a.added_lines:,} |"
        for a in report.set_aside[:LISTED_FILES]
    ]
    more = len(report.set_aside) - LISTED_FILES
    return [
        "",
        "### Set aside",
        "",
        f"{set_aside_line(report.set_aside)}.",
        "",
        "<details><summary>Files set aside</summary>",
        "",
        "| file | why | added lines |",
        "|---|---|---|",
        *rows,
        *(["", f"… and {more} more."] if more > 0 else []),
        "",
        "</details>",
    ]


def _disclosure(report: Report) -> list[str]:
    """What the PR disclosed of its AI work, and what it did not (`gate.disclosure`)."""
    status = report.disclosure
    if status is None or (status.mode == "off" and not status.agent_signoffs):
        return []
    rows = [
        f"| `{c.sha[:12]}` | {_cell('; '.join(c.evidence)) or 'PR evidence'} | "
        + (f"`{_cell(c.disclosure)}`" if c.disclosure else "**not disclosed**")
        + " |"
        for c in status.commits[:LISTED_FILES]
    ]
    body = f"`{_cell(status.pull_request)}`" if status.pull_request else "none"
    out = ["", "### Disclosure", "", f"`gate.disclosure: {status.mode}` · in the PR body: {body}"]
    if rows:
        out += ["", "| AI commit | evidence | disclosure |", "|---|---|---|", *rows]
    if status.undisclosed_pull_request:
        out += [
            "",
            "The PR's AI work (" + "; ".join(status.pull_request_evidence) + ") is not disclosed.",
        ]
    out += [f"- Agent sign-off: `{_cell(s)}`" for s in status.agent_signoffs]
    return out


def render_summary(report: Report, version: str | None = None) -> str:
    """Attribution, findings by check, cost and the reasons for the verdict (and which
    ai-gate made them, when `version` is given)."""
    att = report.attribution
    out = [f"### Verdict: {report.verdict.conclusion}", ""]
    out += [f"- {reason}" for reason in report.verdict.reasons]
    out += _deciding(report.findings)
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
        out += _evidence(att.signals)
        out += _ai_files(att)
    else:
        out.append(f"No AI signal in {len(att.commits)} commit(s) or the pull request.")
        out += _evidence(att.signals)
    out += ["", "### Findings", "", *_findings(report.findings)]
    out += _set_aside(report)
    out += _disclosure(report)
    if report.cost is not None:
        out += ["", *render_cost_markdown(report.cost)]
    if report.notes:
        out += ["", "### Notes", "", *[f"- {note}" for note in report.notes]]
    out += _configuration(report)
    name = f"ai-gate {version}" if version else "ai-gate"
    out += ["", f"<sub>{name} · config: {', '.join(report.config.sources) or 'defaults'}</sub>"]
    text = "\n".join(out)
    return text if len(text) <= MAX_SUMMARY else text[:MAX_SUMMARY] + "\n\n… (truncated)"
