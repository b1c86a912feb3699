"""The parts of GitHub's webhook payloads that routing reads, as typed models: a delivery whose
ids, numbers, shas or names are not what GitHub sends is refused at the edge, before anything
is recorded or queued.

Strict on purpose. A number must be a JSON integer a 64-bit field holds (no `true`, `1.5`,
`"7"`, or 2**70, which a JSON parser may hand over as a float); a sha is 40 or 64 lowercase
hex digits; a repository's `full_name` is `owner/name` in the characters GitHub allows, so it
stays one path segment pair in every URL and key built from it. Everything else in a payload
is ignored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# JSON integers that survive every encoder on the way (orjson, Redis, Celery messages).
MAX_ID = 2**63 - 1
# https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api (SHA-1,
# or SHA-256 for repositories that use it)
SHA_PATTERN = r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$"
# Owner: letters, digits, hyphens (underscores and dots on some GHES instances); repository
# name: letters, digits, `.`, `_`, `-`, but never `.` or `..`.
FULL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}/[A-Za-z0-9_.-]{1,100}$"


def _not_dots(full_name: str) -> str:
    if full_name.rsplit("/", 1)[1] in (".", ".."):
        raise ValueError("a repository is never named . or ..")
    return full_name


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Sha = Annotated[str, Field(pattern=SHA_PATTERN)]
FullName = Annotated[str, Field(pattern=FULL_NAME_PATTERN), AfterValidator(_not_dots)]
# GitHub's logins are at most 39 characters; a check run action's identifier at most 20.
Login = Annotated[str, Field(max_length=100)]
Identifier = Annotated[str, Field(max_length=100)]
# GitHub's label names are 1 to 50 characters.
LabelName = Annotated[str, Field(min_length=1, max_length=100)]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)


class Installation(_Part):
    id: Id


class Repository(_Part):
    full_name: FullName


class Target(_Part):
    """Whom a delivery is about: the installation and the repository."""

    installation: Installation
    repository: Repository


class Head(_Part):
    sha: Sha


class PullRequest(_Part):
    """`pull_request` of a pull_request or pull_request_review event."""

    number: Id
    state: str = "open"
    head: Head


class User(_Part):
    login: Login = ""


class Review(_Part):
    user: User | None = None


class ReviewEvent(_Part):
    pull_request: PullRequest
    review: Review | None = None


class PullRequestEvent(_Part):
    pull_request: PullRequest


class Label(_Part):
    name: LabelName


class LabelEvent(PullRequestEvent):
    """`pull_request.labeled` or `.unlabeled`. GitHub's schema makes `label` optional: a
    delivery without it says only that some label changed."""

    label: Label | None = None


class Branch(_Part):
    # Only compared with the suite's or run's head: any string will do.
    sha: str | None = None


class PullRequestRef(_Part):
    """A pull request as check suites and check runs list it."""

    number: Id
    head: Branch | None = None


class CheckSuite(_Part):
    head_sha: Sha
    pull_requests: list[PullRequestRef] | None = None


class CheckRun(_Part):
    name: str = ""
    head_sha: Sha
    pull_requests: list[PullRequestRef] | None = None


class RequestedAction(_Part):
    identifier: Identifier = ""


class CheckSuiteEvent(_Part):
    check_suite: CheckSuite


class CheckRunEvent(_Part):
    check_run: CheckRun
    requested_action: RequestedAction | None = None
    sender: User | None = None
