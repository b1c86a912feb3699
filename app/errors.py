"""Errors ai-gate raises, each carrying what a user needs to fix the problem.

    AiGateError
    ├── SettingsError          a missing or invalid environment variable
    ├── ConfigError            a broken `.ai-gate.yml` (path, line, hint)
    ├── UsageError             a bad command line for `ai-gate check`
    ├── SourceError            the pull request or repository could not be read
    │   ├── SourceUnavailable  … for now (GitHub 5xx or 429, a timeout, the network): also
    │   │   │                  a TransientError
    │   │   └── RateLimited    GitHub asked us to wait `retry_after` seconds
    │   └── SignInError        GitHub refused a dashboard sign-in (a bad code or secret)
    │       └── TokenRejected  a user's token expired or was revoked: sign in again
    ├── TransientError         worth retrying later: the job runner retries it with backoff
    │   ├── SourceUnavailable  (above: reading the PR failed for now)
    │   ├── Unavailable        Redis or the database does not answer
    │   │   └── DatabaseUnavailable  the store, with what its driver said
    │   └── Busy               another job is working on the same head
    ├── Superseded             the PR head moved on; the job's result is stale
    ├── CheckError             a linter could not run
    └── TimeLimitExceeded      the job used up its time limit

A failure of ours (Redis, the database, a busy head, a head that moved on) is never a
SourceError: only GitHub's or git's answers are. Only the edges (web handlers, tasks, CLI)
turn these into a status code, an exit code or a completed check run.
"""

from __future__ import annotations


class AiGateError(Exception):
    """Base class for every error ai-gate raises on purpose."""


class SettingsError(AiGateError):
    """An environment variable is missing or invalid."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class ConfigError(AiGateError):
    """A configuration file is invalid."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        column: int | None = None,
        hint: str = "",
    ) -> None:
        where = (
            path if line is None else f"{path}:{line}" + ("" if column is None else f":{column}")
        )
        super().__init__(f"{where}: {message}" + (f" (hint: {hint})" if hint else ""))
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint


class UsageError(AiGateError):
    """The command line cannot be carried out as given."""


class SourceError(AiGateError):
    """The pull request or repository could not be read."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # GitHub's HTTP status, when GitHub answered


class TransientError(AiGateError):
    """A failure worth retrying later: GitHub or git failing for now, Redis or the database
    not answering, another job holding the head."""


class SourceUnavailable(SourceError, TransientError):
    """Reading the pull request failed for now (GitHub 5xx or 429, a timeout, the network, a
    head GitHub has not caught up with): retried later."""


class RateLimited(SourceUnavailable):
    """GitHub asked us to wait before the next request."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(TransientError):
    """Redis (the broker, the shared job state) or the database does not answer; worth
    retrying later."""


class DatabaseUnavailable(Unavailable):
    """The database does not answer (down, restarting, or locked past the busy timeout)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the database does not answer ({detail})")
        self.detail = detail


class Busy(TransientError):
    """Another job holds the head this job needs (see app/jobs/heads.py): try again shortly."""


class Superseded(AiGateError):
    """The pull request's head moved on while the job ran."""

    def __init__(self, analysed_sha: str, current_sha: str) -> None:
        super().__init__(f"head moved from {analysed_sha[:12]} to {current_sha[:12]}")
        self.analysed_sha = analysed_sha
        self.current_sha = current_sha


class CheckError(AiGateError):
    """A checker (ruff, mypy, …) failed to run."""


class TimeLimitExceeded(AiGateError):
    """The job used up its time limit (AI_GATE_JOB_TIME_LIMIT)."""


class SignInError(SourceError):
    """GitHub refused the dashboard's sign-in (a bad or used code, a wrong client secret)."""


class TokenRejected(SignInError):
    """GitHub no longer takes the user's token (expired or revoked): sign in again."""
