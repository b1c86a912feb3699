r"""Git trailer parsing: `Key: value` lines in a trailer paragraph, as git reads them, plus the
per-commit paragraphs that squash merges keep.

Decisions (git's `interpret-trailers` rules, narrowed where they would mislead attribution):
- Keys are tokens of letters, digits and `-`, matched in any case (returned lower-cased).
- A paragraph is a trailer block only when every line is a trailer, a git cherry-pick note,
  or a continuation line. Git's looser "25% trailers" rule is not followed: a paragraph of prose
  that quotes `Assisted-by: ...` examples is a policy document, not a disclosure.
- A continuation line (starting with whitespace) is allowed only right after a trailer, as in
  git, and is folded into that trailer's value; it never becomes a trailer of its own, so an
  indented `   Co-Authored-By: ...` line is never a trailer. A block may not start indented.
- Every trailer-only paragraph after the subject is read, not only the last as git does: GitHub's
  squash merges keep each squashed commit's trailers mid-body, Copilot's CLI writes a
  `Co-authored-by` paragraph then a `Copilot-Session` one, and people add a note after their
  `Assisted-by`. A paragraph introduced as an example (the one before ends in `:` or `,`, or
  in `such as`, `e.g.`) is a quotation, as in a policy document, not a trailer block, unless
  it ends the message (git reads the last paragraph whatever precedes it).
- The subject line is never a trailer; lines inside ``` or ~~~ fences never are; a quoted line
  (`> Co-authored-by: ...`) is not a trailer line.
- Beyond git: trailer lines glued to the end of the last paragraph, with no blank line before
  them (`Tidy the docs.` then `Co-Authored-By: ...`, or right under the subject), are read when
  the line before them closes a sentence or is the subject. A line ending in `:` or `,`, or in
  words that introduce an example (`such as`, `e.g.`), makes them a quotation, not trailers.
- Beyond git: a one-line message whose line breaks were written as the two characters `\n`
  (an agent passing `-m "...\n\nCo-authored-by: ..."` to git unexpanded) is read with real
  line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TRAILER = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]+(?P<value>\S.*?)[ \t]*$")
_CHERRY_PICK = re.compile(r"^\(cherry picked from commit [0-9a-f]{7,64}\)$")
_DIVIDER = re.compile(r"^-{3,}[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)")
_SQUASH_SUBJECT = re.compile(r"\(#\d+\)[ \t]*$")
_BULLET = re.compile(r"^\* \S")
_FENCED = "\x00"  # stands in for a fenced line: never blank, never a trailer
_ESCAPED_BREAKS = "\\n\\n"
# The line before a glued trailer run introduces an example when it ends like this.
_INTRODUCES = re.compile(
    r"(?:[:,;]|\b(?:as|like|e\.g\.|i\.e\.|example|following|use|add|with|write))\s*$",
    re.IGNORECASE,
)
_CLOSES_SENTENCE = re.compile(r"[.!?)`'\"\]]\s*$")


@dataclass(frozen=True)
class Trailer:
    key: str  # lower-cased: git treats trailer keys case-insensitively
    value: str
    line: str  # the exact text, for evidence (continuation lines included)


def _lines(message: str) -> list[str]:
    if _ESCAPED_BREAKS in message and "\n" not in message.strip():
        message = message.replace("\\n", "\n")
    lines = message.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    fenced = False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
            out.append(_FENCED)
        else:
            out.append(_FENCED if fenced else line)
    return out


def paragraphs(message: str) -> tuple[list[list[str]], bool]:
    """The message's paragraphs (subject first) and whether a squash divider was seen."""
    result: list[list[str]] = []
    current: list[str] = []
    divider = False
    for line in _lines(message):
        is_divider = bool(_DIVIDER.match(line))
        divider = divider or is_divider
        if not line.strip() or is_divider:
            if current:
                result.append(current)
            current = []
        else:
            current.append(line)
    if current:
        result.append(current)
    return result, divider


def parse_block(lines: Sequence[str]) -> list[Trailer] | None:
    """The trailers of a paragraph, or None when it is not a trailer block."""
    found: list[Trailer] = []
    for line in lines:
        match = _TRAILER.match(line)
        if match is not None:
            found.append(Trailer(match["key"].lower(), match["value"], line))
        elif line[:1] in (" ", "\t") and found:
            last = found[-1]
            found[-1] = Trailer(last.key, f"{last.value} {line.strip()}", f"{last.line}\n{line}")
        elif not _CHERRY_PICK.match(line):
            return None
    return found or None


def is_squash(blocks: Sequence[Sequence[str]], divider: bool) -> bool:
    """Whether the message looks like a squash of several commits (GitHub's or git's)."""
    if divider:
        return True
    if blocks and _SQUASH_SUBJECT.search(blocks[0][0]):
        return True
    return sum(1 for b in blocks[1:] if _BULLET.match(b[0])) >= 2


def glued_block(block: Sequence[str], subject: bool) -> list[Trailer] | None:
    """The trailer lines that end a paragraph of prose with no blank line before them."""
    for start in range(1, len(block)):
        found = parse_block(block[start:])
        if found is None:
            continue
        before = block[start - 1]
        if subject and start == 1:
            return found
        prose = all(parse_block([line.strip()]) is None for line in block[:start])
        closes = _CLOSES_SENTENCE.search(before) and not _INTRODUCES.search(before)
        return found if prose and closes else None
    return None


def _introduced(blocks: Sequence[Sequence[str]], index: int) -> bool:
    """Whether the paragraph before this one introduces it as an example (`…like this:`); the
    last paragraph is always read, as git reads it."""
    before = blocks[index - 1]
    if index == 1 or index == len(blocks) - 1 or parse_block(before) is not None:
        return False
    return bool(_INTRODUCES.search(before[-1]))


def _last_prose(blocks: Sequence[Sequence[str]]) -> int:
    """The index of the last paragraph that is not a trailer block (0: the subject's)."""
    index = len(blocks) - 1
    while index >= 1 and parse_block(blocks[index]) is not None:
        index -= 1
    return index


def trailer_blocks(message: str) -> list[list[Trailer]]:
    """Every trailer block of the message, in message order."""
    blocks, divider = paragraphs(message)
    found: dict[int, list[Trailer]] = {}
    for index in range(1, len(blocks)):  # the subject paragraph is never a trailer block
        parsed = parse_block(blocks[index])
        if parsed is not None and not _introduced(blocks, index):
            found[index] = parsed
    index = _last_prose(blocks)
    if index >= 0:
        # In a squash, a `* subject` paragraph is a squashed commit's subject line.
        squash = is_squash(blocks, divider)
        subject = index == 0 or (squash and bool(_BULLET.match(blocks[index][0])))
        if glued := glued_block(blocks[index], subject):
            found[index] = glued
    return [found[i] for i in sorted(found)]


def parse_trailers(message: str) -> list[Trailer]:
    """All trailers of the message, as `trailer_blocks` finds them."""
    return [t for block in trailer_blocks(message) for t in block]


def render_trailers(trailers: Iterable[tuple[str, str]]) -> str:
    """A trailer block as git writes one (`Key: value` per line)."""
    return "\n".join(f"{key}: {value}" for key, value in trailers)
