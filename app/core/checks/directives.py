"""Suppression directives in Python comments: which line hides what from which tool.

Comments are read with `tokenize`, so `"# noqa"` inside a string is never a directive. A file
that does not tokenize (a syntax error) yields no directive: ruff reports the syntax error.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Tool = Literal["ruff", "mypy", "pyright", "bandit", "secrets", "coverage"]


@dataclass(frozen=True)
class Directive:
    """One suppression in a comment: `text` is the directive as written (`# noqa: E501`)."""

    line: int
    rule: str  # our rule id, e.g. `new-noqa`
    tool: Tool
    text: str
    # The tool's codes it names (`E501`, `arg-type`); empty: everything.
    codes: tuple[str, ...] = ()
    whole_file: bool = False
    # Column span of the directive inside the line (0-based, end exclusive).
    start: int = 0
    end: int = 0


_CODES = r"[A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+)*"
# (rule, tool, pattern, whole file). Order matters: file-level forms before line forms.
_FORMS: tuple[tuple[str, Tool, re.Pattern[str], bool], ...] = (
    (
        "file-noqa",
        "ruff",
        re.compile(r"#\s*(?:ruff|flake8)\s*:\s*noqa\b(?::\s*(?P<codes>" + _CODES + r"))?", re.I),
        True,
    ),
    ("file-ignore-errors", "mypy", re.compile(r"#\s*mypy\s*:\s*ignore-errors\b", re.I), True),
    ("new-noqa", "ruff", re.compile(r"#\s*noqa\b(?::\s*(?P<codes>" + _CODES + r"))?", re.I), False),
    (
        "new-type-ignore",
        "mypy",
        re.compile(r"#\s*type\s*:\s*ignore\b(?:\[(?P<codes>[\w\s,-]+)\])?"),
        False,
    ),
    (
        "new-pyright-ignore",
        "pyright",
        re.compile(r"#\s*pyright\s*:\s*ignore\b(?:\[(?P<codes>[\w\s,-]+)\])?"),
        False,
    ),
    (
        "new-nosec",
        "bandit",
        re.compile(r"#\s*nosec\b(?:\s*:?\s*(?P<codes>B\d+(?:\s*,\s*B\d+)*))?"),
        False,
    ),
    (
        "new-allowlist-secret",
        "secrets",
        re.compile(r"#\s*pragma\s*:\s*allowlist[ -]secret\b", re.I),
        False,
    ),
    ("new-no-cover", "coverage", re.compile(r"#\s*pragma\s*:\s*no\s*cover\b", re.I), False),
)
_SPLIT = re.compile(r"\s*,\s*")


def _comments(text: str) -> Iterator[tuple[int, int, str, bool]]:
    """(line, column, comment, alone on its line) of every comment in the source."""
    code_lines: set[int] = set()
    found: list[tuple[int, int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                found.append((tok.start[0], tok.start[1], tok.string))
            elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return
    first_code = min(code_lines, default=10**9)
    for line, col, comment in found:
        yield line, col, comment, line not in code_lines and line < first_code


def directives(text: str) -> list[Directive]:
    """Every suppression directive in a Python source text."""
    out: list[Directive] = []
    for line, col, comment, header in _comments(text):
        taken: list[tuple[int, int]] = []
        for rule, tool, pattern, whole in _FORMS:
            for match in pattern.finditer(comment):
                # The line form inside a file-level form has been taken already.
                if any(s <= match.start() < e for s, e in taken):
                    continue
                if whole and not comment.lstrip("#").strip().lower().startswith(
                    ("ruff", "flake8", "mypy")
                ):
                    continue  # the file-level forms count only as a comment of their own
                codes = match.groupdict().get("codes") or ""
                file_level = whole or (rule == "new-type-ignore" and header)
                taken.append((match.start(), match.end()))
                out.append(
                    Directive(
                        line=line,
                        rule="file-type-ignore" if file_level and not whole else rule,
                        tool=tool,
                        text=match.group(0).strip(),
                        codes=tuple(c for c in _SPLIT.split(codes.strip()) if c),
                        whole_file=file_level,
                        start=col + match.start(),
                        end=col + match.end(),
                    )
                )
    return sorted(out, key=lambda d: (d.line, d.start))


def without(text: str, removed: list[Directive]) -> str:
    """The text with these directives cut out of their comments (line numbers unchanged); a
    comment left with nothing but `#` goes too."""
    lines = text.split("\n")
    for d in sorted(removed, key=lambda d: -d.start):
        row = lines[d.line - 1]
        row = row[: d.start] + "#" + row[d.end :]
        lines[d.line - 1] = re.sub(r"\s*#[\s#]*$", "", row)
    return "\n".join(lines)
