"""The base of every configuration section, and field types several sections share."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class Section(BaseModel):
    """A frozen settings block that rejects unknown keys (so typos are reported)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _compiles(value: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from exc
    return value


# Regular expressions, checked when the config is read so a typo is reported with its line.
Patterns = Annotated[tuple[str, ...], AfterValidator(_compiles)]


def _compiles_one(value: str | None) -> str | None:
    return value if value is None else _compiles((value,))[0]


# One regular expression, or none.
OptionalPattern = Annotated[str | None, AfterValidator(_compiles_one)]
