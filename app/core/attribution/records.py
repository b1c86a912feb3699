"""Line-level authorship records kept with the code: Agent Trace files and git-ai notes.

Both formats number lines in some commit's version of a file, not the head's. A head line's
origin (the commit that last introduced it and its line number there, from `git blame`) links
the two: the line is AI when a record for that commit marks that original line.

- git-ai (`refs/notes/ai`, git-ai's `specs/git_ai_standard_v3.0.0.md`): the note on commit C
  numbers lines in C's version of each file. Only lines of sessions listed in the note's
  `prompts` count, as the standard requires of every attestation.
- Agent Trace (cursor/agent-trace, `.agent-trace/traces.jsonl`): "ranges reference positions at
  the recorded revision" (`vcs.revision`), but the reference hook records `git rev-parse HEAD`
  *before* the agent's edit is committed, so its ranges describe the next commit's version of
  the file. A range recorded at R therefore matches the origins in R itself and in the PR
  commits whose first parent is R. A record at the head, or without `vcs`, is read as head line
  numbers. Other records need origins; without them (or when R is unknown) they are skipped
  with a note. Only `ai` contributors count (`mixed`, `human` and `unknown` do not); content
  hashes are not used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from app.core.models import LineRecord

# A head line's origin: (commit sha, path in that commit, line number in that commit's file).
Origin = tuple[str, str, int]
# Head path -> head line -> origin.
Origins = Mapping[str, Mapping[int, Origin]]

MAX_TEXT_CHARS = 5_000_000
MAX_LINE_NUMBER = 1_000_000
MAX_LINES_TOTAL = 2_000_000
MAX_NOTES = 20
GIT_AI_REF = "refs/notes/ai"
# Pseudo-paths the Agent Trace reference hook writes for shell commands and session events.
_PSEUDO_PATHS = frozenset({".sessions", ".shell-history", ".unknown"})
_HEX = re.compile(r"^[0-9a-fA-F]{7,64}$")
_RANGES = re.compile(r"^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$")

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

# Where the Agent Trace reference implementation appends its records (cursor/agent-trace).
AGENT_TRACE_PATH = ".agent-trace/traces.jsonl"


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


class _Budget:
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


def _cap(notes: list[str]) -> list[str]:
    if len(notes) <= MAX_NOTES:
        return notes
    return [*notes[:MAX_NOTES], f"… and {len(notes) - MAX_NOTES} more record problems."]


def _bounded(text: str, what: str, notes: list[str]) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    notes.append(f"{what} is over {MAX_TEXT_CHARS:,} characters: only the start was read.")
    return text[:MAX_TEXT_CHARS]


# --- Agent Trace -------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceRange:
    """AI lines of one file as an Agent Trace record numbers them, at `revision` (None: head)."""

    path: str
    lines: frozenset[int]
    tool: str
    model: str | None
    source: str
    revision: str | None


def _dict(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_ai(contributor: object) -> bool | None:
    """True/False from a contributor's type; None when no contributor is given."""
    fields = _dict(contributor)
    return None if "type" not in fields else fields["type"] == "ai"


def _trace_lines(
    conversation: dict[str, object], budget: _Budget, where: str, notes: list[str]
) -> Iterator[tuple[frozenset[int], str | None]]:
    """(lines, model) per AI range of one conversation; a range may override the contributor."""
    default = _dict(conversation.get("contributor"))
    for item in _list(conversation.get("ranges")):
        rng = _dict(item)
        start, end = rng.get("start_line"), rng.get("end_line")
        if not _is_int(start) or not _is_int(end):
            notes.append(f"{where}: a range without integer start_line/end_line was skipped.")
            continue
        own = _dict(rng.get("contributor"))
        ai = _is_ai(own)
        contributor = own if ai is not None else default
        if not (ai if ai is not None else _is_ai(default)):
            continue
        lines = budget.expand(start, end)
        if lines is None:
            notes.append(f"{where}: range {start}-{end} is invalid or too large; skipped.")
            continue
        yield lines, canonical_model(contributor.get("model_id"))


def _trace_record(
    record: dict[str, object], source: str, budget: _Budget, notes: list[str]
) -> list[TraceRange]:
    tool = tool_id(str(_dict(record.get("tool")).get("name") or "unknown"))
    revision = _dict(record.get("vcs")).get("revision")
    rev = revision.strip().lower() if isinstance(revision, str) and revision.strip() else None
    found: list[TraceRange] = []
    for entry in _list(record.get("files")):
        file = _dict(entry)
        raw = file.get("path")
        if not isinstance(raw, str) or raw.strip() in _PSEUDO_PATHS:
            continue
        path = safe_path(raw)
        if path is None:
            notes.append(f"{source}: path {raw[:200]!r} is not inside the repository; ignored.")
            continue
        by_model: dict[str | None, frozenset[int]] = {}
        for conv in _list(file.get("conversations")):
            for lines, model in _trace_lines(_dict(conv), budget, source, notes):
                by_model[model] = by_model.get(model, frozenset()) | lines
        found += [TraceRange(path, ls, tool, m, source, rev) for m, ls in by_model.items()]
    return found


