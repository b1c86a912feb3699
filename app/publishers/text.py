"""Plain-text report for terminals (`ai-gate check --format text`)."""

from __future__ import annotations

from app.core.models import Finding, Report, Signal
from app.publishers.cost import render_cost_text
from app.publishers.markdown import render_title
from app.publishers.reading import (
    evidence_label,
    ordered,
    set_aside_line,
    split_evidence,
    written_by,
)


def _finding(f: Finding) -> str:
    return (
        f"  {f.path}:{f.start_line}: {f.level}: [{f.check} {f.rule}] {f.message} ({written_by(f)})"
    )


def _evidence(title: str, signals: list[Signal]) -> list[str]:
    if not signals:
        return []
    return [f"  {title}:"] + [
        f"    {evidence_label(s)} ({s.source}): {s.evidence}" for s in signals
    ]


def render_text(report: Report) -> str:
    """Verdict, the findings that decide it, the other findings, then attribution and cost."""
    att = report.attribution
    lines = [f"ai-gate: {render_title(report)}", f"verdict: {report.verdict.conclusion}"]
    lines += [f"  - {reason}" for reason in report.verdict.reasons]
    findings = ordered(report.findings)
    deciding = [f for f in findings if f.decisive]
    others = [f for f in findings if not f.decisive]
    if deciding:
        lines.append("findings that decide the verdict:")
        lines += [_finding(f) for f in deciding]
    if others:
        lines.append("other findings:" if deciding else "findings:")
        lines += [_finding(f) for f in others]
    tools = ", ".join(att.tools) or "none"
    lines.append(
        f"attribution: ai={str(att.ai).lower()} tools={tools} "
        f"ai_added_lines={att.ai_added_lines}/{att.added_lines}"
    )
    counted, seen = split_evidence(att.signals)
    lines += _evidence("evidence that counted", counted)
    lines += _evidence("evidence seen, not counted", seen)
    if report.set_aside:
        lines.append(f"set aside: {set_aside_line(report.set_aside)}")
        lines += [f"  {a.path} ({a.reason}, {a.added_lines:,} lines)" for a in report.set_aside]
    if report.cost is not None:
        lines += render_cost_text(report.cost)
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
