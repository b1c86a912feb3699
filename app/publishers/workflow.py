"""What a GitHub Actions step can publish without writing checks: workflow-command annotations,
the job summary (`$GITHUB_STEP_SUMMARY`) and step outputs (`$GITHUB_OUTPUT`).

GitHub shows at most 10 error, 10 warning and 10 notice annotations of a step (50 a job), and
takes at most 1 MiB of summary from a step:
https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.core.models import LEVEL_ORDER, Finding, Level, Report
from app.publishers.reading import ordered

PER_LEVEL = 10
MAX_SUMMARY_BYTES = 1024 * 1024
_COMMANDS: dict[Level, str] = {"failure": "error", "warning": "warning", "notice": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message, as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (`file=`, `title=`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotated(findings: Sequence[Finding]) -> list[Finding]:
    """The findings GitHub will show as annotations: the most severe on changed lines, at most
    `PER_LEVEL` of each level."""
    on_diff = ordered(f for f in findings if f.in_diff)
    shown: list[Finding] = []
    for level in _COMMANDS:
        shown += [f for f in on_diff if f.level == level][:PER_LEVEL]
    return shown


def annotation_commands(findings: Sequence[Finding]) -> list[str]:
    """`::error file=…,line=…::message` lines for the findings GitHub will show."""
    lines = []
    for f in annotated(findings):
        properties = ",".join(
            f"{key}={escape_property(value)}"
            for key, value in (
                ("file", f.path),
                ("line", str(f.start_line)),
                ("endLine", str(f.end_line)),
                ("title", f"ai-gate: {f.check} {f.rule}"),
            )
        )
        lines.append(f"::{_COMMANDS[f.level]} {properties}::{escape_data(f.message)}")
    return lines


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def findings_table(findings: Sequence[Finding], shown: int, budget: int) -> str:
    """Every finding as a Markdown table for the job summary (annotations show only a few),
    cut to `budget` bytes."""
    if len(findings) <= shown:
        return ""
    head = [
        "",
        f"### All {len(findings)} findings",
        "",
        f"GitHub shows {shown} of them as annotations of this step (at most {PER_LEVEL} "
        "per level); the SARIF file has them all.",
        "",
        "| level | where | rule | message |",
        "|---|---|---|---|",
    ]
    out = "\n".join(head)
    ordered = sorted(findings, key=lambda f: (-LEVEL_ORDER[f.level], f.path, f.start_line))
    for i, f in enumerate(ordered):
        row = (
            f"\n| {f.level} | `{_cell(f.path)}:{f.start_line}` | {f.check} `{_cell(f.rule)}` "
            f"| {_cell(f.message)[:300]} |"
        )
        if len((out + row).encode()) > budget - 100:
            return out + f"\n\n… and {len(ordered) - i} more."
        out += row
    return out


def job_summary(summary: str, report: Report, with_annotations: bool) -> str:
    """The step's summary: the check-run summary, and every finding when annotations are the
    workflow's (which show only a few)."""
    text = summary + "\n"
    if with_annotations:
        shown = len(annotated(report.findings))
        budget = MAX_SUMMARY_BYTES - len(text.encode())
        text += findings_table(report.findings, shown, budget) + "\n"
    encoded = text.encode()
    return encoded[:MAX_SUMMARY_BYTES].decode(errors="ignore")


def append_file(path: Path, text: str) -> None:
    """Append to a file the runner reads after the step (summary, outputs)."""
    with path.open("a", encoding="utf-8") as out:
        out.write(text)


def outputs_text(outputs: Mapping[str, str]) -> str:
    """Step outputs in `$GITHUB_OUTPUT`'s multi-line form, safe for any value."""
    out = []
    for name, value in outputs.items():
        delimiter = f"ai_gate_{secrets.token_hex(8)}"
        out.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(out)


def step_outputs(report: Report, sarif_file: Path) -> dict[str, str]:
    """`conclusion`, `ai-share` (0 to 1), `usd` (empty when not estimated or unpriced) and
    `sarif-file`."""
    usd = report.cost.usd if report.cost is not None else None
    return {
        "conclusion": report.verdict.conclusion,
        "ai-share": f"{report.attribution.ai_share:.4f}",
        "usd": "" if usd is None else f"{usd:.4f}",
        "sarif-file": str(sarif_file),
    }
