"""Figures as text, JSON and CSV (`ai-gate report`, the dashboard's CSV export)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from app.adapters.figures import Group, PullRow, Totals, View

# Shown where a figure has nothing to be computed over (no lines, no spend).
NONE = "n/a"
DIMENSION_TITLES = {
    "organisation": "organisation",
    "repository": "repository",
    "service": "service",
    "tool": "tool",
    "model": "model",
}
PULL_COLUMNS = (
    "repository",
    "pull_request",
    "url",
    "title",
    "state",
    "tool",
    "model",
    "date",
    "added_lines",
    "ai_added_lines",
    "usd",
    "findings",
)


def usd(value: float | None, places: int = 2) -> str:
    return NONE if value is None else f"${value:,.{places}f}"


def pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.1%}"


def totals_json(totals: Totals) -> dict[str, Any]:
    """The stored sums and the figures derived from them."""
    return {
        "merged_prs": totals.merged_prs,
        "closed_prs": totals.closed_prs,
        "open_prs": totals.open_prs,
        "merged_lines": totals.merged_lines,
        "merged_ai_lines": totals.merged_ai_lines,
        "ai_share": totals.ai_share,
        "accepted_usd": round(totals.accepted_usd, 6),
        "usd_per_ai_line": totals.usd_per_ai_line,
        "usd_per_kloc": totals.usd_per_kloc,
        "discarded_usd": round(totals.discarded_usd, 6),
        "open_usd": round(totals.open_usd, 6),
        "rework_30": totals.rework_30,
        "rework_90": totals.rework_90,
        "rework_lines_30": totals.rework_lines_30,
        "rework_lines_90": totals.rework_lines_90,
    }


def view_json(view: View) -> dict[str, Any]:
    """A view as JSON (`ai-gate report --format json`)."""
    return {
        "at": view.at.isoformat(),
        "since": view.scope.since.isoformat() if view.scope.since else None,
        "totals": totals_json(view.totals),
        "month_to_date_usd": round(view.month_usd, 6),
        "budgets": [
            {
                "repository": b.repository,
                "service": b.service or None,
                "monthly_usd": b.monthly_usd,
                "month_usd": round(b.month_usd, 6),
                "used": b.used,
            }
            for b in view.budgets
        ],
        "findings_per_kloc": [
            {
                "check": d.check,
                "ai_findings": d.ai_findings,
                "human_findings": d.human_findings,
                "ai_per_kloc": d.ai_per_kloc,
                "human_per_kloc": d.human_per_kloc,
            }
            for d in view.densities
        ],
        "weeks": [p.__dict__ for p in view.weeks],
        "months": [p.__dict__ for p in view.months],
        "breakdowns": {
            name: [{"key": g.key, **totals_json(g.totals)} for g in groups]
            for name, groups in view.breakdowns.items()
        },
        "pull_requests": [pull_record(r) for r in view.pulls],
    }


def pull_record(row: PullRow) -> dict[str, Any]:
    return {
        "repository": row.repository,
        "pull_request": row.pull_request,
        "url": row.url,
        "title": row.title,
        "state": row.state,
        "tool": row.tool,
        "model": row.model,
        "date": row.outcome_at.date().isoformat(),
        "added_lines": row.added_lines,
        "ai_added_lines": row.ai_added_lines,
        "usd": round(row.usd, 6),
        "findings": row.findings,
    }


def pulls_csv(rows: Sequence[PullRow]) -> str:
    """The PR table as CSV, one row per PR."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PULL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(pull_record(row))
    return out.getvalue()


def view_text(view: View, title: str) -> str:
    """A view for a terminal."""
    t = view.totals
    lines = [
        title,
        "",
        f"merged PRs            {t.merged_prs:,} ({t.merged_lines:,} lines, "
        f"{t.merged_ai_lines:,} AI-written)",
        f"AI share of merged    {pct(t.ai_share)}",
        f"accepted AI spend     {usd(t.accepted_usd)}",
        f"per accepted AI line  {usd(t.usd_per_ai_line, 4)}  per KLOC {usd(t.usd_per_kloc)}",
        f"discarded spend       {usd(t.discarded_usd)} ({t.closed_prs:,} PRs closed unmerged)",
        f"rework in 30 days     {pct(t.rework_30)} of {t.rework_lines_30:,.0f} AI lines",
        f"rework in 90 days     {pct(t.rework_90)} of {t.rework_lines_90:,.0f} AI lines",
    ]
    if view.densities:
        lines += ["", "findings per KLOC     on AI lines   on human lines"]
        lines += [
            f"  {d.check:<19} {_kloc(d.ai_per_kloc):>11}   {_kloc(d.human_per_kloc):>14}"
            for d in view.densities
        ]
    for name, groups in view.breakdowns.items():
        lines += ["", f"by {DIMENSION_TITLES[name]}", *_group_lines(groups)]
    if view.months:
        lines += ["", "month     merged lines   AI lines   accepted"]
        lines += [
            f"{p.period}   {p.merged_lines:>12,}   {p.merged_ai_lines:>8,}   "
            f"{usd(p.accepted_usd):>8}"
            for p in view.months
        ]
    return "\n".join(lines) + "\n"


def _kloc(value: float | None) -> str:
    return NONE if value is None else f"{value:,.2f}"


def _group_lines(groups: Sequence[Group]) -> list[str]:
    return [
        f"  {g.key:<30} {g.totals.merged_prs:>5,} PRs  AI {pct(g.totals.ai_share):>6}  "
        f"{usd(g.totals.accepted_usd):>10}  rework 30 d {pct(g.totals.rework_30)}"
        for g in groups
    ]
