"""Licences named in added text: SPDX tags, licence notices and pasted licence texts, found in
runs of comment lines."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.checks.licence.policy import canonical

# Added lines read per file, and characters per line: a generated or vendored file of that size
# is reported as too large to read rather than slowing the job.
MAX_LINES = 10_000
MAX_LINE_CHARS = 500


# Patterns are written with `\s` between words so that this file does not match itself.

# The expression is what SPDX's grammar allows (ids, `+`, `:`, parentheses, spaces): it stops at
# a comment closer, a quote, or an escape such as the `\n` of a tag inside a string literal.
_SPDX_TAG = re.compile(r"SPDX-License-Identifier\s*:\s*([A-Za-z0-9.+:()\s-]+)")

# Long sentences of licence texts and headers; one is enough to recognise the text.
_TEXTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (licence, re.compile(pattern))
    for licence, pattern in (
        ("MIT", r"permission\sis\shereby\sgranted\sfree\sof\scharge\sto\sany\sperson"),
        ("MIT", r"above\scopyright\snotice\sand\sthis\spermission\snotice\sshall\sbe\sincluded"),
        ("BSD", r"redistribution\sand\suse\sin\ssource\sand\sbinary\sforms\swith\sor\swithout"),
        ("BSD", r"redistributions\sof\ssource\scode\smust\sretain\sthe\sabove\scopyright"),
        ("Apache-2.0", r"you\smay\snot\suse\sthis\sfile\sexcept\sin\scompliance\swith\sthe"),
        ("Apache-2.0", r"terms\sand\sconditions\sfor\suse\sreproduction\sand\sdistribution"),
        ("GPL-3.0-only", r"gnu\sgeneral\spublic\slicen[cs]e\sis\sa\sfree\scopyleft\slicen[cs]e"),
        ("GPL-2.0-only", r"by\scontrast\sthe\sgnu\sgeneral\spublic\slicen[cs]e\sis\sintended"),
        ("AGPL-3.0-only", r"gnu\saffero\sgeneral\spublic\slicen[cs]e\sis\sa\sfree\scopyleft"),
        ("LGPL-3.0-only", r"version\sof\sthe\sgnu\slesser\sgeneral\spublic\slicen[cs]e\sincorp"),
        ("LGPL-2.1-only", r"this\slicen[cs]e\sthe\slesser\sgeneral\spublic\slicen[cs]e\sapplies"),
        ("MPL-2.0", r"source\scode\sform\sis\ssubject\sto\sthe\sterms\sof\sthe\smozilla\spublic"),
        ("MPL-2.0", r"mozilla\spublic\slicen[cs]e\sversion\s2\s0\s1\sdefinitions"),
    )
)
_BSD_THIRD_CLAUSE = re.compile(r"used\sto\sendorse\sor\spromote\sproducts\sderived")

# A notice says the code is under a licence; a bare mention of a licence's name (a trove
# classifier, a comparison table) is not one.
_UNDER = r"\b(?:under|subject\sto)\s(?:the\s)?(?:terms\sof\s(?:the\s)?)?"
_GNU = re.compile(_UNDER + r"gnu\s(?:(affero|lesser|library)\s)?general\spublic\slicen[cs]e\b")
# The short names (GPL, GNU LGPLv2, AGPL-3.0, read as the words "agpl 3 0") after `_UNDER`.
_GNU_SHORT = re.compile(
    _UNDER + r"(?:gnu\s)?(a|l)?gpl(?:\s?v\s?|\sversion\s|\s)?([123])?(?:\s([01]))?\b"
)
_VERSION = re.compile(r"\bversion\s([123])(?:\s([01]))?\b")
_LATER = re.compile(r"\bany\slater\sversion\b|\bor\slater\b|\bor\sany\slater\b")
_NOTICES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (licence, re.compile(_UNDER + pattern))
    for licence, pattern in (
        ("MIT", r"mit\b"),
        ("Apache-2.0", r"apache\slicen[cs]e\b"),
        ("MPL-2.0", r"mozilla\spublic\slicen[cs]e\s(?:v|version)?\s?2\s0\b"),
        ("MPL-1.1", r"mozilla\spublic\slicen[cs]e\s(?:v|version)?\s?1\s1\b"),
        ("EPL-2.0", r"eclipse\spublic\slicen[cs]e\s(?:v|version)?\s?2\s0\b"),
        ("EPL-1.0", r"eclipse\spublic\slicen[cs]e\s(?:v|version)?\s?1\s0\b"),
        ("SSPL-1.0", r"server\sside\spublic\slicen[cs]e\b"),
        ("BUSL-1.1", r"business\ssource\slicen[cs]e\b"),
    )
)
# One word each pattern above cannot match without (`_UNDER` for the notices): added lines that
# hold none of them name no licence, so most code skips the scan. A word of the normalised text
# is a substring of the lower-cased raw text, so the gate never hides a match.
_GATE_WORDS = (
    *("under", "subject", "spdx", "permission", "copyright", "redistribution"),
    *("compliance", "reproduction", "gnu", "lesser", "mozilla"),
)
_COMMENT_LEAD = re.compile(r"^\s*(?:#+!?|//+!?|/\*+!?|\*+/?|--+|;+|%+|<!--|\"\"\"|'''|rem\b)\s*")

_LICENCE_FILE = re.compile(r"^(?:licen[cs]e|copying|unlicen[cs]e)(?:[.-][^/]*)?$", re.IGNORECASE)
_SOURCE = frozenset(
    (
        *(".py", ".pyi", ".pyx", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".vue", ".svelte"),
        *(".go", ".rs", ".java", ".kt", ".kts", ".scala", ".groovy", ".c", ".h", ".cc", ".cpp"),
        *(".cxx", ".hpp", ".hh", ".hxx", ".cs", ".fs", ".rb", ".php", ".swift", ".m", ".mm"),
        *(".sh", ".bash", ".zsh", ".ps1", ".pl", ".pm", ".lua", ".r", ".jl", ".dart", ".ex"),
        *(".exs", ".erl", ".hrl", ".hs", ".ml", ".mli", ".clj", ".sql", ".zig", ".nim"),
    )
)


def is_licence_file(path: str) -> bool:
    """LICENSE, LICENCE.md, COPYING, LICENSE-MIT, ...: a project's own licence text."""
    return bool(_LICENCE_FILE.match(path.rsplit("/", 1)[-1])) and not is_source(path)


