"""Checks through the fake GitHub: configuration from the base branch, not the PR head."""

from __future__ import annotations

import pytest

from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import OWNER, REPO, pull_request_payload, stage_file_pr

pytestmark = pytest.mark.integration


def test_base_ruff_config_applies_even_when_the_pr_edits_it(
    github: FakeGitHub, redis_server: str
) -> None:
    pr = stage_file_pr(github, "print('debug')\n")
    github.add_content(OWNER, REPO, pr.base_sha, "ruff.toml", b'[lint]\nextend-select = ["T20"]\n')
    github.add_content(OWNER, REPO, pr.head_sha, "ruff.toml", b'[lint]\nignore = ["T20"]\n')

    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202

    def done() -> bool:
        with github.lock:
            return any(
                r["head_sha"] == pr.head_sha and r["status"] == "completed"
                for r in github.check_runs.values()
            )

    wait_until(done, "the check run")
    with github.lock:
        [run] = [r for r in github.check_runs.values() if r["head_sha"] == pr.head_sha]
        titles = {a["title"] for a in github.annotations[run["id"]]}
    assert "ruff T201" in titles
    contents = github.requests_matching("GET", r"/contents/")
    assert all(r.query.get("ref") == pr.base_sha for r in contents)  # never the head
