"""Turning a linter's fix edits into a replacement for whole head lines (a suggestion block)."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.models import Suggestion
from app.core.ports import FixEdit


def suggestion_for(text: str, edits: Sequence[FixEdit]) -> Suggestion | None:
    """The lines the edits touch and their fixed text, or None when the edits do not apply."""
    if not edits:
        return None
    lines = text.split("\n")
    first = min(e.row for e in edits)
    # An edit ending at column 1 stops at the start of that line: the line itself is untouched.
    last = max(
        e.end_row - 1 if e.end_column == 1 and e.end_row > e.row else e.end_row for e in edits
    )
    last = max(last, first)
    if first < 1 or last > len(lines):
        return None
    region = "\n".join(lines[first - 1 : last]) + "\n"

    def offset(row: int, column: int) -> int:
        return sum(len(lines[i]) + 1 for i in range(first - 1, row - 1)) + column - 1

    fixed = region
    for edit in sorted(edits, key=lambda e: (e.row, e.column), reverse=True):
        start, end = offset(edit.row, edit.column), offset(edit.end_row, edit.end_column)
        if not 0 <= start <= end <= len(region):
            return None
        fixed = fixed[:start] + edit.content + fixed[end:]
    return Suggestion(start_line=first, end_line=last, text=fixed.removesuffix("\n"))
