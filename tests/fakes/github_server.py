"""In-memory fake of the GitHub REST API for integration tests.

`FakeGitHub` is a raw ASGI app holding all state; `FakeGitHubServer` serves it over real HTTP
(uvicorn in a background thread) so that a separate `ai-gate` worker process can talk to it while
the test process inspects the same `FakeGitHub` object directly.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import gzip
import json
import re
import secrets
import shutil
import string
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jwt
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tests.fakes import gitdata, keys
from tests.fakes.chaos import Chaos
from tests.fakes.githttp import GIT_PATH, GitHttp, GitRequest, init_served_repository
from tests.fakes.oauth import FakeOAuth
from tests.fakes.schemas import sarif_errors
from tests.fakes.serving import ThreadedServer
from tests.fakes.shapes import fake_sha, github_base64, user_json
from tests.fakes.shapes import git_blob_sha as git_blob_sha  # re-exported for the tests
from tests.fakes.shapes import make_commit as make_commit
from tests.fakes.shapes import make_file as make_file
from tests.gitrepo import RepoBuilder

API_PREFIX = "/api/v3"
DOCS_URL = "https://docs.github.com/rest"
PUBLIC_API = "https://api.github.com"
MAX_PR_FILES = 3000
MAX_PR_COMMITS = 250
MAX_ANNOTATIONS_PER_REQUEST = 50
MAX_OUTPUT_CHARS = 65535
# Code scanning's limits on one SARIF upload (GitHub: "SARIF support for code scanning").
MAX_SARIF_GZIP_BYTES = 10 * 1024 * 1024
MAX_SARIF_RUNS = 20
MAX_SARIF_RESULTS = 25_000
SARIF_REF = re.compile(r"refs/heads/.+|refs/tags/.+|refs/pull/\d+/(head|merge)")

CONCLUSIONS = frozenset(
    {"action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out"}
)
STATUSES = frozenset({"queued", "in_progress", "completed"})
ANNOTATION_LEVELS = frozenset({"notice", "warning", "failure"})
REVIEW_EVENTS = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}
DEFAULT_TOKEN_PERMISSIONS: dict[str, str] = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
}

PRKey = tuple[str, str, int]
JSON = dict[str, Any]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def diff_lines(patch: str) -> dict[str, dict[int, int]]:
    """Map side ("LEFT"/"RIGHT") -> {line number: hunk index} for lines a review may target."""
    sides: dict[str, dict[int, int]] = {"LEFT": {}, "RIGHT": {}}
    old = new = 0
    hunk = -1
    for line in patch.splitlines():
        m = _HUNK_RE.match(line)
        if m:
            hunk += 1
            old, new = int(m.group(1)), int(m.group(2))
            continue
        if hunk < 0 or line.startswith("\\"):
            continue
        if line.startswith("+"):
            sides["RIGHT"][new] = hunk
            new += 1
        elif line.startswith("-"):
            sides["LEFT"][old] = hunk
            old += 1
        else:
            sides["RIGHT"][new] = hunk
            sides["LEFT"][old] = hunk
            old += 1
            new += 1
    return sides


@dataclass
class RecordedRequest:
    """One request as received. `path` has any /api/v3 prefix removed so assertions do not
    depend on how the client's base URL was configured; `raw_path` keeps it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int = 0
    raw_path: str = ""


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    headers: dict[str, str]
    body: JSON


@dataclass
class _PullRequest:
    owner: str
    repo: str
    number: int
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    title: str
    body: str
    user_login: str
    user_type: str
    draft: bool
    head_repo_full_name: str
    files: list[JSON] = field(default_factory=list)
    commits: list[JSON] = field(default_factory=list)
    state: str = "open"
    merged_at: str | None = None
    closed_at: str | None = None
    merge_commit_sha: str | None = None


@dataclass
class _Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Ctx:
    request: Request
    path: str
    query: dict[str, str]
    body: Any


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.payload: JSON = {"message": message, "documentation_url": DOCS_URL, **extra}


def _not_found() -> _HTTPError:
    return _HTTPError(404, "Not Found")


def _unprocessable(message: str) -> _HTTPError:
    return _HTTPError(422, message)


_Handler = Callable[[_Ctx, dict[str, str]], _Reply]


@dataclass
class Hold:
    method: str
    pattern: re.Pattern[str]
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


