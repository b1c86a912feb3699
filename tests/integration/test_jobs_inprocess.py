"""Jobs run in this process against the fake GitHub: one run and one review a head, whatever
path a job leaves by, across retries, re-runs and jobs that meet on one head."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from app.adapters.intake import MemoryIntake
from app.jobs import runner
from app.jobs.analyse import show_queued
from app.jobs.deps import Deps
from app.jobs.kinds import run_job
from app.jobs.model import Job
from app.jobs.queue import EmbeddedQueue
from app.jobs.runner import Retry, attempt_job
from app.publishers.checkrun import CheckRunPublisher
from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import INSTALLATION_ID, wait_until
from tests.integration.inprocess import job_for, statuses
from tests.integration.scenarios import REVIEW_V1, Change, our_runs, push, stage_file_pr

OWNER = "inprocess-org"


def test_a_job_superseded_before_it_starts_cancels_the_run_shown_queued(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    job = job_for(pr)
    show_queued(job, deps)
    assert statuses(github, pr) == [("queued", None)]
    newer = push(github, pr, [Change({"pkg/more.py": "y = 2\n"})])
    deps.state.set_head(job.pr_key, newer.head_sha)

    assert run_job(job, deps) == "superseded"

    [run] = our_runs(github, pr.head_sha)
    assert (run["status"], run["conclusion"]) == ("completed", "cancelled")
    assert newer.head_sha in run["output"]["summary"]


def test_a_retry_that_finds_the_head_moved_cancels_the_run_its_first_attempt_opened(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    job = job_for(pr)
    # The first attempt opens the run, then GitHub fails on the config read.
    github.fail_next("GET", r"/\.github/contents/", 502, times=3)
    retry = attempt_job(job, deps, 0)
    assert isinstance(retry, Retry)
    assert retry.counts
    assert statuses(github, pr) == [("in_progress", None)]
    newer = push(github, pr, [Change({"pkg/more.py": "y = 2\n"})])
    deps.state.set_head(job.pr_key, newer.head_sha)

    assert attempt_job(job, deps, 1) is None

    assert statuses(github, pr) == [("completed", "cancelled")]


def test_a_review_that_arrives_mid_analysis_waits_and_then_rejudges_the_one_run(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, REVIEW_V1, owner=OWNER)
    analysis = job_for(pr)
    review = job_for(pr, kind="review", event="pull_request_review.submitted", delivery_id="d-2")
    held = github.hold("GET", rf"/repos/{OWNER}/[^/]+/pulls/{pr.number}/commits")
    outcome: list[Retry | None] = []
    first = threading.Thread(target=lambda: outcome.append(attempt_job(analysis, deps, 0)))
    first.start()
    try:
        assert held.reached.wait(30)
        # The head is busy: the review's job waits without using up an attempt.
        assert attempt_job(review, deps, 0) == Retry(3.0, counts=False)
    finally:
        held.release()
        first.join(60)
    assert outcome == [None]
    assert attempt_job(review, deps, 0) is None

    [run] = our_runs(github, pr.head_sha)
    assert run["status"] == "completed"
    with github.lock:
        annotations = github.annotations[int(run["id"])]
    assert len(annotations) == len({a["raw_details"] for a in annotations})  # none twice
    assert len(github.reviews_for(OWNER, pr.repo, pr.number)) == 1


def test_a_job_for_an_analysed_head_stops_without_a_second_run(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    assert run_job(job_for(pr), deps) == "published"
    github.clear_requests()

    # Another event for the same push, or a killed worker's job coming back.
    again = job_for(pr, event="check_suite.requested", delivery_id="d-3")
    assert run_job(again, deps) == "already-analysed"

    assert statuses(github, pr) == [("completed", "success")]
    assert not github.requests_matching("*", r"/check-runs")
    assert not github.requests_matching("POST", r"/check-runs")


def test_a_rerun_cancels_a_run_left_open_and_completes_a_fresh_one(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    # A job whose worker died left the head's run open (and its lock lapses).
    show_queued(job_for(pr), deps)
    rerun = job_for(pr, event="check_run.rerequested", delivery_id="d-4", rerun=True)

    assert run_job(rerun, deps) == "published"

    old, new = sorted(our_runs(github, pr.head_sha), key=lambda r: int(r["id"]))
    assert (old["status"], old["conclusion"]) == ("completed", "cancelled")
    assert old["output"]["title"] == "Replaced by a re-run"
    assert (new["status"], new["conclusion"]) == ("completed", "success")


def test_a_head_held_by_a_dead_job_is_free_again_after_its_lease(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    job = job_for(pr)
    held = deps.state.lock(job.key, deps.lease)  # taken, and never renewed nor released
    assert held is not None
    assert attempt_job(job, deps, 0) == Retry(3.0, counts=False)

    def free() -> bool:
        probe = deps.state.lock(job.key, 1)
        if probe is None:
            return False
        probe.release()
        return True

    wait = threading.Event()
    while not free():
        wait.wait(0.2)
    assert attempt_job(job, deps, 0) is None
    assert statuses(github, pr) == [("completed", "success")]


def test_a_superseded_job_cancels_a_run_the_state_never_recorded(
    github: FakeGitHub, deps: Deps
) -> None:
    """The starter made the run while Redis was down, so only GitHub knows of it."""
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    job = job_for(pr)
    api = deps.github.installation(INSTALLATION_ID)
    CheckRunPublisher(api, job.repository).create(pr.head_sha, job.key, status="queued")
    newer = push(github, pr, [Change({"pkg/more.py": "y = 2\n"})])
    deps.state.set_head(job.pr_key, newer.head_sha)

    assert run_job(job, deps) == "superseded"

    assert statuses(github, pr) == [("completed", "cancelled")]


def test_a_superseded_job_whose_head_a_dead_job_holds_cancels_its_run_once_the_lock_lapses(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    job = job_for(pr)
    show_queued(job, deps)
    assert deps.state.lock(job.key, deps.lease) is not None  # its holder died mid-job
    newer = push(github, pr, [Change({"pkg/more.py": "y = 2\n"})])
    deps.state.set_head(job.pr_key, newer.head_sha)

    assert attempt_job(job, deps, 0) == Retry(3.0, counts=False)
    assert statuses(github, pr) == [("queued", None)]
    time.sleep(deps.lease + 0.5)
    assert attempt_job(job, deps, 0) is None

    assert statuses(github, pr) == [("completed", "cancelled")]


def test_a_rerun_retried_after_a_failure_keeps_the_run_it_made(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    assert run_job(job_for(pr), deps) == "published"
    rerun = job_for(pr, event="check_run.rerequested", delivery_id="d-5", rerun=True)
    github.fail_next("GET", r"/\.github/contents/", 502, times=3)

    retry = attempt_job(rerun, deps, 0)
    assert isinstance(retry, Retry)
    assert attempt_job(rerun, deps, 1) is None

    assert statuses(github, pr) == [("completed", "success"), ("completed", "success")]


def test_a_job_that_cannot_even_fail_its_run_ends_logged_not_raised(
    github: FakeGitHub,
    deps: Deps,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The last resort: when completing the run with the reason breaks too (whatever the
    error), the attempt is over and logged; nothing escapes to kill the worker's loop."""
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)

    def broken(*_: object) -> None:
        raise ValueError("a bug in the failure path")

    def crash(*_: object) -> str:
        raise KeyError("a bug in the job")

    monkeypatch.setattr(runner, "run_job", crash)
    monkeypatch.setattr(runner, "fail_job", broken)
    assert attempt_job(job_for(pr), deps, 0) is None
    assert "could not complete the check run" in caplog.text


