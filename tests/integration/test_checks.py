"""Checks through the fake GitHub: configuration from the base branch, not the PR head."""

from __future__ import annotations

import json
from pathlib import Path

from tests.builders import github_token
from tests.fakes.github_server import FakeGitHub, git_blob_sha
from tests.gitrepo import git
from tests.integration.conftest import deliver
from tests.integration.scenarios import (
    OWNER,
    REPO,
    Change,
    ai_change,
    our_runs,
    pull_request_payload,
    stage_pr,
    wait_completed,
)

# The repository runs ruff and asks for its own selected rules to be reported too.
PRE_COMMIT = (
    "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    hooks:\n      - id: ruff\n"
)
REPOSITORY_RULES = "checks:\n  ruff:\n    repository_rules: auto\n"


def test_base_ruff_config_applies_even_when_the_pr_edits_it(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_pr(
        github,
        {
            "ruff.toml": '[lint]\nextend-select = ["T20"]\n',
            ".pre-commit-config.yaml": PRE_COMMIT,
            ".ai-gate.yml": REPOSITORY_RULES,
        },
        [
            ai_change(
                {"pkg/review.py": "print('debug')\n", "ruff.toml": '[lint]\nignore = ["T20"]\n'}
            )
        ],
    )

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    wait_completed(github, pr.head_sha)
    [run] = our_runs(github, pr.head_sha)
    with github.lock:
        titles = {a["title"] for a in github.annotations[run["id"]]}
    assert "ruff T201" in titles  # the head's ruff.toml would have ignored it


def test_deleted_binary_renamed_and_large_files(
    github: FakeGitHub, redis_server: str, redis_data: Path
) -> None:
    header = "".join(f"CONSTANT_{i} = {i}\n" for i in range(12))
    original = header + "def f():\n    return 1\n"
    renamed = header + "def f():\n    try:\n        return 1\n    except:\n        return 2\n"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    pr = stage_pr(
        github,
        {"pkg/gone.py": "x = 1\n", "pkg/original.py": original, "pkg/huge.py": "x = 0\n"},
        [
            ai_change(
                {
                    "pkg/gone.py": None,
                    "docs/logo.png": png,
                    "pkg/renamed.py": renamed,
                    "pkg/original.py": None,
                    # Past GitHub's patch limit, but git diffs it: it is checked like any file.
                    "pkg/huge.py": "x = 0\n" + "y = 1\n" * 5000 + "except_ = 2\n",
                },
                "Move things",
            )
        ],
    )

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    wait_completed(github, pr.head_sha)
    [run] = our_runs(github, pr.head_sha)
    with github.lock:
        found = {(a["path"], a["start_line"], a["title"]) for a in github.annotations[run["id"]]}
    assert found == {("pkg/renamed.py", 16, "ruff E722")}
    # The rename's 4 new lines and the large file's 5001: the moved lines are not the PR's.
    assert "| 5005 of 5005 (100%) |" in run["output"]["summary"]
    # A binary file's blob is never fetched (a deleted file's is: it may be a rename's source).
    cached = cached_objects(redis_data)
    assert git_blob_sha(png) not in cached
    assert git_blob_sha(renamed.encode()) in cached


def cached_objects(data: Path) -> set[str]:
    """Every object in the worker's git cache (a partial clone holds only what it fetched)."""
    found: set[str] = set()
    for git_dir in (data / "git-cache").glob("*.git"):
        out = git(git_dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
        found.update(out.split())
    return found


def test_mixed_pr_attributes_lines_by_blame(github: FakeGitHub, redis_server: str) -> None:
    pr = stage_pr(
        github,
        {"README.md": "# mixed\n"},
        [
            ai_change({"pkg/mixed.py": "a = 1\nb = 2\nc = 3\n"}, "AI part"),
            Change({"pkg/mixed.py": "a = 1\nB = 2\nc = 3\nd = 4\n"}, "Human part"),
        ],
    )

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    wait_completed(github, pr.head_sha)
    [run] = our_runs(github, pr.head_sha)
    assert "| 2 of 4 (50%) |" in run["output"]["summary"]  # a and c are the agent's
    # The history came through git: no per-commit REST request.
    assert not github.requests_matching("GET", rf"/repos/{OWNER}/{REPO}/commits/[0-9a-f]{{40}}$")


# A token in GitHub's format, checksum included (built here so scanners of this file find none).
SECRET = github_token("A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5")
SERVICE_BASE = "import os\n"
SERVICE_HEAD = (
    "import os\n"  # pre-existing and unused (F401): outside the diff, not reported
    "# SPDX-License-Identifier: AGPL-3.0-only\n"
    "import json\n"
    "\n"
    "\n"
    "def load(path: str) -> int:\n"
    "    try:\n"
    "        return len(json.loads(path))\n"
    "    except:\n"
    "        return 0\n"
    "\n"
    "\n"
    "def total(values: list[int]) -> str:\n"
    "    return sum(values)\n"
    "\n"
    "\n"
    f'TOKEN = "{SECRET}"\n'
)


def test_ruff_mypy_licence_and_secret_findings_on_added_lines_only_and_the_secret_never_sent(
    github: FakeGitHub, redis_server: str
) -> None:
    # The repository type-checks with mypy, so mypy's findings are reported.
    pr = stage_pr(
        github,
        {"pkg/service.py": SERVICE_BASE, "mypy.ini": "[mypy]\n"},
        [ai_change({"pkg/service.py": SERVICE_HEAD})],
    )
    head = pr.head_sha

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202
    wait_completed(github, head)

    [run] = our_runs(github, head)
    with github.lock:
        titles = {(a["start_line"], a["title"]) for a in github.annotations[int(run["id"])]}
    assert (9, "ruff E722") in titles
    assert (14, "mypy return-value") in titles
    assert (2, "licence spdx-denied") in titles
    assert (17, "secrets github-token") in titles
    with github.lock:
        levels = {(a["title"], a["annotation_level"]) for a in github.annotations[int(run["id"])]}
    assert ("secrets github-token", "failure") in levels
    assert all(line != 1 for line, _ in titles)  # the pre-existing `import os` is not reported
    assert {a["path"] for a in github.annotations[int(run["id"])]} == {"pkg/service.py"}
    assert run["conclusion"] == "failure"
    # The secret is in nothing ai-gate sent to GitHub: annotations, summary, review comments.
    with github.lock:
        sent = [json.dumps(r.json) for r in github.requests if r.method in ("POST", "PATCH")]
    assert len(sent) >= 3  # the run, its completion and the review at least
    assert not any(SECRET in body for body in sent)
