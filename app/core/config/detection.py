"""The `detection:` section: repository rules added to the catalogue of AI tools."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BeforeValidator, Field

from app.core.config.section import Section

CUSTOM = "custom"


def _as_rules(value: object) -> object:
    """Accept a plain list (each entry counts for the tool `custom`) as well as a mapping."""
    if isinstance(value, list | tuple):
        return dict.fromkeys((str(v) for v in value), CUSTOM)
    if isinstance(value, Mapping):
        return {str(k): CUSTOM if v is None else v for k, v in value.items()}
    return value


Rules = Annotated[dict[str, str], BeforeValidator(_as_rules)]


class DetectionConfig(Section):
    """Repository rules added to the catalogue of known AI tools, and exceptions to it."""

    logins: Rules = Field(
        default_factory=dict,
        description="GitHub logins of extra AI agents (PR or commit author, co-author), "
        "mapped to a tool id; a list counts them as the tool `custom`",
    )
    emails: Rules = Field(
        default_factory=dict,
        description="exact git emails of extra AI agents (author, committer or co-author), "
        "mapped to a tool id",
    )
    trailer_keys: Rules = Field(
        default_factory=dict,
        description="commit trailer keys (any case) whose presence marks AI work, mapped to a "
        "tool id",
    )
    markers: Rules = Field(
        default_factory=dict,
        description="exact phrases in commit messages or PR titles and bodies that mark AI "
        "work, mapped to a tool id",
    )
    branch_prefixes: Rules = Field(
        default_factory=dict,
        description="PR head branch prefixes that mark AI work, mapped to a tool id",
    )
    labels: Rules = Field(
        default_factory=dict,
        description="PR labels (any case) that mark AI work, mapped to a tool id",
    )
    ignore_logins: tuple[str, ...] = Field(
        default=(),
        description="GitHub logins never counted as AI, even when the catalogue knows them",
    )
    ignore_emails: tuple[str, ...] = Field(default=(), description="git emails never counted as AI")
    ignore_tools: tuple[str, ...] = Field(
        default=(), description="tool ids whose signals are dropped (e.g. `coderabbit`)"
    )
    min_confidence: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="combined confidence one tool needs to make a commit or PR AI-attributed "
        "(0.95 high, 0.8 medium, 0.6 low, 0.3 weak evidence)",
        json_schema_extra={"stricter": "lower"},
    )