def test_embedded_mode_takes_a_delivery_to_a_completed_run_through_a_transient_failure(
    github: FakeGitHub, deps: Deps
) -> None:
    """The embedded path in one process: the intake records the delivery and queues the job
    once, the queue's thread runs it with the runner's retries (a 502 on the PR's read is
    retried by the job, not fatal), and a redelivery of the same delivery queues nothing."""
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER)
    waits: list[float] = []

    def execute(payload: dict[str, Any]) -> None:
        runner.run_with_retries(Job.model_validate(payload), deps, sleep=waits.append)

    queue = EmbeddedQueue(execute, workers=1, capacity=4)
    intake = MemoryIntake(deps.state, queue, delivery_ttl=60)
    # Three in a row: past the client's own two quick retries, so the runner retries the job.
    github.fail_next("GET", rf"/pulls/{pr.number}$", 502, times=3)
    job = job_for(pr, delivery_id="embedded-1")
    try:
        assert asyncio.run(intake.take("embedded-1", None, [job])).outcome == "queued"
        assert asyncio.run(intake.take("embedded-1", None, [job])).outcome == "duplicate"
        wait_until(lambda: statuses(github, pr) == [("completed", "success")], "the completed run")
    finally:
        # The job goes on after its run completed (the review, the label): let it end before
        # the fixture closes the GitHub client under it.
        queue.shutdown(wait=True)
    assert len(waits) == 1  # the one retry after the 502, backed off


def test_a_review_that_fails_after_the_run_completed_is_retried_without_a_second_run(
    github: FakeGitHub, deps: Deps
) -> None:
    """Resumed after publishing: the retry posts the review from the stored report and
    neither analyses again nor completes the run a second time."""
    pr = stage_file_pr(github, REVIEW_V1, owner=OWNER)
    # Three 502s: the client's own two quick retries, then the job's retry posts it.
    github.fail_next("POST", rf"/pulls/{pr.number}/reviews$", 502, times=3)
    job = job_for(pr)

    assert isinstance(attempt_job(job, deps, 0), Retry)
    assert github.reviews_for(pr.owner, pr.repo, pr.number) == []
    assert attempt_job(job, deps, 1) is None

    assert len(github.reviews_for(pr.owner, pr.repo, pr.number)) == 1
    [run] = our_runs(github, pr.head_sha)
    with github.lock:
        completions = [
            r
            for r in github.requests
            if r.method == "PATCH"
            and r.path.endswith(f"/check-runs/{run['id']}")
            and (r.json or {}).get("status") == "completed"
        ]
    assert len(completions) == 1
