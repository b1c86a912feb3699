"""Where each added line of a range comes from, read from git for the lines attribution needs:
`git blame` over base..head only for files AI and human commits both touched, and the records
agents leave (Agent Trace at the head, git-ai notes on the commits)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from app.adapters.git import Git
from app.adapters.localgit import EMPTY_TREE, SYMLINK, ZERO, tree_entries
from app.core.attribution.agenttrace import AGENT_TRACE_PATH, parse_agent_trace
from app.core.attribution.gitai import GIT_AI_REF, GitAiNote, note_records, parse_git_ai_note
from app.core.attribution.lines import paths_needing_history
from app.core.attribution.records import MAX_TEXT_CHARS, Origin, Origins
from app.core.models import (
    Commit,
    LineRecord,
    PullRequestSnapshot,
)
from app.errors import UsageError

MAX_TRACE_BYTES = 4 * MAX_TEXT_CHARS  # 4 bytes: UTF-8's widest character
BLAME_WORKERS = 2


def blame_origins(git: Git, base: str, head: str, path: str) -> dict[int, Origin]:
    """Head line -> (commit, path in it, line number in it) from `git blame` over base..head:
    lines older than the range are blamed on its boundary, never walked back further."""
    out = git.run("blame", "--porcelain", f"{base}..{head}", "--", path).decode(errors="replace")
    origins: dict[int, Origin] = {}
    # Porcelain names a commit's file only in that commit's first group (git-blame(1)).
    filenames: dict[str, str] = {}
    pending: list[tuple[int, str, int]] = []  # head line, sha, original line
    for line in out.splitlines():
        if line.startswith("\t"):
            continue
        parts = line.split(" ")
        if len(parts) >= 3 and len(parts[0]) in (40, 64) and parts[1].isdigit():
            if parts[2].isdigit():
                pending.append((int(parts[2]), parts[0], int(parts[1])))
        elif parts[0] == "filename" and pending:
            filenames.setdefault(pending[-1][1], line[len("filename ") :])
    for final, sha, original in pending:
        origins[final] = (sha, filenames.get(sha, path), original)
    return origins


def blame_paths(
    git: Git, base: str, head: str, paths: Sequence[str]
) -> dict[str, dict[int, Origin]]:
    """Blame these files, their versions in the range fetched first in one batch; a few at once
    (each `git blame` is one process waiting on its own reads)."""
    if not paths:
        return {}
    if git.partial:
        out = git.run(
            "log",
            "--format=",
            "--raw",
            "-z",
            "--no-abbrev",
            "-M",
            "-m",
            f"{base}..{head}",
            "--",
            *paths,
        ).split(b"\0")
        oids = [
            oid
            for field in out
            if field.startswith(b":")
            for oid in field.decode().split()[2:4]
            if oid != ZERO
        ]
        git.prefetch(oids)
    with ThreadPoolExecutor(max_workers=BLAME_WORKERS) as pool:
        results = pool.map(lambda p: (p, blame_origins(git, base, head, p)), paths)
        return dict(results)


def git_ai_notes(git: Git, shas: Iterable[str]) -> tuple[list[GitAiNote], list[str]]:
    """The git-ai authorship logs attached to these commits; absent notes give nothing."""
    wanted = set(shas)
    try:
        listing = git.run("notes", f"--ref={GIT_AI_REF}", "list", ok_codes=(0, 1, 128))
        blobs = {}
        for row in listing.decode(errors="replace").splitlines():
            blob, _, annotated = row.partition(" ")
            if annotated in wanted:
                blobs[annotated] = blob
        git.prefetch(blobs.values())
        texts = dict(git.blobs(sorted(set(blobs.values()))))
        notes = [
            parse_git_ai_note(sha, (texts.get(blob) or b"").decode(errors="replace"))
            for sha, blob in sorted(blobs.items())
        ]
    except UsageError as exc:
        # The notes are an extra: a broken notes ref must not stop the analysis.
        return [], [f"git-ai notes (`{GIT_AI_REF}`) could not be read: {exc}"]
    return notes, [n for note in notes for n in note.notes]


def agent_trace(git: Git, head: str) -> str | None:
    """The head's Agent Trace file, when there is one (its parser reads a bounded prefix)."""
    entry = tree_entries(git, head, [AGENT_TRACE_PATH]).get(AGENT_TRACE_PATH)
    if entry is None or entry[0] == SYMLINK:
        return None
    git.prefetch([entry[1]])
    data = dict(git.blobs([entry[1]])).get(entry[1]) or b""
    return data[:MAX_TRACE_BYTES].decode("utf-8", errors="replace")


def local_records(
    git: Git, head_sha: str, found: Sequence[Commit], origins: Origins
) -> tuple[tuple[LineRecord, ...], list[str]]:
    """Authorship records of the range: git-ai notes on its commits, and the head's Agent Trace."""
    notes_found, notes = git_ai_notes(git, (c.sha for c in found))
    records = note_records(notes_found, origins)
    trace = agent_trace(git, head_sha)
    if trace is not None:
        parents = {c.sha: c.parents[0] if c.parents else EMPTY_TREE for c in found}
        traced, trace_notes = parse_agent_trace(
            trace, AGENT_TRACE_PATH, head_sha=head_sha, origins=origins, parents=parents
        )
        records += traced
        notes += trace_notes
    return tuple(records), notes


def has_records(git: Git, head_sha: str, found: Sequence[Commit]) -> bool:
    """Whether authorship records exist for the range (then its lines need their origins)."""
    if AGENT_TRACE_PATH in tree_entries(git, head_sha, [AGENT_TRACE_PATH]):
        return True
    listing = git.run("notes", f"--ref={GIT_AI_REF}", "list", ok_codes=(0, 1, 128)).decode()
    annotated = {row.partition(" ")[2] for row in listing.splitlines()}
    return any(c.sha in annotated for c in found)


def with_line_history(
    git: Git, snapshot: PullRequestSnapshot, ai_commits: frozenset[str]
) -> PullRequestSnapshot:
    """The snapshot with each added line's commit of origin where AI and human commits both
    touched its file (`ai_commits`: the commits attributed to agents), or where records need
    it, and the Agent Trace records and git-ai notes of the range."""
    files, found = snapshot.files, snapshot.commits
    with_added = [f.path for f in files if f.status != "removed" and f.patch and f.additions]
    if has_records(git, snapshot.head_sha, found):
        paths = with_added
    else:
        paths = sorted(paths_needing_history(with_added, snapshot.touched or {}, found, ai_commits))
    origins = blame_paths(git, snapshot.base_sha, snapshot.head_sha, paths)
    records, record_notes = local_records(git, snapshot.head_sha, found, origins)
    blame = {path: {n: o[0] for n, o in lines.items()} for path, lines in origins.items()}
    return snapshot.model_copy(
        update={"blame": blame, "records": records, "notes": (*snapshot.notes, *record_notes)}
    )
