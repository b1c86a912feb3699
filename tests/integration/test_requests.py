"""GitHub requests per PR: no more than the data needs (plus 2), and no blob fetched twice."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from tests.fakes.github_server import FakeGitHub, git_blob_sha, make_commit, make_file
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import (
    CLAUDE_TRAILER,
    OWNER,
    StagedPR,
    our_runs,
    pull_request_payload,
    sha,
    wait_completed,
)

pytestmark = pytest.mark.integration

REPO = "counted"
FILES = 130  # two pages of files


def stage(github: FakeGitHub) -> StagedPR:
    head, base = sha("counted-head"), sha("counted-base")
    files, blobs = [], {}
    for i in range(FILES):
        text = f"def f{i}():\n    try:\n        return {i}\n    except:\n        return None\n"
        blob = git_blob_sha(text.encode())
        blobs[blob] = text.encode()
        patch = "@@ -0,0 +1,5 @@\n" + "\n".join(f"+{line}" for line in text.splitlines())
        files.append(make_file(f"pkg/m{i:03d}.py", status="added", patch=patch, sha=blob))
    github.add_pull_request(
        OWNER,
        REPO,
        1,
        head_sha=head,
        base_sha=base,
        files=files,
        commits=[make_commit(head, f"Add modules\n\n{CLAUDE_TRAILER}", parents=[base])],
        blobs=blobs,
    )
    return StagedPR(1, head, base, set(), repo=REPO)


def requests_by_shape(github: FakeGitHub) -> Counter[str]:
    shapes: Counter[str] = Counter()
    with github.lock:
        ours = [r for r in github.requests if r.path.startswith(f"/repos/{OWNER}/{REPO}/")]
    for r in ours:
        path = r.path.removeprefix(f"/repos/{OWNER}/{REPO}")
        shapes[f"{r.method} {'/git/blobs' if path.startswith('/git/blobs/') else path}"] += 1
    return shapes


def test_requests_stay_within_two_of_the_minimum_and_a_rerun_fetches_no_blob_again(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage(github)
    deliver(redis_server, "pull_request", pull_request_payload(pr))
    wait_completed(github, pr.head_sha)

    [run] = our_runs(github, pr.head_sha)
    with github.lock:
        annotations = len(github.annotations[int(run["id"])])
    assert annotations == FILES, run.get("output")  # a bare except (E722) in every file
    # The review is posted after the run completes: count once it is there.
    wait_until(lambda: requests_by_shape(github)["POST /pulls/1/reviews"] == 1, "the review")
    made = requests_by_shape(github)
    assert made["GET /git/blobs"] == FILES
    minimum = (
        1  # the PR
        + math.ceil(FILES / 100)  # its file pages
        + 1  # its commits
        + 1  # .ai-gate.yml on the base
        + 3  # the base's ruff configuration files
        + FILES  # each blob once
        + 1  # create the check run
        + math.ceil(annotations / 50)  # one PATCH per 50 annotations, the last completes it
        + 1  # existing review comments, so none is repeated
        + 1  # existing reviews, so a head sha never gets a second review
        + 1  # the review
    )
    # The two allowed extras: the run already on this sha (a redelivery reuses it) and the PR's
    # head read again before publishing (a newer push supersedes this analysis).
    shown = " ".join(f"{k}={v}" for k, v in made.items() if "blobs" not in k)
    assert minimum <= sum(made.values()) <= minimum + 2, shown

    rerun = {
        "action": "rerequested",
        "repository": pull_request_payload(pr)["repository"],
        "installation": {"id": 1},
        "check_run": {
            "id": run["id"],
            "name": "ai-gate",
            "head_sha": pr.head_sha,
            "pull_requests": [{"number": pr.number, "head": {"sha": pr.head_sha}}],
        },
    }
    assert deliver(redis_server, "check_run", rerun).status_code == 202
    wait_until(
        lambda: sum(r["status"] == "completed" for r in our_runs(github, pr.head_sha)) == 2,
        "the re-run completed",
    )
    assert requests_by_shape(github)["GET /git/blobs"] == FILES  # all from the blob cache
