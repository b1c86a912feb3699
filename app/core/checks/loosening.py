"""Added lines that loosen the linters' or the gate's own configuration.

Read line by line from the patch (and the head text, when fetched, to know the TOML/INI section
an added line is in): a PR that ignores a rule, excludes files or switches a mypy check off is
reported where it does so. Conservative: a key it does not know is never reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.core.diff import patch_rows

AI_GATE_FILES = (".ai-gate.yml", ".ai-gate.yaml")
_RUFF_FILES = ("ruff.toml", ".ruff.toml")
_INI_FILES = ("mypy.ini", ".mypy.ini", "setup.cfg")

_SECTION = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
_KEY = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[\w.-]+)\s*[=:]\s*(.*)$")
_RUFF_LOOSE_KEYS = frozenset(
    {"ignore", "extend-ignore", "exclude", "extend-exclude", "per-file-ignores",
     "extend-per-file-ignores", "unfixable"}
)  # fmt: skip
_MYPY_TRUE_LOOSE = frozenset(
    {"ignore_errors", "ignore_missing_imports", "allow_untyped_defs", "allow_untyped_calls",
     "allow_any_generics", "implicit_optional"}
)  # fmt: skip
_MYPY_FALSE_LOOSE = re.compile(
    r"^(?:strict|disallow_\w+|check_untyped_defs|warn_\w+|no_implicit_\w+)$"
)
_MYPY_ANY_LOOSE = frozenset({"exclude", "disable_error_code"})
_GATE_LOOSE = re.compile(
    r"^\s*(?:-\s*)?(?:"
    r"enabled:\s*false|see_through:\s*false|ai_only:\s*true|applies_to:\s*ai|"
    r"disclosure:\s*(?:off|warn)|require_human_review:\s*false|human_lines:\s*false|"
    r"level:\s*notice|fail_on:\s*failure|(?:ignore|exclude|skip_label):"
    r")",
    re.IGNORECASE,
)


def _tool(path: str, section: str) -> str | None:
    name = path.rsplit("/", 1)[-1]
    if name in _RUFF_FILES:
        return "ruff"
    if name == "pyproject.toml":
        if section.startswith("tool.ruff"):
            return "ruff"
        return "mypy" if section.startswith("tool.mypy") else None
    if name in _INI_FILES and section.startswith("mypy"):
        return "mypy"
    return None


def _sections(text: str | None) -> dict[int, str]:
    """Head line -> the section it is in (from the whole head text)."""
    out: dict[int, str] = {}
    current = ""
    for n, row in enumerate((text or "").split("\n"), start=1):
        match = _SECTION.match(row)
        if match and not row.strip().startswith(("#", ";")):
            current = match.group(1).strip().strip("\"'")
        out[n] = current
    return out


def _unquote(key: str) -> str:
    return key.strip("\"'")


def _per_module(section: str) -> bool:
    return section.startswith(("tool.mypy.overrides", "mypy-"))


def _is_loose(tool: str, key: str, value: str, section: str) -> bool:
    key = _unquote(key).rsplit(".", 1)[-1]
    value = value.strip().strip(",").strip("\"'").lower()
    if tool == "ruff":
        return key in _RUFF_LOOSE_KEYS or "per-file-ignores" in section
    if key in _MYPY_ANY_LOOSE:
        return True
    if key == "ignore_missing_imports" and _per_module(section):
        return False  # the way to say a third-party module ships no types
    if key in _MYPY_TRUE_LOOSE:
        return value == "true"
    if _MYPY_FALSE_LOOSE.match(key):
        return value == "false"
    return key == "follow_imports" and value in ("skip", "silent")


def loosened_lines(
    path: str, patch: str | None, head: str | None
) -> Iterator[tuple[int, str, str]]:
    """(head line, its text, message) for each added line that loosens ruff, mypy or ai-gate."""
    name = path.rsplit("/", 1)[-1]
    if name in AI_GATE_FILES and "/" not in path:
        for kind, line, text in patch_rows(patch):
            if kind == "+" and _GATE_LOOSE.match(text):
                yield (
                    line,
                    text,
                    (
                        f"Loosens ai-gate's configuration (`{text.strip()}`); it takes effect "
                        "once merged, so a maintainer should decide it."
                    ),
                )
        return
    if name not in (*_RUFF_FILES, *_INI_FILES, "pyproject.toml"):
        return
    sections = _sections(head)
    section, key = "", ""
    for kind, line, text in patch_rows(patch):
        if kind == "@":
            key = ""
            continue
        if kind == "-":
            continue
        match = _SECTION.match(text)
        if match:
            section, key = match.group(1).strip().strip("\"'"), ""
            continue
        current = sections.get(line, section) if head is not None else section
        tool = _tool(path, current)
        pair = _KEY.match(text)
        if pair:
            key = pair.group(1)
        if tool is None or kind != "+" or not key or text.strip().startswith(("#", ";")):
            continue
        value = pair.group(2) if pair else text
        if _is_loose(tool, key, value, current):
            yield (
                line,
                text,
                (
                    f"Loosens the {tool} configuration (`{text.strip()}` under "
                    f"`[{current}]`): findings it would report are no longer checked."
                ),
            )
