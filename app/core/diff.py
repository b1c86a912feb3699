"""Reading unified-diff patches: which head lines were added, which can carry a comment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class PatchLines:
    """Head-side (RIGHT) line numbers of one file's patch."""

    added: frozenset[int] = field(default_factory=frozenset)
    # Added and context lines: the lines GitHub accepts a RIGHT-side review comment on.
    commentable: frozenset[int] = field(default_factory=frozenset)


def parse_patch(patch: str | None) -> PatchLines:
    """Map a GitHub `patch` (hunks without file headers) to head line numbers."""
    if not patch:
        return PatchLines()
    added: set[int] = set()
    commentable: set[int] = set()
    line_no = 0
    in_hunk = False
    for raw in patch.removesuffix("\n").split("\n"):
        match = _HUNK.match(raw)
        if match:
            line_no = int(match.group(3))
            in_hunk = True
            continue
        if not in_hunk or raw.startswith("\\"):  # "\ No newline at end of file"
            continue
        if raw.startswith("+"):
            added.add(line_no)
            commentable.add(line_no)
            line_no += 1
        elif raw.startswith("-"):
            continue
        else:  # context (a leading space, or an empty line where trailing spaces were stripped)
            commentable.add(line_no)
            line_no += 1
    return PatchLines(frozenset(added), frozenset(commentable))


def added_text(patch: str | None) -> list[str]:
    """The added lines of a patch, without their `+`."""
    if not patch:
        return []
    # GitHub's patches carry no file headers, so every `+` line inside them is an added line.
    return [raw[1:] for raw in patch.removesuffix("\n").split("\n") if raw.startswith("+")]
