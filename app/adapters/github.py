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
from githubkit import GitHub, UnauthAuthStrategy
from githubkit.exception import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
)
from githubkit.retry import RetryOption

from app.adapters.blobs import BlobCache
from app.adapters.ghauth import (
    BearerAuthStrategy,
    InstallationToken,
    InstallationTokens,
    make_app_jwt,
)
from app.core.checks.ruff import RUFF_CONFIG_FILES
from app.core.models import (
    Commit,
    FileDiff,
    FileStatus,
    Identity,
    LineRecord,
    PullRequestInfo,
    PullRequestSnapshot,
    Review,
)
from app.core.records import AGENT_TRACE_PATH, parse_agent_trace
from app.errors import RateLimited, SourceError, TransientError

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
            return TransientError(f"{what}: GitHub answered {status}")
        return SourceError(f"{what}: GitHub answered {status}: {_message(exc)}", status=status)
    if isinstance(exc, RequestTimeout | RequestError):
        return TransientError(f"{what}: {exc!r}")
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

    def _client(self, auth: Any) -> GitHub[Any]:
        return GitHub(
            auth,
            base_url=self._api_url,
            transport=self._transport,
            timeout=self._timeout,
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

    def installation(self, installation_id: int) -> Installation:
        """A REST client acting as one installation."""
        token = self.tokens.get(installation_id)
        return Installation(self._client(token), self._write_interval)


class Installation:
    """REST calls as one installation, returning plain JSON values."""

    def __init__(self, gh: GitHub[Any], write_interval: float = 1.0) -> None:
        self._gh = gh
        self._write_interval = write_interval
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

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request; GitHub failures become our errors."""
        if method != "GET":
            self._space_writes()
        self.requests += 1
        try:
            resp = self._gh.request(method, url, **kwargs)
        except GitHubException as exc:
            raise translate(exc, f"{method} {url}") from exc
        return resp.json() if resp.content else None

    def call_with_next(self, method: str, url: str, **kwargs: Any) -> tuple[Any, str | None]:
        """One request, with the `rel="next"` link of its answer."""
        self.requests += 1
        try:
            resp = self._gh.request(method, url, **kwargs)
        except GitHubException as exc:
            raise translate(exc, f"{method} {url}") from exc
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


def _identity(commit_person: dict[str, Any] | None, user: dict[str, Any] | None) -> Identity:
    person = commit_person or {}
    return Identity(
        name=str(person.get("name") or ""),
        email=str(person.get("email") or ""),
        login=(user or {}).get("login"),
    )


def _commit(item: dict[str, Any]) -> Commit:
    data = item.get("commit") or {}
    return Commit(
        sha=item["sha"],
        message=str(data.get("message") or ""),
        author=_identity(data.get("author"), item.get("author")),
        committer=_identity(data.get("committer"), item.get("committer")),
        parents=tuple(p["sha"] for p in item.get("parents") or ()),
    )


def _file(item: dict[str, Any]) -> FileDiff:
    status = str(item.get("status") or "modified")
    file_status: FileStatus = status if status in _STATUSES else "modified"  # type: ignore[assignment]
    return FileDiff(
        path=item["filename"],
        status=file_status,
        previous_path=item.get("previous_filename"),
        blob_sha=item.get("sha"),
        patch=item.get("patch"),
        additions=int(item.get("additions") or 0),
        deletions=int(item.get("deletions") or 0),
    )


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
    """Builds a `PullRequestSnapshot` for one head sha from GitHub."""

    def __init__(self, api: Installation, blobs: BlobCache) -> None:
        self._api = api
        self._blobs = blobs

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

    def blob_text(self, repo: str, sha: str) -> str | None:
        """A blob's text by sha, through the content-addressed cache."""
        data = self._blobs.get(sha)
        if data is None:
            data = decode_blob(self._api.call("GET", f"/repos/{repo}/git/blobs/{sha}"))
            self._blobs.put(sha, data)
        return as_text(data)

    def commit_files(self, repo: str, sha: str) -> tuple[FileDiff, ...]:
        """One commit's own file patches; GitHub pages them past 300 files (`Link` header)."""
        files: list[FileDiff] = []
        next_url: str | None = f"/repos/{repo}/commits/{sha}"
        query: dict[str, Any] | None = {"per_page": 100}
        while next_url:
            body, next_url = self._api.call_with_next("GET", next_url, params=query)
            files.extend(_file(f) for f in body.get("files") or ())
            query = None
        return tuple(files)

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

    def permission(self, repo: str, username: str) -> str:
        """A user's permission on the repository: admin, maintain, write, triage, read or none."""
        body = self._api.get_or_none(f"/repos/{repo}/collaborators/{username}/permission")
        if not isinstance(body, dict):
            return "none"
        return str(body.get("role_name") or body.get("permission") or "none")

    def snapshot(
        self,
        repo: str,
        number: int,
        wanted: Callable[[FileDiff], bool],
        pull_request: dict[str, Any] | None = None,
    ) -> PullRequestSnapshot:
        """PR, files with patches, commits, and head contents of the files `wanted` selects."""
        data = pull_request or self.pull_request(repo, number)
        files = tuple(_file(f) for f in self._api.paginate(f"/repos/{repo}/pulls/{number}/files"))
        commits = tuple(
            _commit(c) for c in self._api.paginate(f"/repos/{repo}/pulls/{number}/commits")
        )
        contents: dict[str, str] = {}
        notes: list[str] = []
        head_sha = str(data["head"]["sha"])
        records, trace_notes = self._trace_records(repo, files, head_sha)
        notes += trace_notes
        for f in files:
            if f.status == "removed" or not f.blob_sha or not wanted(f):
                continue
            text = self.blob_text(repo, f.blob_sha)
            if text is None:
                notes.append(f"`{f.path}` skipped: binary or larger than {MAX_BLOB_BYTES} bytes.")
            else:
                contents[f.path] = text
        base_sha = str(data["base"]["sha"])
        base_configs: dict[str, str] = {}
        if contents:
            # ruff's precedence: the first config file found is the one it would use.
            for name in RUFF_CONFIG_FILES:
                text = self.config_text(repo, base_sha, name)
                if text is not None:
                    base_configs[name] = text
                    break
        return PullRequestSnapshot(
            repository=repo,
            base_sha=base_sha,
            base_configs=base_configs,
            head_sha=head_sha,
            pull_request=pull_request_info(data),
            files=files,
            commits=commits,
            contents=contents,
            records=tuple(records),
            notes=tuple(notes),
        )

    def _trace_records(
        self, repo: str, files: Sequence[FileDiff], head_sha: str
    ) -> tuple[list[LineRecord], list[str]]:
        """Agent Trace records when the PR changes the trace file (an agent that records its
        work appends to it); a PR that does not touch it costs no request."""
        trace = next((f for f in files if f.path == AGENT_TRACE_PATH), None)
        if trace is None or trace.status == "removed" or not trace.blob_sha:
            return [], []
        text = self.blob_text(repo, trace.blob_sha)
        if text is None:
            return [], [f"`{AGENT_TRACE_PATH}` is binary or too large: not read."]
        # Without blame, records made at earlier commits cannot be placed (and are noted).
        return parse_agent_trace(text, AGENT_TRACE_PATH, head_sha=head_sha)
