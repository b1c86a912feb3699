"""Plain-text report for terminals (`ai-gate check --format text`)."""

from __future__ import annotations

from app.core.models import Report
from app.publishers.cost import render_cost_text
from app.publishers.markdown import render_title


def render_text(report: Report) -> str:
    """Verdict, attribution and one line per finding, like a compiler's output."""
    att = report.attribution
    lines = [f"ai-gate: {render_title(report)}", f"verdict: {report.verdict.conclusion}"]
    lines += [f"  - {reason}" for reason in report.verdict.reasons]
    tools = ", ".join(att.tools) or "none"
    lines.append(
        f"attribution: ai={str(att.ai).lower()} tools={tools} "
        f"ai_added_lines={att.ai_added_lines}/{att.added_lines}"
    )
    lines += [f"  evidence {s.source}: {s.evidence}" for s in att.signals]
    lines += [
        f"{f.path}:{f.start_line}: {f.level}: [{f.check} {f.rule}] {f.message}"
        for f in report.findings
    ]
    if report.cost is not None:
        lines += render_cost_text(report.cost)
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
