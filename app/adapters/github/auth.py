"""GitHub App authentication: the app JWT and cached installation tokens."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import jwt
from githubkit.auth.base import BaseAuthStrategy

if TYPE_CHECKING:
    from githubkit import GitHubCore

# GitHub rejects a JWT whose iat is in the future; backdating covers clock drift.
# https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
JWT_BACKDATE = timedelta(seconds=60)
JWT_LIFETIME = timedelta(minutes=9)  # exp at most 10 minutes after now
# Renew an installation token this long before it expires (tokens live one hour).
TOKEN_RENEW_MARGIN = timedelta(minutes=5)


def make_app_jwt(issuer: str, private_key_pem: str, now: datetime) -> str:
    """An RS256 app JWT: iat backdated 60 s, exp 9 minutes ahead, iss the client or app id."""
    claims = {
        "iat": int((now - JWT_BACKDATE).timestamp()),
        "exp": int((now + JWT_LIFETIME).timestamp()),
        "iss": issuer,
    }
    return jwt.encode(claims, private_key_pem, algorithm="RS256")


class _BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


@dataclass
class BearerAuthStrategy(BaseAuthStrategy):  # type: ignore[misc]
    """githubkit auth that sends a token as `Bearer` (GitHub requires it for app JWTs)."""

    token: str

    def get_auth_flow(self, github: GitHubCore[BearerAuthStrategy]) -> httpx.Auth:  # noqa: ARG002
        return _BearerAuth(self.token)


@dataclass(frozen=True)
class InstallationToken:
    token: str
    expires_at: datetime


class InstallationTokens:
    """Installation tokens per installation id, reused until shortly before they expire."""

    def __init__(
        self,
        fetch: Callable[[int], InstallationToken],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._tokens: dict[int, InstallationToken] = {}
        self._lock = threading.Lock()

    def get(self, installation_id: int) -> str:
        """A valid token for the installation, fetching a new one only when needed."""
        with self._lock:
            cached = self._tokens.get(installation_id)
            if cached is not None and cached.expires_at - TOKEN_RENEW_MARGIN > self._clock():
                return cached.token
            fresh = self._fetch(installation_id)
            self._tokens[installation_id] = fresh
            return fresh.token

    def forget(self, installation_id: int) -> None:
        """Drop a token GitHub refused (revoked, or the installation changed)."""
        with self._lock:
            self._tokens.pop(installation_id, None)
