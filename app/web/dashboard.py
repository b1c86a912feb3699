"""The dashboard: `/`, `/dashboard/...` views, `/auth/callback` and `/auth/logout`.

Sign-in is GitHub's OAuth web flow for the App (app/adapters/oauth.py, app/web/session.py).
Every view asks GitHub, with the user's own token, which installations and repositories the
user can access (cached for `ACCESS_TTL` seconds per token), and every figure is computed over
those repositories only: another user's private repository never appears, as a name or in a
total. A repository or organisation the user cannot see answers 404, as if it did not exist.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.adapters.figures import Dimension, Figures, Scope, collect
from app.adapters.oauth import GitHubOAuth
from app.adapters.store import SqlStore
from app.errors import SignInError, SourceError, TokenRejected
from app.publishers.figurepages import Page, document, render_view
from app.publishers.figuretext import pulls_csv
from app.settings import Settings
from app.web.session import SESSION_COOKIE, STATE_COOKIE, STATE_SECONDS, Sealer, Session

ACCESS_TTL = 60.0
PERIODS = {"30 days": 30, "90 days": 90, "a year": 365}
DEFAULT_DAYS = 90
DOCS_URL = "https://github.com/ai-gate/ai-gate#readme"


@dataclass(frozen=True)
class Access:
    """What GitHub says a signed-in user can see."""

    organisations: tuple[str, ...]  # installations' accounts
    repositories: tuple[str, ...]

    def has_repository(self, name: str) -> bool:
        return name in self.repositories

    def has_organisation(self, name: str) -> bool:
        return name in self.organisations


class AccessCache:
    """Each token's access, for a minute (a page view asks GitHub at most once a minute)."""

    def __init__(self, ttl: float = ACCESS_TTL, size: int = 1000) -> None:
        self._ttl = ttl
        self._size = size
        self._entries: dict[str, tuple[float, Access]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Access | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            entry = self._entries.get(key)
            return entry[1] if entry and entry[0] > time.monotonic() else None

    def put(self, token: str, access: Access) -> None:
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            if len(self._entries) >= self._size:
                now = time.monotonic()
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= self._size:
                    self._entries.clear()
            self._entries[key] = (time.monotonic() + self._ttl, access)


class StoreOnce:
    """Opens the store at the first view (the web must start while the database is down)."""

    def __init__(self, opener: Callable[[], SqlStore]) -> None:
        self._opener = opener
        self._figures: Figures | None = None
        self._lock = threading.Lock()

    def figures(self) -> Figures:
        with self._lock:
            if self._figures is None:
                self._figures = Figures(self._opener())
            return self._figures


def _page(title: str, text: str, status: int, login: str | None = None) -> HTMLResponse:
    return HTMLResponse(
        document(title, f"<h1>{html.escape(title)}</h1>{text}", login), status_code=status
    )


def root_page(settings: Settings) -> HTMLResponse:
    """`/`: where to go from here."""
    setup = (
        "<li><a href='/setup'>Set up</a>: register the GitHub App from this server</li>"
        if not settings.has_app_credentials
        else "<li><a href='/setup'>Setup</a>: this server is registered</li>"
    )
    body = (
        "<p>ai-gate finds the AI-written part of every pull request, checks it, says what it "
        "cost and gates the merge.</p><ul>"
        "<li><a href='/dashboard'>Dashboard</a>: what AI code costs and returns, per "
        "organisation, repository and service (sign in with GitHub)</li>"
        f"{setup}<li><a href='{DOCS_URL}'>Documentation</a></li>"
        "<li><a href='/metrics'>Metrics</a> (Prometheus)</li></ul>"
    )
    return _page("ai-gate", body, 200)


def dashboard_router(
    settings: Settings,
    store: StoreOnce,
    oauth: GitHubOAuth | None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> APIRouter:
    router = APIRouter()
    secret = settings.github_client_secret
    sealer = Sealer(secret.get_secret_value()) if secret is not None else None
    cache = AccessCache()
    secure = (settings.public_url or "").startswith("https://")

    @router.get("/")
    def root() -> HTMLResponse:
        return root_page(settings)

    def callback_url(request: Request) -> str:
        base = settings.public_url or str(request.base_url)
        return f"{base.rstrip('/')}/auth/callback"

    def sign_in(request: Request, oauth: GitHubOAuth, sealer: Sealer) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        state, cookie = sealer.begin_sign_in(target)
        response = RedirectResponse(oauth.authorize_url(callback_url(request), state), 302)
        response.set_cookie(
            STATE_COOKIE,
            cookie,
            max_age=STATE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/auth",
        )
        # A cookie that did not open (forged, expired) is dropped, never used again.
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def access_of(session: Session, oauth: GitHubOAuth) -> Access:
        known = cache.get(session.token)
        if known is not None:
            return known
        installations = await oauth.installations(session.token)
        repositories: set[str] = set()
        for installation in installations:
            found = await oauth.repositories(session.token, installation.id)
            repositories |= {r.full_name for r in found}
        access = Access(
            tuple(sorted({i.account for i in installations if i.account})),
            tuple(sorted(repositories)),
        )
        cache.put(session.token, access)
        return access

    async def view(
        request: Request,
        title: str,
        narrow: Callable[[Access], Scope | None],
        by: tuple[Dimension, ...],
        crumbs: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        if oauth is None or sealer is None:
            return _page(
                "Sign-in is not configured",
                "<p>Set <code>GITHUB_CLIENT_ID</code> and <code>GITHUB_CLIENT_SECRET</code> (the "
                "App's OAuth client) to let people sign in to the dashboard.</p>",
                503,
            )
        session = sealer.open_session(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return sign_in(request, oauth, sealer)
        try:
            access = await access_of(session, oauth)
        except TokenRejected:
            return sign_in(request, oauth, sealer)
        except SourceError as exc:
            return _page("GitHub did not answer", f"<p>{html.escape(str(exc))}</p>", 502)
        scope = narrow(access)
        if scope is None:
            return _page("Not found", "<p>Nothing here you can see.</p>", 404, session.login)
        days = _days(request.query_params.get("days"))
        now = clock()
        scope = scope.from_(now - timedelta(days=days))
        figures = store.figures()
        if request.query_params.get("format") == "csv":
            rows = await run_in_threadpool(figures.pulls, scope, 100_000)
            name = title.replace("/", "-").replace(" ", "-").lower() or "ai-gate"
            return PlainTextResponse(
                pulls_csv(rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        data = await run_in_threadpool(collect, figures, scope, now, by)
        path = request.url.path
        page = Page(
            title=title,
            crumbs=(("Dashboard", "/dashboard"), *crumbs),
            login=session.login,
            csv_href=f"{path}?format=csv&days={days}",
            periods={label: f"{path}?days={n}" for label, n in PERIODS.items()},
            link=_linker,
            note=f"The last {days} days, by when each pull request was merged or closed. "
            f"Repositories you can see: {len(access.repositories)}.",
        )
        return HTMLResponse(render_view(data, page), headers={"Cache-Control": "no-store"})

    @router.get("/dashboard")
    async def overview(request: Request) -> Response:
        return await view(
            request,
            "All organisations",
            lambda access: Scope(repositories=access.repositories),
            ("organisation", "repository", "tool", "model"),
        )

    @router.get("/dashboard/org/{org}")
    async def organisation(request: Request, org: str) -> Response:
        def narrow(access: Access) -> Scope | None:
            if not access.has_organisation(org):
                return None
            return Scope(repositories=access.repositories, organisation=org)

        return await view(request, org, narrow, ("repository", "service", "tool", "model"))

    @router.get("/dashboard/repo/{owner}/{name}")
    async def repository(request: Request, owner: str, name: str) -> Response:
        full = f"{owner}/{name}"

        def narrow(access: Access) -> Scope | None:
            if not access.has_repository(full):
                return None
            return Scope(repositories=access.repositories, repository=full)

        crumbs = ((owner, f"/dashboard/org/{quote(owner)}"),)
        return await view(request, full, narrow, ("service", "tool", "model"), crumbs)

    @router.get("/dashboard/repo/{owner}/{name}/service/{service:path}")
    async def service(request: Request, owner: str, name: str, service: str) -> Response:
        full = f"{owner}/{name}"

        def narrow(access: Access) -> Scope | None:
            if not access.has_repository(full):
                return None
            return Scope(repositories=access.repositories, repository=full, service=service)

        crumbs = (
            (owner, f"/dashboard/org/{quote(owner)}"),
            (full, f"/dashboard/repo/{quote(full)}"),
        )
        return await view(request, f"{full}: {service}", narrow, ("tool", "model"), crumbs)

    @router.get("/auth/callback")
    async def callback(request: Request, code: str = "", state: str = "") -> Response:
        if oauth is None or sealer is None:
            return _page("Sign-in is not configured", "", 503)
        pending = sealer.finish_sign_in(request.cookies.get(STATE_COOKIE), state)
        if pending is None or not code:
            return _page(
                "Sign-in link expired or forged",
                "<p>Open <a href='/dashboard'>the dashboard</a> to sign in again.</p>",
                400,
            )
        try:
            token = await oauth.exchange(code, callback_url(request))
            user = await oauth.user(token.access_token)
        except SignInError as exc:
            return _page("Sign-in failed", f"<p>{html.escape(str(exc))}</p>", 401)
        except SourceError as exc:
            return _page("GitHub did not answer", f"<p>{html.escape(str(exc))}</p>", 502)
        value, lifetime = sealer.seal_session(user.login, token.access_token, token.expires_in)
        response = RedirectResponse(pending.return_to, 303)
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=lifetime,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
        response.delete_cookie(STATE_COOKIE, path="/auth")
        return response

    @router.post("/auth/logout")
    def logout() -> Response:
        response = RedirectResponse("/", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router


def _days(value: str | None) -> int:
    try:
        days = int(value or DEFAULT_DAYS)
    except ValueError:
        return DEFAULT_DAYS
    return days if 1 <= days <= 3660 else DEFAULT_DAYS


def _linker(dimension: str, key: str, repository: str | None) -> str | None:
    if dimension == "organisation":
        return f"/dashboard/org/{quote(key)}"
    if dimension == "repository":
        return f"/dashboard/repo/{quote(key)}"
    if dimension == "service" and repository:
        return f"/dashboard/repo/{quote(repository)}/service/{quote(key)}"
    return None
