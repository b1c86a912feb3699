"""GitHub's OAuth web flow for the App, and what a user-to-server token may see.

- `{web}/login/oauth/authorize` (a browser redirect) and `POST {web}/login/oauth/access_token`,
  which answers errors as HTTP 200 with an `error` field
  (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app).
- `GET /user`, `GET /user/installations` and `GET /user/installations/{id}/repositories`:
  GitHub intersects the App's access with the user's, so a user is never shown more than they
  may see (https://docs.github.com/en/rest/apps/installations). Pages follow `Link: rel="next"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httpx

from app.errors import SignInError, SourceError, TokenRejected

PER_PAGE = 100
MAX_PAGES = 50  # 5,000 installations or repositories of one installation
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def web_url(api_url: str) -> str:
    """`{web}`: github.com for api.github.com; `https://HOST` for GHES `https://HOST/api/v3`;
    any other URL (a test fake) its own origin."""
    parts = urlsplit(api_url.rstrip("/"))
    if parts.netloc == "api.github.com":
        return "https://github.com"
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class UserToken:
    access_token: str
    expires_in: int | None  # seconds; None when the App's tokens do not expire


@dataclass(frozen=True)
class User:
    login: str
    id: int


@dataclass(frozen=True)
class Installation:
    id: int
    account: str


@dataclass(frozen=True)
class Repository:
    full_name: str
    private: bool


class GitHubOAuth:
    """The OAuth client of the App, and the user-to-server reads."""

    def __init__(
        self,
        api_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.web = web_url(api_url)
        self.client_id = client_id
        self._secret = client_secret
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {"client_id": self.client_id, "redirect_uri": redirect_uri, "state": state}
        )
        return f"{self.web}/login/oauth/authorize?{query}"

    async def exchange(self, code: str, redirect_uri: str) -> UserToken:
        """The user-to-server token for a callback's code."""
        try:
            response = await self._client.post(
                f"{self.web}/login/oauth/access_token",
                data={
                    "client_id": self.client_id,
                    "client_secret": self._secret,
                    "code": code,
                    "redirect_uri": redirect_uri,
                },
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise SourceError(f"GitHub did not answer the sign-in: {exc}") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise SignInError(
                f"GitHub answered the sign-in with HTTP {response.status_code}"
            ) from exc
        if not isinstance(body, dict) or "error" in body or not body.get("access_token"):
            error = body.get("error", "no token") if isinstance(body, dict) else "no token"
            raise SignInError(f"GitHub refused the sign-in: {error}")
        expires = body.get("expires_in")
        return UserToken(str(body["access_token"]), int(expires) if expires else None)

    async def user(self, token: str) -> User:
        body = await self._get_json(f"{self.api_url}/user", token)
        if not isinstance(body, dict):
            raise SourceError("GET /user did not answer an object")
        return User(str(body["login"]), int(body["id"]))

    async def installations(self, token: str) -> list[Installation]:
        items = await self._pages(f"{self.api_url}/user/installations", token, "installations")
        found = []
        for item in items:
            account = item.get("account")
            login = account.get("login") if isinstance(account, dict) else None
            found.append(Installation(int(str(item["id"])), str(login or "")))
        return found

    async def repositories(self, token: str, installation_id: int) -> list[Repository]:
        url = f"{self.api_url}/user/installations/{installation_id}/repositories"
        items = await self._pages(url, token, "repositories")
        return [Repository(str(r["full_name"]), bool(r.get("private"))) for r in items]

    async def _pages(self, url: str, token: str, key: str) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        next_url: str | None = f"{url}?per_page={PER_PAGE}"
        for _ in range(MAX_PAGES):
            if next_url is None:
                break
            response = await self._get(next_url, token)
            body = response.json()
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise SourceError(f"GET {url} did not list {key}")
            found += [item for item in items if isinstance(item, dict)]
            match = _NEXT.search(response.headers.get("link", ""))
            next_url = match.group(1) if match else None
        return found

    async def _get_json(self, url: str, token: str) -> object:
        return (await self._get(url, token)).json()

    async def _get(self, url: str, token: str) -> httpx.Response:
        try:
            response = await self._client.get(
                url,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": "2022-11-28",
                },
            )
        except httpx.HTTPError as exc:
            raise SourceError(f"GitHub did not answer: {exc}") from exc
        if response.status_code == 401:
            raise TokenRejected("GitHub no longer accepts the sign-in; sign in again")
        if response.status_code >= 400:
            raise SourceError(f"GET {url.split('?')[0]}: HTTP {response.status_code}")
        return response

    async def close(self) -> None:
        await self._client.aclose()
