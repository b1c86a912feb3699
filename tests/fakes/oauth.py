"""The fake GitHub's OAuth web flow for the App and the user-to-server endpoints.

- `GET {web}/login/oauth/authorize`: GitHub's sign-in page (a form: which user signs in), whose
  submission redirects the browser to `redirect_uri?code=…&state=…`.
- `POST {web}/login/oauth/access_token`: a code for a user token, once, within 10 minutes;
  errors are HTTP 200 with an `error` field, as GitHub answers them.
- `GET /user`, `GET /user/installations`, `GET /user/installations/{id}/repositories`: what
  the user may see of the App's installations (the intersection of the App's and the user's
  access), paginated with `Link` headers like the rest of the API.
"""

from __future__ import annotations

import html
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.shapes import fake_sha, user_json

JSON = dict[str, Any]
CODE_TTL = timedelta(minutes=10)
TOKEN_TTL = timedelta(hours=8)
ERROR_URI = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"


@dataclass
class _Code:
    login: str
    client_id: str
    redirect_uri: str
    expires: datetime


@dataclass
class FakeOAuth:
    """The OAuth side of the fake GitHub; `FakeGitHub.oauth` holds one."""

    client_id: str = "Iv1.dashboardclient"
    client_secret: str = "dashboard-client-secret"
    lock: threading.RLock = field(default_factory=threading.RLock)
    # login -> installation id -> repositories (full names) the user can access there
    access: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    accounts: dict[int, str] = field(default_factory=dict)  # installation -> account login
    private: set[str] = field(default_factory=set)
    codes: dict[str, _Code] = field(default_factory=dict)
    tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    # Requests to the web endpoints (the API's are in FakeGitHub.requests).
    web_requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    # ------------------------------------------------------------------ setup (tests)

    def add_user(self, login: str) -> None:
        with self.lock:
            self.access.setdefault(login, {})

    def grant(
        self, login: str, installation_id: int, account: str, repositories: list[str]
    ) -> None:
        """`login` can access these repositories of the installation on `account`."""
        with self.lock:
            self.accounts[installation_id] = account
            self.access.setdefault(login, {})[installation_id] = list(repositories)

    def set_private(self, *repositories: str) -> None:
        with self.lock:
            self.private |= set(repositories)

    def expire_user_tokens(self) -> None:
        with self.lock:
            past = datetime.now(UTC) - timedelta(seconds=1)
            self.tokens = {t: (login, past) for t, (login, _) in self.tokens.items()}

    def token_for(self, login: str) -> str:
        """A user token as if `login` had signed in (for tests that skip the browser)."""
        token = "ghu_" + secrets.token_hex(18)
        with self.lock:
            self.tokens[token] = (login, datetime.now(UTC) + TOKEN_TTL)
        return token

    # ------------------------------------------------------------------ web endpoints

    def web(
        self, method: str, path: str, query: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, body, headers) of a request to `/login/oauth/...`; a str body is HTML."""
        form = {k: v[-1] for k, v in parse_qs(raw.decode(errors="replace")).items()}
        with self.lock:
            self.web_requests.append((method, path, {**query, **form}))
            if path == "/login/oauth/authorize" and method == "GET":
                return self._authorize_page(query)
            if path == "/login/oauth/authorize" and method == "POST":
                return self._authorize(form)
            if path == "/login/oauth/access_token" and method == "POST":
                return 200, self._access_token(form or query), {}
        return 404, {"message": "Not Found"}, {}

    def _authorize_page(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if query.get("client_id") != self.client_id:
            return 404, "<html><body><h1>404: no such application</h1></body></html>", {}
        hidden = "".join(
            f"<input type='hidden' name='{name}' value='{html.escape(query.get(name, ''))}'>"
            for name in ("client_id", "redirect_uri", "state")
        )
        page = (
            "<!doctype html><html><head><title>Sign in to GitHub</title></head><body>"
            "<h1>Sign in to GitHub to continue to ai-gate</h1>"
            "<form method='post' action='/login/oauth/authorize'>"
            f"{hidden}<label>Username <input name='login' id='login_field'></label>"
            "<button type='submit' id='authorize'>Authorize ai-gate</button></form>"
            "</body></html>"
        )
        return 200, page, {}

    def _authorize(self, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        login = form.get("login", "")
        if form.get("client_id") != self.client_id or login not in self.access:
            return 200, "<html><body><h1>Incorrect username.</h1></body></html>", {}
        code = secrets.token_hex(10)
        self.codes[code] = _Code(
            login, self.client_id, form.get("redirect_uri", ""), datetime.now(UTC) + CODE_TTL
        )
        target = form.get("redirect_uri", "")
        separator = "&" if urlsplit(target).query else "?"
        query = urlencode({"code": code, "state": form.get("state", "")})
        return 302, "", {"location": f"{target}{separator}{query}"}

    def _access_token(self, form: dict[str, str]) -> JSON:
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return _error(
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
            )
        code = self.codes.pop(form.get("code", ""), None)
        if code is None or code.expires <= datetime.now(UTC):
            return _error("bad_verification_code", "The code passed is incorrect or expired.")
        if form.get("redirect_uri") and form["redirect_uri"] != code.redirect_uri:
            return _error(
                "redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.",
            )
        token = "ghu_" + secrets.token_hex(18)
        self.tokens[token] = (code.login, datetime.now(UTC) + TOKEN_TTL)
        return {
            "access_token": token,
            "expires_in": int(TOKEN_TTL.total_seconds()),
            "refresh_token": "ghr_" + secrets.token_hex(30),
            "refresh_token_expires_in": 15_897_600,
            "scope": "",
            "token_type": "bearer",
        }

    # ------------------------------------------------------------------ API (user token)

    def user_of(self, authorization: str) -> str | None:
        """The login a request's user token belongs to, while it is valid."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        with self.lock:
            entry = self.tokens.get(token.strip())
        if entry is None or entry[1] <= datetime.now(UTC):
            return None
        return entry[0]

    def user(self, login: str) -> JSON:
        return user_json(login)

    def installations(self, login: str) -> list[JSON]:
        with self.lock:
            return [
                {
                    "id": iid,
                    "account": user_json(self.accounts[iid], "Organization"),
                    "app_id": 4242,
                    "target_type": "Organization",
                    "repository_selection": "selected",
                }
                for iid in sorted(self.access.get(login, {}))
            ]

    def repositories(self, login: str, installation_id: int) -> list[JSON] | None:
        with self.lock:
            names = self.access.get(login, {}).get(installation_id)
            if names is None:
                return None
            return [
                {
                    "id": int(fake_sha(name)[:7], 16),
                    "name": name.split("/", 1)[1],
                    "full_name": name,
                    "private": name in self.private,
                    "owner": user_json(name.split("/", 1)[0], "Organization"),
                }
                for name in names
            ]


def _error(code: str, description: str) -> JSON:
    return {"error": code, "error_description": description, "error_uri": ERROR_URI}
