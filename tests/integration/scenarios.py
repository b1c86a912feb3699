"""Pull requests staged in the fake GitHub, with the webhook payloads that announce them."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import Any

from tests.fakes.github_server import FakeGitHub, make_commit, make_file
from tests.integration.conftest import wait_until

OWNER, REPO = "octo-org", "hello-world"
CLAUDE_TRAILER = "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"
_numbers = itertools.count(100)


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


def patch_for_new_file(text: str) -> str:
    lines = text.splitlines()
    return "\n".join([f"@@ -0,0 +1,{len(lines)} @@", *[f"+{line}" for line in lines]])


def stage_ruff_pr(github: FakeGitHub, *, blocks: int = 30, trailer: bool = True) -> StagedPR:
    """A PR adding `blocks` bare try/except/pass blocks (two findings each) and editing a file
    whose untouched first line has a pre-existing finding that must not be reported."""
    number = next(_numbers)
    head, base = sha(f"head{number}"), sha(f"base{number}")
    # Distinct lines, so every finding has its own fingerprint.
    new_text = "".join(f"try:\n    x = {i}\nexcept:  # {i}\n    pass\n" for i in range(blocks))
    old_text = (
        "import json\n\n\ndef f():\n    return 1\n\n\ndef g():\n    try:\n"
        "        return 2\n    except:\n        return 3\n"
    )
    old_patch = "\n".join(
        [
            "@@ -1,5 +1,12 @@",
            " import json",
            " ",
            " ",
            " def f():",
            "     return 1",
            "+",
            "+",
            "+def g():",
            "+    try:",
            "+        return 2",
            "+    except:",
            "+        return 3",
        ]
    )
    new_blob, old_blob = sha(f"blob-new{number}"), sha(f"blob-old{number}")
    message = "Add retry helpers" + (f"\n\n{CLAUDE_TRAILER}" if trailer else "")
    github.add_pull_request(
        OWNER,
        REPO,
        number,
        head_sha=head,
        base_sha=base,
        files=[
            make_file(
                "pkg/new.py", status="added", patch=patch_for_new_file(new_text), sha=new_blob
            ),
            make_file("pkg/old.py", status="modified", patch=old_patch, sha=old_blob),
            make_file("docs/logo.png", status="added", sha=sha(f"png{number}")),
        ],
        commits=[make_commit(head, message, parents=[base])],
        blobs={new_blob: new_text.encode(), old_blob: old_text.encode()},
    )
    expected = {("pkg/new.py", 4 * i + 3, rule) for i in range(blocks) for rule in ("E722", "S110")}
    expected.add(("pkg/old.py", 11, "E722"))
    return StagedPR(number, head, base, expected)


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
    with github.lock:
        return {
            (a["path"], a["start_line"], a["title"].split()[-1])
            for a in github.annotations.get(run_id, [])
        }


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
) -> StagedPR:
    """A PR (new, or a new push to `number`) whose only change adds `text` as pkg/review.py."""
    is_new = number is None
    number = next(_numbers) if number is None else number
    head, base = sha(f"head{number}{text}"), sha(f"base{number}")
    blob = sha(f"blob{text}")
    files = [make_file("pkg/review.py", status="added", patch=patch_for_new_file(text), sha=blob)]
    message = "Add review helpers" + (f"\n\n{CLAUDE_TRAILER}" if trailer else "")
    commits = [make_commit(head, message, parents=[base])]
    if is_new:
        github.add_pull_request(
            owner,
            REPO,
            number,
            head_sha=head,
            base_sha=base,
            files=files,
            commits=commits,
            blobs={blob: text.encode()},
        )
    else:
        github.add_blob(owner, REPO, blob, text.encode())
        github.set_head(owner, REPO, number, head, files=files, commits=commits)
    return StagedPR(number, head, base, set(), owner=owner)
