"""Reading unified-diff patches: which head lines were added, which can carry a comment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class PatchLines:
    """Head-side (RIGHT) line numbers of one file's patch."""

    added: frozenset[int] = field(default_factory=frozenset)
    # Added and context lines: the lines GitHub accepts a RIGHT-side review comment on.
    commentable: frozenset[int] = field(default_factory=frozenset)


PatchRow = tuple[Literal["@", "+", " ", "-"], int, str]


def patch_rows(patch: str | None) -> Iterator[PatchRow]:
    """Each row of a GitHub `patch` (hunks without file headers) as (kind, line, text).

    kind `@` is a hunk header (line: the head line it starts at, text empty); `+` an added and
    ` ` a context line (line: its head line number); `-` a removed line (line: the head line it
    stood before). Text has no marker and no trailing `\r`; "\\ No newline" rows are skipped.
    """
    if not patch:
        return
    line_no = 0
    in_hunk = False
    for raw in patch.removesuffix("\n").split("\n"):
        match = _HUNK.match(raw)
        if match:
            line_no = int(match.group(3))
            in_hunk = True
            yield "@", line_no, ""
            continue
        if not in_hunk or raw.startswith("\\"):  # "\ No newline at end of file"
            continue
        text = raw[1:].removesuffix("\r")
        if raw.startswith("-"):
            yield "-", line_no, text
            continue
        # context: a leading space, or an empty line where trailing spaces were stripped
        yield ("+" if raw.startswith("+") else " "), line_no, text
        line_no += 1


def parse_patch(patch: str | None) -> PatchLines:
    """Map a GitHub `patch` (hunks without file headers) to head line numbers."""
    added: set[int] = set()
    commentable: set[int] = set()
    for kind, line_no, _ in patch_rows(patch):
        if kind == "+":
            added.add(line_no)
        if kind in ("+", " "):
            commentable.add(line_no)
    return PatchLines(frozenset(added), frozenset(commentable))


def head_side(patch: str | None) -> dict[int, str]:
    """Head line number -> text of the added and context lines of a patch."""
    return {n: text for kind, n, text in patch_rows(patch) if kind in ("+", " ")}
