"""Path and branch globs as `.ai-gate.yml` writes them, checked when the config is read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator

from app.core.services import glob_pattern


def _globs(value: tuple[str, ...]) -> tuple[str, ...]:
    for glob in value:
        if not glob.strip():
            raise ValueError("a glob may not be empty")
    return value


# `src/**`, `*.py`, `docs` (a directory and everything under it).
Globs = Annotated[tuple[str, ...], AfterValidator(_globs)]


def matches(globs: Iterable[str], path: str) -> bool:
    """Whether any glob matches the path."""
    return any(glob_pattern(g).match(path) for g in globs)
