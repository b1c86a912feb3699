"""Pull requests staged in the fake GitHub as real git histories, with the webhook payloads that
announce them. The fake derives a PR's files and commits from its repository, as GitHub does,
and serves the repository over git's smart HTTP, where the worker fetches it."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.github_server import FakeGitHub
from tests.gitrepo import Changes, Person
from tests.integration.conftest import wait_until

OWNER, REPO = "octo-org", "hello-world"
CLAUDE_TRAILER = "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"
HUMAN = Person("Octo Cat", "octo@example.com")
_numbers = itertools.count(100)


def next_number() -> int:
    """A pull request number no other staged PR has."""
    return next(_numbers)


def sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


@dataclass
class StagedPR:
    number: int
    head_sha: str
    base_sha: str
    # (path, line, rule) of every finding expected on added lines
    expected: set[tuple[str, int, str]]
    owner: str = OWNER
    repo: str = REPO


@dataclass(frozen=True)
class Change:
    """One commit of a staged pull request."""

    files: Changes
    message: str = "Change things"
    author: Person = HUMAN
    committer: Person | None = None
    renames: dict[str, str] = field(default_factory=dict)


def ai_change(files: Changes, subject: str = "Add things") -> Change:
    """A commit written with Claude Code (its co-author trailer)."""
    return Change(files, f"{subject}\n\n{CLAUDE_TRAILER}")


def stage_pr(
    github: FakeGitHub,
    base_files: Changes,
    commits: Sequence[Change],
    *,
    owner: str = OWNER,
    repo: str = REPO,
    number: int | None = None,
    expected: Iterable[tuple[str, int, str]] = (),
    **pull: Any,
) -> StagedPR:
    """A PR whose base holds `base_files` (a commit of its own) and whose branch adds
    `commits` on top; `pull` sets the PR's other fields (title, body, user_login, labels, …)."""
    number = next_number() if number is None else number
    builder = github.repository(owner, repo)
    base = builder.commit(base_files, f"Base of #{number}", ref=f"refs/heads/base-{number}")
    head = _commit_all(github, owner, repo, base, commits)
    github.add_pull_request(owner, repo, number, head_sha=head, base_sha=base, **pull)
    return StagedPR(number, head, base, set(expected), owner=owner, repo=repo)


def push(github: FakeGitHub, pr: StagedPR, commits: Sequence[Change]) -> StagedPR:
    """New commits on the PR's branch: the PR's head moves to the last."""
    with github.lock:
        current = github.pulls[(pr.owner, pr.repo, pr.number)].head_sha
    head = _commit_all(github, pr.owner, pr.repo, current, commits)
    github.set_head(pr.owner, pr.repo, pr.number, head)
    return StagedPR(pr.number, head, pr.base_sha, set(), owner=pr.owner, repo=pr.repo)


def _commit_all(
    github: FakeGitHub, owner: str, repo: str, parent: str, commits: Sequence[Change]
) -> str:
    builder = github.repository(owner, repo)
    head = parent
    for change in commits:
        head = builder.commit(
            change.files,
            change.message,
            [head],
            author=change.author,
            committer=change.committer,
            ref="refs/heads/pr-work",
            renames=change.renames,
        )
    return head


def patch_for_new_file(text: str) -> str:
    lines = text.splitlines()
    return "\n".join([f"@@ -0,0 +1,{len(lines)} @@", *[f"+{line}" for line in lines]])


