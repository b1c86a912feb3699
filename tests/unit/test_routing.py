import json
from typing import Any

import pytest
from pydantic import ValidationError

from app.web.routing import closed_pull_request, jobs_for

REPO = {"full_name": "octo/repo"}
INSTALLATION = {"id": 9}
HEAD = "ab" * 20


def pr_payload(action: str, state: str = "open") -> dict[str, Any]:
    return {
        "action": action,
        "repository": REPO,
        "installation": INSTALLATION,
        "pull_request": {"number": 3, "state": state, "head": {"sha": HEAD}},
    }


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened", "ready_for_review"])
def test_pull_request_actions_make_one_job(action: str) -> None:
    [job] = [j for j in jobs_for("pull_request", pr_payload(action), "d1") if j.kind == "analyse"]
    assert (job.installation_id, job.repository, job.pull_number, job.head_sha) == (
        9,
        "octo/repo",
        3,
        HEAD,
    )
    assert job.key == f"9:octo/repo:3:{HEAD}"
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


@pytest.mark.parametrize("action", ["assigned", "edited", "converted_to_draft"])
def test_other_pull_request_actions_are_ignored(action: str) -> None:
    assert jobs_for("pull_request", pr_payload(action), "d1") == []


def label_payload(
    action: str, state: str = "open", name: object = "skip-ai-gate"
) -> dict[str, Any]:
    return pr_payload(action, state) | {"label": {"name": name, "color": "ededed"}}


@pytest.mark.parametrize("action", ["labeled", "unlabeled"])
def test_a_label_added_or_removed_makes_one_label_job_carrying_its_name(action: str) -> None:
    [job] = jobs_for("pull_request", label_payload(action, name="Skip-AI-Gate"), "d1")
    assert (job.kind, job.label, job.event, job.rerun) == (
        "label",
        "Skip-AI-Gate",
        f"pull_request.{action}",
        False,
    )
    assert job.key == f"9:octo/repo:3:{HEAD}"


@pytest.mark.parametrize("action", ["labeled", "unlabeled"])
def test_a_label_on_a_closed_pull_request_is_ignored(action: str) -> None:
    assert jobs_for("pull_request", label_payload(action, "closed"), "d1") == []


def test_a_label_event_without_its_label_makes_a_job_naming_none() -> None:
    # GitHub's schema makes `label` optional: the job then knows only that a label changed.
    [job] = jobs_for("pull_request", pr_payload("labeled"), "d1")
    assert (job.kind, job.label) == ("label", "")


@pytest.mark.parametrize("action", ["labeled", "unlabeled"])
@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("label", "name"), 7),
        (("label", "name"), None),
        (("label", "name"), True),
        (("label", "name"), ["skip"]),
        (("label", "name"), ""),
        (("label", "name"), "x" * 101),
        (("label",), "skip-ai-gate"),
        (("label",), ["skip-ai-gate"]),
        (("label",), {"color": "ededed"}),
        (("pull_request", "number"), "3"),
        (("pull_request", "head", "sha"), "abc"),
    ],
)
def test_malformed_labels_are_refused_as_invalid(
    action: str, path: tuple[str, ...], value: object
) -> None:
    payload = _with(label_payload(action), path, value)
    with pytest.raises(ValidationError) as refused:
        jobs_for("pull_request", payload, "d1")
    assert refused.value.errors()[0]["loc"][: len(path)] == path


def test_check_run_rerequested_is_a_rerun_per_pull_request() -> None:
    payload = {
        "action": "rerequested",
        "repository": REPO,
        "installation": INSTALLATION,
        "check_run": {
            "head_sha": HEAD,
            "pull_requests": [
                {"number": 3, "head": {"sha": HEAD}},
                {"number": 4, "head": {"sha": HEAD}},
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
        "check_suite": {"head_sha": HEAD, "pull_requests": []},
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
        HEAD,
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


def _with(payload: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(payload))
    where = copy
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = value
    return copy


@pytest.mark.parametrize(
    ("path", "value"),
    [
        # A number a 64-bit field cannot hold (orjson hands 2**64 over as a float), a bool,
        # a float, a number as a string, zero, a negative.
        (("pull_request", "number"), 2**64),
        (("pull_request", "number"), float(2**64)),
        (("pull_request", "number"), True),
        (("pull_request", "number"), 1.5),
        (("pull_request", "number"), "3"),
        (("pull_request", "number"), 0),
        (("pull_request", "number"), -3),
        (("installation", "id"), 2**63),
        (("installation", "id"), "9"),
        # Shas: short, upper case, not hex, an option, not a string.
        (("pull_request", "head", "sha"), "abc"),
        (("pull_request", "head", "sha"), "AB" * 20),
        (("pull_request", "head", "sha"), "g" * 40),
        (("pull_request", "head", "sha"), "--upload-pack=touch /tmp/x"),
        (("pull_request", "head", "sha"), None),
        # Names that would change the URLs and keys built from them.
        (("repository", "full_name"), "octo/../../app"),
        (("repository", "full_name"), "octo/.."),
        (("repository", "full_name"), "octo/repo?x=1"),
        (("repository", "full_name"), "octo/re\x00po"),
        (("repository", "full_name"), "octo/repo\n"),
        (("repository", "full_name"), "\u202eocto/repo"),
        (("repository", "full_name"), "octo"),
        (("repository", "full_name"), ["octo/repo"]),
        (("pull_request", "state"), None),
    ],
)
def test_malformed_fields_are_refused_as_invalid(path: tuple[str, ...], value: object) -> None:
    payload = _with(pr_payload("opened"), path, value)
    with pytest.raises(ValidationError) as refused:
        jobs_for("pull_request", payload, "d5")
    assert refused.value.errors()[0]["loc"][: len(path)] == path


@pytest.mark.parametrize("number", [2**64, True, "3", -1])
def test_malformed_numbers_of_check_suites_runs_and_closed_prs_are_refused(number: object) -> None:
    suite = {
        "action": "requested",
        "repository": REPO,
        "installation": INSTALLATION,
        "check_suite": {"head_sha": HEAD, "pull_requests": [{"number": number}]},
    }
    with pytest.raises(ValidationError):
        jobs_for("check_suite", suite, "d6")
    run = {
        "action": "requested_action",
        "repository": REPO,
        "installation": INSTALLATION,
        "check_run": {"name": "ai-gate", "head_sha": HEAD, "pull_requests": [{"number": number}]},
        "requested_action": {"identifier": "acknowledge"},
    }
    with pytest.raises(ValidationError):
        jobs_for("check_run", run, "d7")
    closed = _with(pr_payload("closed"), ("pull_request", "number"), number)
    with pytest.raises(ValidationError):
        closed_pull_request("pull_request", closed)


def test_ignored_events_are_not_inspected() -> None:
    # Whatever the rest holds, an event or action we do not route is ignored.
    junk = {"action": "assigned", "installation": "x", "repository": 7, "pull_request": []}
    assert jobs_for("pull_request", junk, "d8") == []
    assert jobs_for("installation", {"action": "created", "installation": []}, "d9") == []
    assert jobs_for("pull_request", {"action": ["opened"]}, "d10") == []


def test_a_64_character_sha_is_accepted() -> None:
    payload = _with(pr_payload("opened"), ("pull_request", "head", "sha"), "0f" * 32)
    [job] = jobs_for("pull_request", payload, "d11")
    assert job.head_sha == "0f" * 32
