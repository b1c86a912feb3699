"""A real headless browser for the tests: Debian's chromium driven by playwright-core through
tests/browser/driver.mjs (one JSON command a line). `scripts/browser-tools` installs both;
without them the browser tests skip, saying why, unless AI_GATE_REQUIRE_BROWSER is set (CI),
where they fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "browser" / "driver.mjs"
CHROMIUM = Path(os.environ.get("AI_GATE_CHROMIUM", "/usr/bin/chromium"))


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (scripts/browser-tools installs Debian's)"
    if shutil.which("node") is None:
        return "no node to drive chromium (scripts/browser-tools)"
    if not (DRIVER.parent / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed in tests/browser (scripts/browser-tools)"
    return None


class BrowserError(AssertionError):
    pass


class Browser:
    """One browser context; every call waits for the page to settle."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            ["node", str(DRIVER)],
            cwd=DRIVER.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "AI_GATE_CHROMIUM": str(CHROMIUM)},
        )
        hello = self._read()
        if not hello.get("ready"):
            raise BrowserError(f"the browser did not start: {hello}")
        self.version = str(hello.get("version"))

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            err = self._proc.stderr.read() if self._proc.stderr else ""
            raise BrowserError(f"the browser driver exited: {err[-2000:]}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self._proc.stdin.flush()
        answer = self._read()
        if not answer.get("ok"):
            raise BrowserError(f"{op} {args}: {answer.get('error')}")
        return answer

    def goto(self, url: str) -> dict[str, Any]:
        return self.call("goto", url=url)

    def fill(self, selector: str, value: str) -> None:
        self.call("fill", selector=selector, value=value)

    def click(self, selector: str) -> str:
        return str(self.call("click", selector=selector)["url"])

    def text(self, selector: str) -> str:
        return str(self.call("text", selector=selector)["text"] or "")

    def attr(self, selector: str, name: str) -> str | None:
        value = self.call("attr", selector=selector, name=name)["value"]
        return None if value is None else str(value)

    def content(self) -> tuple[str, str]:
        answer = self.call("content")
        return str(answer["html"]), str(answer["url"])

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.call("screenshot", path=str(path))
        return path

    def download(self, selector: str, path: Path) -> tuple[Path, str]:
        answer = self.call("download", selector=selector, path=str(path))
        return Path(answer["path"]), str(answer["filename"])

    def cookies(self) -> list[dict[str, Any]]:
        return list(self.call("cookies")["cookies"])

    def add_cookies(self, cookies: list[dict[str, Any]]) -> None:
        self.call("add_cookies", cookies=cookies)

    def clear_cookies(self) -> None:
        self.call("clear_cookies")

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(json.dumps({"op": "close"}) + "\n")
                self._proc.stdin.flush()
                # End of input too: an open stdin keeps node's event loop (and the driver) alive.
                self._proc.stdin.close()
                self._proc.wait(15)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait(5)
        for pipe in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    reason = missing()
    if reason is not None:
        if os.environ.get("AI_GATE_REQUIRE_BROWSER"):
            pytest.fail(f"the browser tests must run here: {reason}")
        pytest.skip(reason)
    opened = Browser()
    try:
        yield opened
    finally:
        opened.close()
