"""The `.ai-gate.yml` schema: what a repository can set, with defaults for one that sets nothing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.config.checks import ChecksConfig
from app.core.config.cost import CostConfig
from app.core.config.detection import DetectionConfig
from app.core.config.section import OptionalPattern, Section
from app.core.globs import Globs
from app.core.models import Level
from app.core.services import ServiceMap


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
    branches: Globs = Field(
        default=(),
        description="base branches (globs, e.g. `[main, release/*]`) whose PRs the gate judges; "
        "PRs to other branches are analysed and reported, never failed; `[]`: every branch",
        json_schema_extra={"stricter": "all-when-empty"},
    )
    disclosure: Literal["off", "warn", "require"] = Field(
        default="off",
        description="AI work shown by other evidence (an agent identity, a marker, an agent "
        "branch or label) without a disclosure in an accepted form: ignored (off), a reason in "
        "the summary that does not fail (warn), or a failure (require)",
        json_schema_extra={"stricter": ["off", "warn", "require"]},
    )
    disclosure_trailers: tuple[str, ...] = Field(
        default=("Assisted-by", "Generated-by", "Co-authored-by", "AI-assisted"),
        description="trailer keys that disclose AI help when their value names an agent, a "
        "model or AI (`Assisted-by: Claude Code:claude-opus-4.6`), in a commit or the PR body; "
        "e.g. `[Assisted-by]` where only that form is accepted",
        json_schema_extra={"stricter": "fewer"},
    )
    disclosure_checkbox: OptionalPattern = Field(
        default=r"^\s*[-*]\s*\[[xX]\]\s.*\b(?:AI|LLM|[Aa]ssisted|[Gg]enerated)\b",
        description="a regular expression (multi-line) for a ticked PR-template checkbox that "
        "discloses AI help in the PR body; null: no checkbox form",
    )
    forbid_agent_signoff: bool = Field(
        default=False,
        description="fail when a `Signed-off-by` trailer names an agent identity (only a person "
        "can certify the Developer Certificate of Origin)",
        json_schema_extra={"stricter": "true"},
    )
    skip_label: str | None = Field(
        default=None,
        max_length=50,
        description="a label that skips the gate (the verdict is neutral), honoured only when "
        "the label was added by someone with write access to the repository: GitHub is asked "
        "who added it and what permission they have",
    )


class GateOverride(Section):
    fail_on: Level | None = Field(
        default=None,
        description="the lowest finding level that fails the gate, for these paths",
        json_schema_extra={"stricter": ["failure", "warning", "notice"]},
    )
    licence_denials: bool | None = Field(
        default=None,
        description="fail on a denied licence in these paths whatever `fail_on` says",
        json_schema_extra={"stricter": "true"},
    )


class Override(Section):
    """Settings for some paths: the keys set here replace the top-level ones for those files."""

    paths: Globs = Field(min_length=1, description="the path globs this block applies to")
    checks: ChecksConfig = Field(
        default_factory=ChecksConfig,
        description="`checks` settings for these paths (only the keys written apply)",
    )
    gate: GateOverride = Field(
        default_factory=GateOverride, description="`gate.fail_on` and `gate.licence_denials`"
    )


class SarifConfig(Section):
    upload: bool = Field(
        default=False,
        description="upload each analysed head's findings to GitHub code scanning as SARIF, one "
        "category per check (the App needs the `security_events: write` permission)",
    )


class Config(Section):
    paths: Globs = Field(
        default=(),
        description="path globs of the files analysed at all (e.g. `[src/**, tests/**]`); "
        "`[]`: every file. Files left out are listed in the summary, neither checked nor counted",
        json_schema_extra={"stricter": "all-when-empty"},
    )
    exclude: Globs = Field(
        default=(),
        description="path globs of files left out of the analysis (after `paths`), e.g. "
        "`[docs/**, examples/**]`",
        json_schema_extra={"stricter": "fewer"},
    )
    overrides: tuple[Override, ...] = Field(
        default=(),
        description="blocks of `{paths, checks, gate}` applied per file, in order (a later "
        "block wins where two set the same key), e.g. stricter rules for `src/payments/**`, "
        "none for `docs/**`; an organisation's floor applies inside each block too",
    )
    detection: DetectionConfig = DetectionConfig()
    checks: ChecksConfig = ChecksConfig()
    filters: FiltersConfig = FiltersConfig()
    comments: CommentsConfig = CommentsConfig()
    labels: LabelsConfig = LabelsConfig()
    cost: CostConfig = CostConfig()
    gate: GateConfig = GateConfig()
    sarif: SarifConfig = SarifConfig()
    services: ServiceMap = Field(
        default_factory=dict,
        description='path globs mapped to service names, e.g. `{"services/*/**": "{1}"}` '
        "(each directory under services/ is a service; `{1}` is what the first `*` matched); "
        "the most specific glob wins; figures, budgets and alerts are kept per service",
    )
