"""A local git checkout as a PullRequestSnapshot, for `ai-gate check`. Read-only git commands."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from app.core.basefiles import BASE_FILES
from app.core.models import (
    Commit,
    FileDiff,
    FileStatus,
    Identity,
    LineRecord,
    PullRequestSnapshot,
)
from app.core.records import (
    AGENT_TRACE_PATH,
    GIT_AI_REF,
    MAX_TEXT_CHARS,
    GitAiNote,
    Origin,
    Origins,
    note_records,
    parse_agent_trace,
    parse_git_ai_note,
)
from app.errors import SourceError, UsageError

MAX_TEXT_BYTES = 1_000_000
_STATUS: dict[str, FileStatus] = {
    "A": "added",
    "M": "modified",
    "D": "removed",
    "R": "renamed",
    "C": "copied",
    "T": "changed",
}
# git's well-known id of the empty tree: the "parent" of a root commit.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
MAX_TRACE_BYTES = 4 * MAX_TEXT_CHARS  # 4 bytes: UTF-8's widest character


class LocalGit:
    """Runs git in one repository and maps its output to our types."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo

    def git(self, *args: str, ok_codes: tuple[int, ...] = (0,)) -> bytes:
        """Output of one git command; a failure becomes a UsageError naming the command."""
        try:
            done = subprocess.run(
                ["git", "-c", "core.quotePath=false", *args],
                cwd=self.repo,
                capture_output=True,
                check=False,
            )
        except FileNotFoundError as exc:
            raise UsageError("git is not installed or not on PATH") from exc
        if done.returncode not in ok_codes:
            message = done.stderr.decode(errors="replace").strip()
            raise UsageError(f"git {' '.join(args[:3])} failed: {message}")
        return done.stdout

    def rev(self, ref: str) -> str:
        """The commit sha a ref names."""
        out = self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok_codes=(0, 1))
        return out.decode().strip()

    def default_base(self, head: str) -> str:
        """The merge base of head with the default branch (origin/HEAD, main or master)."""
        for candidate in ("origin/HEAD", "origin/main", "origin/master", "main", "master"):
            out = self.git("rev-parse", "--verify", "--quiet", candidate, ok_codes=(0, 1))
            if out.strip():
                base = self.git("merge-base", candidate, head, ok_codes=(0, 1)).decode().strip()
                if base:
                    return base
        raise UsageError("cannot find the default branch; pass --base REF")

    def commits(self, base: str, head: str) -> tuple[Commit, ...]:
        """Commits in base..head, oldest first."""
        fmt = "%x00".join(["%H", "%an", "%ae", "%cn", "%ce", "%P", "%B"]) + "%x1e"
        # Topological order, oldest first: the order in which patches can be replayed.
        out = self.git(
            "log", "--topo-order", "--reverse", f"--format={fmt}", f"{base}..{head}"
        ).decode(errors="replace")
        commits = []
        for record in out.split("\x1e"):
            fields = record.strip("\n").split("\x00")
            if len(fields) != 7:
                continue
            sha, an, ae, cn, ce, parents, message = fields
            commits.append(
                Commit(
                    sha=sha,
                    message=message,
                    author=Identity(name=an, email=ae),
                    committer=Identity(name=cn, email=ce),
                    parents=tuple(parents.split()),
                )
            )
        return tuple(commits)

    def files(self, base: str, head: str) -> tuple[FileDiff, ...]:
        """Changed files of base...head with GitHub-style patches (3 lines of context)."""
        raw = self.git("diff", "--raw", "-z", "-M", "--no-abbrev", base, head).split(b"\0")
        entries: list[tuple[str, str, str | None]] = []  # status letter, blob, previous path
        paths: list[str] = []
        i = 0
        while i < len(raw) - 1:
            meta = raw[i].decode().split()
            status = meta[4][0]
            if status in ("R", "C"):
                entries.append((status, meta[3], raw[i + 1].decode()))
                paths.append(raw[i + 2].decode())
                i += 3
            else:
                entries.append((status, meta[3], None))
                paths.append(raw[i + 1].decode())
                i += 2
        result = []
        for (status, blob, previous), path in zip(entries, paths, strict=True):
            patch = self._patch(base, head, path, previous)
            added = sum(1 for line in (patch or "").splitlines() if line.startswith("+"))
            deleted = sum(1 for line in (patch or "").splitlines() if line.startswith("-"))
            result.append(
                FileDiff(
                    path=path,
                    status=_STATUS.get(status, "modified"),
                    previous_path=previous,
                    blob_sha=None if status == "D" else blob,
                    patch=patch,
                    additions=added,
                    deletions=deleted,
                )
            )
        return tuple(result)

    def _patch(self, base: str, head: str, path: str, previous: str | None) -> str | None:
        names = [previous, path] if previous else [path]
        out = self.git(
            "diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", base, head, "--", *names
        ).decode(errors="replace")
        if "\n@@" not in out and not out.startswith("@@"):
            return None  # binary, or a pure rename
        return out[out.index("@@") :].rstrip("\n")

    def blame(self, head: str, path: str) -> dict[int, str]:
        """Head line number -> sha of the commit that last introduced the line."""
        return {line: origin[0] for line, origin in self.blame_origins(head, path).items()}

    def blame_origins(self, head: str, path: str) -> dict[int, Origin]:
        """Head line number -> (commit, path in it, line number in it) from `git blame`."""
        out = self.git("blame", "--porcelain", head, "--", path).decode(errors="replace")
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

    def git_ai_notes(self, shas: Iterable[str]) -> tuple[list[GitAiNote], list[str]]:
        """The git-ai authorship logs attached to these commits; absent notes give nothing."""
        wanted = set(shas)
        try:
            listing = self.git("notes", f"--ref={GIT_AI_REF}", "list", ok_codes=(0, 1, 128))
            blobs = {}
            for row in listing.decode(errors="replace").splitlines():
                blob, _, annotated = row.partition(" ")
                if annotated in wanted:
                    blobs[annotated] = blob
            notes = [
                parse_git_ai_note(sha, self.git("cat-file", "blob", blob).decode(errors="replace"))
                for sha, blob in sorted(blobs.items())
            ]
        except UsageError as exc:
            # The notes are an extra: a broken notes ref must not stop the analysis.
            return [], [f"git-ai notes (`{GIT_AI_REF}`) could not be read: {exc}"]
        return notes, [n for note in notes for n in note.notes]

    def size_at(self, rev: str, path: str) -> int | None:
        """The size in bytes of a file at a revision; None when there is no such file."""
        kind = self.git("cat-file", "-t", f"{rev}:{path}", ok_codes=(0, 128)).strip()
        if kind != b"blob":
            return None
        return int(self.git("cat-file", "-s", f"{rev}:{path}").strip())

    def commit_files(self, commit: Commit) -> tuple[FileDiff, ...]:
        """A commit's own patches (against its first parent), as GitHub's commit API gives them."""
        parent = commit.parents[0] if commit.parents else EMPTY_TREE
        return self.files(parent, commit.sha)

    def base_files(self, rev: str, paths: Sequence[str]) -> dict[str, str]:
        """The text of each of these repository-root files that exists at `rev`."""
        # `<mode> <type> <sha> <size>\t<path>` per entry (git-ls-tree(1), --long).
        listed = self.git("ls-tree", "-z", "-l", rev, "--", *paths).decode(errors="replace")
        found: dict[str, str] = {}
        for entry in filter(None, listed.split("\0")):
            meta, _, path = entry.partition("\t")
            kind, sha, size = meta.split()[1:4]
            if kind == "blob" and int(size) <= MAX_TEXT_BYTES:
                found[path] = self.git("cat-file", "blob", sha).decode("utf-8", errors="replace")
        return found

    def blob_text(self, sha: str) -> str | None:
        """A blob's text, or None for binary or oversized content."""
        data = self.git("cat-file", "blob", sha)
        if len(data) > MAX_TEXT_BYTES or b"\0" in data[:8192]:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