def read_agent_trace(text: str, source_path: str) -> tuple[list[TraceRange], list[str]]:
    """Every AI range of a JSON Lines trace file, with notes about lines that were skipped."""
    notes: list[str] = []
    text = _bounded(text, f"`{source_path}`", notes)
    budget = _Budget()
    ranges: list[TraceRange] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{source_path}:{number}"
        try:
            value: object = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            notes.append(f"{source}: not valid JSON; skipped.")
            continue
        if not isinstance(value, dict) or not isinstance(value.get("files"), list):
            notes.append(f"{source}: not an Agent Trace record (no `files` list); skipped.")
            continue
        ranges.extend(_trace_record(_dict(value), source, budget, notes))
    return ranges, _cap(notes)


def _same_commit(revision: str, sha: str) -> bool:
    # Abbreviated revisions are allowed, but never shorter than git's default of 7.
    return len(revision) >= 7 and sha.lower().startswith(revision)


# (commit, path in that commit) -> line number there -> (head path, head line).
_Index = dict[tuple[str, str], dict[int, tuple[str, int]]]


def _index(origins: Origins) -> _Index:
    index: _Index = {}
    for head_path, lines in origins.items():
        for head_line, (sha, path, line) in lines.items():
            index.setdefault((sha, path), {})[line] = (head_path, head_line)
    return index


def _placed_lines(
    rng: TraceRange, index: _Index, parents: Mapping[str, str]
) -> dict[str, set[int]] | None:
    """Head lines (by head path) of a range recorded at an earlier revision; None when that
    revision is neither a PR commit nor the parent of one."""
    revision = rng.revision or ""
    if not _HEX.match(revision):
        return None  # not a git sha (a jj change id, say): nothing to match origins against
    # The commits whose version of the file the range may number: the revision itself and
    # the commits made on top of it (the reference hook records HEAD before committing).
    commits = {sha for sha in parents if _same_commit(revision, sha)}
    commits |= {sha for sha, parent in parents.items() if _same_commit(revision, parent)}
    if not commits:
        return None
    placed: dict[str, set[int]] = {}
    for sha in commits:
        for line, (head_path, head_line) in index.get((sha, rng.path), {}).items():
            if line in rng.lines:
                placed.setdefault(head_path, set()).add(head_line)
    return placed


def place_traces(
    ranges: Iterable[TraceRange],
    *,
    head_sha: str | None,
    origins: Origins | None,
    parents: Mapping[str, str] | None = None,
) -> tuple[list[LineRecord], list[str]]:
    """Trace ranges as head-line records; `parents` maps each PR commit to its first parent."""
    index = _index(origins) if origins is not None else None
    records: list[LineRecord] = []
    unplaced: set[str] = set()
    for rng in ranges:
        placed: dict[str, set[int]] | None = None
        if rng.revision is None or (head_sha and _same_commit(rng.revision, head_sha)):
            placed = {rng.path: set(rng.lines)}
        elif index is not None and parents is not None:
            placed = _placed_lines(rng, index, parents)
        if placed is None:
            unplaced.add(rng.source)
            continue
        records += [
            LineRecord(
                path=path, lines=frozenset(lines), tool=rng.tool, model=rng.model, source=rng.source
            )
            for path, lines in sorted(placed.items())
            if lines
        ]
    notes = []
    if unplaced:
        # Old records of earlier branches stay in the file: one note, not one per record.
        notes.append(
            f"{len(unplaced)} Agent Trace record(s) were made at revisions outside this PR "
            "(neither the head nor its commits or their parents); they were not used."
            if origins is not None
            else f"{len(unplaced)} Agent Trace record(s) were made at earlier revisions; without "
            "`git blame` their lines cannot be placed at the head, so they were not used."
        )
    return records, notes


def parse_agent_trace(
    text: str,
    source_path: str,
    *,
    head_sha: str | None = None,
    origins: Origins | None = None,
    parents: Mapping[str, str] | None = None,
) -> tuple[list[LineRecord], list[str]]:
    """Head-line records from an Agent Trace JSONL file, and notes about what was skipped."""
    ranges, notes = read_agent_trace(text, source_path)
    records, placing = place_traces(ranges, head_sha=head_sha, origins=origins, parents=parents)
    return records, _cap(notes + placing)


# --- git-ai ------------------------------------------------------------------------------


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


def _ranges(spec: str, budget: _Budget) -> frozenset[int] | None:
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
    budget = _Budget()
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
        if path is None or lines is None or not _HEX.match(session):
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
    for key, value in _dict(_dict(meta).get("prompts")).items():
        agent = _dict(_dict(value).get("agent_id"))
        tool = agent.get("tool")
        if isinstance(tool, str) and tool.strip():
            prompts[key.lower()] = (tool_id(tool), canonical_model(agent.get("model")))
    return prompts


def parse_git_ai_note(commit_sha: str, text: str) -> GitAiNote:
    """The AI lines a git-ai authorship log (`refs/notes/ai`) gives for each file of a commit."""
    where = f"{GIT_AI_REF}:{commit_sha[:12]}"
    notes: list[str] = []
    text = _bounded(text, where, notes)
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
    return GitAiNote(commit_sha, tuple(files), tuple(_cap(notes)))


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
