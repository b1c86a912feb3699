"""The setup page registers the app through the manifest flow on a server without credentials."""

from __future__ import annotations

import html
import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from app.web.setup import github_web_url, manifest
from tests.fakes.github_server import FakeGitHub
from tests.integration.conftest import (
    BIN,
    Process,
    app_env,
    free_port,
    healthy,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bare_server(github: FakeGitHub, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`ai-gate serve` with a webhook secret but no app credentials yet."""
    env = {
        k: v
        for k, v in app_env(github, redis=False, data=tmp_path).items()
        if "PRIVATE_KEY" not in k
    }
    env.pop("GITHUB_APP_ID")
    env["AI_GATE_SETUP_FILE"] = str(tmp_path / "creds" / "ai-gate.env")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = Process([str(BIN), "serve", "--port", str(port)], env, tmp_path / "serve.log")
    proc.wait_for(lambda: healthy(url), "ai-gate serve")
    try:
        yield url, tmp_path / "creds" / "ai-gate.env"
    finally:
        proc.stop()


def form_of(page: str) -> tuple[str, dict[str, object]]:
    action = re.search(r"<form action='([^']+)'", page)
    value = re.search(r"name='manifest' value='([^']+)'", page)
    assert action, page
    assert value, page
    return html.unescape(action.group(1)), json.loads(html.unescape(value.group(1)))


def test_manifest_flow_writes_credentials_once_and_shows_no_secret(
    github: FakeGitHub, bare_server: tuple[str, Path]
) -> None:
    url, env_file = bare_server
    page = httpx.get(f"{url}/setup?org=octo-org").text
    action, sent = form_of(page)
    assert action.startswith(f"{github.base_url}/organizations/octo-org/settings/apps/new?state=")  # type: ignore[attr-defined]
    assert sent["hook_attributes"] == {"url": f"{url}/api/github/webhooks", "active": True}
    assert sent["redirect_url"] == f"{url}/setup/callback"
    state = action.split("state=", 1)[1]
    github.add_manifest_code("code-123")

    forged = httpx.get(f"{url}/setup/callback", params={"code": "code-123", "state": "forged"})
    assert forged.status_code == 400
    done = httpx.get(f"{url}/setup/callback", params={"code": "code-123", "state": state})

    assert done.status_code == 200, done.text
    assert "installations/new" in done.text
    assert "fake-webhook-secret" not in done.text
    assert "PRIVATE KEY" not in done.text
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert values["GITHUB_APP_ID"] == "4242"
    assert values["GITHUB_WEBHOOK_SECRET"] == "fake-webhook-secret"
    key = Path(values["GITHUB_APP_PRIVATE_KEY_PATH"])
    assert "PRIVATE KEY" in key.read_text()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # The state is single-use: replaying the redirect does nothing.
    replay = httpx.get(f"{url}/setup/callback", params={"code": "code-123", "state": state})
    assert replay.status_code == 400
    assert github.requests_matching("POST", r"^/app-manifests/code-123/conversions$")


def test_a_configured_server_has_nothing_to_set_up(embedded_server: str) -> None:
    page = httpx.get(f"{embedded_server}/setup")
    assert page.status_code == 200
    assert "<form" not in page.text


def test_webhook_secret_is_still_required(github: FakeGitHub, tmp_path: Path) -> None:
    env = app_env(github, redis=False, data=tmp_path)
    env.pop("GITHUB_WEBHOOK_SECRET")
    proc = Process([str(BIN), "serve", "--port", str(free_port())], env, tmp_path / "s.log")
    code = proc.proc.wait(30)
    proc.stop()
    assert code != 0
    assert "GITHUB_WEBHOOK_SECRET" in proc.output()


def test_manifest_matches_app_yml() -> None:
    published = yaml.safe_load((ROOT / "app.yml").read_text())
    built = manifest("https://example.com")
    assert built["default_permissions"] == published["default_permissions"]
    assert built["default_events"] == published["default_events"]
    assert " ".join(built["description"].split()) == " ".join(published["description"].split())
    assert built["hook_attributes"] == published["hook_attributes"]


def test_github_web_url() -> None:
    assert github_web_url("https://api.github.com") == "https://github.com"
    assert github_web_url("https://ghe.example.com/api/v3") == "https://ghe.example.com"
