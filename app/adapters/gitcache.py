"""A cache of partial clones on the worker, one per repository, that each job fetches its pull
request into: commits and trees only (`--filter=blob:none`), as deep as the PR's history needs;
blobs are fetched in batches when the analysis asks for them (`Git.prefetch`).

- Each repository has a lock file beside it. A fetch holds it exclusively; the analysis holds
  it shared, so jobs of one repository read in parallel and eviction never removes a repository
  in use. Locks are `flock`s: a worker killed mid-job releases them with its process.
- A repository is usable once its `ai-gate-ready` marker exists; without it (a worker killed
  while creating it) it is made again. Lock files a killed fetch left behind are removed under
  the exclusive lock, and a fetch that fails for a reason other than the network rebuilds the
  repository once.
- The cache is bounded in bytes: after each fetch the least recently used repositories that
  no job holds are removed until the cache fits.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from app.adapters.git import Git, git_environment
from app.deadline import Deadline
from app.errors import SourceError, SourceUnavailable, TransientError, UsageError

log = logging.getLogger(__name__)

READY = "ai-gate-ready"
# Deepening stops here and fetches the whole history instead (still without blobs).
MAX_DEPTH = 4096


@dataclass(frozen=True)
class PullRef:
    """What a job fetches: the PR's head and base commits from the base repository."""

    clone_url: str
    number: int
    base_sha: str
    head_sha: str
    # GitHub's count of the PR's commits: the first fetch is that deep.
    commits: int = 1


def _dir_name(clone_url: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "-", clone_url.split("://", 1)[-1]).strip("-.")
    digest = hashlib.sha256(clone_url.encode()).hexdigest()[:16]
    return f"{readable[-80:]}-{digest}"


def _oldest(git: Git) -> int:
    """The commit time of the oldest commit held (a shallow clone's cut), 0 when it holds
    the whole history."""
    if git.run("rev-parse", "--is-shallow-repository").strip() == b"false":
        return 0
    out = git.run("log", "--all", "--format=%ct").split()
    return min((int(t) for t in out), default=2**62)


def _size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += (Path(dirpath) / name).stat().st_size
            except OSError:
                continue
    return total


