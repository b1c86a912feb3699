"""The `cost:` section: how the estimate is made, and the budgets it is held to."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from app.core.config.section import Section

# Claude Code's usual model when a commit does not name one (its trailers name e.g. Sonnet 4.6).
DEFAULT_MODEL = "claude-sonnet-4-6"


class BudgetConfig(Section):
    per_pr_usd: float | None = Field(
        default=None,
        ge=0,
        description="the most one pull request's AI part may cost, in US dollars (none by default)",
        json_schema_extra={"stricter": "lower"},
    )
    monthly_usd: float | None = Field(
        default=None,
        ge=0,
        description="the most the repository's AI-attributed pull requests may cost per calendar "
        "month, in US dollars (none by default)",
        json_schema_extra={"stricter": "lower"},
    )
    alert_ratio: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="warn when the month to date passes this share of `monthly_usd`",
        json_schema_extra={"stricter": "lower"},
    )
    services: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict,
        description="monthly budgets of services (see `services`) in US dollars, e.g. "
        "`{payments: 500}`; alerts at `alert_ratio` and at 100%, like `monthly_usd`",
    )
    on_exceed: Literal["warn", "fail"] = Field(
        default="warn",
        description="over a budget: say so in the summary (warn) or fail the gate (fail)",
        json_schema_extra={"stricter": ["warn", "fail"]},
    )


class CostConfig(Section):
    enabled: bool = Field(default=True, description="estimate the LLM cost of the AI part")
    model: str | None = Field(
        default=None,
        description=f"the model to price when the attribution names none (`{DEFAULT_MODEL}` "
        "when unset), as genai-prices knows it, e.g. `claude-opus-4-6`, `gpt-5.4`",
    )
    estimate_all: bool = Field(
        default=False, description="estimate pull requests without AI attribution too"
    )
    rewrite_factor: float = Field(
        default=1.5,
        ge=1,
        description="output tokens an agent writes per token that survives in the diff "
        "(drafts, edits, reverted attempts)",
    )
    rewrite_factor_low: float = Field(default=1.0, ge=1, description="low end of rewrite_factor")
    rewrite_factor_high: float = Field(default=3.0, ge=1, description="high end of rewrite_factor")
    file_reads: float = Field(
        default=3.0,
        ge=0,
        description="times an agent reads each touched file (before, during and after editing)",
    )
    file_reads_low: float = Field(default=2.0, ge=0, description="low end of file_reads")
    file_reads_high: float = Field(default=5.0, ge=0, description="high end of file_reads")
    turns_per_100_lines: float = Field(
        default=10.0,
        gt=0,
        description="agent turns (requests) per 100 AI-attributed added lines: every edit, "
        "read, search and test run is one",
    )
    turns_per_100_lines_low: float = Field(
        default=5.0, gt=0, description="low end of turns_per_100_lines"
    )
    turns_per_100_lines_high: float = Field(
        default=20.0, gt=0, description="high end of turns_per_100_lines"
    )
    turn_tokens: int = Field(
        default=30_000,
        ge=0,
        description="input tokens every turn re-sends besides the files: system prompt and tool "
        "definitions (15-20k in common agents) plus conversation history",
    )
    cache_hit_ratio: float = Field(
        default=0.93,
        ge=0,
        le=1,
        description="share of input tokens read from the provider's prompt cache (0.93 in a "
        "published agent run)",
    )
    cache_write_share: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="share of the uncached input written to the prompt cache, billed at the "
        "provider's cache-write rate where it has one (agents mark each turn's end for caching)",
    )
    budget: BudgetConfig = BudgetConfig()

    @model_validator(mode="after")
    def _ranges_in_order(self) -> CostConfig:
        for name in ("rewrite_factor", "file_reads", "turns_per_100_lines"):
            low, mid, high = (getattr(self, f"{name}{s}") for s in ("_low", "", "_high"))
            if not low <= mid <= high:
                raise ValueError(f"{name}_low <= {name} <= {name}_high must hold")
        return self