def stage_ruff_pr(
    github: FakeGitHub, *, blocks: int = 30, trailer: bool = True, config: str | None = None
) -> StagedPR:
    """A PR adding `blocks` try/except blocks (two findings each) and editing a file
    whose untouched first line has a pre-existing finding that must not be reported."""
    # Distinct lines, so every finding has its own fingerprint.
    new_text = "".join(f"try:\n    x = {i}\nexcept:  # {i}\n    x == {i}\n" for i in range(blocks))
    old_base = "import json\n\n\ndef f():\n    return 1\n"
    old_head = (
        old_base + "\n\ndef g():\n    try:\n        return 2\n    except:\n        return 3\n"
    )
    files: Changes = {
        "pkg/new.py": new_text,
        "pkg/old.py": old_head,
        "docs/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    }
    message = "Add retry helpers" + (f"\n\n{CLAUDE_TRAILER}" if trailer else "")
    # A bare except (E722) and a comparison whose result is dropped (B015) in every block.
    expected = {("pkg/new.py", 4 * i + 3, "E722") for i in range(blocks)}
    expected |= {("pkg/new.py", 4 * i + 4, "B015") for i in range(blocks)}
    expected.add(("pkg/old.py", 11, "E722"))
    base: dict[str, str | bytes | None] = {"pkg/old.py": old_base}
    if config is not None:
        base[".ai-gate.yml"] = config  # the repository's policy, read from the base
    return stage_pr(github, base, [Change(files, message)], expected=expected)


def pull_request_payload(pr: StagedPR, action: str = "opened") -> dict[str, Any]:
    """A `pull_request` webhook body shaped like GitHub's (trimmed to what matters)."""
    repo = {
        "id": 186853002,
        "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
        "name": pr.repo,
        "full_name": f"{pr.owner}/{pr.repo}",
        "private": False,
        "owner": {"login": pr.owner, "id": 21031067, "type": "Organization"},
        "default_branch": "main",
    }
    return {
        "action": action,
        "number": pr.number,
        "pull_request": {
            "url": f"https://api.github.com/repos/{pr.owner}/{pr.repo}/pulls/{pr.number}",
            "id": 279147437 + pr.number,
            "number": pr.number,
            "state": "open",
            "locked": False,
            "title": "Add retry helpers",
            "draft": False,
            "user": {"login": "octocat", "id": 1, "type": "User"},
            "body": "",
            "labels": [],
            "head": {
                "label": f"{pr.owner}:feature",
                "ref": "feature",
                "sha": pr.head_sha,
                "repo": repo,
            },
            "base": {"label": f"{pr.owner}:main", "ref": "main", "sha": pr.base_sha, "repo": repo},
        },
        "repository": repo,
        "organization": {"login": pr.owner, "id": 21031067},
        "sender": {"login": "octocat", "id": 1, "type": "User"},
        "installation": {"id": 1, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="},
    }


def wait_completed(github: FakeGitHub, head_sha: str) -> None:
    """Block until a check run for the sha is completed."""

    def done() -> bool:
        return any(r["status"] == "completed" for r in our_runs(github, head_sha))

    wait_until(done, f"a completed check run on {head_sha[:8]}")


def our_runs(github: FakeGitHub, head_sha: str) -> list[dict[str, Any]]:
    with github.lock:
        return [r for r in github.check_runs.values() if r["head_sha"] == head_sha]


def annotations_of(github: FakeGitHub, run_id: int) -> set[tuple[str, int, str]]:
    """The run's annotations once they stop arriving: the verdict completes the run with the
    first 50, and the rest are appended after it."""
    settled_patches(github, run_id)
    with github.lock:
        return {
            (a["path"], a["start_line"], a["title"].split()[-1])
            for a in github.annotations.get(run_id, [])
        }


def settled_patches(github: FakeGitHub, run_id: int, quiet: float = 0.5) -> int:
    """How many PATCHes the run got, once none has come for `quiet` seconds."""

    def count() -> int:
        return len(github.requests_matching("PATCH", rf"/check-runs/{run_id}$"))

    seen = count()
    while True:
        time.sleep(quiet)
        now = count()
        if now == seen:
            return now
        seen = now


REVIEW_V1 = (
    "def a():\n    try:\n        return 1\n    except:  # a\n        return 2\n\n\n"
    "def b(x=[]):\n    return x\n"
)
REVIEW_V2 = (
    "def a():\n    try:\n        return 1\n    except ValueError:  # a\n        return 2\n\n\n"
    "# moved down\n\n"
    "def b(x=[]):\n    return x\n"
)


def stage_file_pr(
    github: FakeGitHub,
    text: str,
    *,
    number: int | None = None,
    trailer: bool = True,
    owner: str = OWNER,
    config: str | None = None,
) -> StagedPR:
    """A PR (new, or a new push to `number`) whose only change adds `text` as pkg/review.py;
    `config` is the base's `.ai-gate.yml`."""
    message = "Add review helpers" + (f"\n\n{CLAUDE_TRAILER}" if trailer else "")
    change = Change({"pkg/review.py": text}, message)
    if number is None:
        base: dict[str, str | bytes | None] = {"README.md": "# hello\n"}
        if config is not None:
            base[".ai-gate.yml"] = config
        return stage_pr(github, base, [change], owner=owner)
    with github.lock:
        base_sha = github.pulls[(owner, REPO, number)].base_sha
    return push(github, StagedPR(number, "", base_sha, set(), owner=owner), [change])


def staged_with_config(github: FakeGitHub, config: bytes, text: str = "x = 1\n") -> StagedPR:
    """A PR whose base holds `config` as its `.ai-gate.yml`."""
    return stage_file_pr(github, text, config=config.decode())
