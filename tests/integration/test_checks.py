"""Checks through the fake GitHub: configuration from the base branch, not the PR head."""

from __future__ import annotations

import json

import pytest

from tests.builders import github_token
from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import deliver
from tests.integration.scenarios import (
    OWNER,
    REPO,
    StagedPR,
    pull_request_payload,
    stage_file_pr,
    wait_completed,
)

pytestmark = pytest.mark.integration


def test_base_ruff_config_applies_even_when_the_pr_edits_it(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_file_pr(github, "print('debug')\n")
    github.add_content(OWNER, REPO, pr.base_sha, "ruff.toml", b'[lint]\nextend-select = ["T20"]\n')
    github.add_content(OWNER, REPO, pr.head_sha, "ruff.toml", b'[lint]\nignore = ["T20"]\n')

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    wait_completed(github, pr.head_sha)
    with github.lock:
        [run] = [r for r in github.check_runs.values() if r["head_sha"] == pr.head_sha]
        titles = {a["title"] for a in github.annotations[run["id"]]}
    assert "ruff T201" in titles
    # Other tests share the repository: only this PR's refs tell.
    refs = {
        r.query.get("ref")
        for r in github.requests_matching("GET", rf"/repos/{OWNER}/{REPO}/contents/")
    }
    assert pr.base_sha in refs
    assert pr.head_sha not in refs  # never the head


def test_deleted_binary_renamed_and_too_large_files(github: FakeGitHub, redis_server: str) -> None:
    from tests.fakes.github_server import make_commit, make_file
    from tests.integration.scenarios import CLAUDE_TRAILER, sha

    number, head, base = 900, sha("edge-head"), sha("edge-base")
    renamed_text = "def f():\n    try:\n        return 1\n    except:\n        return 2\n"
    renamed_patch = "@@ -1,3 +1,5 @@\n def f():\n-    return 1\n+    try:\n+        return 1\n"
    renamed_patch += "+    except:\n+        return 2"
    blobs = {sha("renamed"): renamed_text.encode(), sha("huge"): b"x = 1\n" * 10}
    github.add_pull_request(
        OWNER,
        REPO,
        number,
        head_sha=head,
        base_sha=base,
        files=[
            make_file(
                "pkg/gone.py", status="removed", patch="@@ -1 +0,0 @@\n-x = 1", sha=sha("gone")
            ),
            make_file("docs/logo.png", status="added", sha=sha("png")),
            make_file(
                "pkg/renamed.py",
                status="renamed",
                previous_filename="pkg/original.py",
                patch=renamed_patch,
                sha=sha("renamed"),
            ),
            make_file("pkg/huge.py", status="modified", sha=sha("huge"), additions=5000),
        ],
        commits=[make_commit(head, f"Move things\n\n{CLAUDE_TRAILER}", parents=[base])],
        blobs=blobs,
    )
    pr_payload = pull_request_payload(StagedPR(number, head, base, set()))

    assert deliver(redis_server, "pull_request", pr_payload).status_code == 202

    wait_completed(github, head)
    with github.lock:
        [run] = [r for r in github.check_runs.values() if r["head_sha"] == head]
        found = {(a["path"], a["start_line"], a["title"]) for a in github.annotations[run["id"]]}
    assert found == {("pkg/renamed.py", 4, "ruff E722")}
    assert "`pkg/huge.py`: GitHub sent no diff" in run["output"]["summary"]
    fetched = {r.path.rsplit("/", 1)[-1] for r in github.requests_matching("GET", r"/git/blobs/")}
    assert sha("renamed") in fetched
    # nothing is fetched for deleted, binary or unpatched files
    assert not fetched & {sha("gone"), sha("png"), sha("huge")}


def test_mixed_pr_attributes_lines_through_per_commit_patches(
    github: FakeGitHub, redis_server: str
) -> None:
    from tests.fakes.github_server import make_commit, make_file
    from tests.integration.scenarios import CLAUDE_TRAILER, sha

    number, base = 901, sha("mixed-base")
    c1, c2 = sha("mixed-ai"), sha("mixed-human")
    final = "a = 1\nB = 2\nc = 3\nd = 4\n"
    github.add_pull_request(
        OWNER,
        REPO,
        number,
        head_sha=c2,
        base_sha=base,
        files=[
            make_file(
                "pkg/mixed.py",
                status="added",
                sha=sha("mixed-blob"),
                patch="@@ -0,0 +1,4 @@\n+a = 1\n+B = 2\n+c = 3\n+d = 4",
            )
        ],
        commits=[
            make_commit(c1, f"AI part\n\n{CLAUDE_TRAILER}", parents=[base]),
            make_commit(c2, "Human part", parents=[c1]),
        ],
        blobs={sha("mixed-blob"): final.encode()},
    )
    github.add_commit_detail(
        OWNER,
        REPO,
        c1,
        [
            make_file(
                "pkg/mixed.py", status="added", patch="@@ -0,0 +1,3 @@\n+a = 1\n+b = 2\n+c = 3"
            )
        ],
    )
    github.add_commit_detail(
        OWNER,
        REPO,
        c2,
        [
            make_file(
                "pkg/mixed.py",
                status="modified",
                patch="@@ -1,3 +1,4 @@\n a = 1\n-b = 2\n+B = 2\n c = 3\n+d = 4",
            )
        ],
    )
    payload = pull_request_payload(StagedPR(number, c2, base, set()))

    assert deliver(redis_server, "pull_request", payload).status_code == 202

    wait_completed(github, c2)
    with github.lock:
        [run] = [r for r in github.check_runs.values() if r["head_sha"] == c2]
    assert "| 2 of 4 (50%) |" in run["output"]["summary"]  # a and c are the agent's
    # each of this PR's commits is fetched once for its own patches
    details = [r.path for r in github.requests_matching("GET", rf"/commits/({c1}|{c2})$")]
    assert sorted(details) == sorted(f"/repos/{OWNER}/{REPO}/commits/{c}" for c in (c1, c2))


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
    from tests.fakes.github_server import git_blob_sha, make_commit, make_file
    from tests.integration.scenarios import CLAUDE_TRAILER, our_runs, sha

    number, head, base = 902, sha("all-checks-head"), sha("all-checks-base")
    added = SERVICE_HEAD.splitlines()[1:]
    patch = "\n".join([f"@@ -1 +1,{len(added) + 1} @@", " import os", *[f"+{a}" for a in added]])
    blob = git_blob_sha(SERVICE_HEAD.encode())
    github.add_pull_request(
        OWNER,
        REPO,
        number,
        head_sha=head,
        base_sha=base,
        files=[make_file("pkg/service.py", status="modified", patch=patch, sha=blob)],
        commits=[make_commit(head, f"Add service\n\n{CLAUDE_TRAILER}", parents=[base])],
        blobs={blob: SERVICE_HEAD.encode()},
    )
    payload = pull_request_payload(StagedPR(number, head, base, set()))

    assert deliver(redis_server, "pull_request", payload).status_code == 202
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
