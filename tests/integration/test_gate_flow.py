"""The gate end to end through the web, Redis and a worker: human review, buttons, re-runs
and re-opening (configuration: test_config_flow.py, in process)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import (
    REPO,
    StagedPR,
    pull_request_payload,
    stage_file_pr,
    staged_with_config,
)

REVIEW_REQUIRED = b"gate:\n  require_human_review: true\n"


def runs(github: FakeGitHub, pr: StagedPR) -> list[dict[str, Any]]:
    with github.lock:
        return sorted(
            (r for r in github.check_runs.values() if r["head_sha"] == pr.head_sha),
            key=lambda r: int(r["id"]),
        )


def wait_conclusion(github: FakeGitHub, pr: StagedPR, conclusion: str) -> dict[str, Any]:
    def reached() -> bool:
        found = runs(github, pr)
        return bool(found) and found[-1].get("conclusion") == conclusion

    wait_until(reached, f"conclusion {conclusion}")
    return runs(github, pr)[-1]


def patches(github: FakeGitHub, run: dict[str, Any]) -> int:
    return len(github.requests_matching("PATCH", rf"/check-runs/{run['id']}$"))


def review_payload(
    pr: StagedPR, login: str, state: str, action: str = "submitted", user_type: str = "User"
) -> dict[str, Any]:
    payload = pull_request_payload(pr)
    payload["action"] = action
    payload["review"] = {
        "id": 1,
        "user": {"login": login, "type": user_type},
        "state": state,
        "commit_id": pr.head_sha,
    }
    return payload


def action_payload(pr: StagedPR, run: dict[str, Any], login: str) -> dict[str, Any]:
    base = pull_request_payload(pr)
    return {
        "action": "requested_action",
        "check_run": {
            "id": run["id"],
            "name": "ai-gate",
            "head_sha": pr.head_sha,
            "pull_requests": [{"number": pr.number, "head": {"sha": pr.head_sha}}],
        },
        "requested_action": {"identifier": "acknowledge"},
        "repository": base["repository"],
        "sender": {"login": login, "type": "User"},
        "installation": base["installation"],
    }


def test_human_approval_flips_action_required_and_a_bot_or_dismissal_does_not(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = staged_with_config(github, REVIEW_REQUIRED)
    deliver(redis_server, "pull_request", pull_request_payload(pr))
    run = wait_conclusion(github, pr, "action_required")
    assert run["actions"][0]["identifier"] == "acknowledge"

    github.add_review(pr.owner, REPO, pr.number, "helper[bot]", "APPROVED", user_type="Bot")
    before = patches(github, run)
    deliver(
        redis_server,
        "pull_request_review",
        review_payload(pr, "helper[bot]", "approved", user_type="Bot"),
    )
    wait_until(lambda: patches(github, run) > before, "re-evaluation after the bot review")
    assert runs(github, pr)[-1]["conclusion"] == "action_required"

    human = github.add_review(pr.owner, REPO, pr.number, "ada", "APPROVED")
    deliver(redis_server, "pull_request_review", review_payload(pr, "ada", "approved"))
    approved = wait_conclusion(github, pr, "success")
    assert "@ada" in approved["output"]["summary"]
    assert len(runs(github, pr)) == 1  # re-judged in place, checks not re-run

    github.dismiss_review(int(human["id"]))
    deliver(
        redis_server,
        "pull_request_review",
        review_payload(pr, "ada", "dismissed", action="dismissed"),
    )
    wait_conclusion(github, pr, "action_required")


def test_acknowledge_needs_write_access(github: FakeGitHub, redis_server: str) -> None:
    pr = staged_with_config(github, REVIEW_REQUIRED)
    deliver(redis_server, "pull_request", pull_request_payload(pr))
    run = wait_conclusion(github, pr, "action_required")
    github.set_permission(pr.owner, REPO, "reader", "read")
    github.set_permission(pr.owner, REPO, "maintainer", "write")

    before = patches(github, run)
    deliver(redis_server, "check_run", action_payload(pr, run, "reader"))
    wait_until(lambda: patches(github, run) > before, "the refusal")
    refused = runs(github, pr)[-1]
    assert refused["conclusion"] == "action_required"
    assert "@reader pressed Acknowledge: refused" in refused["output"]["summary"]

    deliver(redis_server, "check_run", action_payload(pr, run, "maintainer"))
    accepted = wait_conclusion(github, pr, "success")
    assert "@maintainer (write) acknowledged" in accepted["output"]["summary"]
    permission_checks = github.requests_matching("GET", r"/collaborators/.+/permission$")
    assert {r.path.split("/")[-2] for r in permission_checks} >= {"reader", "maintainer"}


def test_rerun_request_makes_a_fresh_run_for_the_same_sha(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_file_pr(github, "x = 1\n")
    deliver(redis_server, "pull_request", pull_request_payload(pr))
    first = wait_conclusion(github, pr, "success")
    base = pull_request_payload(pr)
    rerun = {
        "action": "rerequested",
        "repository": base["repository"],
        "installation": base["installation"],
        "check_run": {
            "id": first["id"],
            "name": "ai-gate",
            "head_sha": pr.head_sha,
            "pull_requests": [{"number": pr.number, "head": {"sha": pr.head_sha}}],
        },
    }

    assert deliver(redis_server, "check_run", rerun).status_code == 202

    wait_until(
        lambda: len(runs(github, pr)) == 2 and runs(github, pr)[-1].get("conclusion") == "success",
        "a second completed run",
    )


@pytest.mark.parametrize("action", ["reopened", "edited"])
def test_reopening_or_changing_the_base_right_after_an_analysis_runs_it_again(
    github: FakeGitHub, redis_server: str, action: str
) -> None:
    """People close and reopen a PR to re-run its checks, and a new base branch changes its
    diff and policy: the finished job's claim is gone, so the event makes a fresh run."""
    pr = stage_file_pr(github, "x = 1\n")
    deliver(redis_server, "pull_request", pull_request_payload(pr))
    wait_conclusion(github, pr, "success")
    again = pull_request_payload(pr)
    again["action"] = action
    if action == "edited":
        again["changes"] = {"base": {"ref": {"from": "develop"}, "sha": {"from": pr.base_sha}}}

    assert deliver(redis_server, "pull_request", again).status_code == 202

    wait_until(
        lambda: len(runs(github, pr)) == 2 and runs(github, pr)[-1].get("conclusion") == "success",
        f"a second completed run after {action}",
    )
