"""Code scanning (opt-in): the App uploads each analysed head's SARIF, one category per check,
after the check run is completed; without the permission the run is unaffected. The jobs run
in this process (tests/integration/inprocess.py)."""

from __future__ import annotations

from app.jobs.deps import Deps
from app.jobs.kinds import run_job
from app.version import installed_version
from tests.fakes.github_server import DEFAULT_TOKEN_PERMISSIONS, FakeGitHub
from tests.integration.inprocess import job_for
from tests.integration.scenarios import (
    REVIEW_V1,
    StagedPR,
    annotations_of,
    our_runs,
    stage_file_pr,
)

UPLOAD = "sarif:\n  upload: true\n"
# An installation whose owner granted the opt-in permission.
SCANNING_INSTALLATION = 17


def analysed(github: FakeGitHub, deps: Deps, config: str | None, installation: int) -> StagedPR:
    """A PR analysed and published, its review and upload (if any) included, by one job."""
    pr = stage_file_pr(github, REVIEW_V1, config=config)
    run_job(job_for(pr, installation_id=installation), deps)
    return pr


def uploads_for(github: FakeGitHub, head_sha: str) -> list[dict[str, object]]:
    with github.lock:
        return [u for u in github.sarif_uploads if u["commit_sha"] == head_sha]


def test_an_opted_in_repository_gets_each_heads_findings_in_code_scanning(
    github: FakeGitHub, deps: Deps
) -> None:
    permissions = {**DEFAULT_TOKEN_PERMISSIONS, "security_events": "write"}
    github.add_installation(SCANNING_INSTALLATION, permissions)

    head = analysed(github, deps, UPLOAD, SCANNING_INSTALLATION).head_sha

    [upload] = uploads_for(github, head)
    assert upload["ref"].endswith("/head")  # type: ignore[attr-defined]
    sarif = upload["sarif"]
    runs = sarif["runs"]  # type: ignore[index]
    assert [r["automationDetails"]["id"] for r in runs] == [
        "ai-gate/ruff/",
        "ai-gate/mypy/",
        "ai-gate/secrets/",
        "ai-gate/licence/",
    ]
    [run] = our_runs(github, head)
    # The App's summary names the ai-gate that made it.
    assert f"<sub>ai-gate {installed_version()} · config: " in run["output"]["summary"]
    uploaded = {
        (
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            res["locations"][0]["physicalLocation"]["region"]["startLine"],
            res["ruleId"].split("/")[-1],
        )
        for r in runs
        for res in r["results"]
    }
    # Code scanning gets what the check run annotates.
    assert uploaded == annotations_of(github, run["id"])
    assert uploaded


def test_without_the_permission_the_run_completes_and_nothing_is_uploaded(
    github: FakeGitHub, deps: Deps
) -> None:
    github.clear_requests()
    pr = analysed(github, deps, UPLOAD, 1)  # app.yml's permissions only

    [refused] = github.requests_matching("POST", rf"/repos/{pr.owner}/{pr.repo}/code-scanning")
    assert refused.status == 403
    assert uploads_for(github, pr.head_sha) == []
    [run] = our_runs(github, pr.head_sha)
    assert run["conclusion"] == "success"  # the REVIEW_V1 findings are warnings


def test_a_repository_that_did_not_opt_in_uploads_nothing(github: FakeGitHub, deps: Deps) -> None:
    permissions = {**DEFAULT_TOKEN_PERMISSIONS, "security_events": "write"}
    github.add_installation(SCANNING_INSTALLATION, permissions)
    github.clear_requests()

    pr = analysed(github, deps, None, SCANNING_INSTALLATION)

    # The job posted its review, and would have uploaded right after it.
    assert len(github.reviews_for(pr.owner, pr.repo, pr.number)) == 1
    assert github.requests_matching("POST", rf"/repos/{pr.owner}/{pr.repo}/code-scanning") == []
