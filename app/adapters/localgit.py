"""A git repository's base..head as a PullRequestSnapshot: the one way ai-gate reads content,
whether the repository is a developer's checkout (`ai-gate check`) or the worker's partial
clone of a pull request (app/adapters/gitcache.py). Read-only git commands, batched: one diff
for every file, one `cat-file` for every blob, one log for which commits touched what. Where
each added line comes from is `linehistory`'s.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from app.adapters.git import Git, git_environment
from app.core.attribution.lines import RENAMED_OR_MERGED
from app.core.basefiles import BASE_FILES, WORKFLOWS_DIR
from app.core.models import (
    Commit,
    FileDiff,
    FileStatus,
    Identity,
    PullRequestInfo,
    PullRequestSnapshot,
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
ZERO = "0" * 40
# Content no check reads and no diff shows as lines: their blobs are never fetched.
BINARY_SUFFIXES = frozenset(
    (
        *(".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd"),
        *(".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".war", ".whl"),
        *(".egg", ".so", ".dylib", ".dll", ".exe", ".bin", ".o", ".a", ".class", ".pyc", ".pyd"),
        *(".wasm", ".mp3", ".mp4", ".mov", ".avi", ".wav", ".flac", ".ogg", ".webm", ".woff"),
        *(".woff2", ".ttf", ".otf", ".eot", ".sqlite", ".db", ".parquet", ".npy", ".npz", ".pkl"),
        *(".pt", ".pth", ".onnx", ".h5", ".ckpt", ".safetensors"),
    )
)
GITLINK = "160000"  # a submodule: a commit of another repository, never fetched
SYMLINK = "120000"


def open_checkout(path: Path) -> Git:
    """A developer's repository (work tree or bare), read with their own git configuration."""
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory")
    env = git_environment(None, isolated=False)
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--absolute-git-dir"],
            cwd=path,
            capture_output=True,
            check=False,
            env=env,
        )
    except FileNotFoundError as exc:
        raise UsageError("git is not installed or not on PATH") from exc
    if done.returncode != 0 or not done.stdout.strip():
        raise UsageError(f"{path} is not a git repository")
    git = Git(Path(done.stdout.decode().strip()), env)
    # A developer's own partial clone fetches missing blobs from its remote, as git would.
    git.partial = bool(git.run("config", "--get", "extensions.partialclone", ok_codes=(0, 1)))
    return git


def rev(git: Git, ref: str) -> str:
    """The commit sha a ref names ('' when none)."""
    out = git.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok_codes=(0, 1))
    return out.decode().strip()


def default_base(git: Git, head: str) -> str:
    """The merge base of head with the default branch (origin/HEAD, main or master)."""
    for candidate in ("origin/HEAD", "origin/main", "origin/master", "main", "master"):
        if rev(git, candidate):
            base = git.run("merge-base", candidate, head, ok_codes=(0, 1)).decode().strip()
            if base:
                return base
    raise UsageError("cannot find the default branch; pass --base REF")


def resolve_range(git: Git, base: str | None, head: str | None) -> tuple[str, str]:
    """(base sha, head sha) for `ai-gate check`: base defaults to the default branch's merge
    base, and a given base is taken at its merge base with head, as GitHub compares."""
    head_sha = rev(git, head or "HEAD")
    if not head_sha:
        raise UsageError(f"unknown --head {head!r}: no such branch, tag or commit")
    if not base:
        return default_base(git, head_sha), head_sha
    base_ref = rev(git, base)
    if not base_ref:
        raise UsageError(f"unknown --base {base!r}: no such branch, tag or commit")
    merge_base = git.run("merge-base", base_ref, head_sha, ok_codes=(0, 1)).decode().strip()
    return merge_base or base_ref, head_sha


def merge_base(git: Git, base: str, head: str) -> str:
    """Where GitHub's three-dot diff starts; the base itself when they share no history."""
    return git.run("merge-base", base, head, ok_codes=(0, 1)).decode().strip() or base


