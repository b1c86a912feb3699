"""GitHub REST through githubkit: GitHub's JSON becomes our types; nothing of GitHub leaks out."""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from githubkit import GitHub, TokenAuthStrategy, UnauthAuthStrategy
from githubkit.exception import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
)
from githubkit.response import Response
from githubkit.retry import RetryOption

from app.adapters.ghauth import (
    BearerAuthStrategy,
    InstallationToken,
    InstallationTokens,
    make_app_jwt,
)
from app.core.models import (
    LabelGrant,
    PullRequestInfo,
    Review,
)
from app.deadline import Deadline
from app.errors import (
    RateLimited,
    SourceError,
    SourceUnavailable,
    TimeLimitExceeded,
    TransientError,
)

log = logging.getLogger(__name__)

USER_AGENT = "ai-gate"
# Blobs larger than this are not analysed (GitHub gives no patch for them either).
MAX_BLOB_BYTES = 1_000_000
# Waits longer than this are not slept in the worker: the job is retried later instead.
MAX_INLINE_WAIT = timedelta(seconds=10)
_STATUSES: frozenset[str] = frozenset(
    {"added", "modified", "removed", "renamed", "copied", "changed", "unchanged"}
)


def _retry_decision(exc: GitHubException, retry_count: int) -> RetryOption:
    """Retry 5xx twice and short rate-limit waits once in the call; longer waits go to the queue."""
    if isinstance(exc, RateLimitExceeded):
        if retry_count < 1 and exc.retry_after <= MAX_INLINE_WAIT:
            return RetryOption(True, exc.retry_after)
        return RetryOption(False)
    if isinstance(exc, RequestFailed) and exc.response.status_code >= 500 and retry_count < 2:
        return RetryOption(True, timedelta(seconds=0.5 * (retry_count + 1)))
    return RetryOption(False)


def translate(exc: GitHubException, what: str) -> BaseException:
    """Our error for a githubkit failure: transient ones are retried by the queue.

    githubkit wraps whatever interrupted a request; only network errors are GitHub's. Anything
    else (a worker's time limit firing mid-read) is given back as it was, for its owner.
    """
    origin: object = exc.exc if isinstance(exc, RequestError) else None
    if isinstance(origin, BaseException) and not isinstance(origin, httpx.HTTPError | OSError):
        return origin
    if isinstance(exc, RateLimitExceeded):
        return RateLimited(f"{what}: GitHub rate limit", exc.retry_after.total_seconds())
    if isinstance(exc, RequestFailed):
        status = exc.response.status_code
        if status >= 500 or status == 429:
            return SourceUnavailable(f"{what}: GitHub answered {status}")
        return SourceError(f"{what}: GitHub answered {status}: {_message(exc)}", status=status)
    if isinstance(exc, RequestTimeout | RequestError):
        return SourceUnavailable(f"{what}: {exc!r}")
    return SourceError(f"{what}: {exc!r}")


def _message(exc: RequestFailed) -> str:
    try:
        body = exc.response.json()
    except ValueError:
        return str(exc.response.text)[:200]
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def convert_manifest(api_url: str, code: str, timeout: float = 30.0) -> dict[str, Any]:
    """Exchange the manifest flow's one-time code for the new app's id, key and secrets."""
    gh: GitHub[Any] = GitHub(
        UnauthAuthStrategy(),
        base_url=api_url.rstrip("/") + "/",
        timeout=timeout,
        user_agent=USER_AGENT,
        http_cache=False,
    )
    try:
        resp = gh.request("POST", f"/app-manifests/{code}/conversions")
    except GitHubException as exc:
        raise translate(exc, "the app manifest conversion") from exc
    body: dict[str, Any] = resp.json()
    return body


def token_client(
    token: str,
    api_url: str,
    *,
    timeout: float = 30.0,
    write_interval: float = 1.0,
    deadline: Deadline | None = None,
) -> Installation:
    """A REST client acting with a plain token, such as a workflow's GITHUB_TOKEN: the same
    calls, retries and write spacing as an installation's, with what the token may do."""
    deadline = deadline or Deadline.never()
    gh: GitHub[Any] = GitHub(
        TokenAuthStrategy(token),
        base_url=api_url.rstrip("/") + "/",
        timeout=deadline.timeout(timeout),
        user_agent=USER_AGENT,
        auto_retry=_retry_decision,
        http_cache=False,
    )
    return Installation(gh, write_interval, deadline)


