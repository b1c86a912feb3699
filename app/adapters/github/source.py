"""What GitHub's REST API tells about a pull request that git does not: the PR itself, its
commits' logins, reviews, who added a label and their permission, and files of other
repositories. The requests go through `client.py`, the answers are read by `models.py`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from app.adapters.github.client import Installation
from app.adapters.github.models import (
    CommitAnswer,
    EventLabelAnswer,
    IssueEventAnswer,
    PermissionAnswer,
    PullRequest,
    ReviewAnswer,
    UserAnswer,
    pull_request,
    read_answer,
    read_each,
)
from app.core.models import LabelGrant, Review
from app.errors import SourceError

# Blobs larger than this are not analysed (GitHub gives no patch for them either).
MAX_BLOB_BYTES = 1_000_000


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
        for item in read_each(CommitAnswer, self._api.paginate(url), f"GET {url}"):
            author, committer = item.author or UserAnswer(), item.committer or UserAnswer()
            logins[item.sha] = (author.login, committer.login)
        return logins

    def reviews(self, repo: str, number: int) -> tuple[Review, ...]:
        """Submitted reviews, oldest first (pending ones are not listed to others)."""
        url = f"/repos/{repo}/pulls/{number}/reviews"
        return tuple(
            Review(
                login=(r.user or UserAnswer()).login or "",
                user_type=(r.user or UserAnswer()).type or "User",
                state=r.state or "",
                commit_id=r.commit_id,
            )
            for r in read_each(ReviewAnswer, self._api.paginate(url), f"GET {url}")
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
        for event in read_each(IssueEventAnswer, self._api.paginate(url), f"GET {url}"):
            name = (event.label or EventLabelAnswer()).name or ""
            if event.event == "labeled" and name.lower() == wanted.lower():
                login = (event.actor or UserAnswer()).login or ""
        if not login:
            return (LabelGrant(label=wanted),)
        return (LabelGrant(label=wanted, login=login, permission=self.permission(repo, login)),)

    def permission(self, repo: str, username: str) -> str:
        """A user's permission on the repository: admin, maintain, write, triage, read or none."""
        url = f"/repos/{repo}/collaborators/{username}/permission"
        body = self._api.get_or_none(url)
        if not isinstance(body, dict):
            return "none"
        answer = read_answer(PermissionAnswer, body, f"GET {url}")
        return answer.role_name or answer.permission or "none"