def commits(git: Git, base: str, head: str) -> tuple[Commit, ...]:
    """Commits in base..head, oldest first (topological: the order patches replay in)."""
    fmt = "%x00".join(["%H", "%an", "%ae", "%cn", "%ce", "%P", "%B"]) + "%x1e"
    out = git.run(
        "log", "--topo-order", "--reverse", f"--format={fmt}", f"{base}..{head}", "--"
    ).decode(errors="replace")
    found = []
    for record in out.split("\x1e"):
        fields = record.strip("\n").split("\x00")
        if len(fields) != 7:
            continue
        sha, an, ae, cn, ce, parents, message = fields
        found.append(
            Commit(
                sha=sha,
                message=message,
                author=Identity(name=an, email=ae),
                committer=Identity(name=cn, email=ce),
                parents=tuple(parents.split()),
            )
        )
    return tuple(found)


def with_logins(
    found: Sequence[Commit], logins: Mapping[str, tuple[str | None, str | None]]
) -> tuple[Commit, ...]:
    """Commits with the GitHub logins GitHub links their author and committer to (sha ->
    (author login, committer login)); git itself knows only names and emails."""
    result = []
    for c in found:
        author, committer = logins.get(c.sha, (None, None))
        result.append(
            c.model_copy(
                update={
                    "author": c.author.model_copy(update={"login": author}),
                    "committer": c.committer.model_copy(update={"login": committer}),
                }
            )
        )
    return tuple(result)


class RawEntry:
    """One line of `git diff --raw`: a changed path with its blobs on both sides."""

    __slots__ = ("new_blob", "new_mode", "old_blob", "old_mode", "path", "previous", "status")

    def __init__(self, meta: str, path: str, previous: str | None) -> None:
        old_mode, new_mode, old_blob, new_blob, status = meta.lstrip(":").split()
        self.old_mode, self.new_mode = old_mode, new_mode
        self.old_blob, self.new_blob = old_blob, new_blob
        self.status = status[0]
        self.path, self.previous = path, previous

    @property
    def textual(self) -> bool:
        """Whether the file's patch is worth making (and its blobs worth fetching): not for a
        deleted file (it adds no line to check), a binary, a symlink or a submodule."""
        if self.status == "D":
            return False
        if GITLINK in (self.old_mode, self.new_mode) or SYMLINK in (self.old_mode, self.new_mode):
            return False
        return Path(self.path).suffix.lower() not in BINARY_SUFFIXES


# Pathspecs splitting a diff into files with lines (renames detected, patches made) and files
# without (binary by their name: listed, never read).
_BINARY_GLOBS = tuple(f"**/*{suffix}" for suffix in sorted(BINARY_SUFFIXES))
TEXT_PATHSPEC = (":(glob)**", *(f":(exclude,glob,icase){g}" for g in _BINARY_GLOBS))
BINARY_PATHSPEC = tuple(f":(glob,icase){g}" for g in _BINARY_GLOBS)


def raw_diff(
    git: Git, start: str, head: str, option: str, pathspec: Sequence[str]
) -> list[RawEntry]:
    """`git diff --raw` of start..head for the pathspec, names unquoted (NUL-separated)."""
    raw = git.run("diff", "--raw", "-z", "--no-abbrev", option, start, head, "--", *pathspec).split(
        b"\0"
    )
    entries: list[RawEntry] = []
    i = 0
    while i < len(raw) - 1:
        meta = raw[i].decode()
        if meta.split()[4][0] in ("R", "C"):
            entries.append(RawEntry(meta, raw[i + 2].decode(), raw[i + 1].decode()))
            i += 3
        else:
            entries.append(RawEntry(meta, raw[i + 1].decode(), None))
            i += 2
    return entries


def split_patches(out: str) -> list[str]:
    """`git diff -p` output cut into one chunk per file (a header line starts each; a line of
    content never does, as it starts with ' ', '+' or '-')."""
    if not out:
        return []
    return ["diff --git " + part for part in out.removeprefix("diff --git ").split("\ndiff --git ")]


