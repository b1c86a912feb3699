"""GitHub's JSON as typed models: the pull request and check run the jobs and publishers use,
and the shapes of the other answers the source reads.

Each answer is validated as it is read: a malformed one is a SourceError naming the field,
never a KeyError deep inside a job.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from app.core.models import Frozen, PullRequestInfo
from app.errors import SourceError

# https://docs.github.com/en/rest/checks/runs#get-a-check-run
CheckRunStatus = Literal["queued", "in_progress", "completed", "waiting", "requested", "pending"]


class PullRequest(PullRequestInfo):
    """A pull request as GitHub's REST API (or a workflow's event) describes it: what the core
    reads of it (`PullRequestInfo`), and what the job layer needs besides."""

    head_sha: str
    base_sha: str
    # The base repository's: forks' heads are fetched from there as `refs/pull/{n}/head`.
    clone_url: str | None = None
    state: str = "open"  # open | closed
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    merge_commit_sha: str | None = None
    html_url: str = ""

    def info(self) -> PullRequestInfo:
        """What the core reads of the pull request, and no more."""
        return PullRequestInfo.model_validate(
            self.model_dump(include=set(PullRequestInfo.model_fields))
        )

    def fetch_url(self) -> str:
        """Where git fetches the PR from, as the API names it (GHES hosts included)."""
        url = self.clone_url
        if url is None or not url.startswith(("https://", "http://")):
            raise SourceError(f"pull request #{self.number}: no clone URL for its base")
        return url


class CheckRun(Frozen):
    """A check run as GitHub lists it."""

    id: int
    name: str
    head_sha: str = ""
    status: CheckRunStatus
    conclusion: str | None = None  # success, failure, cancelled, … once completed
    external_id: str | None = None

    @property
    def completed(self) -> bool:
        return self.status == "completed"


# ---------------------------------------------------------------- GitHub's shapes


class _Answer(BaseModel):
    """Part of a GitHub answer: the fields we read, the rest ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class UserAnswer(_Answer):
    login: str | None = None
    type: str | None = None


class _Repo(_Answer):
    clone_url: str | None = None


class _Branch(_Answer):
    sha: str
    ref: str | None = None
    repo: _Repo | None = None


class _Label(_Answer):
    name: str


class _Pull(_Answer):
    number: int
    head: _Branch
    base: _Branch
    draft: bool | None = None
    state: str | None = None
    commits: int | None = None
    changed_files: int | None = None
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    merge_commit_sha: str | None = None
    title: str | None = None
    body: str | None = None
    html_url: str | None = None
    user: UserAnswer | None = None
    labels: list[_Label] | None = None

    @field_validator("merged_at", "closed_at", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None


class _CheckRun(_Answer):
    id: int
    name: str
    head_sha: str | None = None
    status: CheckRunStatus
    conclusion: str | None = None
    external_id: str | None = None


class _CheckRuns(_Answer):
    check_runs: list[_CheckRun] = []


class CommitAnswer(_Answer):
    sha: str
    author: UserAnswer | None = None
    committer: UserAnswer | None = None


class ReviewAnswer(_Answer):
    user: UserAnswer | None = None
    state: str | None = None
    commit_id: str | None = None


class EventLabelAnswer(_Answer):
    name: str | None = None


class IssueEventAnswer(_Answer):
    event: str | None = None
    label: EventLabelAnswer | None = None
    actor: UserAnswer | None = None


class PermissionAnswer(_Answer):
    role_name: str | None = None
    permission: str | None = None


Shape = TypeVar("Shape", bound=BaseModel)


def read_answer(shape: type[Shape], data: object, what: str) -> Shape:
    """`data` read as `shape`; a SourceError saying which field was wrong."""
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the answer"
        raise SourceError(
            f"{what}: malformed answer from GitHub ({where}: {first['msg']})"
        ) from exc


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def pull_request(data: object, what: str = "pull request") -> PullRequest:
    """A pull request from GitHub's JSON (a REST answer or a webhook's `pull_request`)."""
    pr = read_answer(_Pull, data, what)
    user = pr.user or UserAnswer()
    return PullRequest(
        number=pr.number,
        head_sha=pr.head.sha,
        base_sha=pr.base.sha,
        head_ref=pr.head.ref or "",
        base_ref=pr.base.ref or "",
        clone_url=pr.base.repo.clone_url if pr.base.repo else None,
        draft=bool(pr.draft),
        state=pr.state or "open",
        commits_total=pr.commits,
        files_total=pr.changed_files,
        merged_at=_utc(pr.merged_at),
        closed_at=_utc(pr.closed_at),
        merge_commit_sha=pr.merge_commit_sha or None,
        title=pr.title or "",
        body=pr.body or "",
        html_url=pr.html_url or "",
        author_login=user.login or "",
        author_type=user.type or "User",
        labels=tuple(label.name for label in pr.labels or ()),
    )


def check_run(data: object, what: str = "check run") -> CheckRun:
    """A check run from GitHub's JSON (the answer to a create or an update)."""
    return _checked(read_answer(_CheckRun, data, what))


def check_runs(data: object, what: str = "check runs") -> tuple[CheckRun, ...]:
    """The runs of a `commits/{ref}/check-runs` listing."""
    return tuple(_checked(run) for run in read_answer(_CheckRuns, data, what).check_runs)


def _checked(run: _CheckRun) -> CheckRun:
    return CheckRun(
        id=run.id,
        name=run.name,
        head_sha=run.head_sha or "",
        status=run.status,
        conclusion=run.conclusion,
        external_id=run.external_id,
    )


def read_each(shape: type[Shape], items: Iterable[object], what: str) -> Iterable[Shape]:
    """Each item of a listing read as `shape`, a malformed one named by its index."""
    for index, item in enumerate(items):
        yield read_answer(shape, item, f"{what}[{index}]")
