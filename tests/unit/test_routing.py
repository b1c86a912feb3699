from typing import Any

import pytest

from app.web.routing import jobs_for

REPO = {"full_name": "octo/repo"}
INSTALLATION = {"id": 9}


def pr_payload(action: str, state: str = "open") -> dict[str, Any]:
    return {
        "action": action,
        "repository": REPO,
        "installation": INSTALLATION,
        "pull_request": {"number": 3, "state": state, "head": {"sha": "abc"}},
    }


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened", "ready_for_review"])
def test_pull_request_actions_make_one_job(action: str) -> None:
    [job] = [j for j in jobs_for("pull_request", pr_payload(action), "d1") if j.kind == "analyse"]
    assert (job.installation_id, job.repository, job.pull_number, job.head_sha) == (
        9,
        "octo/repo",
        3,
        "abc",
    )
    assert job.key == "9:octo/repo:3:abc"
    # Reopening is how people ask CI to run again, and a draft may have been skipped: a
    # fresh analysis even of a known head.
    assert job.rerun == (action in ("reopened", "ready_for_review"))


def test_a_change_of_base_branch_makes_a_fresh_analysis() -> None:
    payload = pr_payload("edited") | {"changes": {"base": {"ref": {"from": "main"}}}}
    [job] = jobs_for("pull_request", payload, "d1")
    assert job.rerun
    assert job.event == "pull_request.edited"
    title_only = pr_payload("edited") | {"changes": {"title": {"from": "Old"}}}
    assert jobs_for("pull_request", title_only, "d2") == []


@pytest.mark.parametrize("action", ["labeled", "edited", "converted_to_draft"])
def test_other_pull_request_actions_are_ignored(action: str) -> None:
    assert jobs_for("pull_request", pr_payload(action), "d1") == []


def test_check_run_rerequested_is_a_rerun_per_pull_request() -> None:
    payload = {
        "action": "rerequested",
        "repository": REPO,
        "installation": INSTALLATION,
        "check_run": {
            "head_sha": "abc",
            "pull_requests": [
                {"number": 3, "head": {"sha": "abc"}},
                {"number": 4, "head": {"sha": "abc"}},
            ],
        },
    }
    jobs = jobs_for("check_run", payload, "d2")
    assert [(j.pull_number, j.rerun) for j in jobs] == [(3, True), (4, True)]


def test_check_suite_from_a_fork_push_without_pull_requests_is_ignored() -> None:
    payload = {
        "action": "requested",
        "repository": REPO,
        "installation": INSTALLATION,
        "check_suite": {"head_sha": "abc", "pull_requests": []},
    }
    assert jobs_for("check_suite", payload, "d3") == []


def test_events_without_installation_are_ignored() -> None:
    payload = pr_payload("opened")
    del payload["installation"]
    assert jobs_for("pull_request", payload, "d4") == []


@pytest.mark.parametrize("action", ["closed", "reopened"])
def test_closing_and_reopening_record_the_outcome(action: str) -> None:
    jobs = jobs_for(
        "pull_request", pr_payload(action, "closed" if action == "closed" else "open"), "d1"
    )
    [outcome] = [j for j in jobs if j.kind == "outcome"]
    assert (outcome.pull_number, outcome.head_sha, outcome.event) == (
        3,
        "abc",
        f"pull_request.{action}",
    )
    # Closing analyses nothing; reopening analyses the head afresh as well.
    assert [j.kind for j in jobs] == (["outcome"] if action == "closed" else ["analyse", "outcome"])


def push_payload(ref: str, after: str = "a" * 40, **extra: object) -> dict[str, Any]:
    return {
        "ref": ref,
        "before": "b" * 40,
        "after": after,
        "repository": REPO | {"default_branch": "main"},
        "installation": INSTALLATION,
        **extra,
    }


def test_a_push_to_the_default_branch_measures_rework() -> None:
    [job] = jobs_for("push", push_payload("refs/heads/main"), "d1")
    assert (job.kind, job.head_sha, job.pull_number, job.event) == ("rework", "a" * 40, 0, "push")


@pytest.mark.parametrize(
    "payload",
    [
        push_payload("refs/heads/feature"),
        push_payload("refs/tags/v1"),
        push_payload("refs/heads/main", after="0" * 40, deleted=True),
    ],
)
def test_other_pushes_are_ignored(payload: dict[str, Any]) -> None:
    assert jobs_for("push", payload, "d1") == []
