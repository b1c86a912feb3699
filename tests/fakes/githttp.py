"""Git's smart HTTP protocol for the fake GitHub, served by git's own `git http-backend`.

Repositories live under one root as `owner/name.git`, as GitHub's clone URLs name them, and are
served with what GitHub allows: protocol v2, partial clone filters and fetching any commit by
sha. Only `git-upload-pack` (fetching) is served; every request needs an installation token as
`Authorization: Basic base64("x-access-token:" + token)`, as GitHub asks of an App.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import gzip
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# /owner/name.git/info/refs or /owner/name.git/git-upload-pack (never receive-pack).
GIT_PATH = re.compile(
    r"^/(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+)\.git/(?P<service>info/refs|git-upload-pack)$"
)
SERVER_CONFIG = {
    "uploadpack.allowFilter": "true",
    "uploadpack.allowAnySHA1InWant": "true",
    "http.receivepack": "false",
}
_ISOLATED = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": "/usr/bin:/bin"}


@dataclass
class GitRequest:
    """One request to the git endpoints, as the tests count them."""

    method: str
    path: str
    service: str
    status: int
    # For `git-upload-pack` POSTs: the protocol v2 command (ls-refs, fetch) and whether the
    # answer carried a pack of objects.
    command: str = ""
    sent_pack: bool = False
    response_bytes: int = 0


@dataclass
class GitReply:
    status: int
    headers: dict[str, str]
    body: bytes


def init_served_repository(git_dir: Path) -> None:
    """A bare repository configured as GitHub serves them."""
    git_dir.mkdir(parents=True, exist_ok=True)
    env = {**_ISOLATED, "HOME": str(git_dir)}
    if not (git_dir / "HEAD").exists():
        subprocess.run(
            ["git", "init", "-q", "--bare", "-b", "main", str(git_dir)], check=True, env=env
        )
    for key, value in SERVER_CONFIG.items():
        subprocess.run(["git", "config", key, value], cwd=git_dir, check=True, env=env)


def basic_token(header: str) -> str | None:
    """The token of `Basic base64("x-access-token:TOKEN")`, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        user, _, token = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return token if user == "x-access-token" and token else None


def _command(body: bytes) -> str:
    match = re.search(rb"command=([a-z-]+)", body[:200])
    return match.group(1).decode() if match else ""


def _parse_cgi(output: bytes) -> GitReply:
    head, sep, body = output.partition(b"\r\n\r\n")
    if not sep:
        head, _, body = output.partition(b"\n\n")
    status = 200
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            headers[name.strip().lower()] = value.strip()
    return GitReply(status, headers, body)


class GitHttp:
    """`git http-backend` behind a token check; records every request it answers."""

    def __init__(self, root: Path, token_ok: Callable[[str], bool]) -> None:
        self.root = root
        self._token_ok = token_ok
        self.requests: list[GitRequest] = []

    def repository(self, owner: str, repo: str) -> Path:
        return self.root / owner / f"{repo}.git"

    async def answer(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> GitReply:
        match = GIT_PATH.match(path)
        service = match.group("service") if match else ""
        reply = await self._answer(method, path, query, headers, body, match)
        plain = body
        if headers.get("content-encoding") == "gzip":
            plain = gzip.decompress(body)
        command = _command(plain) if service == "git-upload-pack" else ""
        self.requests.append(
            GitRequest(
                method=method,
                path=path,
                service=service,
                status=reply.status,
                command=command,
                sent_pack=command == "fetch" and b"packfile\n" in reply.body,
                response_bytes=len(reply.body),
            )
        )
        return reply

    async def _answer(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        match: re.Match[str] | None,
    ) -> GitReply:
        if match is None:
            return GitReply(404, {"content-type": "text/plain"}, b"Not Found")
        token = basic_token(headers.get("authorization", ""))
        if token is None or not self._token_ok(token):
            # What GitHub answers a fetch without valid credentials.
            return GitReply(
                401,
                {"www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain"},
                b"Invalid username or token.",
            )
        if not self.repository(match.group("owner"), match.group("repo")).is_dir():
            return GitReply(404, {"content-type": "text/plain"}, b"Repository not found.")
        if "receive-pack" in query:
            return GitReply(403, {"content-type": "text/plain"}, b"Pushing is not served.")
        env = {
            **_ISOLATED,
            "HOME": str(self.root),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": method,
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_USER": "x-access-token",
        }
        if "content-encoding" in headers:
            env["HTTP_CONTENT_ENCODING"] = headers["content-encoding"]
        if "git-protocol" in headers:
            env["GIT_PROTOCOL"] = headers["git-protocol"]
        proc = await asyncio.create_subprocess_exec(
            "git",
            "http-backend",
            # A GET has no body, and http-backend may exit before reading an empty pipe.
            stdin=asyncio.subprocess.PIPE if body else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=os.fspath(self.root),
        )
        out, err = await proc.communicate(body or None)
        if proc.returncode != 0 and not out:
            return GitReply(500, {"content-type": "text/plain"}, err[:500])
        return _parse_cgi(out)
