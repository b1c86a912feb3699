"""What the fake GitHub's REST answers say about a pull request, read from its real repository.

GitHub derives a PR's files and commits from git; the fake does the same, so the REST answers
and the repository a client fetches over git always agree. Written separately from the app's
own git reading (app/adapters/localgit.py) so that each checks the other.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.fakes.shapes import make_commit, make_file, user_json

_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": "/usr/bin:/bin"}
_STATUS = {"A": "added", "M": "modified", "D": "removed", "R": "renamed", "C": "copied"}
# GitHub leaves the patch out of its file listing for very large diffs.
MAX_PATCH_LINES = 3000


def _git(git_dir: Path, *args: str, ok: tuple[int, ...] = (0,)) -> bytes:
    done = subprocess.run(
        ["git", "-c", "core.quotePath=false", *args],
        cwd=git_dir,
        capture_output=True,
        check=False,
        env={**_ENV, "HOME": str(git_dir)},
    )
    if done.returncode not in ok:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout


def merge_base(git_dir: Path, base: str, head: str) -> str:
    return _git(git_dir, "merge-base", base, head).decode().strip()


def pull_files(git_dir: Path, base: str, head: str) -> list[dict[str, Any]]:
    """`GET /pulls/{n}/files` for base...head (the three-dot diff GitHub shows)."""
    start = merge_base(git_dir, base, head)
    raw = _git(git_dir, "diff", "--raw", "-z", "-M", "--no-abbrev", start, head).split(b"\0")
    files: list[dict[str, Any]] = []
    i = 0
    while i < len(raw) - 1:
        meta = raw[i].decode().split()
        letter, blob = meta[4][0], meta[3]
        previous = None
        if letter in ("R", "C"):
            previous, path = raw[i + 1].decode(), raw[i + 2].decode()
            i += 3
        else:
            path = raw[i + 1].decode()
            i += 2
        names = [previous, path] if previous else [path]
        out = _git(git_dir, "diff", "--no-color", "-M", start, head, "--", *names).decode(
            errors="replace"
        )
        patch: str | None = None
        if "\n@@" in out:
            patch = out[out.index("\n@@") + 1 :].rstrip("\n")
            if patch.count("\n") > MAX_PATCH_LINES:
                patch = None
        files.append(
            make_file(
                path,
                status=_STATUS.get(letter, "modified"),
                patch=patch,
                sha="0" * 40 if letter == "D" else blob,
                previous_filename=previous,
            )
        )
    return files


def pull_commits(
    git_dir: Path, base: str, head: str, logins: Mapping[str, str]
) -> list[dict[str, Any]]:
    """`GET /pulls/{n}/commits`: base..head oldest first, logins by email as GitHub maps them."""
    fmt = "%x00".join(["%H", "%an", "%ae", "%cn", "%ce", "%P", "%B"]) + "%x1e"
    out = _git(git_dir, "log", "--topo-order", "--reverse", f"--format={fmt}", f"{base}..{head}")
    commits = []
    for record in out.decode(errors="replace").split("\x1e"):
        fields = record.strip("\n").split("\x00")
        if len(fields) != 7:
            continue
        sha, an, ae, cn, ce, parents, message = fields
        item = make_commit(
            sha, message.rstrip("\n"), an, ae, login=logins.get(ae), parents=parents.split()
        )
        item["commit"]["committer"] |= {"name": cn, "email": ce}
        committer_login = logins.get(ce)
        item["committer"] = user_json(committer_login) if committer_login else None
        commits.append(item)
    return commits


def read_blob(git_dir: Path, sha: str) -> bytes | None:
    kind = _git(git_dir, "cat-file", "-t", sha, ok=(0, 128)).strip()
    return _git(git_dir, "cat-file", "blob", sha) if kind == b"blob" else None


def read_path(git_dir: Path, ref: str, path: str) -> bytes | None:
    kind = _git(git_dir, "cat-file", "-t", f"{ref}:{path}", ok=(0, 128)).strip()
    return _git(git_dir, "cat-file", "blob", f"{ref}:{path}") if kind == b"blob" else None


def resolve(git_dir: Path, ref: str) -> str | None:
    out = _git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok=(0, 1))
    return out.decode().strip() or None
