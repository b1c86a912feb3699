"""Figures as a self-contained HTML page (the dashboard's views and `ai-gate report --format
html`): inline CSS and server-drawn SVG charts, no script and nothing fetched at run time.
Every value shown carries its raw number in `data-value`, for tests and scrapers."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.adapters.figures import BudgetUse, CheckDensity, Group, Point, PullRow, Totals, View
from app.publishers.figuretext import DIMENSION_TITLES, NONE, pct, usd

# (dimension, key, the key's repository if any) -> href, or None for no link
Linker = Callable[[str, str, str | None], str | None]

CSS = """
body{font-family:system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:.6em 1.5em;display:flex;gap:1em;align-items:center}
header a{color:#fff}header nav{flex:1}header form{margin:0}
main{max-width:72em;margin:1em auto;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(11em,1fr));gap:.6em}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.6em .8em}
.card b{display:block;font-size:1.3em}.card span{color:#57606a;font-size:.85em}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9em}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#d0d7de;height:.7em;border-radius:3px}.bar i{display:block;height:100%;
border-radius:3px;background:#2da44e}.bar i.over{background:#cf222e}
.periods a{margin-right:.6em}.muted{color:#57606a}
svg{background:#fff;border:1px solid #d0d7de;border-radius:6px}
"""


@dataclass(frozen=True)
class Page:
    title: str
    crumbs: Sequence[tuple[str, str]] = ()
    login: str | None = None
    csv_href: str | None = None
    periods: Mapping[str, str] = field(default_factory=dict)  # label -> href
    link: Linker = lambda _dimension, _key, _repository: None
    note: str = ""


def document(title: str, body: str, login: str | None = None) -> str:
    """A whole HTML document with the site's header."""
    user = (
        f"<span>{html.escape(login)}</span><form method='post' action='/auth/logout'>"
        "<button type='submit'>Sign out</button></form>"
        if login
        else ""
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><nav><a href='/'>ai-gate</a></nav>{user}</header>"
        f"<main>{body}</main></body></html>"
    )


def render_view(view: View, page: Page) -> str:
    """One scope's page: headline figures, charts, budgets, breakdowns, findings, PRs."""
    crumbs = " / ".join(
        f"<a href='{html.escape(href)}'>{html.escape(label)}</a>" for label, href in page.crumbs
    )
    periods = "".join(
        f"<a href='{html.escape(href)}'>{html.escape(label)}</a>"
        for label, href in page.periods.items()
    )
    parts = [
        f"<p class='muted'>{crumbs}</p>" if crumbs else "",
        f"<h1>{html.escape(page.title)}</h1>",
        f"<p class='periods'>Period: {periods}</p>" if periods else "",
        f"<p class='muted'>{html.escape(page.note)}</p>" if page.note else "",
        _cards(view.totals, view.month_usd),
        "<h2>Spend per week</h2>",
        bar_chart(view.weeks, lambda p: p.spend_usd, usd, "spend per week"),
        "<h2>Merged lines per week (AI-written in green)</h2>",
        stacked_chart(view.weeks),
        "<h2>Cost per KLOC of accepted AI code, per month</h2>",
        bar_chart(
            view.months,
            lambda p: p.accepted_usd * 1000 / p.merged_ai_lines if p.merged_ai_lines else 0.0,
            usd,
            "cost per KLOC per month",
        ),
        _budgets(view.budgets, page.link),
    ]
    for dimension, groups in view.breakdowns.items():
        parts.append(f"<h2>By {DIMENSION_TITLES[dimension]}</h2>")
        parts.append(_groups(dimension, groups, page.link))
    parts.append("<h2>Findings per KLOC of merged lines, by check</h2>")
    parts.append(_densities(view.densities))
    csv = (
        f" <a id='export-csv' href='{html.escape(page.csv_href)}'>Export CSV</a>"
        if page.csv_href
        else ""
    )
    parts.append(f"<h2>Pull requests{csv}</h2>")
    parts.append(_pulls(view.pulls))
    return document(page.title, "".join(parts), page.login)


def _value(figure: str, value: float | None, shown: str) -> str:
    raw = "" if value is None else repr(float(value))
    return f"<b data-figure='{figure}' data-value='{raw}'>{html.escape(shown)}</b>"


def _cards(totals: Totals, month_usd: float) -> str:
    cards = [
        ("merged_prs", totals.merged_prs, f"{totals.merged_prs:,}", "merged PRs"),
        ("ai_share", totals.ai_share, pct(totals.ai_share), "AI share of merged lines"),
        ("accepted_usd", totals.accepted_usd, usd(totals.accepted_usd), "accepted AI spend"),
        (
            "usd_per_kloc",
            totals.usd_per_kloc,
            usd(totals.usd_per_kloc),
            f"per KLOC ({usd(totals.usd_per_ai_line, 4)} per AI line)",
        ),
        ("discarded_usd", totals.discarded_usd, usd(totals.discarded_usd), "discarded spend"),
        ("rework_30", totals.rework_30, pct(totals.rework_30), "AI lines reworked in 30 days"),
        ("rework_90", totals.rework_90, pct(totals.rework_90), "AI lines reworked in 90 days"),
        ("month_usd", month_usd, usd(month_usd), "spend this month"),
    ]
    return (
        "<div class='cards'>"
        + "".join(
            f"<div class='card'>{_value(name, value, shown)}<span>{html.escape(label)}</span></div>"
            for name, value, shown, label in cards
        )
        + "</div>"
    )


def _link(text: str, href: str | None) -> str:
    escaped = html.escape(text)
    return f"<a href='{html.escape(href)}'>{escaped}</a>" if href else escaped


def _budgets(rows: Sequence[BudgetUse], link: Linker) -> str:
    if not rows:
        return ""
    body = []
    for row in rows:
        name = row.service or "(whole repository)"
        href = link("service", row.service, row.repository) if row.service else None
        width = min(row.used, 1.0) * 100
        over = " class='over'" if row.used >= 1 else ""
        body.append(
            f"<tr><td>{html.escape(row.repository)}</td><td>{_link(name, href)}</td>"
            f"<td class='n'>{usd(row.month_usd)}</td><td class='n'>{usd(row.monthly_usd)}</td>"
            f"<td><div class='bar'><i{over} style='width:{width:.0f}%'></i></div>"
            f"{pct(row.used)}</td></tr>"
        )
    return (
        "<h2>Month to date against budgets</h2><table><tr><th>repository</th><th>service</th>"
        "<th>this month</th><th>budget</th><th>used</th></tr>" + "".join(body) + "</table>"
    )


def _groups(dimension: str, groups: Sequence[Group], link: Linker) -> str:
    head = (
        f"<tr><th>{html.escape(DIMENSION_TITLES[dimension])}</th><th>merged PRs</th>"
        "<th>AI share</th><th>accepted</th><th>per KLOC</th><th>discarded</th>"
        "<th>open</th><th>rework 30 d</th><th>rework 90 d</th></tr>"
    )
    rows = []
    for group in groups:
        t = group.totals
        rows.append(
            f"<tr data-key='{html.escape(group.key)}'>"
            f"<td>{_link(_group_name(group), link(dimension, group.key, group.repository))}</td>"
            f"<td class='n'>{t.merged_prs:,}</td><td class='n'>{pct(t.ai_share)}</td>"
            f"<td class='n'>{usd(t.accepted_usd)}</td><td class='n'>{usd(t.usd_per_kloc)}</td>"
            f"<td class='n'>{usd(t.discarded_usd)}</td><td class='n'>{usd(t.open_usd)}</td>"
            f"<td class='n'>{pct(t.rework_30)}</td><td class='n'>{pct(t.rework_90)}</td></tr>"
        )
    if not rows:
        return "<p class='muted'>Nothing recorded in this period.</p>"
    return f"<table>{head}{''.join(rows)}</table>"


def _group_name(group: Group) -> str:
    return f"{group.repository}: {group.key}" if group.repository else group.key


def _densities(rows: Sequence[CheckDensity]) -> str:
    if not rows:
        return "<p class='muted'>No findings on merged lines in this period.</p>"
    body = "".join(
        f"<tr><td>{html.escape(r.check)}</td><td class='n'>{r.ai_findings:,}</td>"
        f"<td class='n'>{_per_kloc(r.ai_per_kloc)}</td><td class='n'>{r.human_findings:,}</td>"
        f"<td class='n'>{_per_kloc(r.human_per_kloc)}</td></tr>"
        for r in rows
    )
    return (
        "<table><tr><th>check</th><th>on AI lines</th><th>per AI KLOC</th>"
        f"<th>on human lines</th><th>per human KLOC</th></tr>{body}</table>"
    )


def _per_kloc(value: float | None) -> str:
    return NONE if value is None else f"{value:,.2f}"


def _pulls(rows: Sequence[PullRow]) -> str:
    if not rows:
        return "<p class='muted'>No pull requests in this period.</p>"
    body = "".join(
        f"<tr data-pr='{html.escape(r.repository)}#{r.pull_request}'>"
        f"<td>{_link(f'{r.repository}#{r.pull_request}', r.url or None)}</td>"
        f"<td>{html.escape(r.title)}</td><td>{html.escape(r.state)}</td>"
        f"<td>{html.escape(r.tool)}</td><td>{html.escape(r.model)}</td>"
        f"<td>{r.outcome_at:%Y-%m-%d}</td><td class='n'>{r.added_lines:,}</td>"
        f"<td class='n'>{r.ai_added_lines:,}</td><td class='n'>{usd(r.usd)}</td>"
        f"<td class='n'>{r.findings:,}</td></tr>"
        for r in rows
    )
    return (
        "<table><tr><th>pull request</th><th>title</th><th>state</th><th>tool</th><th>model</th>"
        "<th>date</th><th>added</th><th>AI</th><th>spend</th><th>findings</th></tr>"
        f"{body}</table>"
    )


WIDTH, HEIGHT, PAD = 720, 170, 24


def bar_chart(
    points: Sequence[Point],
    value: Callable[[Point], float],
    shown: Callable[[float], str],
    label: str,
) -> str:
    """Bars of one value per period, each with its value as a tooltip."""
    if not points:
        return "<p class='muted'>No data in this period.</p>"
    values = [max(value(p), 0.0) for p in points]
    top = max(values) or 1.0
    step = (WIDTH - 2 * PAD) / len(points)
    bars = []
    for index, (point, v) in enumerate(zip(points, values, strict=True)):
        h = (HEIGHT - 2 * PAD) * v / top
        x, y = PAD + index * step, HEIGHT - PAD - h
        bars.append(
            f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(step - 2, 1):.1f}' height='{h:.1f}' "
            f"fill='#0969da'><title>{html.escape(point.period)}: {html.escape(shown(v))}</title>"
            "</rect>"
        )
    return _svg(label, bars, points, shown(top))


def stacked_chart(points: Sequence[Point]) -> str:
    """Merged lines per period, the AI-written part in green."""
    if not points:
        return "<p class='muted'>No data in this period.</p>"
    top = max(p.merged_lines for p in points) or 1
    step = (WIDTH - 2 * PAD) / len(points)
    bars = []
    for index, point in enumerate(points):
        x = PAD + index * step
        human = point.merged_lines - point.merged_ai_lines
        for part, colour, base in (
            (point.merged_ai_lines, "#2da44e", 0),
            (human, "#8c959f", point.merged_ai_lines),
        ):
            h = (HEIGHT - 2 * PAD) * part / top
            y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * base / top - h
            bars.append(
                f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(step - 2, 1):.1f}' height='{h:.1f}' "
                f"fill='{colour}'><title>{html.escape(point.period)}: {part:,} lines</title></rect>"
            )
    return _svg("merged lines per week", bars, points, f"{top:,} lines")


def _svg(label: str, bars: Sequence[str], points: Sequence[Point], top: str) -> str:
    first, last = html.escape(points[0].period), html.escape(points[-1].period)
    return (
        f"<svg role='img' aria-label='{html.escape(label)}' viewBox='0 0 {WIDTH} {HEIGHT}' "
        f"width='100%' height='{HEIGHT}'>{''.join(bars)}"
        f"<text x='{PAD}' y='{HEIGHT - 6}' font-size='11'>{first}</text>"
        f"<text x='{WIDTH - PAD}' y='{HEIGHT - 6}' font-size='11' text-anchor='end'>{last}</text>"
        f"<text x='{PAD}' y='14' font-size='11'>max {html.escape(top)}</text></svg>"
    )