class FakeGitHub:
    """ASGI app + in-memory GitHub state. All public methods are safe to call from any thread."""

    def __init__(
        self,
        app_id: int = 4242,
        public_key_pem: str | None = None,
        *,
        client_id: str | None = None,
        app_slug: str = "ai-gate",
    ) -> None:
        self.app_id = app_id
        self.client_id = client_id
        self.app_slug = app_slug
        self.public_key_pem = (
            public_key_pem if public_key_pem is not None else keys.public_key_pem()
        )
        self.lock = threading.RLock()

        self.requests: list[RecordedRequest] = []
        self.installations: set[int] = set()
        self.tokens: dict[str, tuple[int, datetime]] = {}
        self.installation_tokens: dict[int, list[str]] = {}
        self.pulls: dict[PRKey, _PullRequest] = {}
        self.blobs: dict[tuple[str, str, str], bytes] = {}
        self.contents: dict[tuple[str, str, str, str], bytes] = {}
        self.commit_details: dict[tuple[str, str, str], list[JSON]] = {}
        self.check_runs: dict[int, JSON] = {}
        self.annotations: dict[int, list[JSON]] = {}
        self.reviews: list[JSON] = []
        self.review_comments: list[JSON] = []
        self.labels: dict[PRKey, list[str]] = {}
        # The issue timeline's label events, oldest first (who added or removed which label).
        self.issue_events: dict[PRKey, list[dict[str, Any]]] = {}
        self.permissions: dict[tuple[str, str, str], str] = {}
        # What each token may do (GitHub answers 403 otherwise), and each installation's grant.
        self.token_permissions: dict[str, dict[str, str]] = {}
        self.installation_permissions: dict[int, dict[str, str]] = {}
        # Code-scanning uploads as received, their SARIF decoded: repo, commit_sha, ref, sarif.
        self.sarif_uploads: list[JSON] = []
        # Manifest-flow codes GitHub would hand back to the redirect URL (code -> app slug).
        self.manifest_codes: dict[str, str] = {}
        # Real repositories served over git's smart HTTP (`{origin}/{owner}/{repo}.git`).
        git_root = Path(tempfile.mkdtemp(prefix="fake-github-git-"))
        weakref.finalize(self, shutil.rmtree, git_root, True)
        self.git = GitHttp(git_root, self._token_valid)
        # GitHub logins of commit authors and committers, by email, per repository.
        self.logins: dict[tuple[str, str], dict[str, str]] = {}
        # Seconds every request waits before it is answered (a remote GitHub's round trip).
        self.latency = 0.0
        # Random failures of REST requests (tests/fakes/chaos.py), off by default.
        self.chaos: Chaos | None = None
        # When each check run was created (time.time()), for latency figures.
        self.run_created: dict[int, float] = {}
        # The App's OAuth web flow and what users may see (the dashboard's sign-in).
        self.oauth = FakeOAuth()

        self._check_run_repo: dict[int, tuple[str, str]] = {}
        self._review_pr: dict[int, PRKey] = {}
        self._comment_pr: dict[int, PRKey] = {}
        self._failures: list[_Failure] = []
        self._served: set[Path] = set()
        self._holds: list[Hold] = []
        self._next_check_run_id = 1
        self._next_review_id = 1
        self._next_comment_id = 1
        self._rate_used = 0
        self._rate_reset = int(time.time()) + 3600

        self._routes: list[tuple[str, re.Pattern[str], _Handler]] = []
        self._route("GET", r"/app", self._get_app)
        self._route("POST", r"/app-manifests/(?P<code>[^/]+)/conversions", self._convert_manifest)
        self._route(
            "POST", r"/app/installations/(?P<iid>\d+)/access_tokens", self._create_access_token
        )
        repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        pull = repo + r"/pulls/(?P<number>\d+)"
        self._route("GET", pull, self._get_pull)
        self._route("GET", pull + r"/files", self._list_pull_files)
        self._route("GET", pull + r"/commits", self._list_pull_commits)
        self._route("GET", pull + r"/reviews", self._list_reviews)
        self._route("POST", pull + r"/reviews", self._create_review)
        self._route("GET", pull + r"/comments", self._list_review_comments)
        self._route("PATCH", repo + r"/pulls/comments/(?P<cid>\d+)", self._edit_review_comment)
        self._route("GET", repo + r"/commits/(?P<ref>.+)/check-runs", self._list_check_runs)
        self._route("GET", repo + r"/commits/(?P<ref>[^/]+)", self._get_commit)
        self._route("GET", repo + r"/git/blobs/(?P<sha>[0-9a-fA-F]+)", self._get_blob)
        self._route("GET", repo + r"/contents/(?P<path>.+)", self._get_contents)
        self._route("POST", repo + r"/check-runs", self._create_check_run)
        self._route("PATCH", repo + r"/check-runs/(?P<id>\d+)", self._update_check_run)
        self._route("GET", repo + r"/check-runs/(?P<id>\d+)", self._get_check_run)
        self._route(
            "GET", repo + r"/collaborators/(?P<user>[^/]+)/permission", self._get_permission
        )
        self._route("POST", repo + r"/issues/(?P<number>\d+)/labels", self._add_labels)
        self._route("GET", repo + r"/issues/(?P<number>\d+)/events", self._list_issue_events)
        self._route("POST", repo + r"/code-scanning/sarifs", self._upload_sarif)
        self._route("GET", r"/user", self._get_user)
        self._route("GET", r"/user/installations", self._list_user_installations)
        self._route(
            "GET", r"/user/installations/(?P<iid>\d+)/repositories", self._list_user_repositories
        )

    # ------------------------------------------------------------------ state setup (tests)

    def repository(self, owner: str, repo: str) -> RepoBuilder:
        """The repository's real git history, served at `{origin}/{owner}/{repo}.git`; commits
        written with the builder are what the PRs staged on it are made of."""
        git_dir = self.git.repository(owner, repo)
        with self.lock:  # once, even when several threads stage on one repository
            if git_dir not in self._served:
                init_served_repository(git_dir)
                self._served.add(git_dir)
        return RepoBuilder(git_dir)

    def add_login(self, owner: str, repo: str, email: str, login: str) -> None:
        """The GitHub account GitHub links a commit's email to (in the commits listing)."""
        with self.lock:
            self.logins.setdefault((owner, repo), {})[email] = login

    def _from_git(
        self, pr: _PullRequest, files: Sequence[JSON], commits: Sequence[JSON]
    ) -> tuple[Sequence[JSON], Sequence[JSON]]:
        """Files and commits as GitHub derives them from the repository, unless given; the
        PR's head is published as `refs/pull/{n}/head`, as on GitHub (forks included)."""
        git_dir = self.git.repository(pr.owner, pr.repo)
        if not (git_dir / "HEAD").exists() or gitdata.resolve(git_dir, pr.head_sha) is None:
            return files, commits
        RepoBuilder(git_dir).set_ref(f"refs/pull/{pr.number}/head", pr.head_sha)
        logins = self.logins.get((pr.owner, pr.repo), {})
        return (
            files or gitdata.pull_files(git_dir, pr.base_sha, pr.head_sha),
            commits or gitdata.pull_commits(git_dir, pr.base_sha, pr.head_sha, logins),
        )

    def _token_valid(self, token: str) -> bool:
        with self.lock:
            entry = self.tokens.get(token)
            return entry is not None and entry[1] > _now()

    def add_installation(
        self, installation_id: int, permissions: dict[str, str] | None = None
    ) -> None:
        """An installation whose tokens get `permissions` (default: what app.yml asks for)."""
        with self.lock:
            self.installations.add(installation_id)
            if permissions is not None:
                self.installation_permissions[installation_id] = dict(permissions)

    def add_token(self, permissions: dict[str, str]) -> str:
        """A token such as a workflow's GITHUB_TOKEN, with its job's `permissions`."""
        token = "ghs_" + secrets.token_hex(18)
        with self.lock:
            self.tokens[token] = (0, _now() + timedelta(hours=1))
            self.token_permissions[token] = dict(permissions)
        return token

    def add_pull_request(
        self,
        owner: str,
        repo: str,
        number: int,
        *,
        head_sha: str,
        base_sha: str,
        head_ref: str = "feature",
        base_ref: str = "main",
        title: str = "Add feature",
        body: str = "",
        user_login: str = "octocat",
        user_type: str = "User",
        draft: bool = False,
        labels: Iterable[str] = (),
        files: Sequence[JSON] = (),
        commits: Sequence[JSON] = (),
        blobs: dict[str, bytes] | None = None,
        head_repo_full_name: str | None = None,
    ) -> None:
        pr = _PullRequest(
            owner=owner,
            repo=repo,
            number=number,
            head_sha=head_sha,
            base_sha=base_sha,
            head_ref=head_ref,
            base_ref=base_ref,
            title=title,
            body=body,
            user_login=user_login,
            user_type=user_type,
            draft=draft,
            head_repo_full_name=head_repo_full_name or f"{owner}/{repo}",
        )
        with self.lock:
            self.pulls[(owner, repo, number)] = pr
            self._set_pr_files_commits(pr, *self._from_git(pr, files, commits))
            self.labels[(owner, repo, number)] = list(labels)
            for sha, data in (blobs or {}).items():
                self.blobs[(owner, repo, sha)] = data

    def set_head(
        self,
        owner: str,
        repo: str,
        number: int,
        head_sha: str,
        *,
        files: Sequence[JSON] | None = None,
        commits: Sequence[JSON] | None = None,
    ) -> None:
        """Simulate a push to the PR branch (optionally replacing its files/commits)."""
        with self.lock:
            pr = self.pulls[(owner, repo, number)]
            pr.head_sha = head_sha
            derived = self._from_git(pr, files or (), commits or ())
            self._set_pr_files_commits(
                pr,
                derived[0] if files is None else files,
                derived[1] if commits is None else commits,
            )

    def close_pull_request(
        self,
        owner: str,
        repo: str,
        number: int,
        *,
        at: datetime,
        merge_commit_sha: str | None = None,
    ) -> None:
        """Close the PR at `at`: merged when a merge commit is given (squash or merge)."""
        with self.lock:
            pr = self.pulls[(owner, repo, number)]
            pr.state = "closed"
            pr.closed_at = _iso(at)
            pr.merged_at = _iso(at) if merge_commit_sha else None
            pr.merge_commit_sha = merge_commit_sha

    def reopen_pull_request(self, owner: str, repo: str, number: int) -> None:
        with self.lock:
            pr = self.pulls[(owner, repo, number)]
            pr.state, pr.closed_at, pr.merged_at, pr.merge_commit_sha = "open", None, None, None

    def add_blob(self, owner: str, repo: str, sha: str, data: bytes) -> None:
        with self.lock:
            self.blobs[(owner, repo, sha)] = data

    def add_content(self, owner: str, repo: str, ref: str, path: str, data: bytes) -> None:
        with self.lock:
            self.contents[(owner, repo, ref, path.strip("/"))] = data

    def add_commit_detail(self, owner: str, repo: str, sha: str, files: Sequence[JSON]) -> None:
        with self.lock:
            self.commit_details[(owner, repo, sha)] = [
                self._fill_file(owner, repo, sha, f) for f in files
            ]

    def add_review(
        self,
        owner: str,
        repo: str,
        number: int,
        login: str,
        state: str,
        *,
        user_type: str = "User",
    ) -> JSON:
        """A review submitted by someone else (a human or another bot), e.g. an approval."""
        with self.lock:
            pr = self.pulls[(owner, repo, number)]
            review_id = self._next_review_id
            self._next_review_id += 1
            review: JSON = {
                "id": review_id,
                "node_id": f"PRR_{review_id}",
                "user": user_json(login, user_type),
                "body": "",
                "state": state,
                "commit_id": pr.head_sha,
                "submitted_at": _iso(_now()),
            }
            self.reviews.append(review)
            self._review_pr[review_id] = (owner, repo, number)
            return review

    def dismiss_review(self, review_id: int) -> None:
        with self.lock:
            for review in self.reviews:
                if review["id"] == review_id:
                    review["state"] = "DISMISSED"

    def add_label(self, owner: str, repo: str, number: int, name: str, actor: str) -> None:
        """`actor` adds a label to the PR (in its labels, and as a `labeled` issue event)."""
        self._label_event("labeled", (owner, repo, number), name, actor)

    def remove_label(self, owner: str, repo: str, number: int, name: str, actor: str) -> None:
        """`actor` removes a label from the PR (an `unlabeled` issue event)."""
        self._label_event("unlabeled", (owner, repo, number), name, actor)

    def _label_event(self, event: str, key: tuple[str, str, int], name: str, actor: str) -> None:
        with self.lock:
            current = self.labels.setdefault(key, [])
            if event == "labeled" and name not in current:
                current.append(name)
            elif event == "unlabeled" and name in current:
                current.remove(name)
            events = self.issue_events.setdefault(key, [])
            events.append(
                {
                    "id": 9000 + len(events),
                    "event": event,
                    "actor": user_json(actor),
                    "label": {"name": name, "color": "ededed"},
                    "created_at": "2026-01-01T00:00:00Z",
                }
            )

    def set_permission(self, owner: str, repo: str, username: str, permission: str) -> None:
        with self.lock:
            self.permissions[(owner, repo, username)] = permission

    def expire_tokens(self) -> None:
        """Make every issued installation token invalid, as if an hour had passed."""
        with self.lock:
            past = _now() - timedelta(seconds=1)
            self.tokens = {t: (iid, past) for t, (iid, _) in self.tokens.items()}

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: JSON | None = None,
    ) -> None:
        """Answer the next `times` requests matching `method` ("*" = any) and `path_regex`
        (re.search against the path without query and without the /api/v3 prefix)."""
        with self.lock:
            self._failures.append(
                _Failure(
                    method=method.upper(),
                    pattern=re.compile(path_regex),
                    status=status,
                    remaining=times,
                    headers={k.lower(): v for k, v in (headers or {}).items()},
                    body=body if body is not None else {"message": f"Injected HTTP {status}"},
                )
            )

    def hold(self, method: str, path_regex: str) -> Hold:
        """Keep matching requests waiting (as a slow GitHub would) until `release()`; `reached`
        is set when the first one arrives. Lets a test act while a job is mid-way."""
        held = Hold(method.upper(), re.compile(path_regex))
        with self.lock:
            self._holds.append(held)
        return held

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    def requests_matching(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """The requests received with this method (`*`: any) whose path the regex finds."""
        pattern = re.compile(path_regex)
        with self.lock:
            return [
                r
                for r in self.requests
                if method == "*" or r.method == method.upper()
                if pattern.search(r.path)
            ]

    def reviews_for(self, owner: str, repo: str, number: int) -> list[JSON]:
        with self.lock:
            return [r for r in self.reviews if self._review_pr[r["id"]] == (owner, repo, number)]

    def comments_for(self, owner: str, repo: str, number: int) -> list[JSON]:
        with self.lock:
            return [
                c
                for c in self.review_comments
                if self._comment_pr[c["id"]] == (owner, repo, number)
            ]

    # ------------------------------------------------------------------ ASGI plumbing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # Lifespan is disabled in FakeGitHubServer; anything else is unsupported.
            return
        request = Request(scope, receive)
        raw = await request.body()
        path = request.url.path
        if self.latency:
            await asyncio.sleep(self.latency)
        for held in list(self._holds):
            if held.method in ("*", request.method) and held.pattern.search(_strip_prefix(path)):
                held.reached.set()
                await asyncio.to_thread(held.released.wait)
        if GIT_PATH.match(path):
            await self._answer_git(request, raw, scope, receive, send)
            return
        if path.startswith("/login/oauth/"):
            await self._answer_oauth(request, raw, scope, receive, send)
            return
        query = dict(request.query_params)
        headers = {k.lower(): v for k, v in request.headers.items()}
        body: Any = None
        parse_error = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                parse_error = True
        record = RecordedRequest(
            request.method, _strip_prefix(path), query, headers, body, raw_path=path
        )
        with self.lock:
            self.requests.append(record)
            if parse_error:
                reply = _Reply(400, {"message": "Problems parsing JSON", "documentation_url": ""})
            else:
                reply = self._dispatch(_Ctx(request, _strip_prefix(path), query, body))
            record.status = reply.status
            self._rate_used += 1
            rate_headers = {
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": str(max(0, 5000 - self._rate_used)),
                "x-ratelimit-used": str(self._rate_used),
                "x-ratelimit-reset": str(self._rate_reset),
                "x-ratelimit-resource": "core",
                "x-github-request-id": uuid.uuid4().hex[:20].upper(),
                "x-github-media-type": "github.v3; format=json",
            }
        # Injected headers (e.g. x-ratelimit-remaining: 0) must win over the defaults.
        out_headers = {**rate_headers, **reply.headers}
        content = b"" if reply.body is None else json.dumps(reply.body).encode()
        response = Response(
            content=content,
            status_code=reply.status,
            headers=out_headers,
            media_type="application/json; charset=utf-8",
        )
        await response(scope, receive, send)

    async def _answer_git(
        self, request: Request, raw: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Git's smart HTTP, through `git http-backend`; injected failures apply here too."""
        path = request.url.path
        with self.lock:
            failure = next(
                (
                    f
                    for f in self._failures
                    if f.remaining > 0
                    and f.method in ("*", request.method)
                    and f.pattern.search(path)
                ),
                None,
            )
            if failure is not None:
                failure.remaining -= 1
        if failure is not None:
            service = "git-upload-pack" if path.endswith("git-upload-pack") else "info/refs"
            self.git.requests.append(GitRequest(request.method, path, service, failure.status))
            reply = Response(
                b"injected failure", status_code=failure.status, headers=failure.headers
            )
        else:
            headers = {k.lower(): v for k, v in request.headers.items()}
            answer = await self.git.answer(request.method, path, request.url.query, headers, raw)
            reply = Response(answer.body, status_code=answer.status, headers=answer.headers)
        await reply(scope, receive, send)

    def _route(self, method: str, pattern: str, handler: _Handler) -> None:
        self._routes.append((method, re.compile(pattern + "/?"), handler))

    def _dispatch(self, ctx: _Ctx) -> _Reply:
        method = ctx.request.method
        if self.chaos is not None and (injected := self.chaos.failure(method)) is not None:
            return _Reply(*injected)
        for failure in self._failures:
            if (
                failure.remaining > 0
                and failure.method in ("*", method)
                and failure.pattern.search(ctx.path)
            ):
                failure.remaining -= 1
                return _Reply(failure.status, failure.body, dict(failure.headers))
        self._failures = [f for f in self._failures if f.remaining > 0]
        try:
            for route_method, pattern, handler in self._routes:
                m = pattern.fullmatch(ctx.path)
                if m and route_method == method:
                    if ctx.path.startswith("/app-manifests/"):
                        pass  # the manifest code is the credential
                    elif ctx.path.startswith("/user"):
                        pass  # a user-to-server token, checked by the handler
                    elif ctx.path.startswith("/app"):
                        self._require_jwt(ctx)
                    else:
                        self._require_token(ctx)
                    return handler(ctx, m.groupdict())
            raise _not_found()
        except _HTTPError as exc:
            return _Reply(exc.status, exc.payload)

    async def _answer_oauth(
        self, request: Request, raw: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        status, body, headers = self.oauth.web(
            request.method, request.url.path, dict(request.query_params), raw
        )
        if isinstance(body, str):
            reply = Response(body, status_code=status, headers=headers, media_type="text/html")
        else:
            reply = Response(
                json.dumps(body).encode(),
                status_code=status,
                headers=headers,
                media_type="application/json; charset=utf-8",
            )
        await reply(scope, receive, send)

    # ------------------------------------------------------------------ /user (user tokens)

    def _user_login(self, ctx: _Ctx) -> str:
        login = self.oauth.user_of(ctx.request.headers.get("authorization", ""))
        if login is None:
            raise _HTTPError(401, "Bad credentials")
        return login

    def _get_user(self, ctx: _Ctx, _params: dict[str, str]) -> _Reply:
        return _Reply(200, self.oauth.user(self._user_login(ctx)))

    def _list_user_installations(self, ctx: _Ctx, _params: dict[str, str]) -> _Reply:
        items = self.oauth.installations(self._user_login(ctx))
        page = self._paginate(ctx, items)
        return _Reply(200, {"total_count": len(items), "installations": page.body}, page.headers)

    def _list_user_repositories(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        items = self.oauth.repositories(self._user_login(ctx), int(params["iid"]))
        if items is None:
            raise _not_found()
        page = self._paginate(ctx, items)
        return _Reply(
            200,
            {
                "total_count": len(items),
                "repository_selection": "selected",
                "repositories": page.body,
            },
            page.headers,
        )

    # ------------------------------------------------------------------ auth

    def _require_jwt(self, ctx: _Ctx) -> None:
        error = _HTTPError(401, "A JSON web token could not be decoded")
        scheme, _, token = ctx.request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise error
        try:
            # GitHub tolerates 60 s of clock drift, hence the leeway.
            claims = jwt.decode(
                token,
                self.public_key_pem,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=60,
            )
        except jwt.PyJWTError as exc:
            raise error from exc
        issuers = {str(self.app_id)} | ({self.client_id} if self.client_id else set())
        if str(claims["iss"]) not in issuers:
            raise error
        if int(claims["exp"]) - int(time.time()) > 600 + 60:
            raise _HTTPError(401, "'Expiration time' claim ('exp') is too far in the future")

    def _require_token(self, ctx: _Ctx) -> None:
        scheme, _, token = ctx.request.headers.get("authorization", "").partition(" ")
        entry = self.tokens.get(token.strip()) if scheme.lower() in ("token", "bearer") else None
        if entry is None or entry[1] <= _now():
            raise _HTTPError(401, "Bad credentials")

    def _require_write(self, ctx: _Ctx, permission: str) -> None:
        """403 unless the request's token may write `permission`, as GitHub answers a token
        whose app or job was not granted it."""
        token = ctx.request.headers.get("authorization", "").partition(" ")[2].strip()
        granted = self.token_permissions.get(token, DEFAULT_TOKEN_PERMISSIONS)
        if granted.get(permission) != "write":
            raise _HTTPError(403, "Resource not accessible by integration")

    # ------------------------------------------------------------------ helpers

    def _fill_file(self, owner: str, repo: str, ref: str, item: JSON) -> JSON:
        filled = dict(item)
        name = quote(str(filled["filename"]))
        filled.setdefault("blob_url", f"https://github.com/{owner}/{repo}/blob/{ref}/{name}")
        filled.setdefault("raw_url", f"https://github.com/{owner}/{repo}/raw/{ref}/{name}")
        filled.setdefault(
            "contents_url", f"{PUBLIC_API}/repos/{owner}/{repo}/contents/{name}?ref={ref}"
        )
        return filled

    def _set_pr_files_commits(
        self, pr: _PullRequest, files: Sequence[JSON], commits: Sequence[JSON]
    ) -> None:
        pr.files = [self._fill_file(pr.owner, pr.repo, pr.head_sha, f) for f in files]
        pr.commits = [dict(c) for c in commits]

    def _pull(self, params: dict[str, str]) -> _PullRequest:
        pr = self.pulls.get((params["owner"], params["repo"], int(params["number"])))
        if pr is None:
            raise _not_found()
        return pr

    def _resolve_ref(self, owner: str, repo: str, ref: str) -> str:
        for pr in self.pulls.values():
            if (pr.owner, pr.repo) != (owner, repo):
                continue
            if ref == pr.head_ref:
                return pr.head_sha
            if ref == pr.base_ref:
                return pr.base_sha
        return ref

    def _paginate(self, ctx: _Ctx, items: Sequence[Any]) -> _Reply:
        def as_int(name: str, default: int) -> int:
            try:
                return max(1, int(ctx.query.get(name, default)))
            except ValueError:
                return default

        per_page = min(as_int("per_page", 30), 100)
        page = as_int("page", 1)
        last = max(1, -(-len(items) // per_page))
        chunk = list(items[(page - 1) * per_page : page * per_page])

        def link(target: int) -> str:
            query = {**ctx.query, "per_page": str(per_page), "page": str(target)}
            qs = "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
            return str(ctx.request.url.replace(query=qs))

        rels: list[tuple[str, int]] = []
        if page > 1:
            rels.append(("prev", min(page - 1, last)))
        if page < last:
            rels += [("next", page + 1), ("last", last)]
        if page > 1:
            rels.append(("first", 1))
        headers = {"link": ", ".join(f'<{link(n)}>; rel="{rel}"' for rel, n in rels)}
        return _Reply(200, chunk, headers if rels else {})

    def _pull_json(self, pr: _PullRequest, origin: str) -> JSON:
        full = f"{pr.owner}/{pr.repo}"
        files = pr.files[:MAX_PR_FILES]
        return {
            "id": int(fake_sha(full)[:6], 16) * 1000 + pr.number,
            "node_id": f"PR_{pr.owner}_{pr.repo}_{pr.number}",
            "number": pr.number,
            "state": pr.state,
            "locked": False,
            "title": pr.title,
            "body": pr.body,
            "draft": pr.draft,
            "user": user_json(pr.user_login, pr.user_type),
            "labels": [self._label_json(n) for n in self.labels.get(self._key(pr), [])],
            "head": {
                "label": f"{pr.head_repo_full_name.split('/')[0]}:{pr.head_ref}",
                "ref": pr.head_ref,
                "sha": pr.head_sha,
                "repo": {
                    "full_name": pr.head_repo_full_name,
                    "fork": full != pr.head_repo_full_name,
                    "clone_url": f"{origin}/{pr.head_repo_full_name}.git",
                },
            },
            "base": {
                "label": f"{pr.owner}:{pr.base_ref}",
                "ref": pr.base_ref,
                "sha": pr.base_sha,
                "repo": {"full_name": full, "fork": False, "clone_url": f"{origin}/{full}.git"},
            },
            "url": f"{PUBLIC_API}/repos/{full}/pulls/{pr.number}",
            "html_url": f"https://github.com/{full}/pull/{pr.number}",
            "merged": pr.merged_at is not None,
            "merged_at": pr.merged_at,
            "closed_at": pr.closed_at,
            "merge_commit_sha": pr.merge_commit_sha,
            "mergeable": None,
            "commits": len(pr.commits),
            "changed_files": len(pr.files),
            "additions": sum(int(f.get("additions", 0)) for f in files),
            "deletions": sum(int(f.get("deletions", 0)) for f in files),
        }

    @staticmethod
    def _key(pr: _PullRequest) -> PRKey:
        return (pr.owner, pr.repo, pr.number)

    @staticmethod
    def _label_json(name: str) -> JSON:
        return {
            "id": int(fake_sha(f"label:{name}")[:7], 16),
            "name": name,
            "color": "ededed",
            "default": False,
            "description": None,
        }

    # ------------------------------------------------------------------ /app

    def add_manifest_code(self, code: str, slug: str = "ai-gate-test") -> None:
        """A code the manifest flow's redirect carries; it converts once, within the hour."""
        with self.lock:
            self.manifest_codes[code] = slug

    def _convert_manifest(self, _ctx: _Ctx, params: dict[str, str]) -> _Reply:
        slug = self.manifest_codes.pop(params["code"], None)
        if slug is None:
            raise _not_found()
        return _Reply(
            201,
            {
                "id": self.app_id,
                "slug": slug,
                "node_id": "A_kwDOBfake",
                "name": slug,
                "owner": user_json("octo-org", "Organization"),
                "html_url": f"https://github.com/apps/{slug}",
                "client_id": "Iv1.fakeclientid",
                "client_secret": "fake-client-secret",
                "webhook_secret": "fake-webhook-secret",
                "pem": keys.private_key_pem(),
            },
        )

    def _get_app(self, _ctx: _Ctx, _params: dict[str, str]) -> _Reply:
        return _Reply(
            200,
            {
                "id": self.app_id,
                "slug": self.app_slug,
                "name": self.app_slug,
                "client_id": self.client_id,
            },
        )

    def _create_access_token(self, _ctx: _Ctx, params: dict[str, str]) -> _Reply:
        iid = int(params["iid"])
        if iid not in self.installations:
            raise _not_found()
        alphabet = string.ascii_letters + string.digits
        token = "ghs_" + "".join(secrets.choice(alphabet) for _ in range(36))
        expires = _now() + timedelta(hours=1)
        self.tokens[token] = (iid, expires)
        self.installation_tokens.setdefault(iid, []).append(token)
        granted = self.installation_permissions.get(iid, DEFAULT_TOKEN_PERMISSIONS)
        self.token_permissions[token] = dict(granted)
        return _Reply(
            201,
            {
                "token": token,
                "expires_at": _iso(expires),
                "permissions": dict(granted),
                "repository_selection": "all",
            },
        )

    # ------------------------------------------------------------------ pulls

    def _get_pull(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        origin = str(ctx.request.base_url).rstrip("/")
        return _Reply(200, self._pull_json(self._pull(params), origin))

    def _list_pull_files(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        return self._paginate(ctx, self._pull(params).files[:MAX_PR_FILES])

    def _list_pull_commits(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        return self._paginate(ctx, self._pull(params).commits[:MAX_PR_COMMITS])

    def _list_reviews(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        key = self._key(self._pull(params))
        return self._paginate(ctx, [r for r in self.reviews if self._review_pr[r["id"]] == key])

    def _list_review_comments(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        key = self._key(self._pull(params))
        return self._paginate(
            ctx, [c for c in self.review_comments if self._comment_pr[c["id"]] == key]
        )

    def _validate_review_comment(self, pr: _PullRequest, comment: Any) -> None:
        if not isinstance(comment, dict) or not comment.get("path") or not comment.get("body"):
            raise _unprocessable("Unprocessable Entity")
        files = {f["filename"]: f for f in pr.files}
        file = files.get(comment["path"])
        if "line" not in comment and "position" in comment:
            # Legacy position-based comment: only check it falls inside the patch.
            patch_lines = len(str((file or {}).get("patch", "")).splitlines())
            if file is None or not 1 <= int(comment["position"]) < patch_lines:
                raise _HTTPError(
                    422,
                    "Unprocessable Entity",
                    errors=["Pull request review thread position is invalid"],
                )
            return
        side = str(comment.get("side", "RIGHT"))
        lines = diff_lines(str(file.get("patch", ""))) if file is not None else {}
        line = comment.get("line")
        if side not in ("LEFT", "RIGHT") or not isinstance(line, int):
            raise _unprocessable("Unprocessable Entity")
        hunk = lines.get(side, {}).get(line)
        if hunk is None:
            raise _HTTPError(
                422,
                "Unprocessable Entity",
                errors=["Pull request review thread line must be part of the diff"],
            )
        start = comment.get("start_line")
        if start is None:
            return
        start_side = str(comment.get("start_side", side))
        start_hunk = lines.get(start_side, {}).get(start) if isinstance(start, int) else None
        if start_hunk is None:
            raise _HTTPError(
                422,
                "Unprocessable Entity",
                errors=["Pull request review thread start line must be part of the diff"],
            )
        if start_hunk != hunk:
            raise _HTTPError(
                422,
                "Unprocessable Entity",
                errors=[
                    "Pull request review thread start line must be part of the same hunk "
                    "as the line."
                ],
            )
        if isinstance(start, int) and start >= line and start_side == side:
            raise _HTTPError(
                422,
                "Unprocessable Entity",
                errors=["Pull request review thread start line must precede the end line."],
            )

    def _create_review(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        pr = self._pull(params)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        commit_id = str(body.get("commit_id") or pr.head_sha)
        known = {pr.head_sha} | {str(c.get("sha")) for c in pr.commits}
        if commit_id not in known:
            raise _unprocessable(f"No commit found for SHA: {commit_id}")
        event = body.get("event")
        if event is not None and event not in REVIEW_EVENTS:
            raise _unprocessable("Unprocessable Entity")
        if event == "REQUEST_CHANGES" and not body.get("body"):
            raise _HTTPError(
                422, "Unprocessable Entity", errors=["Body is required for REQUEST_CHANGES"]
            )
        comments = body.get("comments") or []
        if not isinstance(comments, list):
            raise _unprocessable("Unprocessable Entity")
        # One bad comment rejects the whole review, like GitHub.
        for comment in comments:
            self._validate_review_comment(pr, comment)
        key = self._key(pr)
        bot = user_json(f"{self.app_slug}[bot]", "Bot")
        review_id = self._next_review_id
        self._next_review_id += 1
        review: JSON = {
            "id": review_id,
            "node_id": f"PRR_{review_id}",
            "user": bot,
            "body": body.get("body") or "",
            "state": REVIEW_EVENTS.get(str(event), "PENDING"),
            "commit_id": commit_id,
            "submitted_at": _iso(_now()) if event else None,
            "html_url": f"https://github.com/{pr.owner}/{pr.repo}/pull/{pr.number}"
            f"#pullrequestreview-{review_id}",
        }
        self.reviews.append(review)
        self._review_pr[review_id] = key
        for comment in comments:
            cid = self._next_comment_id
            self._next_comment_id += 1
            stored: JSON = {
                "id": cid,
                "node_id": f"PRRC_{cid}",
                "pull_request_review_id": review_id,
                "path": comment["path"],
                "line": comment.get("line"),
                "side": comment.get("side", "RIGHT") if "line" in comment else None,
                "start_line": comment.get("start_line"),
                "start_side": comment.get("start_side"),
                "position": comment.get("position"),
                "body": comment["body"],
                "commit_id": commit_id,
                "user": bot,
                "created_at": _iso(_now()),
                "updated_at": _iso(_now()),
                "html_url": f"https://github.com/{pr.owner}/{pr.repo}/pull/{pr.number}"
                f"#discussion_r{cid}",
            }
            self.review_comments.append(stored)
            self._comment_pr[cid] = key
        return _Reply(200, review)

    def _edit_review_comment(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        cid = int(params["cid"])
        key = self._comment_pr.get(cid)
        if key is None or key[:2] != (params["owner"], params["repo"]):
            raise _not_found()
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if not isinstance(body.get("body"), str):
            raise _unprocessable('Invalid request.\n\n"body" wasn\'t supplied.')
        comment = next(c for c in self.review_comments if c["id"] == cid)
        comment["body"] = body["body"]
        comment["updated_at"] = _iso(_now())
        return _Reply(200, comment)

    # ------------------------------------------------------------------ commits / git data

    def _get_commit(self, _ctx: _Ctx, params: dict[str, str]) -> _Reply:
        owner, repo = params["owner"], params["repo"]
        sha = self._resolve_ref(owner, repo, params["ref"])
        commit: JSON | None = None
        for pr in self.pulls.values():
            if (pr.owner, pr.repo) == (owner, repo):
                commit = next((c for c in pr.commits if c.get("sha") == sha), commit)
        files = self.commit_details.get((owner, repo, sha))
        if commit is None and files is None:
            raise _unprocessable(f"No commit found for SHA: {params['ref']}")
        result = dict(commit) if commit is not None else make_commit(sha, "commit")
        result["files"] = list(files or [])
        adds = sum(int(f.get("additions", 0)) for f in result["files"])
        dels = sum(int(f.get("deletions", 0)) for f in result["files"])
        result["stats"] = {"total": adds + dels, "additions": adds, "deletions": dels}
        return _Reply(200, result)

    def _get_blob(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        owner, repo, sha = params["owner"], params["repo"], params["sha"].lower()
        data = self.blobs.get((owner, repo, sha))
        git_dir = self.git.repository(owner, repo)
        if data is None and git_dir.is_dir():
            data = gitdata.read_blob(git_dir, sha)
        if data is None:
            raise _not_found()
        return _Reply(
            200,
            {
                "sha": sha,
                "node_id": f"B_{sha[:12]}",
                "size": len(data),
                "url": str(ctx.request.url.replace(query="")),
                "content": github_base64(data),
                "encoding": "base64",
            },
        )

    def _get_contents(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        owner, repo, path = params["owner"], params["repo"], params["path"].strip("/")
        ref = ctx.query.get("ref", "main")
        data = self.contents.get((owner, repo, ref, path))
        if data is None:
            data = self.contents.get((owner, repo, self._resolve_ref(owner, repo, ref), path))
        git_dir = self.git.repository(owner, repo)
        if data is None and git_dir.is_dir():
            data = gitdata.read_path(git_dir, self._resolve_ref(owner, repo, ref), path)
        if data is None:
            raise _not_found()
        return _Reply(
            200,
            {
                "type": "file",
                "encoding": "base64",
                "size": len(data),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": github_base64(data),
                "sha": git_blob_sha(data),
                "url": str(ctx.request.url),
            },
        )

    # ------------------------------------------------------------------ check runs

    def _validate_check_run(self, body: JSON, *, creating: bool) -> None:
        if creating:
            for name in ("name", "head_sha"):
                if not isinstance(body.get(name), str) or not body[name]:
                    raise _unprocessable(f'Invalid request.\n\n"{name}" wasn\'t supplied.')
        status = body.get("status")
        if status is not None and status not in STATUSES:
            raise _unprocessable(f"Invalid request.\n\n{status!r} is not a valid status.")
        conclusion = body.get("conclusion")
        if conclusion is not None and conclusion not in CONCLUSIONS:
            raise _unprocessable(f"Invalid request.\n\n{conclusion!r} is not a valid conclusion.")
        if status == "completed" and conclusion is None:
            raise _unprocessable("Invalid request.\n\nconclusion is required when completed.")
        actions = body.get("actions")
        if actions is not None:
            if not isinstance(actions, list) or len(actions) > 3:
                raise _unprocessable("Invalid request.\n\nOnly 3 actions are allowed.")
            for action in actions:
                if (
                    not isinstance(action, dict)
                    or len(str(action.get("label", ""))) > 20
                    or len(str(action.get("description", ""))) > 40
                    or len(str(action.get("identifier", ""))) > 20
                    or not all(action.get(k) for k in ("label", "description", "identifier"))
                ):
                    raise _unprocessable("Invalid request.\n\nInvalid action.")
        output = body.get("output")
        if output is None:
            return
        if not isinstance(output, dict):
            raise _unprocessable("Invalid request.\n\noutput must be an object.")
        for name in ("title", "summary"):
            if not isinstance(output.get(name), str):
                raise _unprocessable(f'Invalid request.\n\n"{name}" wasn\'t supplied.')
        for name in ("summary", "text"):
            if len(str(output.get(name) or "")) > MAX_OUTPUT_CHARS:
                raise _unprocessable(f"Invalid request.\n\n{name} is too long.")
        annotations = output.get("annotations") or []
        if not isinstance(annotations, list):
            raise _unprocessable("Invalid request.\n\nannotations must be a list.")
        if len(annotations) > MAX_ANNOTATIONS_PER_REQUEST:
            raise _unprocessable("Invalid request.\n\nOnly 50 annotations are allowed per request.")
        for ann in annotations:
            self._validate_annotation(ann)

    @staticmethod
    def _validate_annotation(ann: Any) -> None:
        bad = _unprocessable("Invalid request.\n\nInvalid annotation.")
        if not isinstance(ann, dict):
            raise bad
        if not isinstance(ann.get("path"), str) or not ann["path"]:
            raise bad
        start, end = ann.get("start_line"), ann.get("end_line")
        if not isinstance(start, int) or not isinstance(end, int) or start < 1 or end < start:
            raise bad
        if ann.get("annotation_level") not in ANNOTATION_LEVELS:
            raise bad
        if not isinstance(ann.get("message"), str) or not ann["message"]:
            raise bad
        if len(ann["message"].encode()) > 64 * 1024:
            raise bad
        if len(str(ann.get("title") or "")) > 255:
            raise bad
        has_columns = ann.get("start_column") is not None or ann.get("end_column") is not None
        if has_columns and start != end:
            raise bad

    def _apply_check_run(self, run: JSON, body: JSON) -> None:
        for name in ("name", "details_url", "external_id", "started_at", "completed_at"):
            if name in body:
                run[name] = body[name]
        if "status" in body:
            run["status"] = body["status"]
        if body.get("conclusion") is not None:
            # A conclusion forces the run to completed, as on GitHub.
            run["conclusion"] = body["conclusion"]
            run["status"] = "completed"
            run["completed_at"] = body.get("completed_at") or _iso(_now())
        if "actions" in body:
            run["actions"] = body["actions"]
        output = body.get("output")
        if isinstance(output, dict):
            new = [dict(a) for a in output.get("annotations") or []]
            stored = self.annotations.setdefault(run["id"], [])
            stored.extend(new)
            run["output"].update(
                {
                    "title": output["title"],
                    "summary": output["summary"],
                    "text": output.get("text", run["output"].get("text")),
                    "annotations_count": len(stored),
                }
            )

    def _create_check_run(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        self._require_write(ctx, "checks")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self._validate_check_run(body, creating=True)
        run_id = self._next_check_run_id
        self._next_check_run_id += 1
        full = f"{params['owner']}/{params['repo']}"
        run: JSON = {
            "id": run_id,
            "node_id": f"CR_{run_id}",
            "name": body["name"],
            "head_sha": body["head_sha"],
            "external_id": body.get("external_id", ""),
            "details_url": body.get("details_url"),
            "status": "queued",
            "conclusion": None,
            "started_at": _iso(_now()),
            "completed_at": None,
            "output": {
                "title": None,
                "summary": None,
                "text": None,
                "annotations_count": 0,
                "annotations_url": f"{PUBLIC_API}/repos/{full}/check-runs/{run_id}/annotations",
            },
            "app": {"id": self.app_id, "slug": self.app_slug},
            "check_suite": {"id": 1},
            "pull_requests": [],
            "url": f"{PUBLIC_API}/repos/{full}/check-runs/{run_id}",
            "html_url": f"https://github.com/{full}/runs/{run_id}",
        }
        self.annotations[run_id] = []
        self._apply_check_run(run, body)
        self.check_runs[run_id] = run
        self.run_created[run_id] = time.time()
        self._check_run_repo[run_id] = (params["owner"], params["repo"])
        return _Reply(201, run)

    def _existing_run(self, params: dict[str, str]) -> JSON:
        run_id = int(params["id"])
        if self._check_run_repo.get(run_id) != (params["owner"], params["repo"]):
            raise _not_found()
        return self.check_runs[run_id]

    def _update_check_run(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        self._require_write(ctx, "checks")
        run = self._existing_run(params)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self._validate_check_run(body, creating=False)
        self._apply_check_run(run, body)
        return _Reply(200, run)

    def _get_check_run(self, _ctx: _Ctx, params: dict[str, str]) -> _Reply:
        return _Reply(200, self._existing_run(params))

    def _list_check_runs(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        owner, repo = params["owner"], params["repo"]
        sha = self._resolve_ref(owner, repo, params["ref"])
        name = ctx.query.get("check_name")
        runs = [
            run
            for run_id, run in sorted(self.check_runs.items(), reverse=True)
            if self._check_run_repo[run_id] == (owner, repo)
            and run["head_sha"] == sha
            and (name is None or run["name"] == name)
        ]
        if ctx.query.get("filter", "latest") == "latest":
            # GitHub's default: only the most recent run of each name.
            newest: dict[str, JSON] = {}
            for run in runs:
                newest.setdefault(run["name"], run)
            runs = list(newest.values())
        elif ctx.query["filter"] != "all":
            raise _unprocessable("filter must be one of latest, all")
        page = self._paginate(ctx, runs)
        return _Reply(200, {"total_count": len(runs), "check_runs": page.body}, page.headers)

    # ------------------------------------------------------------------ misc repo endpoints

    def _get_permission(self, _ctx: _Ctx, params: dict[str, str]) -> _Reply:
        user = params["user"]
        permission = self.permissions.get((params["owner"], params["repo"], user), "read")
        return _Reply(
            200, {"permission": permission, "role_name": permission, "user": user_json(user)}
        )

    def _list_issue_events(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        key = (params["owner"], params["repo"], int(params["number"]))
        if key not in self.pulls:
            raise _not_found()
        return self._paginate(ctx, list(self.issue_events.get(key, [])))

    def _add_labels(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        key = (params["owner"], params["repo"], int(params["number"]))
        if key not in self.pulls:
            raise _not_found()
        raw = ctx.body.get("labels") if isinstance(ctx.body, dict) else ctx.body
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise _unprocessable('Invalid request.\n\n"labels" wasn\'t supplied.')
        current = self.labels.setdefault(key, [])
        current.extend(name for name in raw if name not in current)
        return _Reply(200, [self._label_json(n) for n in current])

    # ------------------------------------------------------------------ code scanning

    def _upload_sarif(self, ctx: _Ctx, params: dict[str, str]) -> _Reply:
        """What GitHub checks before it accepts an upload (it processes the SARIF later; its
        schema and limits are checked here at once, so a test sees a bad upload fail)."""
        self._require_write(ctx, "security_events")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        commit_sha, ref, encoded = body.get("commit_sha"), body.get("ref"), body.get("sarif")
        if not isinstance(commit_sha, str) or not re.fullmatch(r"[0-9a-f]{40}", commit_sha):
            raise _unprocessable('Invalid request.\n\n"commit_sha" must be a full commit sha.')
        if not isinstance(ref, str) or not SARIF_REF.fullmatch(ref):
            raise _unprocessable('Invalid request.\n\n"ref" must be a full git reference.')
        if not isinstance(encoded, str):
            raise _unprocessable('Invalid request.\n\n"sarif" wasn\'t supplied.')
        try:
            compressed = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise _HTTPError(400, "Invalid SARIF: not base64") from exc
        if len(compressed) > MAX_SARIF_GZIP_BYTES:
            raise _HTTPError(413, "SARIF upload is too large")
        try:
            sarif = json.loads(gzip.decompress(compressed))
        except (OSError, EOFError, ValueError) as exc:
            raise _HTTPError(400, f"Invalid SARIF: not gzip-compressed JSON ({exc})") from exc
        problems = sarif_errors(sarif)
        runs = sarif.get("runs", []) if isinstance(sarif, dict) else []
        if len(runs) > MAX_SARIF_RUNS:
            problems.append(f"{len(runs)} runs, at most {MAX_SARIF_RUNS}")
        keys = [
            (r["tool"]["driver"]["name"], (r.get("automationDetails") or {}).get("id", ""))
            for r in runs
        ]
        if len(set(keys)) != len(keys):
            problems.append("runs of one tool share a category")
        problems += [
            f"run {i}: more than {MAX_SARIF_RESULTS} results"
            for i, run in enumerate(runs)
            if len(run.get("results") or []) > MAX_SARIF_RESULTS
        ]
        if problems:
            raise _HTTPError(400, "Invalid SARIF: " + "; ".join(problems[:5]))
        upload_id = str(uuid.uuid4())
        full = f"{params['owner']}/{params['repo']}"
        self.sarif_uploads.append(
            {"id": upload_id, "repo": full, "commit_sha": commit_sha, "ref": ref, "sarif": sarif}
        )
        url = f"{PUBLIC_API}/repos/{full}/code-scanning/sarifs/{upload_id}"
        return _Reply(202, {"id": upload_id, "url": url})


def _strip_prefix(path: str) -> str:
    # GitHub Enterprise Server serves the API under /api/v3; accept both layouts.
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return path[len(API_PREFIX) :] or "/"
    return path


class FakeGitHubServer(ThreadedServer):
    """Serve a FakeGitHub over real HTTP on 127.0.0.1 from a background thread."""

    name = "fake GitHub server"

    def __init__(self, github: FakeGitHub | None = None) -> None:
        self.github = github if github is not None else FakeGitHub()
        super().__init__(self.github)
