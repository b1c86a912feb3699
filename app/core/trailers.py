"""Git trailer parsing, following git's rules: `Key: value` lines in a trailer paragraph."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRAILER = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*)\s*:\s+(?P<value>\S.*)$")


@dataclass(frozen=True)
class Trailer:
    key: str  # lower-cased: git treats trailer keys case-insensitively
    value: str
    line: str  # the exact text, for evidence


def parse_trailers(message: str) -> list[Trailer]:
    """Trailers of the message's final paragraph, the way `git interpret-trailers` reads them.

    An indented line or a line of prose in the paragraph means it is not a trailer block.
    """
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:  # the subject alone is never a trailer block
        return []
    found: list[Trailer] = []
    for line in paragraphs[-1].splitlines():
        match = _TRAILER.match(line)
        if match is None:
            return []
        found.append(Trailer(match["key"].lower(), match["value"].strip(), line))
    return found
