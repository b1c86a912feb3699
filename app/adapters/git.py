"""Running git in one repository: read commands, batched object reads, and the fetch of missing
blobs from a partial clone's remote. Nothing here runs code of the repository.

Isolation, and why:
- A repository's own configuration can name programs (hooks, fsmonitor, diff and merge
  drivers, textconv and clean/smudge filters, credential helpers). The cache's repositories are
  made by us and a fetch never brings configuration, but every command still runs with
  `core.hooksPath=/dev/null`, `core.fsmonitor=false`, `--no-ext-diff --no-textconv` where
  diffs are made, and only the http(s) transports (`GIT_ALLOW_PROTOCOL`): never `file`, `ext`
  or ssh.
- In the App, git sees no system or user configuration (`GIT_CONFIG_NOSYSTEM`,
  `GIT_CONFIG_GLOBAL=/dev/null`, `HOME` an empty directory): no includes, no LFS filters, no
  credential store of the machine.
- The installation token travels as an `Authorization` header given in the environment
  (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`): never in a URL, on a command
  line, in a log line or in a file.
"""

from __future__ import annotations

import base64
import fcntl
import os
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from app.deadline import Deadline
from app.errors import SourceError, SourceUnavailable, TimeLimitExceeded, UsageError

# Settings every git command of ours runs with, whatever the repository's config says.
SAFE_CONFIG: Mapping[str, str] = {
    "core.hooksPath": os.devnull,
    "core.fsmonitor": "false",
    "core.quotePath": "false",
    "core.askPass": "",
    "credential.helper": "",
    "protocol.version": "2",
    "protocol.file.allow": "never",
    "protocol.ext.allow": "never",
    "submodule.recurse": "false",
    "fetch.recurseSubmodules": "false",
    "gc.auto": "0",
    "maintenance.auto": "false",
    "fetch.writeCommitGraph": "false",
}
# What a failed fetch says when the network or GitHub is at fault rather than the repository.
_TRANSIENT = (
    "could not resolve host",
    "connection refused",
    "connection timed out",
    "operation timed out",
    "timed out",
    "returned error: 429",
    "returned error: 500",
    "returned error: 502",
    "returned error: 503",
    "returned error: 504",
    "the remote end hung up",
    "early eof",
    "rpc failed",
)
_DENIED = (
    "returned error: 401",
    "returned error: 403",
    "returned error: 404",
    "authentication failed",
    "could not read username",
    "not our ref",
    "couldn't find remote ref",
)


def auth_header(token: str) -> str:
    """The header GitHub takes an installation token in over HTTPS."""
    encoded = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    return f"Authorization: Basic {encoded}"