class GitCache:
    """Partial clones under `root`, at most `max_bytes` in all."""

    def __init__(self, root: Path, max_bytes: int, timeout: float = 600.0) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.root.mkdir(parents=True, exist_ok=True)
        # git's HOME: empty, so no user configuration or credentials are ever read.
        self.home = self.root / ".home"
        self.home.mkdir(exist_ok=True)

    def paths(self, clone_url: str) -> tuple[Path, Path]:
        """The repository's git directory and its lock file."""
        name = _dir_name(clone_url)
        return self.root / f"{name}.git", self.root / f"{name}.lock"

    def _repository(self, key: str, token: str, deadline: Deadline | None) -> tuple[Git, Path]:
        """The cached repository for `key` (a clone URL) as a partial clone, and its lock."""
        git_dir, lock_path = self.paths(key)
        git = Git(
            git_dir,
            git_environment(self.home, token),
            partial=True,
            timeout=self.timeout,
            deadline=deadline,
            fetch_lock=lock_path.with_suffix(".fetch"),
        )
        return git, lock_path

    @contextmanager
    def open(self, pull: PullRef, token: str, deadline: Deadline | None = None) -> Iterator[Git]:
        """The repository holding the PR's commits and trees; held (shared) until exit."""
        git, lock_path = self._repository(pull.clone_url, token, deadline)
        git_dir = git.git_dir
        with lock_path.open("a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.utime(lock_path)  # the LRU clock
            try:
                self._fetch(git, pull)
            except (SourceError, UsageError) as exc:
                if isinstance(exc, TransientError) or "refused" in str(exc):
                    raise
                # Not the network's fault: a damaged repository. Start it again, once.
                log.warning("rebuilding the git cache of %s: %s", git_dir.name, exc)
                shutil.rmtree(git_dir, ignore_errors=True)
                self._fetch(git, pull)
            self._evict(keep=git_dir)
            # Shared from here: other jobs of the repository may read too, none may fetch
            # commits (which moves shallow boundaries) or evict it.
            fcntl.flock(lock, fcntl.LOCK_SH)
            yield git

    @contextmanager
    def open_branch(
        self,
        clone_url: str,
        head_sha: str,
        since: datetime,
        token: str,
        deadline: Deadline | None = None,
    ) -> Iterator[Git]:
        """The default branch's history from `since` to `head_sha` (commits and trees; blobs on
        demand), for measuring rework. A clone of its own beside the PRs': its depth follows
        the merges being measured, and a PR's fetch never cuts it short, nor it a PR's."""
        git, lock_path = self._repository(f"{clone_url}#default-branch", token, deadline)
        git_dir = git.git_dir
        with lock_path.open("a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.utime(lock_path)
            self._prepare(git, clone_url)
            reach, cut = int(since.timestamp()), _oldest(git)
            ref = "refs/ai-gate/branch/head"
            fetched = git.run("for-each-ref", "--format=%(objectname)", ref).decode().strip()
            if fetched != head_sha or cut > reach:
                # Never shallower than what is here: another measurement may reach further back.
                reach = min(reach, cut) if fetched else reach
                git.fetch(
                    "--no-tags",
                    "--filter=blob:none",
                    f"--shallow-since={reach}",
                    "origin",
                    f"+{head_sha}:{ref}",
                )
            self._evict(keep=git_dir)
            fcntl.flock(lock, fcntl.LOCK_SH)
            yield git

    def _fetch(self, git: Git, pull: PullRef) -> None:
        self._prepare(git, pull.clone_url)
        refs = f"refs/ai-gate/pull/{pull.number}"
        if self._verified(git, refs) == (pull.base_sha, pull.head_sha):
            return  # fetched and checked by an earlier job: nothing to transfer
        depth = max(pull.commits + 1, 2)
        # By sha, as GitHub allows for any reachable commit (actions/checkout does the same):
        # no ref listing needed, one round trip fewer. A head not yet reachable there is
        # fetched through `refs/pull/{n}/head`, which GitHub keeps for every PR, forks too.
        refspecs: tuple[str, ...] = (
            f"+{pull.base_sha}:{refs}/base",
            f"+{pull.head_sha}:{refs}/head",
        )
        options = ("--no-tags", "--filter=blob:none")
        try:
            git.fetch(*options, f"--depth={depth}", "origin", *refspecs)
        except SourceError as exc:
            if "not our ref" not in str(exc) and "remote ref" not in str(exc):
                raise
            refspecs = (
                f"+{pull.base_sha}:{refs}/base",
                f"+refs/pull/{pull.number}/head:{refs}/head",
            )
            git.fetch(*options, f"--depth={depth}", "origin", *refspecs)
            fetched = git.run("rev-parse", f"{refs}/head").decode().strip()
            if fetched != pull.head_sha:
                raise SourceUnavailable(
                    f"refs/pull/{pull.number}/head is at {fetched[:12]}, not yet at "
                    f"{pull.head_sha[:12]}"
                ) from exc
        if not self._complete(git, pull):
            # The base branch moved on since the PR branched: reach back to the time of the
            # PR's oldest commit on both sides in one round, then deepen if still short.
            dates = git.run("log", "--format=%ct", pull.head_sha).split()
            since = min(int(d) for d in dates) - 86_400
            git.fetch(*options, f"--shallow-since={since}", "origin", *refspecs)
        while not self._complete(git, pull):
            if depth >= MAX_DEPTH:
                git.fetch(*options, "--unshallow", "origin", *refspecs)
                if not self._complete(git, pull):
                    raise SourceError(
                        f"{pull.base_sha[:12]} and {pull.head_sha[:12]} have no common history"
                    )
                break
            git.fetch(*options, f"--deepen={depth}", "origin", *refspecs)
            depth *= 2
        git.run("update-ref", f"{refs}/verified-base", pull.base_sha)
        git.run("update-ref", f"{refs}/verified-head", pull.head_sha)

    def _prepare(self, git: Git, clone_url: str) -> None:
        """A usable repository: made if missing or half-made, stale lock files removed."""
        git_dir = git.git_dir
        if git_dir.exists() and not (git_dir / READY).exists():
            shutil.rmtree(git_dir, ignore_errors=True)
        if not git_dir.exists():
            git_dir.mkdir(parents=True)
            git.run("init", "--quiet", "--bare")
            for key, value in (
                ("remote.origin.url", clone_url),
                ("remote.origin.promisor", "true"),
                ("remote.origin.partialclonefilter", "blob:none"),
                ("core.logAllRefUpdates", "false"),
            ):
                git.run("config", key, value)
            (git_dir / READY).write_text("1\n")
            return
        # We hold the exclusive lock: a lock file here is what a killed fetch left behind.
        for stale in git_dir.rglob("*.lock"):
            stale.unlink(missing_ok=True)
        for stale in (git_dir / "objects" / "pack").glob("tmp_*"):
            stale.unlink(missing_ok=True)

    @staticmethod
    def _verified(git: Git, refs: str) -> tuple[str, str] | None:
        out = git.run(
            "for-each-ref", "--format=%(refname) %(objectname)", f"{refs}/verified-*"
        ).decode()
        found = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
        base, head = found.get(f"{refs}/verified-base"), found.get(f"{refs}/verified-head")
        return (base, head) if base and head else None

    @staticmethod
    def _complete(git: Git, pull: PullRef) -> bool:
        """Whether the history between base and head is all here: their merge base is, and
        the PR's commits are as many as GitHub counts (a shallow cut would lose some)."""
        merge_base = git.run("merge-base", pull.base_sha, pull.head_sha, ok_codes=(0, 1)).strip()
        if not merge_base:
            return False
        if git.run("rev-parse", "--is-shallow-repository").strip() == b"false":
            return True
        # Cut too early on the head's side, commits are missing; on the base's side, commits
        # of the base branch are counted as the PR's. Either way the count differs.
        count = git.run("rev-list", "--count", f"{pull.base_sha}..{pull.head_sha}").strip()
        return int(count) == pull.commits

    def _evict(self, keep: Path) -> None:
        """Remove the least recently used repositories until the cache fits its bound."""
        entries = []
        for lock_path in self.root.glob("*.lock"):
            git_dir = lock_path.with_suffix(".git")
            if git_dir.exists():
                entries.append((lock_path.stat().st_mtime, git_dir, lock_path, _size(git_dir)))
        total = sum(size for *_, size in entries)
        for _, git_dir, lock_path, size in sorted(entries):
            if total <= self.max_bytes:
                return
            if git_dir == keep:
                continue
            if self._remove_unused(git_dir, lock_path):
                total -= size
                log.info("git cache: evicted %s (%d bytes)", git_dir.name, size)

    @staticmethod
    def _remove_unused(git_dir: Path, lock_path: Path) -> bool:
        lock: IO[str]
        with lock_path.open("a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # a job holds it
            shutil.rmtree(git_dir, ignore_errors=True)
            return True
