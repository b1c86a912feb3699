"""GitHub's JSON as typed models, and what REST tells about a pull request that git does not.

Each answer is validated as it is read: a malformed one is a SourceError naming the field,
never a KeyError deep inside a job. The requests themselves go through `client.py`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from app.adapters.github.client import Installation
from app.core.models import Frozen, LabelGrant, PullRequestInfo, Review
from app.errors import SourceError

# Blobs larger than this are not analysed (GitHub gives no patch for them either).
MAX_BLOB_BYTES = 1_000_000
# https://docs.github.com/en/rest/checks/runs#get-a-check-run
CheckRunStatus = Literal["queued", "in_progress", "completed", "waiting", "requested", "pending"]


class PullRequest(Frozen):
    """A pull request as GitHub's REST API (or a workflow's event) describes it."""

    number: int
    head_sha: str
    base_sha: str
    head_ref: str = ""
    base_ref: str = ""
    # The base repository's: forks' heads are fetched from there as `refs/pull/{n}/head`.
    clone_url: str | None = None
    draft: bool = False
    state: str = "open"  # open | closed
    # GitHub's totals (the lists it gives may be truncated).
    commits: int | None = None
    changed_files: int | None = None
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    merge_commit_sha: str | None = None
    title: str = ""
    body: str = ""
    html_url: str = ""
    author_login: str = ""
    author_type: str = "User"
    labels: tuple[str, ...] = ()

    def info(self) -> PullRequestInfo:
        """What the core reads of the pull request."""
        return PullRequestInfo(
            number=self.number,
            title=self.title,
            body=self.body,
            author_login=self.author_login,
            author_type=self.author_type,
            head_ref=self.head_ref,
            base_ref=self.base_ref,
            labels=self.labels,
            draft=self.draft,
            commits_total=self.commits,
            files_total=self.changed_files,
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


class _User(_Answer):
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
    user: _User | None = None
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


class _Commit(_Answer):
    sha: str
    author: _User | None = None
    committer: _User | None = None


class _Review(_Answer):
    user: _User | None = None
    state: str | None = None
    commit_id: str | None = None


class _EventLabel(_Answer):
    name: str | None = None


class _IssueEvent(_Answer):
    event: str | None = None
    label: _EventLabel | None = None
    actor: _User | None = None


class _Permission(_Answer):
    role_name: str | None = None
    permission: str | None = None


_A = TypeVar("_A", bound=BaseModel)


def _read(shape: type[_A], data: object, what: str) -> _A:
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
    pr = _read(_Pull, data, what)
    user = pr.user or _User()
    return PullRequest(
        number=pr.number,
        head_sha=pr.head.sha,
        base_sha=pr.base.sha,
        head_ref=pr.head.ref or "",
        base_ref=pr.base.ref or "",
        clone_url=pr.base.repo.clone_url if pr.base.repo else None,
        draft=bool(pr.draft),
        state=pr.state or "open",
        commits=pr.commits,
        changed_files=pr.changed_files,
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
    return _checked(_read(_CheckRun, data, what))


def check_runs(data: object, what: str = "check runs") -> tuple[CheckRun, ...]:
    """The runs of a `commits/{ref}/check-runs` listing."""
    return tuple(_checked(run) for run in _read(_CheckRuns, data, what).check_runs)


def _checked(run: _CheckRun) -> CheckRun:
    return CheckRun(
        id=run.id,
        name=run.name,
        head_sha=run.head_sha or "",
        status=run.status,
        conclusion=run.conclusion,
        external_id=run.external_id,
    )


def decode_blob(body: dict[str, Any]) -> bytes:
    """The bytes of a `git/blobs` or `contents` answer (base64 with GitHub's line breaks)."""
    if body.get("encoding") != "base64":
        return str(body.get("content") or "").encode()
    try:
        return base64.b64decode(str(body.get("content") or ""))
    except binascii.Error as exc:
        raise SourceError(f"blob {body.get('sha')}: invalid base64") from exc


def as_text(data: bytes) -> str | None:
    """UTF-8 text, or None for binary or oversized content."""
    if len(data) > MAX_BLOB_BYTES or b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _each(shape: type[_A], items: Iterable[object], what: str) -> Iterable[_A]:
    for index, item in enumerate(items):
        yield _read(shape, item, f"{what}[{index}]")


class PullRequestSource:
    """What GitHub's REST API tells about a pull request that git does not."""

    def __init__(self, api: Installation) -> None:
        self._api = api

    @property
    def api(self) -> Installation:
        return self._api

    def pull_request(self, repo: str, number: int) -> PullRequest:
        """The pull request as GitHub has it now (its current head, its state)."""
        url = f"/repos/{repo}/pulls/{number}"
        return pull_request(self._api.call("GET", url), f"GET {url}")

    def head_sha(self, repo: str, number: int) -> str:
        """The PR's current head sha."""
        return self.pull_request(repo, number).head_sha

    def config_text(self, repo: str, ref: str | None, path: str) -> str | None:
        """A file at a ref (None: the default branch), or None when absent or not readable
        (another repository the app is not installed on answers 403 or 404)."""
        params = {"ref": ref} if ref else None
        body = self._api.get_or_none(
            f"/repos/{repo}/contents/{path}", params=params, absent=(403, 404)
        )
        if not isinstance(body, dict) or body.get("type") != "file":
            return None
        return as_text(decode_blob(body))

    def commit_logins(self, repo: str, number: int) -> dict[str, tuple[str | None, str | None]]:
        """The GitHub logins of the PR's commits' authors and committers (git knows only names
        and emails), by sha: the first 250 commits, as GitHub lists them."""
        url = f"/repos/{repo}/pulls/{number}/commits"
        logins: dict[str, tuple[str | None, str | None]] = {}
        for item in _each(_Commit, self._api.paginate(url), f"GET {url}"):
            author, committer = item.author or _User(), item.committer or _User()
            logins[item.sha] = (author.login, committer.login)
        return logins

    def reviews(self, repo: str, number: int) -> tuple[Review, ...]:
        """Submitted reviews, oldest first (pending ones are not listed to others)."""
        url = f"/repos/{repo}/pulls/{number}/reviews"
        return tuple(
            Review(
                login=(r.user or _User()).login or "",
                user_type=(r.user or _User()).type or "User",
                state=r.state or "",
                commit_id=r.commit_id,
            )
            for r in _each(_Review, self._api.paginate(url), f"GET {url}")
        )

    def label_grants(
        self, repo: str, number: int, labels: Sequence[str], wanted: str | None
    ) -> tuple[LabelGrant, ...]:
        """Who last added the `wanted` label (when the PR carries it), from the issue's events,
        with that person's permission: a label is honoured by who added it, never assumed."""
        if wanted is None or wanted.lower() not in {x.lower() for x in labels}:
            return ()
        url = f"/repos/{repo}/issues/{number}/events"
        login = ""
        for event in _each(_IssueEvent, self._api.paginate(url), f"GET {url}"):
            name = (event.label or _EventLabel()).name or ""
            if event.event == "labeled" and name.lower() == wanted.lower():
                login = (event.actor or _User()).login or ""
        if not login:
            return (LabelGrant(label=wanted),)
        return (LabelGrant(label=wanted, login=login, permission=self.permission(repo, login)),)

    def permission(self, repo: str, username: str) -> str:
        """A user's permission on the repository: admin, maintain, write, triage, read or none."""
        url = f"/repos/{repo}/collaborators/{username}/permission"
        body = self._api.get_or_none(url)
        if not isinstance(body, dict):
            return "none"
        answer = _read(_Permission, body, f"GET {url}")
        return answer.role_name or answer.permission or "none"
