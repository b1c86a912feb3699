"""The setup page: registers the GitHub App through GitHub's manifest flow.

Open `/setup` on a server that has no app credentials yet, pick a personal account or an
organisation, and GitHub creates the app from our manifest and sends the browser back to
`/setup/callback?code=…`. The code is exchanged (within the hour, once) for the app's id, private
key and webhook secret, which are written to a file (`AI_GATE_SETUP_FILE`, mode 0600) for the
next start. Nothing secret is ever shown in the page.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from app.errors import SourceError
from app.settings import Settings

# What the app asks for, and why (kept in step with app.yml by a test).
PERMISSIONS: dict[str, str] = {
    "checks": "write",
    "pull_requests": "write",
    "contents": "read",
    "metadata": "read",
    "issues": "write",
}
EVENTS: tuple[str, ...] = (
    "pull_request",
    "pull_request_review",
    "check_suite",
    "check_run",
    "push",
)
DESCRIPTION = (
    "Finds the AI-written part of every pull request, checks it with deterministic tools "
    "(ruff, mypy, licences, secrets), estimates what it cost, and gates the merge on a policy "
    "each repository writes in .ai-gate.yml."
)
STATE_TTL_SECONDS = 3600  # GitHub's codes are good for an hour as well
_ORG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


def github_web_url(api_url: str) -> str:
    """github.com for api.github.com; `https://HOST` for a GHES `https://HOST/api/v3`."""
    parts = urlsplit(api_url.rstrip("/"))
    if parts.netloc == "api.github.com":
        return "https://github.com"
    return f"{parts.scheme}://{parts.netloc}"


def manifest(public_url: str, name: str = "ai-gate") -> dict[str, Any]:
    """The app manifest GitHub registers, pointing its webhook at this server."""
    base = public_url.rstrip("/")
    return {
        "name": name,
        "url": base,
        "description": DESCRIPTION,
        "public": False,
        "hook_attributes": {"url": f"{base}/api/github/webhooks", "active": True},
        "redirect_url": f"{base}/setup/callback",
        "default_permissions": dict(PERMISSIONS),
        "default_events": list(EVENTS),
    }


class _States:
    """One-time `state` values this server issued, so a forged callback is refused."""

    def __init__(self) -> None:
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        state = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._issued = {s: t for s, t in self._issued.items() if t > now}
            self._issued[state] = now + STATE_TTL_SECONDS
        return state

    def redeem(self, state: str) -> bool:
        with self._lock:
            expires = self._issued.pop(state, None)
        return expires is not None and expires > time.monotonic()


def write_credentials(path: Path, app: dict[str, Any]) -> Path:
    """The env file (and the key beside it), readable by the owner only; never overwritten."""
    key_path = path.with_name(f"{path.stem}.private-key.pem")
    for target in (path, key_path):
        if target.exists():
            raise FileExistsError(f"{target} already exists; move it away and register again")
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(key_path, str(app["pem"]))
    lines = [
        f"GITHUB_APP_ID={int(app['id'])}",
        f"GITHUB_CLIENT_ID={app.get('client_id') or ''}",
        f"GITHUB_APP_PRIVATE_KEY_PATH={key_path.resolve()}",
        f"GITHUB_WEBHOOK_SECRET={app.get('webhook_secret') or ''}",
    ]
    _write_private(path, "\n".join(lines) + "\n")
    return key_path


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body style='font-family:sans-serif;max-width:40em;margin:2em auto'>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status)


def setup_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    states = _States()
    web = github_web_url(settings.github_api_url)

    @router.get("/setup")
    def setup(request: Request, org: str | None = None) -> HTMLResponse:
        if settings.has_app_credentials:
            return _page(
                "ai-gate is registered",
                "<p>This server already has app credentials; nothing to set up.</p>",
            )
        if org is not None and not _ORG.match(org):
            return _page("Not an organisation name", f"<p>{html.escape(org)}</p>", 400)
        public = settings.public_url or str(request.base_url)
        target = (
            f"{web}/organizations/{quote(org)}/settings/apps/new"
            if org
            else f"{web}/settings/apps/new"
        )
        state = states.issue()
        owner = f"the organisation <b>{html.escape(org)}</b>" if org else "your personal account"
        body = (
            f"<p>Register ai-gate as a GitHub App owned by {owner}. GitHub will send its "
            f"webhooks to <code>{html.escape(public.rstrip('/'))}/api/github/webhooks</code>.</p>"
            f"<form action='{html.escape(target)}?state={quote(state)}' method='post'>"
            f"<input type='hidden' name='manifest' "
            f"value='{html.escape(json.dumps(manifest(public)), quote=True)}'>"
            "<button type='submit'>Register on GitHub</button></form>"
            "<p>For an organisation, open <code>/setup?org=NAME</code>.</p>"
        )
        return _page("Set up ai-gate", body)

    @router.get("/setup/callback")
    async def callback(code: str = "", state: str = "") -> HTMLResponse:
        if not code or not states.redeem(state):
            return _page(
                "Setup link expired or forged",
                "<p>Open <a href='/setup'>/setup</a> again to start over.</p>",
                400,
            )
        try:
            from app.adapters.github.client import convert_manifest

            app = await run_in_threadpool(
                convert_manifest, settings.github_api_url, code, settings.github_timeout_seconds
            )
            await run_in_threadpool(write_credentials, settings.setup_env_file, app)
        except (SourceError, FileExistsError, OSError, KeyError, ValueError) as exc:
            return _page("Setup failed", f"<p>{html.escape(str(exc))}</p>", 502)
        slug = html.escape(str(app.get("slug", "")))
        install = html.escape(str(app.get("html_url") or f"{web}/apps/{slug}"))
        env_file = html.escape(str(settings.setup_env_file.resolve()))
        body = (
            f"<p>GitHub App <b>{slug}</b> (id {int(app['id'])}) is registered. Its credentials "
            f"are in <code>{env_file}</code> (readable by you only).</p>"
            f"<ol><li>Restart with them: <code>set -a; . {env_file}; set +a; "
            "ai-gate serve</code></li>"
            f"<li><a href='{install}/installations/new'>Install the app</a> on the "
            "repositories it should check.</li></ol>"
        )
        return _page("ai-gate is registered", body)

    return router