def is_source(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return "." in name and name[name.rindex(".") :] in _SOURCE


@dataclass(frozen=True)
class Run:
    """Consecutive added lines as lower-case words, with where each line starts."""

    text: str
    starts: tuple[int, ...]
    line_numbers: tuple[int, ...]
    raw: tuple[str, ...]

    def line_at(self, offset: int) -> tuple[int, str]:
        i = max(0, bisect.bisect_right(self.starts, offset) - 1)
        return self.line_numbers[i], self.raw[i]


def _words(line: str) -> str:
    line = _COMMENT_LEAD.sub("", line, count=1)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", line.lower()).split())


def may_name_a_licence(added_lines: Sequence[tuple[int, str]]) -> bool:
    """False when no licence pattern can match these lines (a cheap gate before the scan)."""
    text = "\n".join(t for _, t in added_lines).lower()
    return any(word in text for word in _GATE_WORDS)


def comment_runs(added_lines: Sequence[tuple[int, str]]) -> Iterator[Run]:
    group: list[tuple[int, str]] = []
    for n, text in added_lines:
        if group and n != group[-1][0] + 1:
            yield _run(group)
            group = []
        group.append((n, text))
    if group:
        yield _run(group)


def _run(group: Sequence[tuple[int, str]]) -> Run:
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for _, text in group:
        words = _words(text)
        starts.append(offset)
        parts.append(words)
        offset += len(words) + 1
    return Run(
        " ".join(parts), tuple(starts), tuple(n for n, _ in group), tuple(t for _, t in group)
    )


@dataclass(frozen=True)
class Hit:
    kind: Literal["tag", "notice", "text"]
    expression: str
    line: int
    line_text: str


_GNU_NAMES = {"affero": "AGPL", "a": "AGPL", "lesser": "LGPL", "library": "LGPL", "l": "LGPL"}
# A GNU licence named without a version may be used under any version (GPL v3 section 14).
_GNU_FIRST = {"AGPL": "3.0", "LGPL": "2.0", "GPL": "1.0"}


def _gnu_id(family: str | None, version: tuple[str, str] | None, window: str) -> str:
    name = _GNU_NAMES.get(family or "", "GPL")
    if version is None:
        return f"{name}-{_GNU_FIRST[name]}-or-later"
    later = "-or-later" if _LATER.search(window) else "-only"
    return f"{name}-{version[0]}.{version[1] or '0'}{later}"


def _gnu_hits(run: Run) -> Iterator[tuple[Hit, bool]]:
    """GNU licence mentions, each with whether it named a version."""
    for match in _GNU.finditer(run.text):
        window = run.text[match.end() : match.end() + 160]
        found = _VERSION.search(window)
        version = (found.group(1), found.group(2)) if found else None
        hit = Hit("notice", _gnu_id(match.group(1), version, window), *run.line_at(match.start()))
        yield hit, version is not None
    for match in _GNU_SHORT.finditer(run.text):
        window = run.text[match.end() : match.end() + 40]
        version = (match.group(2), match.group(3)) if match.group(2) else None
        hit = Hit("notice", _gnu_id(match.group(1), version, window), *run.line_at(match.start()))
        yield hit, version is not None


def _notice_hits(run: Run) -> Iterator[Hit]:
    for licence, pattern in _NOTICES:
        for match in pattern.finditer(run.text):
            yield Hit("notice", licence, *run.line_at(match.start()))
    gnu = list(_gnu_hits(run))
    # A header names its version once and the licence again ("You should have received a copy
    # of the GNU General Public License"): the versioned mention speaks for the run.
    versioned = {h.expression.split("-")[0] for h, has_version in gnu if has_version}
    for hit, has_version in gnu:
        if has_version or hit.expression.split("-")[0] not in versioned:
            yield hit


def _text_hits(run: Run) -> Iterator[Hit]:
    for licence, pattern in _TEXTS:
        match = pattern.search(run.text)
        if match is None:
            continue
        if licence == "BSD":
            licence = "BSD-3-Clause" if _BSD_THIRD_CLAUSE.search(run.text) else "BSD-2-Clause"
        yield Hit("text", licence, *run.line_at(match.start()))


def _tag_hits(run: Run) -> Iterator[Hit]:
    for n, raw in zip(run.line_numbers, run.raw, strict=True):
        match = _SPDX_TAG.search(raw)
        if match:
            # A licence id never ends in `-`: trailing ones open a closer such as `-->`.
            yield Hit("tag", match.group(1).rstrip(" \t-"), n, raw)


def hits_in(run: Run) -> list[Hit]:
    """Tags, texts, and notices not already explained by a text, once per licence per run."""
    texts = list({h.expression: h for h in reversed(list(_text_hits(run)))}.values())
    explained = {canonical(h.expression) for h in texts} | {h.expression for h in texts}
    notices: dict[str, Hit] = {}
    for hit in sorted(_notice_hits(run), key=lambda h: h.line):
        family = hit.expression.split("-")[0]
        if hit.expression in explained or any(e.startswith(family + "-") for e in explained):
            continue
        notices.setdefault(hit.expression, hit)
    return [*_tag_hits(run), *sorted(texts, key=lambda h: h.line), *notices.values()]


def named_licences(text: str) -> list[str]:
    """The licences a licence file's text names: its tags and full texts, else its notices."""
    numbered = list(enumerate(text.split("\n")[:MAX_LINES], start=1))
    hits = [h for run in comment_runs(numbered) for h in hits_in(run)]
    named = [h for h in hits if h.kind in ("tag", "text")] or hits
    return list(dict.fromkeys(canonical(h.expression) for h in named))