def _patches(git: Git, start: str, head: str, entries: Sequence[RawEntry]) -> list[str | None]:
    """The patch of each entry (listed with TEXT_PATHSPEC and renames) from one `git diff`,
    which writes files in the order --raw lists them; a chunk that does not name its entry's
    path is made again by a diff of that file alone."""
    diff = ("diff", "-p", "-M", "--no-color", "--no-ext-diff", "--no-textconv", start, head, "--")
    chunks = split_patches(git.run(*diff, *TEXT_PATHSPEC).decode(errors="replace"))
    aligned = chunks if len(chunks) == len(entries) else [""] * len(entries)
    patches: list[str | None] = []
    for entry, chunk in zip(entries, aligned, strict=True):
        if not entry.textual:
            patches.append(None)
            continue
        if entry.path not in chunk.split("\n", 1)[0]:
            names = [entry.previous, entry.path] if entry.previous else [entry.path]
            chunk = git.run(*diff, *names).decode(errors="replace")
        patches.append(_hunks(chunk))
    return patches


def _hunks(chunk: str) -> str | None:
    """The patch from its first hunk on, as GitHub gives it; None for binary or pure renames."""
    if chunk.startswith("@@"):
        return chunk.rstrip("\n")
    at = chunk.find("\n@@")
    return chunk[at + 1 :].rstrip("\n") if at >= 0 else None


def changed_files(git: Git, start: str, head: str) -> tuple[FileDiff, ...]:
    """The changed files of start..head with GitHub-style patches (3 lines of context).

    The blobs the diff reads are fetched first, in one batch: both sides of every file with
    lines (rename detection reads deleted and added files too). Files binary by their name are
    listed without rename detection, so theirs are never read.
    """
    listed = raw_diff(git, start, head, "--no-renames", TEXT_PATHSPEC)
    git.prefetch(
        oid
        for e in listed
        if GITLINK not in (e.old_mode, e.new_mode)
        for oid in (e.old_blob, e.new_blob)
        if oid != ZERO
    )
    entries = raw_diff(git, start, head, "-M", TEXT_PATHSPEC)
    binaries = raw_diff(git, start, head, "--no-renames", BINARY_PATHSPEC)
    patches = [*_patches(git, start, head, entries), *([None] * len(binaries))]
    result = []
    for entry, patch in zip([*entries, *binaries], patches, strict=True):
        lines = (patch or "").splitlines()
        result.append(
            FileDiff(
                path=entry.path,
                status=_STATUS.get(entry.status, "modified"),
                previous_path=entry.previous,
                blob_sha=None if entry.status == "D" else entry.new_blob,
                patch=patch,
                additions=sum(1 for line in lines if line.startswith("+")),
                deletions=sum(1 for line in lines if line.startswith("-")),
            )
        )
    return tuple(sorted(result, key=lambda f: f.path))


def touched_paths(git: Git, base: str, head: str) -> dict[str, tuple[str, ...]]:
    """Head path -> the commits of base..head that changed it, from one log. A path that may
    have been renamed (added by a commit that also deleted a file) or that a merge changed
    itself also gets `RENAMED_OR_MERGED`: only blame can tell whose its lines are.

    Without rename detection: it would read every added and deleted blob of every commit.
    """
    out = git.run(
        "log",
        "--format=%x01%H",
        "--name-status",
        "-z",
        "--no-renames",
        "-c",
        f"{base}..{head}",
        "--",
    ).decode(errors="replace")
    touched: dict[str, list[str]] = {}
    changes: dict[str, list[tuple[str, str]]] = {}  # sha -> (status, path)
    tokens = iter(out.split("\0"))
    sha = ""
    for token in tokens:
        token = token.lstrip("\n")
        if token.startswith("\x01"):
            sha = token[1:]
            changes.setdefault(sha, [])
        elif token:
            changes[sha].append((token, next(tokens, "")))
    for sha, listed in changes.items():
        statuses = {status for status, _ in listed}
        maybe_renamed = "A" in statuses and "D" in statuses
        for status, path in listed:
            marks = [sha]
            # A merge's combined status ("MM"): it changed the path against every parent.
            if len(status) > 1 or (status == "A" and maybe_renamed):
                marks.append(RENAMED_OR_MERGED)
            touched.setdefault(path, []).extend(marks)
    return {path: tuple(dict.fromkeys(shas)) for path, shas in touched.items() if path}


