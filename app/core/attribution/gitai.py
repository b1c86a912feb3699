"""git-ai notes (`refs/notes/ai`, git-ai's `specs/git_ai_standard_v3.0.0.md`) read into
head-line records: the note on commit C numbers lines in C's version of each file. Only lines of
sessions listed in the note's `prompts` count, as the standard requires of every attestation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.attribution.records import (
    HEX,
    Budget,
    Origins,
    as_dict,
    bounded,
    canonical_model,
    capped,
    safe_path,
    tool_id,
)
from app.core.models import LineRecord

GIT_AI_REF = "refs/notes/ai"
_RANGES = re.compile(r"^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$")


@dataclass(frozen=True)
class NotedLines:
    """Lines of one file (numbered in the noted commit) that one agent session wrote."""

    path: str
    lines: frozenset[int]
    tool: str
    model: str | None


@dataclass(frozen=True)
class GitAiNote:
    """A git-ai authorship log attached to one commit."""

    commit_sha: str
    files: tuple[NotedLines, ...] = ()
    notes: tuple[str, ...] = ()

    def lines_of(self, path: str) -> dict[int, tuple[str, str | None]]:
        """Line number -> (tool, model) for one file; a later session wins, as in git-ai."""
        marked: dict[int, tuple[str, str | None]] = {}
        for noted in self.files:
            if noted.path == path:
                marked.update(dict.fromkeys(noted.lines, (noted.tool, noted.model)))
        return marked


def _note_path(line: str) -> str:
    line = line.rstrip()
    if len(line) >= 2 and line.startswith('"') and line.endswith('"'):
        return line[1:-1]
    return line


def _ranges(spec: str, budget: Budget) -> frozenset[int] | None:
    if not _RANGES.match(spec):
        return None
    lines: set[int] = set()
    for part in spec.split(","):
        start, _, end = part.partition("-")
        expanded = budget.expand(int(start), int(end or start))
        if expanded is None:
            return None
        lines |= expanded
    return frozenset(lines)


def _attestations(
    section: Sequence[str], where: str, notes: list[str]
) -> list[tuple[str, str, frozenset[int]]]:
    """(path, session hash, lines) for each entry of the attestation section."""
    budget = Budget()
    found: list[tuple[str, str, frozenset[int]]] = []
    path: str | None = None
    for raw in section:
        line = raw.rstrip()
        if not line:
            continue
        if not line.startswith("  "):
            path = safe_path(_note_path(line))
            if path is None:
                notes.append(f"{where}: path {line[:200]!r} is not inside the repository.")
                path = ""  # its entries are skipped without a note each
            continue
        if path == "":
            continue
        session, _, spec = line[2:].partition(" ")
        lines = _ranges(spec.strip(), budget)
        if path is None or lines is None or not HEX.match(session):
            notes.append(f"{where}: attestation line {line.strip()[:80]!r} was skipped.")
            continue
        found.append((path, session.lower(), lines))
    return found


def _prompts(json_text: str, where: str, notes: list[str]) -> dict[str, tuple[str, str | None]]:
    """Session hash -> (tool, model) from the metadata section."""
    try:
        meta: object = json.loads(json_text)
    except (ValueError, RecursionError):
        notes.append(f"{where}: the metadata section is not valid JSON.")
        return {}
    prompts: dict[str, tuple[str, str | None]] = {}
    for key, value in as_dict(as_dict(meta).get("prompts")).items():
        agent = as_dict(as_dict(value).get("agent_id"))
        tool = agent.get("tool")
        if isinstance(tool, str) and tool.strip():
            prompts[key.lower()] = (tool_id(tool), canonical_model(agent.get("model")))
    return prompts


def parse_git_ai_note(commit_sha: str, text: str) -> GitAiNote:
    """The AI lines a git-ai authorship log (`refs/notes/ai`) gives for each file of a commit."""
    where = f"{GIT_AI_REF}:{commit_sha[:12]}"
    notes: list[str] = []
    text = bounded(text, where, notes)
    lines = text.splitlines()
    if "---" not in lines:
        return GitAiNote(commit_sha, (), (f"{where}: not a git-ai authorship log (no `---`).",))
    divider = lines.index("---")
    entries = _attestations(lines[:divider], where, notes)
    prompts = _prompts("\n".join(lines[divider + 1 :]), where, notes)
    files: list[NotedLines] = []
    for path, session, marked in entries:
        agent = prompts.get(session)
        if agent is None:
            notes.append(f"{where}: session {session} of `{path}` is not in the note's prompts.")
            continue
        files.append(NotedLines(path, marked, agent[0], agent[1]))
    return GitAiNote(commit_sha, tuple(files), tuple(capped(notes)))


def note_records(notes: Iterable[GitAiNote], origins: Origins) -> list[LineRecord]:
    """Head lines whose origin line a git-ai note marks as AI, one record per file and agent."""
    by_commit = {note.commit_sha: note for note in notes}
    grouped: dict[tuple[str, str, str | None, str], set[int]] = {}
    marks: dict[tuple[str, str], dict[int, tuple[str, str | None]]] = {}
    for head_path, file_origins in origins.items():
        for head_line, (sha, path, line) in file_origins.items():
            note = by_commit.get(sha)
            if note is None:
                continue
            if (sha, path) not in marks:
                marks[sha, path] = note.lines_of(path)
            agent = marks[sha, path].get(line)
            if agent is not None:
                grouped.setdefault((head_path, agent[0], agent[1], sha), set()).add(head_line)
    return [
        LineRecord(
            path=path, lines=frozenset(lines), tool=tool, model=model, source=f"{GIT_AI_REF}:{sha}"
        )
        for (path, tool, model, sha), lines in sorted(grouped.items(), key=lambda kv: str(kv[0]))
    ]
