"""Self-tests for the fake GitHub server used by integration tests."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from tests.fakes import keys
from tests.fakes.github_server import (
    FakeGitHub,
    FakeGitHubServer,
    diff_lines,
    make_commit,
    make_file,
)

APP_ID = 4242
INSTALLATION_ID = 99
OWNER, REPO = "acme", "widgets"
HEAD, BASE = "a" * 40, "b" * 40
PATCH = "@@ -1,3 +1,4 @@\n line one\n-line two\n+line 2\n+line 2.5\n line three"


def app_jwt(iss: str = str(APP_ID)) -> str:
    now = int(time.time())
    return jwt.encode(
        {"iat": now - 60, "exp": now + 540, "iss": iss},
        keys.private_key_pem(),
        algorithm="RS256",
    )


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitHubServer]:
    with FakeGitHubServer(FakeGitHub(app_id=APP_ID, client_id="Iv1.abc")) as srv:
        srv.github.add_installation(INSTALLATION_ID)
        srv.github.add_pull_request(
            OWNER,
            REPO,
            1,
            head_sha=HEAD,
            base_sha=BASE,
            files=[make_file("src/app.py", patch=PATCH, sha="c" * 40)],
            commits=[make_commit(HEAD, "Add things", login="octocat", parents=[BASE])],
            blobs={"c" * 40: b"line one\nline 2\nline 2.5\nline three\n" * 10},
        )
        srv.github.add_pull_request(
            OWNER,
            REPO,
            2,
            head_sha="d" * 40,
            base_sha=BASE,
            files=[
                make_file(f"f{i:03}.txt", status="added", patch="@@ -0,0 +1 @@\n+x")
                for i in range(250)
            ],
        )
        yield srv


@pytest.fixture
def gh(server: FakeGitHubServer) -> FakeGitHub:
    server.github.clear_requests()
    return server.github


@pytest.fixture(scope="module")
def client(server: FakeGitHubServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as unauthenticated:
        resp = unauthenticated.post(
            f"/app/installations/{INSTALLATION_ID}/access_tokens",
            headers={"Authorization": f"Bearer {app_jwt()}"},
        )
        assert resp.status_code == 201
        token = resp.json()["token"]
    with httpx.Client(base_url=server.url, headers={"Authorization": f"token {token}"}) as authed:
        yield authed


def check_run_body(**extra: Any) -> dict[str, Any]:
    return {"name": "ai-gate", "head_sha": HEAD, **extra}


def annotation(line: int) -> dict[str, Any]:
    return {
        "path": "src/app.py",
        "start_line": line,
        "end_line": line,
        "annotation_level": "warning",
        "message": f"issue {line}",
    }


def test_jwt_exchanged_for_installation_token(server: FakeGitHubServer, gh: FakeGitHub) -> None:
    for iss in (str(APP_ID), "Iv1.abc"):
        resp = httpx.post(
            f"{server.url}/api/v3/app/installations/{INSTALLATION_ID}/access_tokens",
            headers={"Authorization": f"Bearer {app_jwt(iss)}"},
        )
        assert resp.status_code == 201
        data = resp.json()
        assert data["token"].startswith("ghs_")
        assert len(data["token"]) == 40
        assert data["expires_at"].endswith("Z")
        assert data["repository_selection"] == "all"
        assert data["token"] in gh.installation_tokens[INSTALLATION_ID]
        assert resp.headers["x-ratelimit-limit"] == "5000"
        assert resp.headers["content-type"].startswith("application/json")


def test_unknown_installation_is_404(server: FakeGitHubServer) -> None:
    resp = httpx.post(
        f"{server.url}/app/installations/12345/access_tokens",
        headers={"Authorization": f"Bearer {app_jwt()}"},
    )
    assert resp.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-a-jwt",
        f"Bearer {app_jwt(iss='1')}",
        f"Bearer {app_jwt()}x",
        "Bearer "
        + jwt.encode(
            {"iat": 1, "exp": 2, "iss": str(APP_ID)}, keys.private_key_pem(), algorithm="RS256"
        ),
        "Bearer " + jwt.encode({"iss": str(APP_ID)}, "s" * 32, algorithm="HS256"),
    ],
)
def test_bad_jwt_is_401(server: FakeGitHubServer, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    resp = httpx.post(
        f"{server.url}/app/installations/{INSTALLATION_ID}/access_tokens", headers=headers
    )
    assert resp.status_code == 401
    assert resp.json()["message"] == "A JSON web token could not be decoded"


def test_repo_call_without_token_is_401(server: FakeGitHubServer) -> None:
    for headers in (
        {},
        {"Authorization": "token ghs_bogus"},
        {"Authorization": f"Bearer {app_jwt()}"},
    ):
        resp = httpx.get(f"{server.url}/repos/{OWNER}/{REPO}/pulls/1", headers=headers)
        assert resp.status_code == 401
        assert resp.json()["message"] == "Bad credentials"


def test_get_pull_request(client: httpx.Client) -> None:
    resp = client.get(f"/repos/{OWNER}/{REPO}/pulls/1")
    assert resp.status_code == 200
    pr = resp.json()
    assert pr["head"]["sha"] == HEAD
    assert pr["base"]["repo"]["full_name"] == f"{OWNER}/{REPO}"
    assert pr["changed_files"] == 1
    assert (pr["additions"], pr["deletions"]) == (2, 1)
    assert client.get(f"/repos/{OWNER}/{REPO}/pulls/77").status_code == 404


def test_files_paginate_with_link_headers(server: FakeGitHubServer, client: httpx.Client) -> None:
    url: str | None = f"/repos/{OWNER}/{REPO}/pulls/2/files?per_page=100"
    names: list[str] = []
    links: list[dict[str, str]] = []
    while url:
        resp = client.get(url)
        assert resp.status_code == 200
        names += [f["filename"] for f in resp.json()]
        page_links = {link["rel"]: link["url"] for link in resp.links.values()}
        links.append(page_links)
        url = page_links.get("next")
    assert names == [f"f{i:03}.txt" for i in range(250)]
    assert len(links) == 3
    base = f"{server.url}/repos/{OWNER}/{REPO}/pulls/2/files?per_page=100&page="
    assert links[0] == {"next": base + "2", "last": base + "3"}
    assert links[1] == {
        "prev": base + "1",
        "next": base + "3",
        "last": base + "3",
        "first": base + "1",
    }
    assert links[2] == {"prev": base + "2", "first": base + "1"}
    first = client.get(f"/repos/{OWNER}/{REPO}/pulls/2/files")
    assert len(first.json()) == 30


def test_more_than_50_annotations_is_422(client: httpx.Client) -> None:
    output = {"title": "t", "summary": "s", "annotations": [annotation(1)] * 51}
    resp = client.post(f"/repos/{OWNER}/{REPO}/check-runs", json=check_run_body(output=output))
    assert resp.status_code == 422
    missing = client.post(f"/repos/{OWNER}/{REPO}/check-runs", json={"name": "x"})
    assert missing.status_code == 422
    bad_level = {
        "title": "t",
        "summary": "s",
        "annotations": [{**annotation(1), "annotation_level": "error"}],
    }
    resp = client.post(f"/repos/{OWNER}/{REPO}/check-runs", json=check_run_body(output=bad_level))
    assert resp.status_code == 422


def test_annotations_append_across_patches(client: httpx.Client, gh: FakeGitHub) -> None:
    created = client.post(
        f"/repos/{OWNER}/{REPO}/check-runs", json=check_run_body(status="in_progress")
    )
    assert created.status_code == 201
    run_id = created.json()["id"]
    for lines in (range(1, 51), range(51, 61)):
        output = {"title": "t", "summary": "s", "annotations": [annotation(n) for n in lines]}
        resp = client.patch(f"/repos/{OWNER}/{REPO}/check-runs/{run_id}", json={"output": output})
        assert resp.status_code == 200
    done = client.patch(
        f"/repos/{OWNER}/{REPO}/check-runs/{run_id}", json={"conclusion": "neutral"}
    ).json()
    assert done["status"] == "completed"
    assert done["completed_at"] is not None
    assert done["output"]["annotations_count"] == 60
    assert [a["start_line"] for a in gh.annotations[run_id]] == list(range(1, 61))
    listed = client.get(
        f"/repos/{OWNER}/{REPO}/commits/{HEAD}/check-runs", params={"check_name": "ai-gate"}
    ).json()
    assert run_id in [r["id"] for r in listed["check_runs"]]
    assert client.patch(f"/repos/{OWNER}/{REPO}/check-runs/9999", json={}).status_code == 404


def test_review_comment_outside_diff_is_422(client: httpx.Client, gh: FakeGitHub) -> None:
    assert diff_lines(PATCH)["RIGHT"] == {1: 0, 2: 0, 3: 0, 4: 0}
    url = f"/repos/{OWNER}/{REPO}/pulls/1/reviews"
    bad = {
        "commit_id": HEAD,
        "event": "COMMENT",
        "body": "b",
        "comments": [{"path": "src/app.py", "line": 40, "side": "RIGHT", "body": "x"}],
    }
    resp = client.post(url, json=bad)
    assert resp.status_code == 422
    assert resp.json()["errors"] == ["Pull request review thread line must be part of the diff"]
    good = {**bad, "comments": [{"path": "src/app.py", "line": 2, "side": "RIGHT", "body": "x"}]}
    resp = client.post(url, json=good)
    assert resp.status_code == 200
    assert resp.json()["state"] == "COMMENTED"
    comments = gh.comments_for(OWNER, REPO, 1)
    assert len(comments) == 1
    assert comments[0]["pull_request_review_id"] == resp.json()["id"]
    edited = client.patch(
        f"/repos/{OWNER}/{REPO}/pulls/comments/{comments[0]['id']}", json={"body": "edited"}
    )
    assert edited.json()["body"] == "edited"


def test_failure_injection_then_success(client: httpx.Client, gh: FakeGitHub) -> None:
    gh.fail_next("GET", r"/pulls/1$", 502)
    gh.fail_next(
        "GET", r"/pulls/1/files$", 403, headers={"retry-after": "7", "x-ratelimit-remaining": "0"}
    )
    assert client.get(f"/repos/{OWNER}/{REPO}/pulls/1").status_code == 502
    assert client.get(f"/repos/{OWNER}/{REPO}/pulls/1").status_code == 200
    limited = client.get(f"/repos/{OWNER}/{REPO}/pulls/1/files")
    assert limited.status_code == 403
    assert limited.headers["retry-after"] == "7"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert [r.status for r in gh.requests] == [502, 200, 403]


def test_blob_base64_round_trip(client: httpx.Client) -> None:
    resp = client.get(f"/repos/{OWNER}/{REPO}/git/blobs/{'c' * 40}")
    assert resp.status_code == 200
    blob = resp.json()
    assert blob["encoding"] == "base64"
    assert all(len(line) <= 60 for line in blob["content"].splitlines())
    data = base64.b64decode(blob["content"])
    assert data == b"line one\nline 2\nline 2.5\nline three\n" * 10
    assert blob["size"] == len(data)
    assert client.get(f"/repos/{OWNER}/{REPO}/git/blobs/{'e' * 40}").status_code == 404


def test_contents_and_permission(client: httpx.Client, gh: FakeGitHub) -> None:
    gh.add_content(OWNER, REPO, "main", ".github/ai-gate.yml", b"mode: advisory\n")
    resp = client.get(
        f"/api/v3/repos/{OWNER}/{REPO}/contents/.github/ai-gate.yml", params={"ref": "main"}
    )
    assert resp.status_code == 200
    assert base64.b64decode(resp.json()["content"]) == b"mode: advisory\n"
    assert client.get(f"/repos/{OWNER}/{REPO}/contents/nope.yml").status_code == 404
    gh.set_permission(OWNER, REPO, "alice", "write")
    perm = client.get(f"/repos/{OWNER}/{REPO}/collaborators/alice/permission").json()
    assert perm["permission"] == "write"


def test_issue_events_say_who_added_a_label(client: httpx.Client, gh: FakeGitHub) -> None:
    gh.add_pull_request(OWNER, REPO, 5, head_sha="a" * 40, base_sha="b" * 40)
    gh.add_label(OWNER, REPO, 5, "skip-ai-gate", "alice")
    [event] = client.get(f"/repos/{OWNER}/{REPO}/issues/5/events").json()
    assert (event["event"], event["actor"]["login"], event["label"]["name"]) == (
        "labeled",
        "alice",
        "skip-ai-gate",
    )
    pr = client.get(f"/repos/{OWNER}/{REPO}/pulls/5").json()
    assert [label["name"] for label in pr["labels"]] == ["skip-ai-gate"]
    assert client.get(f"/repos/{OWNER}/{REPO}/issues/404/events").status_code == 404


def test_unknown_route_is_404_and_recorded(client: httpx.Client, gh: FakeGitHub) -> None:
    resp = client.delete(f"/repos/{OWNER}/{REPO}/issues/1/labels?x=1")
    assert resp.status_code == 404
    assert resp.json()["message"] == "Not Found"
    [recorded] = gh.requests
    assert (recorded.method, recorded.path, recorded.query) == (
        "DELETE",
        f"/repos/{OWNER}/{REPO}/issues/1/labels",
        {"x": "1"},
    )
    assert recorded.status == 404
    assert recorded.headers["authorization"].startswith("token ghs_")
