"""A pull request's cost and the month to date against the repository's budgets."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.config.cost import BudgetConfig
from app.core.models import Cost


@dataclass(frozen=True)
class BudgetStatus:
    """Budget outcome: failures go to the gate, warnings and lines to the summary."""

    failures: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    alert: bool = False
    lines: tuple[str, ...] = ()


def _per_pr(cost: Cost | None, budget: BudgetConfig) -> tuple[list[str], list[str]]:
    limit = budget.per_pr_usd
    if limit is None or cost is None:
        return [], []
    if cost.usd is None:
        return [], [f"Per-PR budget ${limit:,.2f} not checked: the cost is unpriced."]
    kind = "Reported" if cost.source == "reported" else "Estimated"
    if cost.usd > limit:
        return [f"{kind} cost ${cost.usd:,.2f} is over the per-PR budget of ${limit:,.2f}."], []
    return [], [f"{kind} cost ${cost.usd:,.2f} of the per-PR budget of ${limit:,.2f}."]


def _monthly(
    cost: Cost | None, month_to_date_usd: float | None, budget: BudgetConfig
) -> tuple[list[str], list[str], bool]:
    limit = budget.monthly_usd
    if limit is None:
        return [], [], False
    if month_to_date_usd is None:
        return [], [f"Month to date: unknown (no stored total) of ${limit:,.2f}."], False
    total = month_to_date_usd + ((cost.usd or 0.0) if cost else 0.0)
    share = f" ({total / limit:.0%})" if limit else ""
    lines = [f"Month to date: ${total:,.2f} of ${limit:,.2f}{share}, this pull request included."]
    if total > limit:
        return (
            [f"Month to date ${total:,.2f} is over the monthly budget of ${limit:,.2f}."],
            lines,
            True,
        )
    alert = total >= budget.alert_ratio * limit
    if alert:
        lines.append(f"Month to date has passed {budget.alert_ratio:.0%} of the monthly budget.")
    return [], lines, alert


def budget_status(
    cost: Cost | None, month_to_date_usd: float | None, budget: BudgetConfig
) -> BudgetStatus:
    """Check this PR's cost and the month to date (spend before this PR) against the budgets."""
    over, pr_lines = _per_pr(cost, budget)
    month_over, month_lines, alert = _monthly(cost, month_to_date_usd, budget)
    over += month_over
    fail = budget.on_exceed == "fail"
    return BudgetStatus(
        failures=tuple(over) if fail else (),
        warnings=() if fail else tuple(over),
        alert=alert,
        lines=(*pr_lines, *month_lines),
    )


def with_budget(cost: Cost, status: BudgetStatus) -> Cost:
    """The cost with its budget lines (and any over-budget reason) for the summary."""
    return cost.model_copy(update={"budget": (*status.lines, *status.warnings, *status.failures)})
