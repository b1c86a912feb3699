"""The dashboard's sign-in state, kept in the browser only, in cookies nobody can read or forge.

- The session cookie holds the user's login and their user-to-server token, encrypted and
  signed (Fernet: AES-CBC with an HMAC-SHA256 over it) with a key derived from the App's
  client secret, so every web replica reads it and no server keeps sessions. It lasts as long
  as GitHub's token (8 hours when tokens expire) and at most `SESSION_SECONDS`; a cookie that
  is forged, tampered with or expired is refused like a missing one.
- The OAuth `state` is a random value sent to GitHub and kept, with the page to return to, in a
  second short-lived cookie; the callback must bring back the same value (CSRF protection for
  the redirect), within `STATE_SECONDS`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

SESSION_COOKIE = "ai_gate_session"
STATE_COOKIE = "ai_gate_oauth_state"
SESSION_SECONDS = 8 * 3600
STATE_SECONDS = 600


@dataclass(frozen=True)
class Session:
    login: str
    token: str
    expires: int  # unix time


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    return_to: str


def _key(secret: str, purpose: bytes) -> bytes:
    digest = hmac.new(secret.encode(), b"ai-gate dashboard " + purpose, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)


class Sealer:
    """Seals and opens the dashboard's cookies."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._session = Fernet(_key(secret, b"session"))
        self._state = Fernet(_key(secret, b"oauth state"))
        self._now = clock

    def seal_session(self, login: str, token: str, expires_in: int | None) -> tuple[str, int]:
        """The cookie's value and its lifetime in seconds."""
        lifetime = min(expires_in or SESSION_SECONDS, SESSION_SECONDS)
        now = int(self._now())
        data = {"login": login, "token": token, "exp": now + lifetime}
        sealed = self._session.encrypt_at_time(json.dumps(data).encode(), now)
        return sealed.decode(), lifetime

    def open_session(self, value: str | None) -> Session | None:
        """The session a cookie holds, or None when it is missing, forged or expired."""
        if not value:
            return None
        now = int(self._now())
        try:
            raw = self._session.decrypt_at_time(value.encode(), SESSION_SECONDS, now)
            data = json.loads(raw)
        except (InvalidToken, ValueError):
            return None
        if not isinstance(data, dict) or int(data.get("exp", 0)) <= now:
            return None
        return Session(str(data["login"]), str(data["token"]), int(data["exp"]))

    def begin_sign_in(self, return_to: str) -> tuple[str, str]:
        """A fresh `state` for GitHub, and the cookie that remembers it."""
        state = secrets.token_urlsafe(24)
        payload = json.dumps({"state": state, "return_to": return_to}).encode()
        return state, self._state.encrypt_at_time(payload, int(self._now())).decode()

    def finish_sign_in(self, cookie: str | None, state: str) -> PendingSignIn | None:
        """The sign-in this browser began, if `state` is the one it was given and is fresh."""
        if not cookie or not state:
            return None
        try:
            raw = self._state.decrypt_at_time(cookie.encode(), STATE_SECONDS, int(self._now()))
            data = json.loads(raw)
        except (InvalidToken, ValueError):
            return None
        expected = str(data.get("state", "")) if isinstance(data, dict) else ""
        if not expected or not hmac.compare_digest(expected, state):
            return None
        return PendingSignIn(expected, safe_return(str(data.get("return_to", ""))))


def safe_return(path: str) -> str:
    """A path on this server to go back to after signing in (never another site)."""
    if path.startswith("/dashboard") and not path.startswith("//") and "\\" not in path:
        return path
    return "/dashboard"
