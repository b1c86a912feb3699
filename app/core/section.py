"""The base of every configuration section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A frozen settings block that rejects unknown keys (so typos are reported)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
