"""A label added to or removed from a pull request, in process against the fake GitHub: the
verdict follows `gate.skip_label` on the same run, a label detection reads analyses the head
afresh, and any other label (our own `labels.ai_generated` too) writes nothing."""

from __future__ import annotations

import threading

from app.jobs.analyse import show_queued
from app.jobs.deps import Deps
from app.jobs.kinds import fail_job, run_job
from app.jobs.model import Job
from app.jobs.runner import Retry, attempt_job
from tests.fakes.github_server import FakeGitHub, RecordedRequest
from tests.integration.inprocess import job_for, statuses
from tests.integration.scenarios import StagedPR, our_runs, stage_file_pr

OWNER = "labels-org"
SKIP = "gate:\n  max_ai_lines: 0\n  skip_label: skip-ai-gate\n"


def label_job(pr: StagedPR, label: str, action: str = "labeled") -> Job:
    """The job of a `pull_request.labeled` (or `.unlabeled`) delivery."""
    return job_for(
        pr, kind="label", label=label, event=f"pull_request.{action}", delivery_id=action
    )


def summary(github: FakeGitHub, pr: StagedPR) -> str:
    [run] = our_runs(github, pr.head_sha)
    return str(run["output"]["summary"])


def writes(github: FakeGitHub) -> list[RecordedRequest]:
    """What the app asked GitHub to change (an installation token is no change)."""
    with github.lock:
        return [
            r
            for r in github.requests
            if r.method != "GET" and not r.path.endswith("/access_tokens")
        ]


def analysed_with_skip_label(github: FakeGitHub, deps: Deps) -> StagedPR:
    """A PR whose AI line fails `gate.max_ai_lines: 0`, analysed: one failing run."""
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER, config=SKIP)
    assert run_job(job_for(pr), deps) == "published"
    assert statuses(github, pr) == [("completed", "failure")]
    return pr


def test_a_skip_label_a_maintainer_adds_neutralises_the_run_and_removing_it_fails_it_again(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = analysed_with_skip_label(github, deps)
    failing = summary(github, pr)
    reviews = len(github.reviews_for(pr.owner, pr.repo, pr.number))
    github.set_permission(pr.owner, pr.repo, "maintainer", "maintain")
    # In another case than the config's: labels compare in any case, as the gate compares.
    github.add_label(pr.owner, pr.repo, pr.number, "Skip-AI-Gate", "maintainer")
    github.clear_requests()

    assert run_job(label_job(pr, "Skip-AI-Gate"), deps) == "published"

    assert statuses(github, pr) == [("completed", "neutral")]
    assert "Gate skipped: label `skip-ai-gate` added by @maintainer (`maintain`)" in summary(
        github, pr
    )
    # Re-judged, not analysed: the one run updated, no second run, no second review, and
    # none of what only an analysis reads (the commits' logins).
    [update] = writes(github)
    assert update.method == "PATCH"
    assert update.path.endswith(f"/check-runs/{our_runs(github, pr.head_sha)[0]['id']}")
    assert not github.requests_matching("GET", rf"/pulls/{pr.number}/commits$")
    assert len(github.reviews_for(pr.owner, pr.repo, pr.number)) == reviews

    github.remove_label(pr.owner, pr.repo, pr.number, "Skip-AI-Gate", "maintainer")
    assert run_job(label_job(pr, "Skip-AI-Gate", "unlabeled"), deps) == "published"

    assert statuses(github, pr) == [("completed", "failure")]
    assert summary(github, pr) == failing


def test_a_skip_label_a_read_only_user_adds_leaves_the_verdict_and_says_why(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = analysed_with_skip_label(github, deps)
    github.set_permission(pr.owner, pr.repo, "reader", "read")
    github.add_label(pr.owner, pr.repo, pr.number, "skip-ai-gate", "reader")

    assert run_job(label_job(pr, "skip-ai-gate"), deps) == "published"

    assert statuses(github, pr) == [("completed", "failure")]
    assert "Label `skip-ai-gate` not honoured: @reader added it with `read` access" in summary(
        github, pr
    )
    assert github.requests_matching("GET", r"/collaborators/reader/permission$")


def test_an_unrelated_label_and_our_own_ai_label_write_nothing(
    github: FakeGitHub, deps: Deps
) -> None:
    config = SKIP + "labels:\n  ai_generated: ai-generated\n"
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER, config=config)
    assert run_job(job_for(pr), deps) == "published"
    # The analysis labelled the AI-attributed PR itself: GitHub then tells us it did.
    with github.lock:
        assert github.labels[(pr.owner, pr.repo, pr.number)] == ["ai-generated"]
    github.add_label(pr.owner, pr.repo, pr.number, "bug", "maintainer")
    github.clear_requests()

    assert run_job(label_job(pr, "ai-generated"), deps) == "ignored"
    assert run_job(label_job(pr, "AI-Generated", "unlabeled"), deps) == "ignored"
    assert run_job(label_job(pr, "bug"), deps) == "ignored"

    assert writes(github) == []
    assert not github.requests_matching("*", r"/check-runs")
    assert statuses(github, pr) == [("completed", "failure")]


def test_a_label_detection_reads_analyses_the_head_afresh(github: FakeGitHub, deps: Deps) -> None:
    config = (
        "detection:\n  labels:\n    agent-made: claude-code\n"
        "gate:\n  max_ai_lines: 0\ncost:\n  enabled: false\n"
    )
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER, config=config, trailer=False)
    assert run_job(job_for(pr), deps) == "published"
    [before] = our_runs(github, pr.head_sha)
    assert "no AI attribution" in before["output"]["title"]  # a human's commit
    github.add_label(pr.owner, pr.repo, pr.number, "Agent-Made", "maintainer")
    job = label_job(pr, "Agent-Made")

    assert run_job(job, deps) == "published"

    # A fresh run (as a re-run makes one), whose attribution now reads the label.
    old, new = sorted(our_runs(github, pr.head_sha), key=lambda r: int(r["id"]))
    assert old["id"] == before["id"]
    assert (new["status"], new["conclusion"]) == ("completed", "failure")
    assert "rule in .ai-gate.yml (`pull_request`): `Agent-Made`" in new["output"]["summary"]
    # The same delivery again (a retry after it finished) makes no third run.
    assert run_job(job, deps) == "published"
    assert len(our_runs(github, pr.head_sha)) == 2


