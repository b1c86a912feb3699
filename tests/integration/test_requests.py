"""Requests per PR: REST reads independent of the number of files, git fetches counted, and a
re-run of the same head transfers nothing again."""

from __future__ import annotations

import math
from collections import Counter

from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import (
    StagedPR,
    ai_change,
    our_runs,
    pull_request_payload,
    settled_patches,
    stage_pr,
    wait_completed,
)

OWNER, REPO = "counted-org", "counted"
FILES = 130  # more than a page of files, were they listed over REST


def stage(github: FakeGitHub) -> StagedPR:
    body = "def f{i}():\n    try:\n        return {i}\n    except:\n        return None\n"
    files: dict[str, str | bytes | None] = {
        f"pkg/m{i:03d}.py": body.format(i=i) for i in range(FILES)
    }
    return stage_pr(
        github,
        {"README.md": "# counted\n"},
        [ai_change(files, "Add modules")],
        owner=OWNER,
        repo=REPO,
    )


def rest_by_shape(github: FakeGitHub) -> Counter[str]:
    """REST requests about this owner's repositories (the PR's and the org's `.github`)."""
    shapes: Counter[str] = Counter()
    with github.lock:
        ours = [r for r in github.requests if r.path.startswith(f"/repos/{OWNER}/")]
    for r in ours:
        shapes[f"{r.method} {r.path.removeprefix(f'/repos/{OWNER}')}"] += 1
    return shapes


def git_requests(github: FakeGitHub) -> list[tuple[str, str, bool]]:
    return [
        (r.service, r.command, r.sent_pack)
        for r in list(github.git.requests)
        if r.path.startswith(f"/{OWNER}/{REPO}.git/")
    ]


def test_rest_requests_do_not_grow_with_files_and_a_rerun_transfers_nothing(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage(github)
    deliver(redis_server, "pull_request", pull_request_payload(pr))
    wait_completed(github, pr.head_sha)

    [run] = our_runs(github, pr.head_sha)
    settled_patches(github, int(run["id"]))  # the verdict comes first, annotations after it
    with github.lock:
        annotations = len(github.annotations[int(run["id"])])
    assert annotations == FILES, run.get("output")  # a bare except (E722) in every file
    # The review is posted after the run completes: count once it is there.
    reviews = f"POST /{REPO}/pulls/{pr.number}/reviews"
    wait_until(lambda: rest_by_shape(github)[reviews] >= 1, "the review")
    made = rest_by_shape(github)
    writes = (
        1  # create the check run, queued (the starter does it as the delivery comes in; the
        # job state says the head has none, so GitHub is not asked)
        + 1  # move it to in progress (the job does it when a worker takes the job)
        + math.ceil(annotations / 50)  # one PATCH per 50 annotations
        + 1  # the review
    )
    reads = (
        1  # the PR
        + 1  # its commits' GitHub logins (one page)
        + 1  # the organisation's defaults (`.github/.ai-gate.yml`)
        + 1  # the PR's head again before publishing (a newer push supersedes the analysis)
        + 1  # existing review comments, so none is repeated
        + 1  # existing reviews, so a head sha never gets a second review
    )
    shown = " ".join(f"{k}={v}" for k, v in sorted(made.items()))
    assert sum(made.values()) == reads + writes, shown
    assert not any("/git/blobs/" in k or "/files" in k for k in made), shown
    # Content came through git: one fetch of commits and trees, one of the blobs it needs.
    first = git_requests(github)
    packs = [r for r in first if r[2]]
    assert len(packs) == 2, first
    assert len(first) <= 6, first

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
    assert git_requests(github) == first  # the cache had everything: no git request at all
