"""The error tree's decisions that callers rely on: a failure of ours (Redis, the database, a
busy head, a head that moved on) is never "the pull request could not be read", and every
transient failure, GitHub's or ours, is retried by the job runner."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from githubkit.exception import RequestError

from app.adapters.git import fetch_error
from app.adapters.github.client import translate
from app.adapters.state import MemoryJobState
from app.errors import (
    AiGateError,
    Busy,
    DatabaseUnavailable,
    RateLimited,
    SourceError,
    SourceUnavailable,
    Superseded,
    TransientError,
    Unavailable,
)
from app.jobs import runner
from app.jobs.deps import Deps
from app.jobs.model import Job

OURS = [
    Unavailable("Redis does not answer"),
    DatabaseUnavailable("disk I/O error"),
    Busy("another job is working on the head"),
    Superseded("a" * 40, "b" * 40),
]


@pytest.mark.parametrize("error", OURS, ids=lambda e: type(e).__name__)
def test_a_failure_of_ours_is_not_a_pull_request_that_could_not_be_read(
    error: AiGateError,
) -> None:
    assert not isinstance(error, SourceError)


def test_a_superseded_job_is_neither_retried_nor_a_read_failure() -> None:
    stale = Superseded("a" * 40, "b" * 40)
    assert not isinstance(stale, TransientError | SourceError)
    assert "head moved from aaaaaaaaaaaa to bbbbbbbbbbbb" in str(stale)


@pytest.mark.parametrize(
    "error",
    [
        translate(RequestError(httpx.ConnectError("refused")), "GET /x"),
        fetch_error("fatal: unable to access: Could not resolve host: github.com"),
        RateLimited("GET /x: GitHub rate limit", 30.0),
    ],
    ids=["rest-network", "git-network", "rate-limit"],
)
def test_github_failing_for_now_is_both_a_read_failure_and_transient(error: Exception) -> None:
    assert isinstance(error, SourceUnavailable)
    assert isinstance(error, SourceError)  # what callers reading GitHub catch
    assert isinstance(error, TransientError)  # what the runner retries


def test_a_refused_fetch_is_a_read_failure_for_good() -> None:
    refused = fetch_error("fatal: remote error: upload-pack: not our ref 0123")
    assert isinstance(refused, SourceError)
    assert not isinstance(refused, TransientError)


class FakeJobLog:
    def __init__(self) -> None:
        self.outcomes: list[str] = []

    def record_job(self, *args: Any) -> None:
        self.outcomes.append(str(args[4]))


def _deps(log: FakeJobLog) -> Deps:
    # What the runner itself touches: the state, the job log and the time limit. The rest
    # stays unused because the job is an outcome job, which has no check run to fail.
    unused = cast(Any, None)
    return Deps(
        github=unused,
        gitcache=unused,
        licences=unused,
        state=MemoryJobState(),
        reports=unused,
        ledger=unused,
        runs=log,
    )


JOB = Job(installation_id=1, repository="o/r", pull_number=1, head_sha="a" * 40, kind="outcome")


def _raising(error: Exception) -> Any:
    def run(*_: object) -> str:
        raise error

    return run


@pytest.mark.parametrize(
    ("error", "delay"),
    [
        (Unavailable("Redis does not answer"), runner.retry_delay(0)),
        (DatabaseUnavailable("database is locked"), runner.retry_delay(0)),
        (RateLimited("GitHub rate limit", 42.0), 42.0),
        (SourceUnavailable("GET /x: GitHub answered 502"), runner.retry_delay(0)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else "",
)
def test_the_runner_retries_transient_failures(
    monkeypatch: pytest.MonkeyPatch, error: Exception, delay: float
) -> None:
    log = FakeJobLog()
    monkeypatch.setattr(runner, "run_job", _raising(error))
    assert runner.attempt_job(JOB, _deps(log), 0) == runner.Retry(delay)
    assert log.outcomes == ["retry"]


def test_the_runner_waits_on_a_busy_head_without_using_an_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = FakeJobLog()
    monkeypatch.setattr(runner, "run_job", _raising(Busy("held")))
    assert runner.attempt_job(JOB, _deps(log), 0) == runner.Retry(runner.BUSY_DELAY, False)
    assert log.outcomes == []


@pytest.mark.parametrize(
    "error",
    [Superseded("a" * 40, "b" * 40), SourceError("GET /x: GitHub answered 404: Not Found", 404)],
    ids=["superseded", "source-error"],
)
def test_the_runner_ends_a_job_that_failed_for_good(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    log = FakeJobLog()
    monkeypatch.setattr(runner, "run_job", _raising(error))
    assert runner.attempt_job(JOB, _deps(log), 0) is None
    assert log.outcomes == ["failed"]
