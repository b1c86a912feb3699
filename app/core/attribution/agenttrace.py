"""Agent Trace (cursor/agent-trace, `.agent-trace/traces.jsonl`) read into head-line records.

"Ranges reference positions at the recorded revision" (`vcs.revision`), but the reference hook
records `git rev-parse HEAD` *before* the agent's edit is committed, so its ranges describe the
next commit's version of the file. A range recorded at R therefore matches the origins in R
itself and in the PR commits whose first parent is R. A record at the head, or without `vcs`,
is read as head line numbers. Other records need origins; without them (or when R is unknown)
they are skipped with a note. Only `ai` contributors count (`mixed`, `human` and `unknown` do
not); content hashes are not used.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeGuard

from app.core.attribution.records import (
    HEX,
    Budget,
    Origins,
    as_dict,
    as_list,
    bounded,
    canonical_model,
    capped,
    safe_path,
    tool_id,
)
from app.core.models import LineRecord

# Where the Agent Trace reference implementation appends its records (cursor/agent-trace).
AGENT_TRACE_PATH = ".agent-trace/traces.jsonl"
# Pseudo-paths the Agent Trace reference hook writes for shell commands and session events.
_PSEUDO_PATHS = frozenset({".sessions", ".shell-history", ".unknown"})


@dataclass(frozen=True)
class TraceRange:
    """AI lines of one file as an Agent Trace record numbers them, at `revision` (None: head)."""

    path: str
    lines: frozenset[int]
    tool: str
    model: str | None
    source: str
    revision: str | None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_ai(contributor: object) -> bool | None:
    """True/False from a contributor's type; None when no contributor is given."""
    fields = as_dict(contributor)
    return None if "type" not in fields else fields["type"] == "ai"


def _trace_lines(
    conversation: dict[str, object], budget: Budget, where: str, notes: list[str]
) -> Iterator[tuple[frozenset[int], str | None]]:
    """(lines, model) per AI range of one conversation; a range may override the contributor."""
    default = as_dict(conversation.get("contributor"))
    for item in as_list(conversation.get("ranges")):
        rng = as_dict(item)
        start, end = rng.get("start_line"), rng.get("end_line")
        if not _is_int(start) or not _is_int(end):
            notes.append(f"{where}: a range without integer start_line/end_line was skipped.")
            continue
        own = as_dict(rng.get("contributor"))
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
    record: dict[str, object], source: str, budget: Budget, notes: list[str]
) -> list[TraceRange]:
    tool = tool_id(str(as_dict(record.get("tool")).get("name") or "unknown"))
    revision = as_dict(record.get("vcs")).get("revision")
    rev = revision.strip().lower() if isinstance(revision, str) and revision.strip() else None
    found: list[TraceRange] = []
    for entry in as_list(record.get("files")):
        file = as_dict(entry)
        raw = file.get("path")
        if not isinstance(raw, str) or raw.strip() in _PSEUDO_PATHS:
            continue
        path = safe_path(raw)
        if path is None:
            notes.append(f"{source}: path {raw[:200]!r} is not inside the repository; ignored.")
            continue
        by_model: dict[str | None, frozenset[int]] = {}
        for conv in as_list(file.get("conversations")):
            for lines, model in _trace_lines(as_dict(conv), budget, source, notes):
                by_model[model] = by_model.get(model, frozenset()) | lines
        found += [TraceRange(path, ls, tool, m, source, rev) for m, ls in by_model.items()]
    return found


def read_agent_trace(text: str, source_path: str) -> tuple[list[TraceRange], list[str]]:
    """Every AI range of a JSON Lines trace file, with notes about lines that were skipped."""
    notes: list[str] = []
    text = bounded(text, f"`{source_path}`", notes)
    budget = Budget()
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
        ranges.extend(_trace_record(as_dict(value), source, budget, notes))
    return ranges, capped(notes)


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
    if not HEX.match(revision):
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
    return records, capped(notes + placing)
