"""Webhook throughput: signed deliveries through `POST /api/github/webhooks` (Redis mode)
against a bare FastAPI endpoint served the same way (uvicorn, one process, same client).

    .venv/bin/python -m bench.webhooks [--requests 2000] [--concurrency 16]

Prints requests/s, p50 and p99 latency for each, and the ratio ai-gate / bare. Talks only to
127.0.0.1; uses Redis database 14 (flushed before and after).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.web.signature import sign
from tests.fakes.keys import private_key_pem

SECRET = "bench-secret"


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


def delivery(i: int) -> tuple[bytes, dict[str, str]]:
    head = uuid.uuid4().hex + uuid.uuid4().hex[:8]
    body = json.dumps(
        {
            "action": "synchronize",
            "number": i % 50 + 1,
            "pull_request": {"number": i % 50 + 1, "state": "open", "head": {"sha": head}},
            "repository": {"full_name": "bench/repo"},
            "installation": {"id": 1},
        }
    ).encode()
    return body, {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(SECRET, body),
        "Content-Type": "application/json",
    }


async def load(
    url: str, requests: int, concurrency: int, make: Callable[[int], tuple[bytes, dict[str, str]]]
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    async with httpx.AsyncClient(timeout=10) as client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                body, headers = make(i)
                start = time.perf_counter()
                answer = await client.post(url, content=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                errors += answer.status_code != 202

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": requests / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/14"
    redis.Redis.from_url(redis_url).flushdb()
    env = dict(os.environ) | {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "REDIS_URL": redis_url,
        "GITHUB_APP_ID": "1",
        "GITHUB_APP_PRIVATE_KEY": private_key_pem(),
        "GITHUB_API_URL": "http://127.0.0.1:9",
    }
    gate_port, bare_port = free_port(), free_port()
    bindir = Path(sys.executable).parent
    gate = serve([str(bindir / "ai-gate"), "serve", "--port", str(gate_port)], env, gate_port)
    bare = serve(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.webhooks:bare_app",
            "--factory",
            "--port",
            str(bare_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env,
        bare_port,
    )
    results: dict[str, dict[str, Any]] = {}
    try:
        for name, url, make in (
            ("bare", f"http://127.0.0.1:{bare_port}/bare", delivery),
            ("ai-gate", f"http://127.0.0.1:{gate_port}/api/github/webhooks", delivery),
        ):
            asyncio.run(load(url, 200, args.concurrency, make))  # warm-up
            results[name] = asyncio.run(load(url, args.requests, args.concurrency, make))
    finally:
        gate.terminate()
        bare.terminate()
        redis.Redis.from_url(redis_url).flushdb()
    for name, r in results.items():
        print(
            f"{name:8} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
            f"errors {r['errors']}"
        )
    print(f"ratio ai-gate/bare: {results['ai-gate']['rps'] / results['bare']['rps']:.2f}")


if __name__ == "__main__":
    main()
