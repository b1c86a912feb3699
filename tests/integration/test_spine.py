"""End to end: signed delivery → queue → worker → fake GitHub check run with annotations."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import (
    Change,
    annotations_of,
    our_runs,
    pull_request_payload,
    push,
    stage_ruff_pr,
)


def _completed(github: FakeGitHub, head_sha: str) -> dict[str, Any]:
    wait_until(
        lambda: any(r["status"] == "completed" for r in our_runs(github, head_sha)),
        f"a completed check run on {head_sha[:8]}",
    )
    runs = our_runs(github, head_sha)
    assert len(runs) == 1, runs
    return runs[0]


@pytest.mark.parametrize("mode", ["redis", "embedded"])
def test_opened_pr_gets_a_completed_run_with_annotations_on_added_lines(
    mode: str, github: FakeGitHub, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"{mode}_server")
    pr = stage_ruff_pr(github, blocks=30)

    answer = deliver(url, "pull_request", pull_request_payload(pr))

    assert answer.status_code == 202, answer.text
    run = _completed(github, pr.head_sha)
    assert run["name"] == "ai-gate"
    assert run["conclusion"] == "success"  # warnings only; the gate fails on `failure`
    assert annotations_of(github, int(run["id"])) == pr.expected  # old.py:1 F401 is not there
    updates = github.requests_matching("PATCH", rf"/check-runs/{run['id']}$")
    # This head's own run: a job of an earlier test may still be creating runs for others.
    [created] = [
        r
        for r in github.requests_matching("POST", r"/check-runs$")
        if r.json and r.json.get("head_sha") == pr.head_sha
    ]
    if mode == "redis":
        # The starter shows the run queued at once; the job moves it to in progress.
        assert created.json["status"] == "queued"
        assert updates[0].json == {
            "status": "in_progress",
            "started_at": updates[0].json["started_at"],
            "output": {"title": "Analysing…", "summary": "ai-gate is analysing this commit."},
        }
        updates = updates[1:]
    else:
        assert created.json["status"] == "in_progress"
    batches = [len(r.json["output"]["annotations"]) for r in updates if r.json]
    assert batches == [50, 11]
    # The verdict comes with the first batch; the rest is appended to the completed run.
    assert [r.json.get("conclusion") for r in updates] == ["success", None]
    output = run["output"]
    assert isinstance(output, dict)
    assert output["title"] == "Passed (61 findings; 100% of added lines AI-attributed)"
    assert "| ruff | 61 |" in output["summary"]


def test_wrong_or_missing_signature_is_401_and_calls_no_github(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_ruff_pr(github, blocks=1)
    github.clear_requests()

    wrong = deliver(redis_server, "pull_request", pull_request_payload(pr), secret="not-it")
    missing = deliver(redis_server, "pull_request", pull_request_payload(pr), secret=None)
    malformed = deliver(
        redis_server, "pull_request", pull_request_payload(pr), signature="sha256=zz"
    )

    assert [wrong.status_code, missing.status_code, malformed.status_code] == [401, 401, 401]
    time.sleep(1.0)  # give a wrongly queued job the time to show up
    # (Other tests' jobs may still be finishing: look only at this PR's traffic.)
    assert [r for r in github.requests if f"/pulls/{pr.number}" in r.path] == []
    assert our_runs(github, pr.head_sha) == []


def test_same_delivery_twice_makes_one_check_run(github: FakeGitHub, redis_server: str) -> None:
    pr = stage_ruff_pr(github, blocks=1)

    first = deliver(redis_server, "pull_request", pull_request_payload(pr), delivery="dup-1")
    second = deliver(redis_server, "pull_request", pull_request_payload(pr), delivery="dup-1")

    assert (first.status_code, second.status_code) == (202, 200)
    _completed(github, pr.head_sha)
    time.sleep(1.0)
    assert len(our_runs(github, pr.head_sha)) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", r"/pulls/{n}/commits$"), ("POST", r"/hello-world\.git/git-upload-pack$")],
    ids=["rest", "git"],
)
def test_github_502_then_200_still_completes(
    github: FakeGitHub, redis_server: str, method: str, path: str
) -> None:
    pr = stage_ruff_pr(github, blocks=2)
    pattern = path.format(n=pr.number)
    github.fail_next(method, pattern, 502, times=1)

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    run = _completed(github, pr.head_sha)
    assert run["conclusion"] == "success"
    if method == "GET":
        statuses = [r.status for r in github.requests_matching(method, pattern)]
    else:
        statuses = [r.status for r in github.git.requests if r.method == "POST"]
        statuses = statuses[statuses.index(502) :] if 502 in statuses else statuses
    assert statuses[:2] == [502, 200]


def test_ping_is_200_and_unrouted_events_are_ignored(redis_server: str) -> None:
    ping = deliver(redis_server, "ping", {"zen": "Keep it logically awesome.", "hook_id": 1})
    assigned = deliver(redis_server, "pull_request", {"action": "assigned", "assignee": {}})
    assert (ping.status_code, assigned.status_code) == (200, 200)


def test_malformed_json_is_400(redis_server: str) -> None:
    import httpx

    from app.web.signature import sign
    from tests.integration.conftest import SECRET

    body = b"{not json"
    answer = httpx.post(
        f"{redis_server}/api/github/webhooks",
        content=body,
        headers={
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": "bad-json",
            "X-Hub-Signature-256": sign(SECRET, body),
        },
    )
    assert answer.status_code == 400


def test_burst_of_pushes_analyses_only_the_newest_head(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_ruff_pr(github, blocks=1)
    old_head = pr.head_sha
    new_head = push(github, pr, [Change({"pkg/more.py": "y = 2\n"})]).head_sha
    newer = pull_request_payload(pr, "synchronize")
    newer["pull_request"]["head"]["sha"] = new_head

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202
    assert deliver(redis_server, "pull_request", newer).status_code == 202

    run = _completed(github, new_head)
    assert run["conclusion"] == "success"
    time.sleep(1.0)
    stale = our_runs(github, old_head)
    # The old head is either never started or closed as superseded, never left in progress.
    assert all(r["status"] == "completed" and r["conclusion"] == "cancelled" for r in stale)


def test_check_suite_and_pull_request_for_one_push_make_one_job(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_ruff_pr(github, blocks=1)
    suite = {
        "action": "requested",
        "check_suite": {
            "id": 5,
            "head_sha": pr.head_sha,
            "head_branch": "feature",
            "status": "queued",
            "pull_requests": [{"number": pr.number, "head": {"sha": pr.head_sha}}],
        },
        "repository": pull_request_payload(pr)["repository"],
        "installation": {"id": 1},
    }

    first = deliver(redis_server, "pull_request", pull_request_payload(pr, "synchronize"))
    second = deliver(redis_server, "check_suite", suite)

    assert (first.status_code, second.status_code) == (202, 200)
    _completed(github, pr.head_sha)


def test_health_ready_and_metrics(redis_server: str) -> None:
    import httpx

    assert httpx.get(f"{redis_server}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{redis_server}/readyz")
    assert (ready.status_code, ready.json()["mode"]) == (200, "redis")
    deliver(redis_server, "ping", {"zen": "x"})
    metrics = httpx.get(f"{redis_server}/metrics").text
    assert 'ai_gate_webhook_deliveries_total{event="ping",result="200"}' in metrics


def test_permanent_github_error_completes_the_run_with_a_message(
    github: FakeGitHub, embedded_server: str
) -> None:
    pr = stage_ruff_pr(github, blocks=1)
    github.fail_next(
        "GET", rf"/pulls/{pr.number}/commits$", 404, times=10, body={"message": "Not Found"}
    )

    assert deliver(embedded_server, "pull_request", pull_request_payload(pr)).status_code == 202

    run = _completed(github, pr.head_sha)
    assert run["conclusion"] == "failure"
    assert "answered 404" in run["output"]["summary"]


def test_120_findings_arrive_in_three_batches_and_comments_are_capped(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_ruff_pr(github, blocks=60)  # 120 findings in new.py, 1 in old.py

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    run = _completed(github, pr.head_sha)
    assert annotations_of(github, int(run["id"])) == pr.expected
    updates = github.requests_matching("PATCH", rf"/check-runs/{run['id']}$")
    assert [
        len(r.json["output"]["annotations"]) for r in updates if "annotations" in r.json["output"]
    ] == [50, 50, 21]
    wait_until(
        lambda: len(github.reviews_for("octo-org", "hello-world", pr.number)) == 1, "the review"
    )
    assert len(github.comments_for("octo-org", "hello-world", pr.number)) == 10  # the default cap


def test_annotations_are_capped_by_config_and_the_summary_says_so(
    github: FakeGitHub, redis_server: str
) -> None:
    # 121 findings on added lines
    pr = stage_ruff_pr(github, blocks=60, config="comments:\n  max_annotations: 50\n")

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    run = _completed(github, pr.head_sha)
    updates = github.requests_matching("PATCH", rf"/check-runs/{run['id']}$")
    assert [
        len(r.json["output"]["annotations"]) for r in updates if "annotations" in r.json["output"]
    ] == [50]
    assert "The 50 most severe of 121 findings are annotated" in run["output"]["summary"]
