"""A local git checkout as a PullRequestSnapshot, for `ai-gate check`. Read-only git commands."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from app.core.checks.ruff import RUFF_CONFIG_FILES
from app.core.models import Commit, FileDiff, FileStatus, Identity, PullRequestSnapshot
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
        out = self.git("blame", "--porcelain", head, "--", path).decode(errors="replace")
        owners: dict[int, str] = {}
        for line in out.splitlines():
            parts = line.split(" ")
            if len(parts) >= 3 and len(parts[0]) == 40 and parts[2].isdigit():
                owners[int(parts[2])] = parts[0]
        return owners

    def commit_files(self, commit: Commit) -> tuple[FileDiff, ...]:
        """A commit's own patches (against its first parent), as GitHub's commit API gives them."""
        parent = commit.parents[0] if commit.parents else EMPTY_TREE
        return self.files(parent, commit.sha)

    def blob_text(self, sha: str) -> str | None:
        """A blob's text, or None for binary or oversized content."""
        data = self.git("cat-file", "blob", sha)
        if len(data) > MAX_TEXT_BYTES or b"\0" in data[:8192]:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


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
    base_configs: dict[str, str] = {}
    if contents:
        for config_name in RUFF_CONFIG_FILES:  # ruff's precedence: the first one found is used
            data = git.git("show", f"{base_sha}:{config_name}", ok_codes=(0, 128))
            if data:
                base_configs[config_name] = data.decode("utf-8", errors="replace")
                break
    # Who last introduced each line of the files with added lines.
    blame = {
        f.path: git.blame(head_sha, f.path)
        for f in files
        if f.status != "removed" and f.patch and f.additions
    }
    name = repo.resolve().name
    try:
        return PullRequestSnapshot(
            repository=name,
            base_sha=base_sha,
            head_sha=head_sha,
            files=files,
            commits=git.commits(base_sha, head_sha),
            contents=contents,
            notes=tuple(notes),
            blame=blame,
            base_configs=base_configs,
        )
    except ValueError as exc:
        raise SourceError(str(exc)) from exc
