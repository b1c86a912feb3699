"""Small real git repositories for tests."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Every test repository is made without the user's or the system's git configuration.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "PATH": "/usr/bin:/bin",
}


def git(repo: Path, *args: str, input: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        input=input,
        check=False,
        env={**GIT_ENV, "HOME": str(repo)},
    )
    if done.returncode != 0:
        raise subprocess.CalledProcessError(
            done.returncode, ["git", *args], done.stdout, done.stderr
        )
    return done.stdout.decode(errors="replace")


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@dataclass(frozen=True)
class Person:
    name: str = "Ada"
    email: str = "ada@example.com"


def _quote(path: str) -> str:
    """A path as fast-import reads it: C-style quoted, so any name can be written."""
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


# File content by path; None deletes the path. Bytes are written as they are (binary files).
Changes = Mapping[str, str | bytes | None]


class RepoBuilder:
    """Writes commits straight into a (bare) repository with `git fast-import`: no work tree,
    and the same content, people and times always give the same shas."""

    def __init__(self, git_dir: Path, start: int = 1_700_000_000) -> None:
        self.git_dir = git_dir
        self._clock = start
        if not (git_dir / "HEAD").exists():
            git_dir.mkdir(parents=True, exist_ok=True)
            git(git_dir, "init", "-q", "--bare", "-b", "main")

    def commit(
        self,
        changes: Changes,
        message: str,
        parents: Sequence[str] = (),
        *,
        author: Person = Person(),
        committer: Person | None = None,
        ref: str = "refs/heads/main",
        renames: Mapping[str, str] | None = None,
        symlinks: Mapping[str, str] | None = None,
        gitlinks: Mapping[str, str] | None = None,
        at: int | None = None,
    ) -> str:
        """A commit on top of `parents[0]` (the first parent's tree, then the changes); the
        other parents make it a merge. `ref` is moved to it. `symlinks` maps a path to its
        target, `gitlinks` a submodule's path to its commit. `at` (unix time) sets its date,
        and later commits follow it a minute apart."""
        self._clock = at if at is not None else self._clock + 60
        people = (author, committer or author)
        stream = bytearray()
        # A ref of its own: fast-import would take an existing ref's tip as the parent.
        scratch = f"refs/builder/{self._clock}"
        stream += f"commit {scratch}\n".encode()
        for role, person in zip(("author", "committer"), people, strict=True):
            stream += f"{role} {person.name} <{person.email}> {self._clock} +0000\n".encode()
        data = message.encode()
        stream += f"data {len(data)}\n".encode() + data + b"\n"
        if parents:
            stream += f"from {parents[0]}\n".encode()
        else:
            stream += b"deleteall\n"
        for parent in parents[1:]:
            stream += f"merge {parent}\n".encode()
        for old, new in (renames or {}).items():
            stream += f"R {_quote(old)} {_quote(new)}\n".encode()
        for path, target in (symlinks or {}).items():
            blob = target.encode()
            stream += f"M 120000 inline {_quote(path)}\ndata {len(blob)}\n".encode() + blob + b"\n"
        for path, commit_sha in (gitlinks or {}).items():
            stream += f"M 160000 {commit_sha} {_quote(path)}\n".encode()
        for path, content in changes.items():
            if content is None:
                stream += f"D {_quote(path)}\n".encode()
                continue
            blob = content.encode() if isinstance(content, str) else content
            stream += f"M 100644 inline {_quote(path)}\ndata {len(blob)}\n".encode() + blob + b"\n"
        stream += b"\n"
        git(self.git_dir, "fast-import", "--quiet", "--force", input=bytes(stream))
        sha = git(self.git_dir, "rev-parse", scratch).strip()
        git(self.git_dir, "update-ref", ref, sha)
        git(self.git_dir, "update-ref", "-d", scratch)
        return sha

    def set_ref(self, ref: str, sha: str) -> None:
        git(self.git_dir, "update-ref", ref, sha)

    def show(self, rev: str, path: str) -> str:
        return git(self.git_dir, "show", f"{rev}:{path}")
