"""Jobs run in the test's own process: the job layer's collaborators (the conftest's `deps`)
against the fake GitHub, without Redis, a web server or a worker. The
end-to-end tests that prove those processes live in test_spine, test_gate_flow and
test_resilience; what a job decides is tested here, where a failure shows its traceback."""

from __future__ import annotations

from typing import Any

from app.jobs.deps import Deps
from app.jobs.kinds import run_job
from app.jobs.model import Job
from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import INSTALLATION_ID
from tests.integration.scenarios import StagedPR, our_runs


def job_for(pr: StagedPR, **fields: Any) -> Job:
    """The job a `pull_request.opened` delivery for the staged PR makes."""
    given = {
        "installation_id": INSTALLATION_ID,
        "repository": f"{pr.owner}/{pr.repo}",
        "pull_number": pr.number,
        "head_sha": pr.head_sha,
        "event": "pull_request.opened",
        "delivery_id": "d-1",
    }
    return Job.model_validate(given | fields)


def analysed(github: FakeGitHub, deps: Deps, pr: StagedPR, **fields: Any) -> dict[str, Any]:
    """Run the PR's analysis job here and return the head's (last) check run."""
    run_job(job_for(pr, **fields), deps)
    return our_runs(github, pr.head_sha)[-1]


def statuses(github: FakeGitHub, pr: StagedPR) -> list[tuple[str, str | None]]:
    """(status, conclusion) of each of the head's runs, oldest first."""
    return [(r["status"], r["conclusion"]) for r in our_runs(github, pr.head_sha)]
