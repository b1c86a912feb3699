"""Per-repository figures on /metrics: from the store the worker writes, across web restarts."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import (
    app_env,
    deliver,
    free_port,
    serve,
    start_server,
    wait_until,
)
from tests.integration.scenarios import (
    REPO,
    pull_request_payload,
    stage_file_pr,
    wait_completed,
)

OWNER = "metrics-org"  # a repository of its own, so other tests' PRs do not count here
REPOSITORY = f"{OWNER}/{REPO}"
CODE = "def f():\n    try:\n        return 1\n    except:\n        return 2\n"


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics about REPOSITORY, keyed by name and sorted labels."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.labels.get("repository") == REPOSITORY or s.name == "ai_gate_store_up"
    }


def test_repository_figures_come_from_the_workers_store_and_survive_a_web_restart(
    github: FakeGitHub,
    redis_server: str,
    redis_data: Path,
    tmp_path: Path,
) -> None:
    ai_pr = stage_file_pr(github, CODE, owner=OWNER)
    human_pr = stage_file_pr(github, "x = 1\n", owner=OWNER, trailer=False)
    for pr in (ai_pr, human_pr):
        assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202
    for pr in (ai_pr, human_pr):
        wait_completed(github, pr.head_sha)

    repo = (("repository", REPOSITORY),)
    want_ai_lines = ("ai_gate_repository_ai_added_lines", repo)
    wait_until(lambda: scrape(redis_server).get(want_ai_lines) == 5, "AI lines on /metrics")
    samples = scrape(redis_server)
    assert samples[("ai_gate_store_up", ())] == 1
    assert samples[("ai_gate_repository_added_lines", repo)] == 6
    # the AI PR passes the gate; the human one is not gated (neutral)
    for conclusion in ("success", "neutral"):
        prs = ("ai_gate_repository_pull_requests", (("conclusion", conclusion), *repo))
        assert samples[prs] == 1
    assert samples[("ai_gate_repository_estimated_usd_month", repo)] > 0
    analysed = (("kind", "analyse"), ("outcome", "published"), *repo)
    assert samples[("ai_gate_job_duration_seconds_count", analysed)] == 2
    assert samples[("ai_gate_job_duration_seconds_sum", analysed)] > 0

    # A new web process on the same database reports the same figures.
    proc, url = start_server(github, tmp_path, redis=True, data=redis_data)
    try:
        again = scrape(url)
    finally:
        proc.stop()
    for key in (want_ai_lines, ("ai_gate_job_duration_seconds_count", analysed)):
        assert again[key] == samples[key]


def test_web_with_its_database_down_still_accepts_webhooks_and_reports_the_store_down(
    github: FakeGitHub, redis_server: str, tmp_path: Path
) -> None:
    del redis_server  # the session's worker runs the job this web process queues
    env = app_env(github, redis=True, data=tmp_path)
    env["DATABASE_URL"] = f"postgresql://nobody@127.0.0.1:{free_port()}/gone"  # nothing listens
    web, url = serve(env, tmp_path)
    try:
        pr = stage_file_pr(github, "x = 1\n", owner="db-down-org")
        assert deliver(url, "pull_request", pull_request_payload(pr)).status_code == 202
        assert scrape(url)[("ai_gate_store_up", ())] == 0
    finally:
        web.stop()
    wait_completed(github, pr.head_sha)
