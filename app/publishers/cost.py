"""The cost section: a Markdown table for the check-run summary, plain lines for the terminal."""

from __future__ import annotations

from app.core.models import Cost

SOURCES = {"estimate": "estimate", "reported": "reported by the PR"}


def _usd(value: float | None) -> str:
    return "unpriced" if value is None else f"${value:,.2f}"


def _range(cost: Cost) -> str:
    if cost.usd_low is None or cost.usd_high is None or cost.usd_low == cost.usd_high:
        return ""
    return f"{_usd(cost.usd_low)} to {_usd(cost.usd_high)}"


def _provenance(cost: Cost) -> str:
    parts = []
    if cost.price_data:
        dated = f" (data checked {cost.price_date})" if cost.price_date else ""
        parts.append(f"prices: {cost.price_data}{dated}")
    if cost.tokenizer:
        parts.append(f"tokens: {cost.tokenizer}")
    return " · ".join(parts)


def render_cost_markdown(cost: Cost) -> list[str]:
    """The `### Cost` section of the summary, as lines."""
    out = [
        "### Cost",
        "",
        "| model | source | input tokens | cached | output tokens | expected | range |",
        "|---|---|---:|---:|---:|---:|---|",
        f"| `{cost.model or 'unknown'}` | {SOURCES[cost.source]} | {cost.input_tokens:,} "
        f"| {cost.cached_input_tokens:,} | {cost.output_tokens:,} | {_usd(cost.usd)} "
        f"| {_range(cost) or '-'} |",
    ]
    if provenance := _provenance(cost):
        out += ["", f"<sub>{provenance}</sub>"]
    if cost.budget:
        out += ["", *[f"- {line}" for line in cost.budget]]
    if cost.assumptions:
        out += [
            "",
            f"<details><summary>Assumptions ({len(cost.assumptions)})</summary>",
            "",
            *[f"- {a}" for a in cost.assumptions],
            "",
            "</details>",
        ]
    return out


def render_cost_text(cost: Cost) -> list[str]:
    """Plain lines for `ai-gate check --format text`."""
    spread = _range(cost)
    lines = [
        f"cost: {_usd(cost.usd)}"
        + (f" (range {spread})" if spread else "")
        + f" model={cost.model or 'unknown'} source={cost.source}",
        f"  tokens: input={cost.input_tokens} cached={cost.cached_input_tokens} "
        f"output={cost.output_tokens}",
    ]
    if provenance := _provenance(cost):
        lines.append(f"  {provenance}")
    lines += [f"  budget: {line}" for line in cost.budget]
    lines += [f"  assumption: {a}" for a in cost.assumptions]
    return lines