class SharedTransport(httpx.HTTPTransport):
    """One connection pool (and one TLS context) for every client of the process.

    githubkit opens and closes an httpx client per request; without a shared transport each
    request would load the CA bundle again (tens of milliseconds) and open a new connection.
    """

    def close(self) -> None:
        """Kept open when a client closes; `shutdown` closes it for good."""

    def shutdown(self) -> None:
        super().close()


class GitHubApp:
    """The app's identity: makes installation clients with cached tokens."""

    def __init__(
        self,
        *,
        issuer: str,
        private_key_pem: str,
        api_url: str,
        timeout: float = 30.0,
        write_interval: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._write_interval = write_interval
        self._issuer = issuer
        self._key = private_key_pem
        self._api_url = api_url.rstrip("/") + "/"
        self._timeout = timeout
        self._clock = clock
        self.tokens = InstallationTokens(self._fetch_token, clock)
        self._transport = SharedTransport()

    def close(self) -> None:
        self._transport.shutdown()

    def _client(self, auth: Any, timeout: float | None = None) -> GitHub[Any]:
        return GitHub(
            auth,
            base_url=self._api_url,
            transport=self._transport,
            timeout=timeout or self._timeout,
            user_agent=USER_AGENT,
            auto_retry=_retry_decision,
            http_cache=False,
        )

    def _fetch_token(self, installation_id: int) -> InstallationToken:
        jwt = make_app_jwt(self._issuer, self._key, self._clock())
        gh = self._client(BearerAuthStrategy(jwt))
        try:
            resp = gh.request("POST", f"/app/installations/{installation_id}/access_tokens")
        except GitHubException as exc:
            raise translate(exc, f"installation {installation_id} token") from exc
        body = resp.json()
        expires = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return InstallationToken(token=body["token"], expires_at=expires)

    def installation(self, installation_id: int, deadline: Deadline | None = None) -> Installation:
        """A REST client acting as one installation, no request of which outlasts `deadline`."""
        token = self.tokens.get(installation_id)
        deadline = deadline or Deadline.never()
        client = self._client(token, deadline.timeout(self._timeout))
        return Installation(client, self._write_interval, deadline)

    def token(self, installation_id: int) -> str:
        """The installation's access token (for git over HTTPS; cached until near expiry)."""
        return self.tokens.get(installation_id)


class Installation:
    """REST calls as one installation, returning plain JSON values."""

    def __init__(
        self, gh: GitHub[Any], write_interval: float = 1.0, deadline: Deadline | None = None
    ) -> None:
        self._gh = gh
        self._write_interval = write_interval
        self._deadline = deadline or Deadline.never()
        self._last_write = 0.0
        self.requests = 0

    def _space_writes(self) -> None:
        # GitHub asks integrators to make writes serially with at least a second between them,
        # or secondary rate limits follow.
        # https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
        wait = self._last_write + self._write_interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_write = time.monotonic()

    def _send(self, method: str, url: str, **kwargs: Any) -> Response[Any, Any]:
        """One request; GitHub failures become our errors, and a wait that ran into the job's
        time limit is the time limit's."""
        self._deadline.check()
        if method != "GET":
            self._space_writes()
        self.requests += 1
        try:
            return self._gh.request(method, url, **kwargs)
        except GitHubException as exc:
            error = translate(exc, f"{method} {url}")
            if isinstance(error, TransientError) and self._deadline.expired():
                raise TimeLimitExceeded(f"{method} {url} ran into the time limit") from exc
            raise error from exc

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request's JSON answer."""
        resp = self._send(method, url, **kwargs)
        return resp.json() if resp.content else None

    def call_with_next(self, method: str, url: str, **kwargs: Any) -> tuple[Any, str | None]:
        """One request, with the `rel="next"` link of its answer."""
        resp = self._send(method, url, **kwargs)
        return resp.json(), _next_link(resp.headers.get("link", ""))

    def get_or_none(self, url: str, absent: tuple[int, ...] = (404,), **kwargs: Any) -> Any:
        """GET that answers None for the `absent` statuses (404 by default)."""
        try:
            return self.call("GET", url, **kwargs)
        except SourceError as exc:
            if exc.status in absent:
                return None
            raise

    def paginate(self, url: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a list endpoint, following `Link: rel="next"` (never building URLs)."""
        next_url: str | None = url
        query: dict[str, Any] | None = {"per_page": 100, **(params or {})}
        while next_url:
            items, next_url = self.call_with_next("GET", next_url, params=query)
            yield from items
            query = None  # the next link carries its own query


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part:
            return part.split(";", 1)[0].strip().strip("<>")
    return None


def clone_url(data: dict[str, Any]) -> str:
    """Where git fetches a PR from: its base repository (forks' heads are there as
    `refs/pull/{n}/head`), as the API names it (GHES hosts included)."""
    url = ((data.get("base") or {}).get("repo") or {}).get("clone_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise SourceError(f"pull request #{data.get('number')}: no clone URL for its base")
    return url


def pull_request_info(data: dict[str, Any]) -> PullRequestInfo:
    user = data.get("user") or {}
    return PullRequestInfo(
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        author_login=str(user.get("login") or ""),
        author_type=str(user.get("type") or "User"),
        head_ref=str((data.get("head") or {}).get("ref") or ""),
        base_ref=str((data.get("base") or {}).get("ref") or ""),
        labels=tuple(str(label["name"]) for label in data.get("labels") or ()),
        draft=bool(data.get("draft")),
        commits_total=data.get("commits"),
        files_total=data.get("changed_files"),
    )


def decode_blob(body: dict[str, Any]) -> bytes:
    """The bytes of a `git/blobs` answer (base64 with GitHub's line breaks)."""
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

    def pull_request(self, repo: str, number: int) -> dict[str, Any]:
        """The raw PR object (used to learn the current head)."""
        data = self._api.call("GET", f"/repos/{repo}/pulls/{number}")
        if not isinstance(data, dict):
            raise SourceError(f"{repo}#{number}: unexpected pull request answer")
        return data

    def head_sha(self, repo: str, number: int) -> str:
        """The PR's current head sha."""
        return str(self.pull_request(repo, number)["head"]["sha"])

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
        logins: dict[str, tuple[str | None, str | None]] = {}
        for item in self._api.paginate(f"/repos/{repo}/pulls/{number}/commits"):
            author, committer = item.get("author") or {}, item.get("committer") or {}
            logins[str(item["sha"])] = (author.get("login"), committer.get("login"))
        return logins

    def reviews(self, repo: str, number: int) -> tuple[Review, ...]:
        """Submitted reviews, oldest first (pending ones are not listed to others)."""
        return tuple(
            Review(
                login=str((r.get("user") or {}).get("login") or ""),
                user_type=str((r.get("user") or {}).get("type") or "User"),
                state=str(r.get("state") or ""),
                commit_id=r.get("commit_id"),
            )
            for r in self._api.paginate(f"/repos/{repo}/pulls/{number}/reviews")
        )

    def label_grants(
        self, repo: str, number: int, labels: Sequence[str], wanted: str | None
    ) -> tuple[LabelGrant, ...]:
        """Who last added the `wanted` label (when the PR carries it), from the issue's events,
        with that person's permission: a label is honoured by who added it, never assumed."""
        if wanted is None or wanted.lower() not in {x.lower() for x in labels}:
            return ()
        login = ""
        for event in self._api.paginate(f"/repos/{repo}/issues/{number}/events"):
            name = str((event.get("label") or {}).get("name") or "")
            if event.get("event") == "labeled" and name.lower() == wanted.lower():
                login = str((event.get("actor") or {}).get("login") or "")
        if not login:
            return (LabelGrant(label=wanted),)
        return (LabelGrant(label=wanted, login=login, permission=self.permission(repo, login)),)

    def permission(self, repo: str, username: str) -> str:
        """A user's permission on the repository: admin, maintain, write, triage, read or none."""
        body = self._api.get_or_none(f"/repos/{repo}/collaborators/{username}/permission")
        if not isinstance(body, dict):
            return "none"
        return str(body.get("role_name") or body.get("permission") or "none")