def tree_entries(git: Git, rev: str, paths: Iterable[str] = ()) -> dict[str, tuple[str, str]]:
    """Path -> (mode, blob) of the files at a revision (all of them, or those named)."""
    out = git.run("ls-tree", "-r", "-z", "--full-tree", rev, "--", *paths)
    entries: dict[str, tuple[str, str]] = {}
    for record in out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        parts = meta.decode().split()
        if len(parts) == 3 and parts[1] == "blob":
            entries[name.decode(errors="replace")] = (parts[0], parts[2])
    return entries


def read_texts(git: Git, blobs: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Path -> text of these blobs (path -> oid), fetched in one batch; binary or oversized
    ones are left out with a note."""
    git.prefetch(blobs.values())
    by_oid = dict(git.blobs(sorted(set(blobs.values()))))
    texts: dict[str, str] = {}
    notes: list[str] = []
    for path, oid in blobs.items():
        text = _text(by_oid.get(oid))
        if text is None:
            notes.append(f"`{path}` skipped: binary or larger than {MAX_TEXT_BYTES:,} bytes.")
        else:
            texts[path] = text
    return texts, notes


def _text(data: bytes | None) -> str | None:
    if data is None or len(data) > MAX_TEXT_BYTES or b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def base_files(git: Git, base: str) -> dict[str, str]:
    """The files of the base branch the core reads, by path: `BASE_FILES`, the CI workflows
    (`WORKFLOWS_DIR`) and every `py.typed` marker (a package that declares itself typed)."""
    present = tree_entries(git, base, BASE_FILES)
    present |= {
        path: entry
        for path, entry in tree_entries(git, base, [WORKFLOWS_DIR]).items()
        if path.endswith((".yml", ".yaml"))
    }
    names = git.run("ls-tree", "-r", "-z", "--name-only", "--full-tree", base).split(b"\0")
    typed = [n.decode(errors="replace") for n in names if n.rsplit(b"/", 1)[-1] == b"py.typed"]
    present |= tree_entries(git, base, typed[:50]) if typed else {}
    texts, _ = read_texts(git, {p: oid for p, (mode, oid) in present.items() if mode != SYMLINK})
    return texts


def read_range(
    git: Git,
    base_sha: str,
    head_sha: str,
    *,
    repository: str,
    wanted: Callable[[FileDiff], bool],
    pull_request: PullRequestInfo | None = None,
    logins: Mapping[str, tuple[str | None, str | None]] | None = None,
) -> PullRequestSnapshot:
    """base..head as the core sees it: GitHub's three-dot diff, the range's commits, the head
    texts `wanted` selects and the base's `BASE_FILES`; no line history yet (see
    `with_line_history`)."""
    start = merge_base(git, base_sha, head_sha)
    files = changed_files(git, start, head_sha)
    found = with_logins(commits(git, base_sha, head_sha), logins or {})
    contents, notes = read_texts(
        git,
        {f.path: f.blob_sha for f in files if f.status != "removed" and f.blob_sha and wanted(f)},
    )
    try:
        return PullRequestSnapshot(
            repository=repository,
            base_sha=base_sha,
            head_sha=head_sha,
            pull_request=pull_request,
            files=files,
            commits=found,
            contents=contents,
            notes=tuple(notes),
            base_configs=base_files(git, base_sha),
            touched=touched_paths(git, base_sha, head_sha),
        )
    except ValueError as exc:
        raise SourceError(str(exc)) from exc
