"""Names a change unbinds: module-level imports, definitions and assignments on the lines a
patch removes.

An undefined name on a line the change did not touch is normally not the change's doing, and
findings stay on added lines. But when the change removed the module-level import or
definition of that very name (an "unused imports" clean-up, a function deleted), the
`NameError` waiting on the untouched line is the change's: ruff's F821 there is reported as
the change's finding. Only module-level bindings count — a binding removed inside a function
says nothing certain about another scope — and only names ruff calls undefined at the head.
"""

from __future__ import annotations

import re

from app.core.diff import patch_rows

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_IMPORT = re.compile(r"import\s+(?P<names>.+)")
_FROM = re.compile(rf"from\s+\.*(?:{_IDENT}(?:\.{_IDENT})*)?\s+import\s+(?P<names>.+)")
_DEF = re.compile(rf"(?:async\s+def|def|class)\s+(?P<name>{_IDENT})")
_ASSIGN = re.compile(rf"(?P<name>{_IDENT})\s*(?::[^=]+)?=(?!=)")
_UNDEFINED = re.compile(r"Undefined name `(?P<name>[^`]+)`")


def undefined_name(message: str) -> str | None:
    """The name of ruff's F821 message."""
    match = _UNDEFINED.search(message)
    return match.group("name") if match else None


def _imported(names: str, *, dotted: bool) -> list[str]:
    """The names an import's list binds: `a.b` binds `a` (plain imports), `x as y` binds `y`."""
    bound = []
    for part in names.replace("(", " ").replace(")", " ").replace("\\", " ").split(","):
        words = part.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) >= 3 and words[-2] == "as":
            bound.append(words[-1])
        elif dotted:
            bound.append(words[0].split(".", 1)[0])
        else:
            bound.append(words[0])
    return [name for name in bound if re.fullmatch(_IDENT, name)]


def removed_bindings(patch: str | None) -> dict[str, int]:
    """Name -> the head line where the patch removed a module-level binding of it."""
    found: dict[str, int] = {}
    continuing = False  # inside a removed `from m import (` spanning several rows
    for kind, line, text in patch_rows(patch):
        if kind != "-":
            continuing = False
            continue
        if continuing:
            names = _imported(text, dotted=False)
            continuing = ")" not in text
        elif text[:1].isspace() or not text.strip():
            continue
        elif match := _FROM.match(text):
            names = _imported(match.group("names"), dotted=False)
            continuing = "(" in text and ")" not in text
        elif match := _IMPORT.match(text):
            names = _imported(match.group("names"), dotted=True)
        elif match := _DEF.match(text) or _ASSIGN.match(text):
            names = [match.group("name")]
        else:
            continue
        for name in names:
            found.setdefault(name, line)
    return found
