"""Code scanning (opt-in): the App uploads each analysed head's SARIF, one category per check,
after the check run is completed; without the permission the run is unaffected."""

from __future__ import annotations

from app.version import installed_version
from tests.fakes.github_server import DEFAULT_TOKEN_PERMISSIONS, FakeGitHub
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import (
    REVIEW_V1,
    StagedPR,
    annotations_of,
    our_runs,
    pull_request_payload,
    settled_patches,
    stage_file_pr,
    wait_completed,
)

UPLOAD = "sarif:\n  upload: true\n"
# An installation whose owner granted the opt-in permission.
SCANNING_INSTALLATION = 17


def delivered(github: FakeGitHub, server: str, config: str | None, installation: int) -> StagedPR:
    pr = stage_file_pr(github, REVIEW_V1, config=config)
    payload = pull_request_payload(pr)
    payload["installation"]["id"] = installation
    assert deliver(server, "pull_request", payload).status_code == 202
    wait_completed(github, pr.head_sha)
    return pr


def uploads_for(github: FakeGitHub, head_sha: str) -> list[dict[str, object]]:
    with github.lock:
        return [u for u in github.sarif_uploads if u["commit_sha"] == head_sha]


def test_an_opted_in_repository_gets_each_heads_findings_in_code_scanning(
    github: FakeGitHub, redis_server: str
) -> None:
    permissions = {**DEFAULT_TOKEN_PERMISSIONS, "security_events": "write"}
    github.add_installation(SCANNING_INSTALLATION, permissions)

    head = delivered(github, redis_server, UPLOAD, SCANNING_INSTALLATION).head_sha

    wait_until(lambda: len(uploads_for(github, head)) == 1, "the SARIF upload")
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
    github: FakeGitHub, redis_server: str
) -> None:
    head = delivered(github, redis_server, UPLOAD, 1).head_sha  # app.yml's permissions only

    def refused() -> bool:
        return any(r.status == 403 for r in github.requests_matching("POST", "code-scanning"))

    wait_until(refused, "the refused upload")
    assert uploads_for(github, head) == []
    [run] = our_runs(github, head)
    assert run["conclusion"] == "success"  # the REVIEW_V1 findings are warnings


def test_a_repository_that_did_not_opt_in_uploads_nothing(
    github: FakeGitHub, redis_server: str
) -> None:
    permissions = {**DEFAULT_TOKEN_PERMISSIONS, "security_events": "write"}
    github.add_installation(SCANNING_INSTALLATION, permissions)
    github.clear_requests()

    pr = delivered(github, redis_server, None, SCANNING_INSTALLATION)

    # The review comes after the run, and an upload right after the review.
    wait_until(lambda: len(github.reviews_for(pr.owner, pr.repo, pr.number)) == 1, "the review")
    [run] = our_runs(github, pr.head_sha)
    settled_patches(github, run["id"], quiet=1.0)
    assert github.requests_matching("POST", "code-scanning") == []
