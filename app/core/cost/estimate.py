"""What the AI part of a pull request cost to generate.

The estimate models an agent session: it writes the AI-attributed added text (plus what it wrote
and threw away), reads the files it touched a few times, and every turn re-sends its system prompt,
tool definitions and conversation history, most of it from the provider's prompt cache. Prices come
from genai-prices (never a table of ours), per request, so a long-context tier applies only when
one request is that long, as providers bill it (`prices`). Usage the PR reports itself replaces
the estimate. The budgets it is held to: `budget`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.core.config.cost import DEFAULT_MODEL, CostConfig
from app.core.cost.prices import Price, TokenUse, dated_sources, price, price_day, price_source
from app.core.cost.tokens import TokenCounter, default_tokenizer
from app.core.cost.usage import ReportedUsage, reported_usage
from app.core.diff import head_side, patch_rows
from app.core.models import Attribution, Cost, PullRequestSnapshot

# Reported totals span many requests; without `requests=` we take each to carry at most this many
# input tokens (a typical agent context), so long-context rates are not charged on the total.
REPORTED_REQUEST_TOKENS = 100_000


# --- the estimate -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    rewrite: float
    reads: float
    turns_per_100: float


def scenarios(config: CostConfig) -> tuple[Scenario, Scenario, Scenario]:
    """Low, expected and high assumptions."""
    c = config
    return (
        Scenario(c.rewrite_factor_low, c.file_reads_low, c.turns_per_100_lines_low),
        Scenario(c.rewrite_factor, c.file_reads, c.turns_per_100_lines),
        Scenario(c.rewrite_factor_high, c.file_reads_high, c.turns_per_100_lines_high),
    )


@dataclass(frozen=True)
class Workload:
    """What the agent wrote and read, in tokens, before any assumption multiplies it."""

    ai_lines: int
    text_tokens: int  # the AI-attributed added text
    file_tokens: int  # the touched files' head contents
    files: int
    sized_from_diff: int  # files whose contents were absent


def _ai_added(patch: str | None, lines: frozenset[int] | None) -> list[str]:
    """The added lines of a patch (only those in `lines` unless it is None), without `+`."""
    return [
        text
        for kind, number, text in patch_rows(patch)
        if kind == "+" and (lines is None or number in lines)
    ]


def workload(
    snapshot: PullRequestSnapshot,
    ai_lines: Mapping[str, frozenset[int]] | None,
    tokenizer: TokenCounter,
) -> Workload:
    """Tokens of the AI-added text and of the files it went into (every added line if None)."""
    lines = text_tokens = file_tokens = files = from_diff = 0
    for f in snapshot.files:
        if f.status == "removed":
            continue
        added = _ai_added(f.patch, None if ai_lines is None else ai_lines.get(f.path, frozenset()))
        if not added:
            continue
        lines += len(added)
        text_tokens += tokenizer.count("\n".join(added) + "\n")
        files += 1
        head = snapshot.contents.get(f.path)
        if head is None:
            from_diff += 1
            # The diff's head side (added and context lines): all we know of the file, a floor.
            head = "\n".join(head_side(f.patch).values())
        file_tokens += tokenizer.count(head)
    return Workload(lines, text_tokens, file_tokens, files, from_diff)


def token_use(work: Workload, scenario: Scenario, config: CostConfig) -> TokenUse:
    """Tokens one scenario implies: written text, files read, and every turn's re-sent context."""
    turns = max(1, math.ceil(work.ai_lines * scenario.turns_per_100 / 100))
    total_in = work.file_tokens * scenario.reads + turns * config.turn_tokens
    cached = total_in * config.cache_hit_ratio
    return TokenUse(
        input=total_in,
        cached=cached,
        cache_write=(total_in - cached) * config.cache_write_share,
        output=work.text_tokens * scenario.rewrite,
        requests=turns,
    )


def _model_choice(
    attribution: Attribution, config: CostConfig, use: TokenUse
) -> tuple[str, Price | None, list[str]]:
    """The model to price: the attribution's (the dearest if several), else config, else ours."""
    if not attribution.models:
        model = config.model or DEFAULT_MODEL
        why = "the configured `cost.model`" if config.model else "ai-gate's default"
        return model, price(model, use), [f"Model `{model}`: {why}, as no commit names one."]
    priced = {m: price(m, use) for m in attribution.models}
    known = {m: p for m, p in priced.items() if p is not None}
    unknown = [m for m, p in priced.items() if p is None]
    notes = [f"The price library does not know `{m}`: unpriced." for m in unknown]
    if not known:
        return attribution.models[0], None, notes
    model = max(known, key=lambda m: known[m].usd)
    if len(attribution.models) > 1:
        notes.insert(0, f"Model `{model}`: the dearest of the {len(priced)} models named.")
    else:
        notes.insert(0, f"Model `{model}`: named by the attribution.")
    return model, known[model], notes


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _assumptions(
    work: Workload, config: CostConfig, use: TokenUse, tokenizer: TokenCounter
) -> list[str]:
    c = config
    out = [
        f"Output: {work.text_tokens:,} tokens of AI-written added text in {work.ai_lines:,} "
        f"lines, times {c.rewrite_factor:g} for drafts and rewrites "
        f"({c.rewrite_factor_low:g} to {c.rewrite_factor_high:g}).",
        f"Files: {work.files} touched, {work.file_tokens:,} tokens, each read "
        f"{c.file_reads:g} times ({c.file_reads_low:g} to {c.file_reads_high:g}).",
        f"Turns: {use.requests:,} ({c.turns_per_100_lines:g} per 100 AI lines, "
        f"{c.turns_per_100_lines_low:g} to {c.turns_per_100_lines_high:g}), each re-sending "
        f"{c.turn_tokens:,} tokens of system prompt, tools and history.",
        f"Cache: {c.cache_hit_ratio:.0%} of input read from the prompt cache, "
        f"{c.cache_write_share:.0%} of the rest written to it.",
        f"Tokens counted with {tokenizer.name}.",
        f"Prices: {dated_sources()}, per request, with cache and long-context rates as the "
        "provider bills them.",
    ]
    if work.sized_from_diff:
        out.insert(2, f"{work.sized_from_diff} file(s) sized from the diff alone (a floor).")
    return out


