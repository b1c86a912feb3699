"""In-memory fake of the PyPI JSON API and the npm registry for integration tests.

`FakeRegistry` is a raw ASGI app holding the packages a test registers and the requests it
received; `FakeRegistryServer` serves it over real HTTP on 127.0.0.1 (uvicorn in a background
thread), as `FakeGitHubServer` does for the fake GitHub.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tests.fakes.serving import ThreadedServer

JSON = dict[str, Any]


@dataclass
class RecordedRequest:
    method: str
    path: str
    status: int = 0


def _pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class FakeRegistry:
    """PyPI (`/pypi/<name>/json`) and npm (`/<name>`) package documents, and 404 for the rest."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.pypi: dict[str, JSON] = {}
        self.npm: dict[str, JSON] = {}
        self._failures: list[int] = []

    def add_pypi(
        self,
        name: str,
        *,
        license: str | None = None,  # PyPI's own field name
        license_expression: str | None = None,
        classifiers: list[str] | None = None,
        version: str = "1.0.0",
    ) -> None:
        """A project as PyPI's JSON API returns it (the fields the resolver reads, and a few)."""
        info: JSON = {
            "name": name,
            "version": version,
            "summary": f"The {name} package",
            "license": license,
            "license_expression": license_expression,
            "classifiers": classifiers or [],
        }
        with self.lock:
            self.pypi[_pep503(name)] = {"info": info, "releases": {version: []}, "urls": []}

    def add_npm(
        self,
        name: str,
        *,
        license: object = None,  # npm's own field name
        licenses: list[JSON] | None = None,
        top_level_license: object = None,
        version: str = "1.0.0",
    ) -> None:
        """A package document; `license` (a string or a legacy `{type, url}`) is on `latest`."""
        manifest: JSON = {"name": name, "version": version}
        if license is not None:
            manifest["license"] = license
        if licenses is not None:
            manifest["licenses"] = licenses
        document: JSON = {
            "name": name,
            "dist-tags": {"latest": version},
            "versions": {version: manifest},
        }
        if top_level_license is not None:
            document["license"] = top_level_license
        with self.lock:
            self.npm[name] = document

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests with this status (e.g. 500, 503)."""
        with self.lock:
            self._failures += [status] * times

    def paths(self) -> list[str]:
        with self.lock:
            return [r.path for r in self.requests]

    def _answer(self, path: str) -> tuple[int, JSON | None]:
        if self._failures:
            return self._failures.pop(0), {"message": "injected failure"}
        match = re.fullmatch(r"/pypi/([^/]+)/json", path)
        if match:
            document = self.pypi.get(_pep503(match.group(1)))
        else:
            document = self.npm.get(unquote(path.removeprefix("/")))
        if document is None:
            return 404, {"message": "Not Found"} if match else {"error": "Not found"}
        return 200, document

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        # The raw path keeps `%2F` of scoped npm names as sent.
        path = unquote(scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0])
        record = RecordedRequest(request.method, path or request.url.path)
        with self.lock:
            self.requests.append(record)
            status, body = (405, None) if request.method != "GET" else self._answer(record.path)
            record.status = status
        response = Response(
            content=b"" if body is None else json.dumps(body).encode(),
            status_code=status,
            media_type="application/json",
        )
        await response(scope, receive, send)


class FakeRegistryServer(ThreadedServer):
    """Serve a FakeRegistry over real HTTP on 127.0.0.1 from a background thread."""

    name = "fake registry server"

    def __init__(self, registry: FakeRegistry | None = None) -> None:
        self.registry = registry if registry is not None else FakeRegistry()
        super().__init__(self.registry)
