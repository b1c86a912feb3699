"""GitHub's REST API through githubkit: the app's JWT and installation tokens, one shared
connection pool, retries and write spacing, GitHub's failures as our errors, pagination.

Answers are plain JSON here; `app/adapters/github/source.py` turns them into typed models."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
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

from app.adapters.github.auth import (
    BearerAuthStrategy,
    InstallationToken,
    InstallationTokens,
    make_app_jwt,
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
# Waits longer than this are not slept in the worker: the job is retried later instead.
MAX_INLINE_WAIT = timedelta(seconds=10)


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
    transport: httpx.BaseTransport | None = None,
) -> Installation:
    """A REST client acting with a plain token, such as a workflow's GITHUB_TOKEN: the same
    calls, retries and write spacing as an installation's, with what the token may do."""
    deadline = deadline or Deadline.never()
    gh: GitHub[Any] = GitHub(
        TokenAuthStrategy(token),
        base_url=api_url.rstrip("/") + "/",
        transport=transport,
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
    """The app's identity: makes installation clients with cached tokens.

    Every request goes through one transport: the process's shared pool by default, or the
    one given (a test's `httpx.MockTransport`). githubkit closes its httpx client after each
    request, so a given transport must shrug off `close()` as those two do; `close` here
    shuts down only the shared pool it made."""

    def __init__(
        self,
        *,
        issuer: str,
        private_key_pem: str,
        api_url: str,
        timeout: float = 30.0,
        write_interval: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._write_interval = write_interval
        self._issuer = issuer
        self._key = private_key_pem
        self._api_url = api_url.rstrip("/") + "/"
        self._timeout = timeout
        self._clock = clock
        self.tokens = InstallationTokens(self._fetch_token, clock)
        self._shared: SharedTransport | None = None
        if transport is None:
            transport = self._shared = SharedTransport()
        self._transport = transport

    def close(self) -> None:
        if self._shared is not None:
            self._shared.shutdown()

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
