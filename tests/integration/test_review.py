"""Inline review comments: one review per head sha, no repeats, resolved comments edited."""

from __future__ import annotations

from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import (
    OWNER,
    REPO,
    REVIEW_V1,
    REVIEW_V2,
    our_runs,
    pull_request_payload,
    stage_file_pr,
)


def test_second_push_fixes_one_finding_and_moves_another(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_file_pr(github, REVIEW_V1)
    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202
    wait_until(lambda: len(github.reviews_for(OWNER, REPO, pr.number)) == 1, "first review")
    first = github.comments_for(OWNER, REPO, pr.number)
    # B006's fix rewrites the signature and adds a line: a two-line suggestion, lines 8-9.
    shapes = {
        (c.get("start_line") or c["line"], c["line"], c["body"].split("**")[1]) for c in first
    }
    assert shapes == {(4, 4, "ruff E722"), (8, 9, "ruff B006")}
    assert "```suggestion\ndef b(x=None):\n    if x is None:" in "\n".join(c["body"] for c in first)
    review = github.reviews_for(OWNER, REPO, pr.number)[0]
    assert review["commit_id"] == pr.head_sha
    assert all(c["side"] == "RIGHT" for c in first)

    push = stage_file_pr(github, REVIEW_V2, number=pr.number)
    payload = pull_request_payload(push, "synchronize")
    assert deliver(redis_server, "pull_request", payload).status_code == 202

    def resolved() -> bool:
        return any("Resolved" in c["body"] for c in github.comments_for(OWNER, REPO, pr.number))

    wait_until(resolved, "the fixed finding's comment to be marked resolved")
    comments = github.comments_for(OWNER, REPO, pr.number)
    assert len(comments) == 2  # the moved B006 was not commented again
    [fixed] = [c for c in comments if "E722" in c["body"]]
    assert f"Resolved** in {push.head_sha[:12]}" in fixed["body"]
    [moved] = [c for c in comments if "B006" in c["body"]]
    assert "Resolved" not in moved["body"]
    # The second push found nothing new, so it made no second review.
    assert len(github.reviews_for(OWNER, REPO, pr.number)) == 1


def test_a_review_that_fails_after_the_run_completed_is_retried_without_a_second_run(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_file_pr(github, REVIEW_V1)
    # Three 502s: githubkit's own two retries, then the job's retry (2 s later) posts it.
    github.fail_next("POST", rf"/pulls/{pr.number}/reviews$", 502, times=3)

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    wait_until(
        lambda: len(github.reviews_for(pr.owner, REPO, pr.number)) == 1, "the retried review"
    )
    runs = our_runs(github, pr.head_sha)
    assert [r["status"] for r in runs] == ["completed"]  # one run, completed once
    with github.lock:
        completions = [
            r
            for r in github.requests
            if r.method == "PATCH"
            and r.path.endswith(f"/check-runs/{runs[0]['id']}")
            and (r.json or {}).get("status") == "completed"
        ]
    assert len(completions) == 1
