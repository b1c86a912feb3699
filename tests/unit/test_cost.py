"""The cost estimate, reported usage, budgets and the cost section of the summary.

Expected dollars are worked out here by hand from the price library's own per-token rates, so a
test fails if the estimate applies a rate, a cache share or a long-context tier wrongly.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price
from genai_prices.types import ModelPrice, TieredPrices
from pydantic import ValidationError

from app.core.config.cost import DEFAULT_MODEL, BudgetConfig, CostConfig
from app.core.cost.budget import budget_status, with_budget
from app.core.cost.estimate import REPORTED_REQUEST_TOKENS, estimate_cost, pull_request_cost
from app.core.cost.prices import price_date, price_moment
from app.core.cost.tokens import default_tokenizer
from app.core.models import Attribution, Cost, FileDiff, PullRequestInfo, PullRequestSnapshot
from app.publishers.cost import render_cost_markdown, render_cost_text
from tests.builders import make_commit, make_file, make_snapshot

LINES = [f"total_{i} = compute(item_{i}, factor={i})  # step {i}" for i in range(1, 41)]
HEAD = "\n".join(["import math", *LINES]) + "\n"
AI = frozenset(range(1, 21))  # the first 20 of the 40 added lines


def rates(model: str) -> ModelPrice:
    usage = Usage(input_tokens=0)
    return calc_price(usage, model_ref=model, genai_request_timestamp=price_moment()).model_price


def rate(value: Decimal | TieredPrices | None, request_input: float) -> float:
    """Per-token dollars, with the tier a request of `request_input` tokens falls in."""
    assert value is not None
    if isinstance(value, TieredPrices):
        over = [t.price for t in value.tiers if request_input > t.start]
        value = over[-1] if over else value.base
    return float(value) / 1_000_000


def hand_usd(
    model: str, total_in: float, cached: float, written: float, out: float, requests: int
) -> float:
    p = rates(model)
    per_request = total_in / requests
    if p.cache_write_mtok is None:  # e.g. OpenAI: writing the cache costs plain input
        written = 0
    plain = total_in - cached - written
    return (
        plain * rate(p.input_mtok, per_request)
        + cached * rate(p.cache_read_mtok, per_request)
        + (written * rate(p.cache_write_mtok, per_request) if written else 0.0)
        + out * rate(p.output_mtok, per_request)
    )


def snapshot(contents: dict[str, str] | None = None) -> PullRequestSnapshot:
    f = make_file("pkg/calc.py", LINES)
    return make_snapshot(
        files=[f], contents={"pkg/calc.py": HEAD} if contents is None else contents
    )


def expected_usd(
    model: str, config: CostConfig, *, reads: float, per_100: float, rw: float
) -> float:
    tok = default_tokenizer()
    text = tok.count("\n".join(LINES[:20]) + "\n")
    turns = math.ceil(20 * per_100 / 100)
    total_in = tok.count(HEAD) * reads + turns * config.turn_tokens
    cached = total_in * config.cache_hit_ratio
    written = (total_in - cached) * config.cache_write_share
    return hand_usd(model, total_in, cached, written, text * rw, turns)


CONFIG = CostConfig(cache_write_share=0.5)


def test_estimate_equals_the_hand_calculation_from_library_rates() -> None:
    cost = estimate_cost(snapshot(), Attribution(ai=True), {"pkg/calc.py": AI}, CONFIG)
    assert cost is not None
    c = CONFIG
    assert cost.model == DEFAULT_MODEL
    assert cost.usd == pytest.approx(
        expected_usd(DEFAULT_MODEL, c, reads=3, per_100=10, rw=1.5), abs=1e-4
    )
    assert cost.usd_low == pytest.approx(
        expected_usd(DEFAULT_MODEL, c, reads=2, per_100=5, rw=1.0), abs=1e-4
    )
    assert cost.usd_high == pytest.approx(
        expected_usd(DEFAULT_MODEL, c, reads=5, per_100=20, rw=3.0), abs=1e-4
    )
    assert cost.input_usd is not None
    assert cost.output_usd is not None
    assert cost.input_usd + cost.output_usd == pytest.approx(cost.usd, abs=2e-4)


def test_tokens_count_only_the_ai_lines_and_the_touched_file() -> None:
    cost = estimate_cost(snapshot(), Attribution(ai=True), {"pkg/calc.py": AI}, CONFIG)
    assert cost is not None
    tok = default_tokenizer()
    assert cost.output_tokens == round(tok.count("\n".join(LINES[:20]) + "\n") * 1.5)
    total_in = tok.count(HEAD) * 3 + 2 * 30_000
    assert cost.input_tokens == total_in
    assert cost.cached_input_tokens == round(total_in * 0.93)
    assert cost.cache_write_tokens == round(total_in * 0.07 * 0.5)
    assert cost.tokenizer == tok.name
    assert cost.price_data is not None
    assert cost.price_data.startswith("genai-prices ")
    day = price_date()
    assert day is not None
    assert cost.price_date == day.isoformat()
    assert any(day.isoformat() in a for a in cost.assumptions)


def test_a_model_named_by_the_attribution_is_priced_as_that_model() -> None:
    att = Attribution(ai=True, models=("claude-opus-4-5",))
    cost = estimate_cost(snapshot(), att, {"pkg/calc.py": AI}, CONFIG)
    assert cost is not None
    assert cost.model == "claude-opus-4-5"
    assert cost.usd == pytest.approx(
        expected_usd("claude-opus-4-5", CONFIG, reads=3, per_100=10, rw=1.5), abs=1e-4
    )


def test_several_models_are_priced_as_the_dearest() -> None:
    att = Attribution(ai=True, models=("claude-haiku-4-5", "claude-opus-4-5", "gpt-5.4"))
    cost = estimate_cost(snapshot(), att, {"pkg/calc.py": AI}, CONFIG)
    assert cost is not None
    assert cost.usd is not None
    dearest = max(expected_usd(m, CONFIG, reads=3, per_100=10, rw=1.5) for m in att.models)
    assert cost.usd == pytest.approx(dearest, abs=1e-4)
    assert "the dearest of the 3 models named" in cost.assumptions[0]


def test_configured_model_is_used_when_the_attribution_names_none() -> None:
    config = CostConfig(model="gpt-5.4", cache_write_share=0.5)
    cost = estimate_cost(snapshot(), Attribution(ai=True), {"pkg/calc.py": AI}, config)
    assert cost is not None
    assert cost.model == "gpt-5.4"
    assert cost.usd == pytest.approx(
        expected_usd("gpt-5.4", config, reads=3, per_100=10, rw=1.5), abs=1e-4
    )


def test_an_unknown_model_is_unpriced_never_free() -> None:
    att = Attribution(ai=True, models=("acme-coder-9",))
    cost = estimate_cost(snapshot(), att, {"pkg/calc.py": AI}, CONFIG)
    assert cost is not None
    assert (cost.usd, cost.usd_low, cost.usd_high) == (None, None, None)
    assert cost.model == "acme-coder-9"
    assert cost.output_tokens > 0
    assert "The price library does not know `acme-coder-9`: unpriced." in cost.assumptions
    assert "| unpriced |" in "\n".join(render_cost_markdown(cost))


def test_long_context_rates_apply_per_request() -> None:
    # claude-sonnet-4-5 charges more for every token of a request over 200k input tokens.
    model = "claude-sonnet-4-5"
    assert isinstance(rates(model).input_mtok, TieredPrices)
    att = Attribution(ai=True, models=(model,))
    for turn_tokens in (150_000, 250_000):
        config = CostConfig(turn_tokens=turn_tokens, cache_write_share=0.5)
        cost = estimate_cost(snapshot(), att, {"pkg/calc.py": AI}, config)
        assert cost is not None
        assert cost.usd == pytest.approx(
            expected_usd(model, config, reads=3, per_100=10, rw=1.5), abs=1e-4
        )
    short = estimate_cost(snapshot(), att, {"pkg/calc.py": AI}, CostConfig(turn_tokens=150_000))
    long = estimate_cost(snapshot(), att, {"pkg/calc.py": AI}, CostConfig(turn_tokens=250_000))
    assert short is not None
    assert long is not None
    assert short.usd
    assert long.usd
    assert long.usd / short.usd > 250_000 / 150_000 * 1.5  # the tier, not just more tokens


def test_no_ai_lines_means_no_estimate_unless_asked() -> None:
    snap = snapshot()
    assert estimate_cost(snap, Attribution(ai=False), {}, CONFIG) is None
    every = CostConfig(estimate_all=True)
    cost = estimate_cost(snap, Attribution(ai=False), {}, every)
    assert cost is not None
    tok = default_tokenizer()
    assert cost.output_tokens == round(tok.count("\n".join(LINES) + "\n") * 1.5)
    assert cost.assumptions[0].startswith("Not AI-attributed")


def test_a_file_without_contents_is_sized_from_its_diff() -> None:
    patch = "@@ -1,2 +1,3 @@\n context one\n+added line\n context two"
    f = FileDiff(path="pkg/m.py", patch=patch, additions=1)
    snap = make_snapshot(files=[f], contents={})
    cost = estimate_cost(snap, Attribution(ai=True), {"pkg/m.py": frozenset({2})}, CONFIG)
    assert cost is not None
    tok = default_tokenizer()
    assert cost.input_tokens == tok.count("context one\nadded line\ncontext two") * 3 + 30_000
    assert "1 file(s) sized from the diff alone (a floor)." in cost.assumptions


def test_removed_files_and_human_lines_cost_nothing() -> None:
    removed = FileDiff(path="old.py", status="removed", patch="@@ -1 +0,0 @@\n-x = 1")
    snap = make_snapshot(files=[removed, make_file("pkg/calc.py", LINES)])
    assert estimate_cost(snap, Attribution(ai=True), {"pkg/calc.py": frozenset()}, CONFIG) is None


def with_body(snap: PullRequestSnapshot, body: str) -> PullRequestSnapshot:
    return snap.model_copy(update={"pull_request": PullRequestInfo(number=7, body=body)})


def test_reported_usage_replaces_the_estimate() -> None:
    snap = with_body(snapshot(), "Done.\n\nAI-Usage: model=claude-opus-4-5 usd=3.10\n")
    cost = pull_request_cost(snap, Attribution(ai=True), {"pkg/calc.py": AI}, CONFIG)
    assert cost is not None
    assert (cost.source, cost.usd, cost.model) == ("reported", 3.10, "claude-opus-4-5")
    assert cost.assumptions[0] == (
        "Reported by the pull request: `AI-Usage: model=claude-opus-4-5 usd=3.10` (pull_request)."
    )


def test_reported_tokens_are_priced_and_summed_over_commits() -> None:
    commits = [
        make_commit("a" * 40, trailers=["AI-Usage: input=1200000 cached=1100000 output=45000"]),
        make_commit("b" * 40, trailers=["AI-Usage: model=gpt-5.4 usd=0.50"]),
    ]
    snap = snapshot().model_copy(update={"commits": tuple(commits)})
    att = Attribution(ai=True, models=("claude-opus-4-5",))
    cost = pull_request_cost(snap, att, {"pkg/calc.py": AI}, CONFIG)
    assert cost is not None
    requests = math.ceil(1_200_000 / REPORTED_REQUEST_TOKENS)
    first = hand_usd("claude-opus-4-5", 1_200_000, 1_100_000, 0, 45_000, requests)
    assert cost.usd == pytest.approx(first + 0.50, abs=1e-4)
    assert (cost.input_tokens, cost.cached_input_tokens, cost.output_tokens) == (
        1_200_000,
        1_100_000,
        45_000,
    )
    assert cost.model == "claude-opus-4-5, gpt-5.4"


def test_reported_tokens_of_an_unknown_model_are_unpriced() -> None:
    snap = with_body(snapshot(), "AI-Usage: model=acme-coder-9 output=1000")
    cost = pull_request_cost(snap, Attribution(ai=True), {}, CONFIG)
    assert cost is not None
    assert cost.source == "reported"
    assert cost.usd is None
    assert any("does not know `acme-coder-9`" in a for a in cost.assumptions)


def test_disabled_cost_is_none() -> None:
    config = CostConfig(enabled=False)
    assert pull_request_cost(snapshot(), Attribution(ai=True), {"pkg/calc.py": AI}, config) is None


def test_ranges_must_be_in_order_and_keys_known() -> None:
    with pytest.raises(ValidationError, match="rewrite_factor_low <= rewrite_factor"):
        CostConfig(rewrite_factor=0.5 + 1, rewrite_factor_low=2.0)
    with pytest.raises(ValidationError):
        CostConfig.model_validate({"budget": {"per_pr": 5}})


# --- budgets ---------------------------------------------------------------------------------

PRICED = Cost(model="claude-sonnet-4-6", usd=12.0, usd_low=6.0, usd_high=30.0)


def test_over_the_per_pr_budget_fails_when_set_to_fail() -> None:
    status = budget_status(PRICED, None, BudgetConfig(per_pr_usd=10, on_exceed="fail"))
    assert status.failures == ("Estimated cost $12.00 is over the per-PR budget of $10.00.",)
    assert status.warnings == ()


def test_over_the_per_pr_budget_warns_by_default() -> None:
    status = budget_status(PRICED, None, BudgetConfig(per_pr_usd=10))
    assert status.failures == ()
    assert status.warnings == ("Estimated cost $12.00 is over the per-PR budget of $10.00.",)


def test_month_to_date_counts_this_pull_request() -> None:
    budget = BudgetConfig(monthly_usd=500, on_exceed="fail")
    within = budget_status(PRICED, 100.0, budget)
    assert within.lines == ("Month to date: $112.00 of $500.00 (22%), this pull request included.",)
    assert (within.failures, within.alert) == ((), False)
    over = budget_status(PRICED, 495.0, budget)
    assert over.failures == ("Month to date $507.00 is over the monthly budget of $500.00.",)


def test_alert_when_the_month_passes_the_alert_ratio() -> None:
    status = budget_status(PRICED, 390.0, BudgetConfig(monthly_usd=500))
    assert status.alert
    assert status.lines[-1] == "Month to date has passed 80% of the monthly budget."
    assert (status.failures, status.warnings) == ((), ())


def test_an_unpriced_cost_is_never_over_budget() -> None:
    unpriced = Cost(model="acme-coder-9", usd=None)
    status = budget_status(unpriced, 0.0, BudgetConfig(per_pr_usd=1, on_exceed="fail"))
    assert status.failures == ()
    assert status.lines == ("Per-PR budget $1.00 not checked: the cost is unpriced.",)


def test_budget_lines_reach_the_summary() -> None:
    status = budget_status(PRICED, 100.0, BudgetConfig(per_pr_usd=10, monthly_usd=500))
    cost = with_budget(PRICED, status)
    text = "\n".join(render_cost_markdown(cost))
    assert "- Month to date: $112.00 of $500.00 (22%), this pull request included." in text
    assert "- Estimated cost $12.00 is over the per-PR budget of $10.00." in text


# --- rendering -------------------------------------------------------------------------------


def test_markdown_table_and_collapsed_assumptions() -> None:
    cost = estimate_cost(snapshot(), Attribution(ai=True), {"pkg/calc.py": AI}, CONFIG)
    assert cost is not None
    assert cost.usd is not None
    md = render_cost_markdown(cost)
    assert md[2] == "| model | source | input tokens | cached | output tokens | expected | range |"
    assert md[4].startswith(f"| `{DEFAULT_MODEL}` | estimate | {cost.input_tokens:,} |")
    assert f"${cost.usd:,.2f}" in md[4]
    assert f"(data checked {cost.price_date})" in "\n".join(md)
    assert f"<details><summary>Assumptions ({len(cost.assumptions)})</summary>" in md
    text = render_cost_text(cost)
    assert text[0].startswith(f"cost: ${cost.usd:,.2f} (range $")
    assert f"output={cost.output_tokens}" in text[1]


# --- the published run -----------------------------------------------------------------------


def published_run_cost(
    production: Sequence[str], tests: Sequence[str], model: str | None = None
) -> Cost | None:
    """Our estimate for a change like the published run: 2,842 + 1,744 new AI-written lines."""
    files = []
    for prefix, lines, per_file in (("src/mod", production, 150), ("tests/test_mod", tests, 150)):
        for n, start in enumerate(range(0, len(lines), per_file)):
            files.append(make_file(f"{prefix}{n}.py", list(lines[start : start + per_file])))
    snap = make_snapshot(files=files)
    ai = {f.path: frozenset(range(1, f.additions + 1)) for f in files}
    att = Attribution(ai=True, models=(model,) if model else ())
    return estimate_cost(snap, att, ai, CostConfig(cache_hit_ratio=0.93))


def test_published_run_sized_change_is_estimated_within_its_range() -> None:
    production = [f"    value_{i} = transform(record['field_{i}'], scale={i})" for i in range(2842)]
    tests = [f"    assert transform(sample_{i}, scale=2) == expected_{i}" for i in range(1744)]
    cost = published_run_cost(production, tests)
    assert cost is not None
    assert cost.usd is not None
    assert cost.usd_low is not None
    assert cost.usd_high is not None
    assert cost.usd_low < cost.usd < cost.usd_high
    assert "in 4,586 lines" in cost.assumptions[1]


def _source_lines(root: Path, pattern: str, count: int) -> list[str]:
    lines: list[str] = []
    for path in sorted(root.glob(pattern)):
        lines += path.read_text(encoding="utf-8").splitlines()
    return lines[:count]


if (
    __name__ == "__main__"
):  # `python -m tests.unit.test_cost`: the figure beside the published $33.29
    repo = Path(__file__).resolve().parents[2]
    prod = _source_lines(repo, "app/**/*.py", 2842)
    test = _source_lines(repo, "tests/**/*.py", 1744)
    for name in (None, "claude-opus-4-5"):
        est = published_run_cost(prod, test, name)
        assert est is not None
        sys.stdout.write("\n".join(render_cost_text(est)) + "\n\n")
