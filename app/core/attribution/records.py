"""Line-level authorship records kept with the code (Agent Trace files, `agenttrace`; git-ai
notes, `gitai`): what both formats share.

Both formats number lines in some commit's version of a file, not the head's. A head line's
origin (the commit that last introduced it and its line number there, from `git blame`) links
the two: the line is AI when a record for that commit marks that original line. Every parse is
bounded (text, line numbers, lines in all, notes): a hostile record cannot exhaust memory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# A head line's origin: (commit sha, path in that commit, line number in that commit's file).
Origin = tuple[str, str, int]
# Head path -> head line -> origin.
Origins = Mapping[str, Mapping[int, Origin]]

MAX_TEXT_CHARS = 5_000_000
MAX_LINE_NUMBER = 1_000_000
MAX_LINES_TOTAL = 2_000_000
MAX_NOTES = 20
HEX = re.compile(r"^[0-9a-fA-F]{7,64}$")

# Tool names used by Agent Trace writers and git-ai presets -> our tool ids (app/core/catalogue).
_TOOL_IDS: Mapping[str, str] = {
    "claude": "claude-code",
    "claude-code": "claude-code",
    "claude code": "claude-code",
    "claude_code": "claude-code",
    "cursor": "cursor",
    "cursor-agent": "cursor",
    "cursor-cli": "cursor",
    "codex": "codex",
    "codex-cli": "codex",
    "openai-codex": "codex",
    "copilot": "copilot-agent",
    "github-copilot": "copilot-agent",
    "github-copilot-cli": "copilot-agent",
    "copilot-agent": "copilot-agent",
    "copilot-cli": "copilot-agent",
    "aider": "aider",
    "devin": "devin",
    "cognition": "devin",
    "jules": "jules",
    "google-jules": "jules",
    "openhands": "openhands",
    "amp": "amp",
    "ampcode": "amp",
    "crush": "crush",
    "opencode": "opencode",
    "droid": "factory",
    "factory": "factory",
    "factory-droid": "factory",
    "warp": "warp",
}


def tool_id(name: str) -> str:
    """Our id for a tool name written by a record; unknown names are kept, lower-cased."""
    key = name.strip().lower()
    return _TOOL_IDS.get(key, key or "unknown")


def canonical_model(model: object) -> str | None:
    """The model as given, lower-cased; placeholders such as git-ai's `unknown` are None."""
    if not isinstance(model, str):
        return None
    value = model.strip().lower()
    return None if value in ("", "unknown", "default", "auto") else value


def safe_path(raw: str) -> str | None:
    """A repository-relative path, or None for absolute or escaping paths."""
    path = raw.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    if not path or "\0" in path or path.startswith("/") or re.match(r"^[A-Za-z]:/", path):
        return None
    if any(part == ".." for part in path.split("/")):
        return None
    return path


class Budget:
    """Caps the line numbers a parse may expand, so a hostile range cannot exhaust memory."""

    def __init__(self) -> None:
        self.left = MAX_LINES_TOTAL

    def expand(self, start: int, end: int) -> frozenset[int] | None:
        if start < 1 or end < start:
            return None
        end = min(end, MAX_LINE_NUMBER)
        if start > end or end - start + 1 > self.left:
            return None
        self.left -= end - start + 1
        return frozenset(range(start, end + 1))


def capped(notes: list[str]) -> list[str]:
    if len(notes) <= MAX_NOTES:
        return notes
    return [*notes[:MAX_NOTES], f"… and {len(notes) - MAX_NOTES} more record problems."]


def bounded(text: str, what: str, notes: list[str]) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    notes.append(f"{what} is over {MAX_TEXT_CHARS:,} characters: only the start was read.")
    return text[:MAX_TEXT_CHARS]


def as_dict(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []
