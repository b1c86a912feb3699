"""A fake receiver of the operator's alert webhooks (Slack-compatible or generic JSON):
records every request, and can fail the next few with an HTTP error."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tests.fakes.serving import ThreadedServer


@dataclass
class Received:
    path: str
    body: Any
    status: int


@dataclass
class FakeHooks:
    """ASGI app: POST any path; 200 unless failures are queued for that path."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    received: list[Received] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    def fail_next(self, path: str, times: int = 1) -> None:
        with self.lock:
            self.failures[path] = self.failures.get(path, 0) + times

    def delivered(self, path: str) -> list[Any]:
        """Bodies that path took (answered 200)."""
        with self.lock:
            return [r.body for r in self.received if r.path == path and r.status == 200]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = json.loads(await request.body() or b"null")
        path = request.url.path
        with self.lock:
            status = 500 if self.failures.get(path, 0) > 0 else 200
            if status == 500:
                self.failures[path] -= 1
            self.received.append(Received(path, body, status))
        await Response(b"ok" if status == 200 else b"boom", status_code=status)(
            scope, receive, send
        )


class FakeHooksServer(ThreadedServer):
    name = "fake alert webhooks"

    def __init__(self, hooks: FakeHooks) -> None:
        self.hooks = hooks
        super().__init__(hooks)
