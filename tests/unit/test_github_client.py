"""The GitHub client sends through the httpx transport it is given (a test's, here a mock),
and reads what comes back through the source into typed models, without a network."""

from __future__ import annotations

import json

import httpx

from app.adapters.github.client import GitHubApp
from app.adapters.github.source import PullRequestSource
from tests.fakes.keys import private_key_pem

HEAD, BASE = "f" * 40, "a" * 40


class Recorder:
    """A mock GitHub: a token for any installation, one pull request, every request kept."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/access_tokens"):
            return httpx.Response(201, json={"token": "t-1", "expires_at": "2999-01-01T00:00:00Z"})
        pull = {
            "number": 7,
            "head": {"ref": "feature", "sha": HEAD},
            "base": {"ref": "main", "sha": BASE, "repo": {"clone_url": "https://x/o/r.git"}},
        }
        return httpx.Response(200, content=json.dumps(pull).encode())


def test_requests_go_through_the_given_transport() -> None:
    github = Recorder()
    transport = httpx.MockTransport(github)
    app = GitHubApp(
        issuer="1",
        private_key_pem=private_key_pem(),
        api_url="https://github.test/api/v3",
        write_interval=0,
        transport=transport,
    )
    pr = PullRequestSource(app.installation(5)).pull_request("o/r", 7)
    app.close()

    assert (pr.head_sha, pr.base_sha, pr.fetch_url()) == (HEAD, BASE, "https://x/o/r.git")
    token, read = github.requests
    assert (token.method, token.url.path) == ("POST", "/api/v3/app/installations/5/access_tokens")
    assert token.headers["authorization"].startswith("Bearer ")  # the app's JWT
    assert (read.method, read.url.path) == ("GET", "/api/v3/repos/o/r/pulls/7")
    assert read.headers["authorization"] == "token t-1"