def test_a_label_before_the_head_is_analysed_is_left_to_the_analysis(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER, config=SKIP)
    github.set_permission(pr.owner, pr.repo, "maintainer", "admin")
    github.add_label(pr.owner, pr.repo, pr.number, "skip-ai-gate", "maintainer")

    assert run_job(label_job(pr, "skip-ai-gate"), deps) == "ignored"
    assert our_runs(github, pr.head_sha) == []

    assert run_job(job_for(pr), deps) == "published"
    assert statuses(github, pr) == [("completed", "neutral")]


def test_a_skip_label_added_mid_analysis_waits_for_it_then_rejudges_its_run(
    github: FakeGitHub, deps: Deps
) -> None:
    """The analysis read the labels before the label came: its verdict would be stale, so the
    label's job waits for the head and then judges the run the analysis completed."""
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER, config=SKIP)
    github.set_permission(pr.owner, pr.repo, "maintainer", "write")
    # The commits' logins are asked for after the PR (and its labels) was read.
    held = github.hold("GET", rf"/repos/{OWNER}/[^/]+/pulls/{pr.number}/commits")
    outcome: list[Retry | None] = []
    analysis = threading.Thread(target=lambda: outcome.append(attempt_job(job_for(pr), deps, 0)))
    analysis.start()
    try:
        assert held.reached.wait(30)
        github.add_label(pr.owner, pr.repo, pr.number, "skip-ai-gate", "maintainer")
        assert attempt_job(label_job(pr, "skip-ai-gate"), deps, 0) == Retry(3.0, counts=False)
    finally:
        held.release()
        analysis.join(60)
    assert outcome == [None]
    assert statuses(github, pr) == [("completed", "failure")]  # judged without the label

    assert attempt_job(label_job(pr, "skip-ai-gate"), deps, 0) is None

    assert statuses(github, pr) == [("completed", "neutral")]


def test_a_label_for_a_head_pushed_over_does_nothing(github: FakeGitHub, deps: Deps) -> None:
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER, config=SKIP)
    newer = stage_file_pr(github, "y = 2\n", owner=OWNER, number=pr.number)
    github.clear_requests()

    # Whether the job state knows of the newer head or only GitHub does.
    assert run_job(label_job(pr, "skip-ai-gate"), deps) == "superseded"
    deps.state.set_head(label_job(pr, "skip-ai-gate").pr_key, newer.head_sha)
    assert run_job(label_job(pr, "skip-ai-gate"), deps) == "superseded"

    assert writes(github) == []
    assert our_runs(github, pr.head_sha) == []


def test_a_label_job_that_fails_for_good_leaves_the_analysis_its_run(
    github: FakeGitHub, deps: Deps
) -> None:
    """The head's run shown queued is its analysis's: a label's job failing (GitHub down
    while it read the config) must not complete it, or the analysis would find it done."""
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER, config=SKIP)
    show_queued(job_for(pr), deps)

    fail_job(label_job(pr, "skip-ai-gate"), deps, "failure", "GitHub kept failing")

    assert statuses(github, pr) == [("queued", None)]
    assert run_job(job_for(pr), deps) == "published"
    assert statuses(github, pr) == [("completed", "failure")]


def test_a_fresh_analysis_a_label_started_is_completed_when_it_fails_for_good(
    github: FakeGitHub, deps: Deps
) -> None:
    config = "detection:\n  labels:\n    agent-made: claude-code\ncost:\n  enabled: false\n"
    pr = stage_file_pr(github, "x = 1\n", owner=OWNER, config=config, trailer=False)
    assert run_job(job_for(pr), deps) == "published"
    github.add_label(pr.owner, pr.repo, pr.number, "agent-made", "maintainer")
    # The fresh run is made, then the analysis meets an error it does not retry.
    github.fail_next("GET", rf"/pulls/{pr.number}/commits$", 404)

    assert attempt_job(label_job(pr, "agent-made"), deps, 0) is None

    analysed, fresh = sorted(our_runs(github, pr.head_sha), key=lambda r: int(r["id"]))
    assert analysed["conclusion"] == "neutral"
    assert (fresh["status"], fresh["conclusion"]) == ("completed", "failure")
    assert fresh["output"]["title"] == "ai-gate could not analyse this commit"
