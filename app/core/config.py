"""The `.ai-gate.yml` schema: what a repository can set, with defaults for one that sets nothing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.attribution import DetectionConfig
from app.core.checks.licence import LicenceConfig
from app.core.checks.mypy import MypyConfig
from app.core.checks.secrets import SecretsConfig
from app.core.cost import CostConfig
from app.core.models import Level
from app.core.section import Section

# Rules aimed at the faults generated code is known for; see README "Curated ruff rules".
RECOMMENDED_RUFF_RULES: tuple[str, ...] = (
    "E4",  # import placement
    "E7",  # bare except (E722), comparisons to None/True, lambda assignment
    "E9",  # syntax errors
    "F",  # pyflakes: undefined names, unused imports and variables
    "B",  # bugbear: mutable defaults, blind `except Exception` re-raise mistakes
    "BLE",  # blind except
    "S",  # bandit: injection, hard-coded secrets, HTTP calls without timeouts
    "ASYNC",  # blocking calls inside async functions
)
RECOMMENDED_RUFF_IGNORES: tuple[str, ...] = ("S101",)  # assert is fine in tests


class RuffConfig(Section):
    enabled: bool = Field(
        default=True, description="run ruff", json_schema_extra={"stricter": "true"}
    )
    select: tuple[str, ...] = Field(
        default=RECOMMENDED_RUFF_RULES, description="ruff rule codes or prefixes to run"
    )
    ignore: tuple[str, ...] = Field(
        default=RECOMMENDED_RUFF_IGNORES, description="ruff rule codes or prefixes to skip"
    )


class ChecksConfig(Section):
    ruff: RuffConfig = RuffConfig()
    mypy: MypyConfig = MypyConfig()
    secrets: SecretsConfig = SecretsConfig()
    licence: LicenceConfig = LicenceConfig()


class FiltersConfig(Section):
    mode: Literal["added", "diff_context", "file", "nofilter"] = Field(
        default="added",
        description="which findings are kept: on added lines (added), on any line of the diff's "
        "hunks (diff_context), anywhere in a changed file (file), or all (nofilter)",
        json_schema_extra={"stricter": ["added", "diff_context", "file", "nofilter"]},
    )
    ai_only: bool = Field(
        default=False,
        description="keep only findings on AI-attributed lines",
        json_schema_extra={"stricter": "false"},
    )


class CommentsConfig(Section):
    enabled: bool = Field(default=True, description="post a review with inline comments")
    max_comments: int = Field(
        default=10, ge=0, le=50, description="inline comments per review, most severe first"
    )
    min_level: Level = Field(default="warning", description="the lowest level worth a comment")
    event: Literal["COMMENT", "REQUEST_CHANGES"] = Field(
        default="COMMENT", description="the review's event"
    )
    max_annotations: int = Field(
        default=1000,
        ge=50,
        le=10_000,
        description="check-run annotations, most severe first: each 50 is one more write to "
        "GitHub (spaced a second apart, and counted against its secondary rate limits)",
    )


class LabelsConfig(Section):
    ai_generated: str | None = Field(
        default=None,
        description="a label to add to AI-attributed pull requests, e.g. `ai-generated` "
        "(none by default)",
        max_length=50,
    )


class GateConfig(Section):
    applies_to: Literal["ai", "all"] = Field(
        default="ai",
        description="judge only AI-attributed PRs (ai) or every PR (all)",
        json_schema_extra={"stricter": ["ai", "all"]},
    )
    fail_on: Level = Field(
        default="failure",
        description="the lowest finding level that fails the gate",
        json_schema_extra={"stricter": ["failure", "warning", "notice"]},
    )
    licence_denials: bool = Field(
        default=True,
        description="fail on a denied licence whatever `fail_on` says",
        json_schema_extra={"stricter": "true"},
    )
    max_ai_lines: int | None = Field(
        default=None,
        ge=0,
        description="fail when more added lines than this are AI-attributed",
        json_schema_extra={"stricter": "lower"},
    )
    max_ai_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="fail when the AI share of added lines is above this (0 to 1)",
        json_schema_extra={"stricter": "lower"},
    )
    require_human_review: bool = Field(
        default=False,
        description="action_required until a human (not a bot, not the author) approves, or a "
        "maintainer with write access presses Acknowledge",
        json_schema_extra={"stricter": "true"},
    )
    drafts: Literal["report", "gate", "skip"] = Field(
        default="report",
        description="draft PRs: analyse but never fail (report), judge like any PR (gate), or "
        "skip the analysis until ready for review (skip)",
        json_schema_extra={"stricter": ["skip", "report", "gate"]},
    )


class SarifConfig(Section):
    upload: bool = Field(
        default=False,
        description="upload each analysed head's findings to GitHub code scanning as SARIF, one "
        "category per check (the App needs the `security_events: write` permission)",
    )


class Config(Section):
    detection: DetectionConfig = DetectionConfig()
    checks: ChecksConfig = ChecksConfig()
    filters: FiltersConfig = FiltersConfig()
    comments: CommentsConfig = CommentsConfig()
    labels: LabelsConfig = LabelsConfig()
    cost: CostConfig = CostConfig()
    gate: GateConfig = GateConfig()
    sarif: SarifConfig = SarifConfig()
