"""GitHub's JSON read into typed models: what the jobs rely on, and a malformed answer as a
SourceError naming its field, never a KeyError."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.adapters.github.models import check_run, check_runs, pull_request
from app.errors import SourceError, TransientError

HEAD, BASE = "f" * 40, "a" * 40


def pull_json(**fields: Any) -> dict[str, Any]:
    """A pull request as GitHub's REST API answers it, trimmed to what matters here."""
    return {
        "number": 7,
        "state": "open",
        "title": "Add a thing",
        "body": None,
        "draft": False,
        "user": {"login": "ada", "type": "User"},
        "labels": [{"id": 1, "name": "ai-generated", "color": "ededed"}],
        "head": {"ref": "feature", "sha": HEAD, "repo": {"clone_url": "https://x/fork.git"}},
        "base": {"ref": "main", "sha": BASE, "repo": {"clone_url": "https://x/o/r.git"}},
        "html_url": "https://github.com/o/r/pull/7",
        "merged_at": None,
        "closed_at": None,
        "merge_commit_sha": None,
        "commits": 3,
        "changed_files": 2,
        "mergeable": None,
    } | fields


def test_a_pull_request_keeps_what_the_jobs_read() -> None:
    pr = pull_request(pull_json())
    assert (pr.number, pr.head_sha, pr.base_sha, pr.head_ref, pr.base_ref) == (
        7,
        HEAD,
        BASE,
        "feature",
        "main",
    )
    # Git fetches from the base repository, where forks' heads are refs/pull/7/head.
    assert pr.fetch_url() == "https://x/o/r.git"
    assert (pr.draft, pr.commits_total, pr.state, pr.merged_at) == (False, 3, "open", None)


def test_the_core_s_view_of_the_pull_request_derives_from_it() -> None:
    info = pull_request(pull_json(draft=True)).info()
    assert info.number == 7
    assert info.labels == ("ai-generated",)
    assert (info.author_login, info.author_type) == ("ada", "User")
    assert (info.commits_total, info.files_total) == (3, 2)
    assert (info.body, info.draft) == ("", True)


def test_a_merged_pull_request_has_its_time_in_utc() -> None:
    pr = pull_request(pull_json(state="closed", merged_at="2026-03-01T10:00:00Z"))
    assert pr.merged_at == datetime(2026, 3, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"head": {"ref": "feature"}}, "head.sha"),
        ({"base": None}, "base"),
        ({"number": "seven"}, "number"),
        ({"labels": [{"color": "ededed"}]}, "labels.0.name"),
        ({"merged_at": "yesterday"}, "merged_at"),
    ],
)
def test_a_malformed_pull_request_is_a_source_error_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(SourceError, match=rf"GET /pulls/7: malformed .*\({field}: ") as caught:
        pull_request(pull_json(**change), "GET /pulls/7")
    assert not isinstance(caught.value, TransientError)  # retrying reads the same answer


def test_a_pull_request_that_is_not_an_object_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="malformed"):
        pull_request(None)


def test_a_base_without_a_clone_url_cannot_be_fetched() -> None:
    pr = pull_request(pull_json(base={"ref": "main", "sha": BASE, "repo": None}))
    with pytest.raises(SourceError, match="no clone URL"):
        pr.fetch_url()


def run_json(run_id: int, status: str = "completed", **fields: Any) -> dict[str, Any]:
    return {
        "id": run_id,
        "name": "ai-gate",
        "head_sha": HEAD,
        "status": status,
        "conclusion": "success" if status == "completed" else None,
        "output": {"title": None},
    } | fields


def test_check_runs_are_read_from_a_listing() -> None:
    listing = {"total_count": 2, "check_runs": [run_json(1), run_json(2, "in_progress")]}
    first, second = check_runs(listing)
    assert (first.id, first.completed, first.conclusion) == (1, True, "success")
    assert (second.id, second.completed, second.conclusion) == (2, False, None)


@pytest.mark.parametrize(
    "answer",
    [
        {"check_runs": [{"name": "ai-gate", "status": "queued"}]},
        {"check_runs": [run_json(1, "exploded")]},
        {"check_runs": "none"},
    ],
    ids=["no-id", "unknown-status", "not-a-list"],
)
def test_a_malformed_check_run_listing_is_a_source_error(answer: dict[str, Any]) -> None:
    with pytest.raises(SourceError, match="malformed"):
        check_runs(answer)


def test_a_created_check_run_gives_its_id() -> None:
    assert check_run(run_json(41, "queued")).id == 41
