"""Webhook throughput with `wrk`: signed deliveries through `POST /api/github/webhooks` (Redis
mode) against two endpoints served the same way (uvicorn, one process):

- bare: reads the body and answers 202;
- floor: reads the body, records the delivery with one Redis `SET NX`, answers 202 — a
  delivery must be recorded before it is acknowledged, so this round trip is the floor.

    .venv/bin/python -m bench.webhooks [--seconds 10] [--connections 16] [--threads 2]

Each request is a ~21 KB `pull_request.synchronize` body with a valid signature, cycling over
500 pull requests and heads, and a delivery id of its own. Prints each endpoint's requests/s
and p50/p99 latency, and the ratios (bars: at least 50% of bare and 80% of floor). `wrk`
comes from Debian's package (`scripts/bench-tools` installs it). Talks only to 127.0.0.1;
uses Redis database 14 (flushed before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.web.signature import sign
from tests.fakes.keys import private_key_pem

SECRET = "bench-secret"
PULL_REQUESTS = 500
WRK_SCRIPT = """
local bodies, signatures = {}, {}
local counter, thread_id = 0, 0
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local signature, body = line:match("^([^\\t]+)\\t(.*)$")
    table.insert(signatures, signature)
    table.insert(bodies, body)
  end
end

function request()
  counter = counter + 1
  local index = (counter % #bodies) + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "pull_request",
    ["X-GitHub-Delivery"] = "bench-" .. thread_id .. "-" .. counter,
    ["X-Hub-Signature-256"] = signatures[index],
  }
  return wrk.format("POST", nil, headers, bodies[index])
end
"""


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/bare")
    async def bare(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"message": "queued"}, status_code=202)

    return app


def floor_app() -> FastAPI:
    import redis.asyncio as aioredis

    app = FastAPI()
    client = aioredis.Redis.from_url(os.environ["REDIS_URL"])

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/floor")
    async def floor(request: Request) -> JSONResponse:
        await request.body()
        delivery = request.headers.get("x-github-delivery", "")
        await client.set(f"floor:{delivery}", 1, nx=True, ex=3600)
        return JSONResponse({"message": "queued"}, status_code=202)

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """A server in its own process (uvicorn either way), apart from the load generator."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server on {port} did not start")


def payload(number: int) -> dict[str, Any]:
    """A `pull_request.synchronize` delivery of GitHub's size (~21 KB)."""
    repo = {
        "id": 186853002,
        "name": "repo",
        "full_name": "bench/repo",
        "private": False,
        "owner": {"login": "bench", "id": 1, "type": "Organization"},
        "description": "x" * 200,
    }
    user = {"login": "octocat", "id": 1, "type": "User", "site_admin": False}
    return {
        "action": "synchronize",
        "number": number,
        "before": uuid.uuid4().hex + uuid.uuid4().hex[:8],
        "after": uuid.uuid4().hex + uuid.uuid4().hex[:8],
        "pull_request": {
            "number": number,
            "state": "open",
            "title": f"Change {number}",
            "body": ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 250)[:14000],
            "user": user,
            "labels": [{"name": f"label-{i}", "color": "ededed"} for i in range(5)],
            "head": {"sha": uuid.uuid4().hex + uuid.uuid4().hex[:8], "ref": "f", "repo": repo},
            "base": {"sha": uuid.uuid4().hex + uuid.uuid4().hex[:8], "ref": "main", "repo": repo},
            "draft": False,
        },
        "repository": repo,
        "organization": {"login": "bench", "id": 1},
        "sender": user,
        "installation": {"id": 1},
    }


def write_requests(path: Path) -> int:
    """Signed bodies, one a line: `signature<TAB>body` (JSON has no raw tabs or newlines)."""
    sizes = []
    with path.open("w") as out:
        for number in range(1, PULL_REQUESTS + 1):
            body = json.dumps(payload(number), separators=(",", ":"))
            sizes.append(len(body))
            out.write(f"{sign(SECRET, body.encode())}\t{body}\n")
    return sum(sizes) // len(sizes)


def run_wrk(url: str, script: Path, data: Path, args: argparse.Namespace) -> dict[str, float]:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        str(data),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50": _latency(out, "50%"),
        "p99": _latency(out, "99%"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def _latency(out: str, percentile: str) -> float:
    match = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)", out)
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run scripts/bench-tools (Debian's package)")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/14"
    redis.Redis.from_url(redis_url).flushdb()
    env = dict(os.environ) | {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "REDIS_URL": redis_url,
        "GITHUB_APP_ID": "1",
        "GITHUB_APP_PRIVATE_KEY": private_key_pem(),
        "GITHUB_API_URL": "http://127.0.0.1:9",
    }
    uvicorn = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    servers = {
        "bare": (["bench.webhooks:bare_app"], "/bare"),
        "floor": (["bench.webhooks:floor_app"], "/floor"),
    }
    results: dict[str, dict[str, float]] = {}
    started_at = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp) / "deliveries.lua", Path(tmp) / "deliveries.tsv"
        script.write_text(WRK_SCRIPT)
        size = write_requests(data)
        for name in ("bare", "floor", "ai-gate"):
            port = free_port()
            if name == "ai-gate":
                bindir = Path(sys.executable).parent
                started = time.perf_counter()
                proc = serve([str(bindir / "ai-gate"), "serve", "--port", str(port)], env, port)
                startup = time.perf_counter() - started
                path = "/api/github/webhooks"
            else:
                target, path = servers[name]
                proc = serve([*uvicorn, *target, "--port", str(port)], env, port)
            try:
                url = f"http://127.0.0.1:{port}{path}"
                warm = argparse.Namespace(**{**vars(args), "seconds": 2})
                run_wrk(url, script, data, warm)
                results[name] = run_wrk(url, script, data, args)
            finally:
                proc.terminate()
                proc.wait()
    redis.Redis.from_url(redis_url).flushdb()
    print(
        f"{PULL_REQUESTS} signed pull_request bodies of ~{size // 1024} KB, each request a "
        f"delivery of its own; wrk -t{args.threads} -c{args.connections} -d{args.seconds}s"
    )
    for name, r in results.items():
        print(
            f"{name:8} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
            f"non-2xx {r['errors']:.0f}"
        )
    gate = results["ai-gate"]["rps"]
    print(f"ai-gate/bare:  {gate / results['bare']['rps']:.2f}  (bar 0.50)")
    print(f"ai-gate/floor: {gate / results['floor']['rps']:.2f}  (bar 0.80)")
    print(
        f"ai-gate serve start-up to /healthz: {startup:.2f} s "
        f"(bench total {time.perf_counter() - started_at:.0f} s)"
    )


if __name__ == "__main__":
    main()