def estimate_cost(
    snapshot: PullRequestSnapshot,
    attribution: Attribution,
    ai_lines: Mapping[str, frozenset[int]],
    config: CostConfig,
    tokenizer: TokenCounter | None = None,
) -> Cost | None:
    """Expected tokens and dollars with a low-high range; None when nothing is AI-written."""
    tokenizer = tokenizer or default_tokenizer()
    every_line = config.estimate_all and not attribution.ai
    work = workload(snapshot, None if every_line else ai_lines, tokenizer)
    if work.ai_lines == 0:
        return None
    low, mid, high = (token_use(work, s, config) for s in scenarios(config))
    model, expected, notes = _model_choice(attribution, config, mid)
    bounds = (price(model, low), price(model, high)) if expected else (None, None)
    assumptions = [*notes, *_assumptions(work, config, mid, tokenizer)]
    if every_line:
        assumptions.insert(0, "Not AI-attributed: every added line estimated (`estimate_all`).")
    return Cost(
        model=expected.model if expected else model,
        source="estimate",
        input_tokens=round(mid.input),
        cached_input_tokens=round(mid.cached),
        cache_write_tokens=round(mid.cache_write),
        output_tokens=round(mid.output),
        usd=_round(expected.usd) if expected else None,
        usd_low=_round(bounds[0].usd) if bounds[0] else None,
        usd_high=_round(bounds[1].usd) if bounds[1] else None,
        input_usd=_round(expected.input_usd) if expected else None,
        output_usd=_round(expected.output_usd) if expected else None,
        assumptions=tuple(assumptions),
        price_data=price_source(),
        price_date=price_day(),
        tokenizer=tokenizer.name,
    )


# --- reported usage ---------------------------------------------------------------------------


def _reported_use(entry: ReportedUsage) -> TokenUse:
    total = entry.input_tokens or 0
    return TokenUse(
        input=total,
        cached=entry.cached_tokens or 0,
        cache_write=entry.cache_write_tokens or 0,
        output=entry.output_tokens or 0,
        requests=entry.requests or max(1, math.ceil(total / REPORTED_REQUEST_TOKENS)),
    )


def _entry_usd(entry: ReportedUsage, model: str) -> tuple[float | None, str | None]:
    """The entry's dollars (its own, else priced from its tokens) and a note when unpriced."""
    if entry.usd is not None:
        return entry.usd, None
    priced = price(model, _reported_use(entry))
    if priced is None:
        return None, f"`{entry.source}`: the price library does not know `{model}`: unpriced."
    return priced.usd, None


def reported_cost(
    entries: Sequence[ReportedUsage], fallback_model: str, notes: Sequence[str] = ()
) -> Cost:
    """The PR's own usage lines summed; one unpriced line leaves the total unpriced."""
    total: float | None = 0.0
    assumptions = [f"Reported by the pull request: `{e.line}` ({e.source})." for e in entries]
    for entry in entries:
        usd, note = _entry_usd(entry, entry.model or fallback_model)
        total = None if usd is None or total is None else total + usd
        if note:
            assumptions.append(note)
    if any(e.usd is None and e.model is None for e in entries):
        assumptions.append(f"Lines naming no model priced as `{fallback_model}`.")
    if any(e.usd is None for e in entries):
        assumptions.append(f"Prices: {dated_sources()}.")
    models = sorted({e.model or fallback_model for e in entries})
    return Cost(
        model=", ".join(models),
        source="reported",
        input_tokens=sum(e.input_tokens or 0 for e in entries),
        cached_input_tokens=sum(e.cached_tokens or 0 for e in entries),
        cache_write_tokens=sum(e.cache_write_tokens or 0 for e in entries),
        output_tokens=sum(e.output_tokens or 0 for e in entries),
        usd=_round(total),
        usd_low=_round(total),
        usd_high=_round(total),
        assumptions=(*assumptions, *notes),
        price_data=price_source(),
        price_date=price_day(),
    )


def pull_request_cost(
    snapshot: PullRequestSnapshot,
    attribution: Attribution,
    ai_lines: Mapping[str, frozenset[int]],
    config: CostConfig,
    tokenizer: TokenCounter | None = None,
) -> Cost | None:
    """The usage the PR reports when it reports any, else the estimate."""
    if not config.enabled:
        return None
    entries, notes = reported_usage(snapshot)
    if entries:
        fallback = attribution.models[0] if attribution.models else config.model or DEFAULT_MODEL
        return reported_cost(entries, fallback, notes)
    cost = estimate_cost(snapshot, attribution, ai_lines, config, tokenizer)
    if cost is not None and notes:
        cost = cost.model_copy(update={"assumptions": (*cost.assumptions, *notes)})
    return cost
