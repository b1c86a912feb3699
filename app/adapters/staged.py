"""The staged changes of a checkout as a commit range (`ai-gate check --staged`, the pre-commit
hook): the index written as a commit on top of HEAD, so the one engine reads it like any range.

The commit and its trees go to a throw-away object directory (git's `GIT_OBJECT_DIRECTORY`,
with the repository's own objects as an alternate): nothing is written to the repository, its
refs or its index. Its author is ai-gate and its message says what it is, so it carries no
attribution evidence of its own: the commit message, where agents put their trailers, is not
written yet when a pre-commit hook runs. Agent Trace records recorded at HEAD describe exactly
this next commit (app/core/attribution/agenttrace.py) and attribute its lines; git-ai notes exist
only for commits already made.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.adapters.git import Git
from app.adapters.localgit import rev

IDENTITY = {
    "GIT_AUTHOR_NAME": "ai-gate",
    "GIT_AUTHOR_EMAIL": "staged@ai-gate.invalid",
    "GIT_COMMITTER_NAME": "ai-gate",
    "GIT_COMMITTER_EMAIL": "staged@ai-gate.invalid",
}
MESSAGE = "Staged changes (not yet committed)\n"
STAGED_NOTE = (
    "Staged changes: only Agent Trace records (recorded at HEAD) attribute their lines, since "
    "the commit message is not written yet; lines without a record are of unknown authorship, "
    "and the gate judges every staged line (`gate.applies_to: all`)."
)


@contextmanager
def staged_range(git: Git, index_file: Path | None = None) -> Iterator[tuple[Git, str, str]]:
    """(a Git that sees the staged commit, base sha, head sha) for HEAD..index; in a
    repository without commits the base is an empty root commit. `index_file` is the index
    git gives a hook when it commits from another one (`git commit -a`, or with paths)."""
    objects = Path(git.run("rev-parse", "--git-path", "objects").decode().strip())
    if not objects.is_absolute():
        objects = git.git_dir / objects
    with tempfile.TemporaryDirectory(prefix="ai-gate-staged-") as scratch:
        env = {
            **git.env,
            **IDENTITY,
            "GIT_OBJECT_DIRECTORY": scratch,
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(objects.resolve()),
        }
        if index_file is not None:
            env["GIT_INDEX_FILE"] = str(index_file.resolve())
        view = Git(git.git_dir, env, partial=git.partial, timeout=git.timeout)
        base = rev(view, "HEAD")
        if not base:
            empty = view.run("mktree", input=b"").decode().strip()
            base = _commit(view, empty, [])
        tree = view.run("write-tree").decode().strip()
        yield view, base, _commit(view, tree, [base])


def _commit(git: Git, tree: str, parents: list[str]) -> str:
    args = [arg for parent in parents for arg in ("-p", parent)]
    return git.run("commit-tree", tree, *args, input=MESSAGE.encode()).decode().strip()