def local_records(
    git: LocalGit, head_sha: str, commits: Sequence[Commit], origins: Origins
) -> tuple[tuple[LineRecord, ...], list[str]]:
    """Authorship records of the PR: git-ai notes on its commits, and the head's Agent Trace."""
    notes_found, notes = git.git_ai_notes(c.sha for c in commits)
    records = note_records(notes_found, origins)
    size = git.size_at(head_sha, AGENT_TRACE_PATH)
    # The parser reads a bounded prefix anyway; this only spares reading a huge blob at all.
    if size is not None and size > MAX_TRACE_BYTES:
        notes.append(f"`{AGENT_TRACE_PATH}` is over {MAX_TRACE_BYTES:,} bytes: not read.")
    elif size is not None:
        trace = git.git("cat-file", "blob", f"{head_sha}:{AGENT_TRACE_PATH}").decode(
            "utf-8", errors="replace"
        )
        parents = {c.sha: c.parents[0] if c.parents else EMPTY_TREE for c in commits}
        traced, trace_notes = parse_agent_trace(
            trace, AGENT_TRACE_PATH, head_sha=head_sha, origins=origins, parents=parents
        )
        records += traced
        notes += trace_notes
    return tuple(records), notes


def local_snapshot(
    repo: Path, base: str | None, head: str | None, wanted: Callable[[FileDiff], bool]
) -> PullRequestSnapshot:
    """A snapshot of base...head in a local checkout (base defaults to the merge base)."""
    git = LocalGit(repo)
    if not (repo / ".git").exists() and not git.git("rev-parse", "--git-dir", ok_codes=(0, 128)):
        raise UsageError(f"{repo} is not a git repository")
    head_sha = git.rev(head or "HEAD")
    if not head_sha:
        raise UsageError(f"unknown --head {head!r}: no such branch, tag or commit")
    if base:
        base_ref = git.rev(base)
        if not base_ref:
            raise UsageError(f"unknown --base {base!r}: no such branch, tag or commit")
        base_sha = git.git("merge-base", base_ref, head_sha).decode().strip() or base_ref
    else:
        base_sha = git.default_base(head_sha)
    files = git.files(base_sha, head_sha)
    contents: dict[str, str] = {}
    notes: list[str] = []
    for f in files:
        if f.status == "removed" or not f.blob_sha or not wanted(f):
            continue
        text = git.blob_text(f.blob_sha)
        if text is None:
            notes.append(f"`{f.path}` skipped: binary or larger than {MAX_TEXT_BYTES} bytes.")
        else:
            contents[f.path] = text
    base_configs = git.base_files(base_sha, BASE_FILES)
    # Who last introduced each line of the files with added lines, and its line number there.
    origins = {
        f.path: git.blame_origins(head_sha, f.path)
        for f in files
        if f.status != "removed" and f.patch and f.additions
    }
    blame = {path: {n: o[0] for n, o in lines.items()} for path, lines in origins.items()}
    commits = git.commits(base_sha, head_sha)
    records, record_notes = local_records(git, head_sha, commits, origins)
    name = repo.resolve().name
    try:
        return PullRequestSnapshot(
            repository=name,
            base_sha=base_sha,
            head_sha=head_sha,
            files=files,
            commits=commits,
            contents=contents,
            notes=(*notes, *record_notes),
            blame=blame,
            base_configs=base_configs,
            records=records,
        )
    except ValueError as exc:
        raise SourceError(str(exc)) from exc