def git_environment(
    home: Path | None, token: str | None = None, *, isolated: bool = True
) -> dict[str, str]:
    """The environment of a git command: `SAFE_CONFIG`, the token header, nothing of ours.

    `isolated` leaves out the machine's and the user's git configuration (the App); a
    developer's own checkout (`ai-gate check`) keeps theirs.
    """
    config = dict(SAFE_CONFIG)
    if token:
        config["http.extraHeader"] = auth_header(token)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": "https:http",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_CONFIG_COUNT": str(len(config)),
    }
    for index, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    if isolated:
        env |= {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    if home is not None:
        env["HOME"] = str(home)
    elif "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env


class Git:
    """git commands in one repository (bare or not), with the environment above."""

    def __init__(
        self,
        git_dir: Path,
        env: Mapping[str, str],
        *,
        partial: bool = False,
        timeout: float = 600.0,
        deadline: Deadline | None = None,
        fetch_lock: Path | None = None,
    ) -> None:
        self.git_dir = git_dir
        # Jobs of one repository fetch blobs one after another (each then finds what the
        # others fetched): a file lock, as they may run in different processes.
        self.fetch_lock = fetch_lock
        self.env = dict(env)
        # A partial clone: blobs are fetched from the remote on demand (`prefetch`).
        self.partial = partial
        self.timeout = timeout
        # The job's time limit bounds every command's wait.
        self.deadline = deadline or Deadline.never()
        self.fetches = 0

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        ok_codes: tuple[int, ...] = (0,),
        timeout: float | None = None,
    ) -> bytes:
        """Output of one git command; a failure becomes a UsageError naming the command."""
        done = self._run(args, input, timeout)
        if done.returncode not in ok_codes:
            message = done.stderr.decode(errors="replace").strip()
            raise UsageError(f"git {' '.join(args[:3])} failed: {message[:500]}")
        return done.stdout

    def _run(
        self,
        args: Sequence[str],
        input: bytes | None,
        timeout: float | None,
    ) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                ["git", f"--git-dir={self.git_dir}", *args],
                input=input,
                capture_output=True,
                check=False,
                env=self.env,
                cwd=self.git_dir,
                timeout=self.deadline.timeout(timeout or self.timeout),
            )
        except FileNotFoundError as exc:
            raise UsageError("git is not installed or not on PATH") from exc
        except subprocess.TimeoutExpired as exc:
            if self.deadline.expired():
                raise TimeLimitExceeded(
                    f"git {' '.join(args[:2])} ran into the time limit"
                ) from exc
            raise SourceUnavailable(
                f"git {' '.join(args[:2])} took longer than {exc.timeout:.0f}s"
            ) from exc

    def fetch(self, *args: str, input: bytes | None = None, config: Sequence[str] = ()) -> None:
        """`git fetch` from the remote (with `-c` settings `config`); network and GitHub
        failures become our errors."""
        self.fetches += 1
        settings = [arg for setting in config for arg in ("-c", setting)]
        done = self._run([*settings, "fetch", *args], input, None)
        if done.returncode != 0:
            raise fetch_error(done.stderr.decode(errors="replace"))

    def prefetch(self, oids: Iterable[str]) -> int:
        """Fetch these blobs in one request if some are missing (a partial clone only);
        returns how many were asked for. Blobs already here are not sent again."""
        if not self.partial:
            return 0
        wanted_all = set(oids)
        if not wanted_all:
            return 0
        if self.fetch_lock is None:
            return self._prefetch(wanted_all)
        with self.fetch_lock.open("a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._prefetch(wanted_all)

    def _prefetch(self, oids: set[str]) -> int:
        wanted = sorted(oids - self.present(oids))
        if not wanted:
            return 0
        # As git's own lazy fetch does (promisor-remote.c), but for all blobs at once; and as
        # it does, without negotiation: a commit offered as "have" makes the server leave out
        # every blob of its tree, which this partial clone has not got.
        self.fetch(
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
            "--filter=blob:none",
            "--stdin",
            "origin",
            input="".join(f"{oid}\n" for oid in wanted).encode(),
            config=("fetch.negotiationAlgorithm=noop",),
        )
        return len(wanted)

    def present(self, oids: Iterable[str]) -> set[str]:
        """Which of these objects this repository has, without fetching any."""
        wanted = set(oids)
        if not wanted:
            return set()
        # `--batch-all-objects` lists only what is stored here: asking for an object by name
        # would make a partial clone fetch it.
        out = self.run("cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
        return wanted & set(out.decode().split())

    def blobs(self, oids: Sequence[str]) -> Iterator[tuple[str, bytes | None]]:
        """Each blob's bytes in one `cat-file --batch`; None for one that is not a blob."""
        if not oids:
            return
        out = self.run("cat-file", "--batch", input="".join(f"{o}\n" for o in oids).encode())
        pos = 0
        for oid in oids:
            end = out.index(b"\n", pos)
            header = out[pos:end].decode(errors="replace").split()
            pos = end + 1
            if len(header) != 3:  # "<oid> missing"
                yield oid, None
                continue
            size = int(header[2])
            data = out[pos : pos + size]
            pos += size + 1
            yield oid, data if header[1] == "blob" else None


def fetch_error(stderr: str) -> SourceError:
    """Our error for a failed fetch: retried when the network or GitHub failed."""
    text = stderr.strip().splitlines()
    last = text[-1] if text else "git fetch failed"
    lowered = stderr.lower()
    if any(marker in lowered for marker in _DENIED):
        return SourceError(f"git fetch was refused: {last[:300]}")
    if any(marker in lowered for marker in _TRANSIENT):
        return SourceUnavailable(f"git fetch failed: {last[:300]}")
    return SourceError(f"git fetch failed: {last[:300]}")
