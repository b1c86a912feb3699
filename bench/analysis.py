"""A real job end to end, against ruff and mypy run directly on the same files.

    .venv/bin/python -m bench.analysis [--files 200] [--lines 100] [--latency 0.15]
                                       [--repeat 3] [--huge 3000] [--redis URL]

Starts our fake GitHub (this process; every request, REST and git alike, answered after
`--latency` seconds, as a remote GitHub would), a Celery worker and the web app (`ai-gate
worker` and `ai-gate serve`, real processes, on Redis), then for each repeat stages a new
repository with a PR of `--files` Python files of about `--lines` added lines, delivers its
signed `pull_request` webhook and measures:

- time from the delivery to the completed conclusion (the verdict), and to the last
  annotation written, against ruff and mypy run directly on the same files with the same
  commands a job uses (bar: at most 3x);
- REST requests, by shape, and git requests (fetches, packs received); a re-run of the same
  head, which must transfer no object again;
- the worker's process tree memory (RSS and PSS, children included), idle and at its peak.

Then the same for a `--huge`-file PR (a tenth of it Python): verdict time (bar: 30 s) and
worker memory (bar: 300 MB). GitHub's 1 s spacing of writes is kept (AI_GATE_WRITE_INTERVAL).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from app.adapters.linters import ruff_command
from app.adapters.mypy_runner import mypy_command
from app.core.config.model import Config
from bench.memory import PeakSampler, TreeMemory, tree_memory
from tests.fakes.github_server import FakeGitHub, FakeGitHubServer
from tests.fakes.keys import public_key_pem
from tests.integration.conftest import (
    APP_ID,
    INSTALLATION_ID,
    Process,
    app_env,
    deliver,
    serve,
    start_worker,
)
from tests.integration.scenarios import (
    StagedPR,
    ai_change,
    pull_request_payload,
    stage_pr,
)

OWNER = "bench-org"


def module_text(index: int, lines: int) -> str:
    """A realistic module: typed functions calling the previous module, with a few faults
    generated code is known for (a bare except, a mutable default, an unused import)."""
    parts = [
        f'"""Generated module {index}."""\n',
        "from __future__ import annotations\n",
        "import json\n",
        "import os\n",
    ]
    if index:
        parts.append(f"from pkg import mod{index - 1:03d}\n")
    parts.append("\n")
    n = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(
            f"def func_{n}(values: list[int], scale: int = {n + 1}) -> int:\n"
            f"    total = 0\n"
            f"    for value in values:\n"
            f"        total += value * scale\n"
            f"    return total + len(json.dumps(values))\n\n\n"
        )
        if n % 4 == 1:
            parts.append(
                f"def risky_{n}(path: str, seen=[]):\n"
                f"    try:\n"
                f"        return open(path).read()\n"
                f"    except:\n"
                f"        return None\n\n\n"
            )
        if n % 5 == 2 and index:
            parts.append(
                f"def chained_{n}() -> str:\n    return mod{index - 1:03d}.func_0([1, 2])\n\n\n"
            )
        n += 1
    return "".join(parts)


def python_pr(files: int, lines: int) -> dict[str, str]:
    texts = {f"pkg/mod{i:03d}.py": module_text(i, lines) for i in range(files)}
    texts["pkg/__init__.py"] = ""
    return texts


def huge_pr(files: int) -> dict[str, str]:
    """A monorepo-sized change: a tenth Python, the rest front-end code, docs and data."""
    texts: dict[str, str] = {}
    for i in range(files):
        if i % 10 == 0:
            texts[f"services/s{i % 40:02d}/mod{i:04d}.py"] = module_text(i % 7, 40)
        elif i % 3 == 0:
            texts[f"web/src/c{i:04d}.ts"] = "".join(
                f"export const value{j} = {j} * {i};\n" for j in range(30)
            )
        elif i % 3 == 1:
            texts[f"docs/p{i:04d}.md"] = "".join(f"Line {j} of page {i}.\n" for j in range(30))
        else:
            texts[f"data/d{i:04d}.json"] = (
                "{\n" + ",\n".join(f'  "k{j}": {j * i}' for j in range(30)) + "\n}\n"
            )
    return texts


@dataclass
class JobFigures:
    verdict_s: float
    last_annotation_s: float
    annotations: int
    conclusion: str
    rest: Counter[str]
    git_requests: int
    git_packs: int
    peak: TreeMemory


def stage(github: FakeGitHub, repo: str, texts: dict[str, str]) -> StagedPR:
    files: dict[str, str | bytes | None] = dict(texts)
    return stage_pr(
        github,
        {"README.md": f"# {repo}\n"},
        [ai_change(files, "Add modules")],
        owner=OWNER,
        repo=repo,
    )


def rest_requests(github: FakeGitHub, start: int) -> Counter[str]:
    shapes: Counter[str] = Counter()
    with github.lock:
        made = github.requests[start:]
    for r in made:
        if r.path.startswith(f"/repos/{OWNER}/"):
            path = r.path.removeprefix(f"/repos/{OWNER}")
            path = "/".join("{sha}" if len(p) == 40 else p for p in path.split("/"))
            shapes[f"{r.method} {path}"] += 1
        elif r.path.startswith("/app/installations/"):
            shapes["POST /app/installations/{id}/access_tokens"] += 1
    return shapes


def git_counts(github: FakeGitHub, repo: str, start: int) -> tuple[int, int]:
    made = [r for r in github.git.requests[start:] if r.path.startswith(f"/{OWNER}/{repo}.git/")]
    return len(made), sum(r.sent_pack for r in made)


def run_job(
    github: FakeGitHub, url: str, pr: StagedPR, worker: Process, event: str, payload: dict[str, Any]
) -> JobFigures:
    rest_start, git_start = len(github.requests), len(github.git.requests)
    run_ids_before = {int(r["id"]) for r in github.check_runs.values()}
    with PeakSampler(worker.proc.pid) as sampler:
        started = time.perf_counter()
        assert deliver(url, event, payload).status_code == 202
        verdict = last_change = 0.0
        count, run = -1, None
        while True:
            with github.lock:
                runs = [
                    r
                    for r in github.check_runs.values()
                    if r["head_sha"] == pr.head_sha and int(r["id"]) not in run_ids_before
                ]
                run = runs[0] if runs else None
                now_count = len(github.annotations.get(int(run["id"]), [])) if run else 0
                done = run is not None and run["status"] == "completed"
            now = time.perf_counter() - started
            if done and not verdict:
                verdict = now
            if now_count != count:
                count, last_change = now_count, now
            if verdict and now - last_change > 3.0:
                break
            if now > 600:
                raise RuntimeError(f"no verdict after 600 s:\n{worker.output()[-3000:]}")
            time.sleep(0.01)
    assert run is not None
    git_requests, packs = git_counts(github, pr.repo, git_start)
    return JobFigures(
        verdict_s=verdict,
        last_annotation_s=max(last_change, verdict),
        annotations=count,
        conclusion=str(run.get("conclusion")),
        rest=rest_requests(github, rest_start),
        git_requests=git_requests,
        git_packs=packs,
        peak=sampler.peak,
    )


def rerun_payload(pr: StagedPR, github: FakeGitHub) -> dict[str, Any]:
    with github.lock:
        run = max(
            (r for r in github.check_runs.values() if r["head_sha"] == pr.head_sha),
            key=lambda r: int(r["id"]),
        )
    base = pull_request_payload(pr)
    return {
        "action": "rerequested",
        "repository": base["repository"],
        "installation": base["installation"],
        "check_run": {
            "id": run["id"],
            "name": "ai-gate",
            "head_sha": pr.head_sha,
            "pull_requests": [{"number": pr.number, "head": {"sha": pr.head_sha}}],
        },
    }


def direct_run(texts: dict[str, str]) -> float:
    """ruff and mypy on the same files with the commands a job uses, nothing else."""
    config = Config().checks
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, text in texts.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        targets = sorted(p for p in texts if p.endswith(".py"))
        (root / "mypy.ini").write_text("[mypy]\n")
        started = time.perf_counter()
        ruff = ruff_command(config.ruff, targets, mode="isolated")  # no config: as a job runs it
        subprocess.run(ruff, cwd=root, capture_output=True, check=True)
        mypy = mypy_command(config.mypy, root / "mypy.ini", targets)
        subprocess.run(mypy, cwd=root, capture_output=True, check=False)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--huge", type=int, default=3000, help="files of the large PR (0: skip)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--write-interval", type=float, default=1.0)
    parser.add_argument("--logs", type=Path, help="keep the worker's and web's logs here")
    args = parser.parse_args()

    redis.Redis.from_url(args.redis).flushdb()
    github = FakeGitHub(app_id=APP_ID, public_key_pem=public_key_pem())
    github.add_installation(INSTALLATION_ID)
    texts = python_pr(args.files, args.lines)
    added = sum(t.count("\n") for t in texts.values())
    with FakeGitHubServer(github) as server, tempfile.TemporaryDirectory() as tmp:
        github.base_url = server.url  # type: ignore[attr-defined]
        env = app_env(github, redis=True, data=Path(tmp)) | {
            "REDIS_URL": args.redis,
            "AI_GATE_WRITE_INTERVAL": str(args.write_interval),
        }
        logs = args.logs or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        worker = start_worker(env, logs / "worker.log")
        web, url = serve(env, logs)
        try:
            idle = tree_memory(worker.proc.pid)
            github.latency = args.latency
            jobs: list[JobFigures] = []
            direct: list[float] = []
            for attempt in range(args.repeat):
                pr = stage(github, f"big{attempt}", texts)  # a new repository: a cold cache
                jobs.append(
                    run_job(github, url, pr, worker, "pull_request", pull_request_payload(pr))
                )
                # Alternated with the jobs, so a change in the machine's load hits both alike.
                direct.append(direct_run(texts))
            rerun = run_job(github, url, pr, worker, "check_run", rerun_payload(pr, github))
            warm_idle = tree_memory(worker.proc.pid)
            huge = None
            if args.huge:
                huge_texts = huge_pr(args.huge)
                big = stage(github, "huge", huge_texts)
                huge = run_job(github, url, big, worker, "pull_request", pull_request_payload(big))
        finally:
            web.stop()
            worker.stop()
    report(args, texts, added, jobs, direct, rerun, idle, warm_idle, huge)


def report(
    args: argparse.Namespace,
    texts: dict[str, str],
    added: int,
    jobs: list[JobFigures],
    direct: list[float],
    rerun: JobFigures,
    idle: TreeMemory,
    warm_idle: TreeMemory,
    huge: JobFigures | None,
) -> None:
    best = min(jobs, key=lambda j: j.verdict_s)
    base = min(direct)
    print(f"fake GitHub latency: {args.latency * 1000:.0f} ms per request (REST and git)")
    print(
        f"PR: {len(texts)} Python files, {added:,} added lines; {best.annotations} annotations "
        f"({best.conclusion})"
    )
    print(f"direct ruff+mypy (baseline, best of {len(direct)}): {base:6.2f} s  {_all(direct)}")
    print(
        f"delivery -> verdict (best of {len(jobs)}):        {best.verdict_s:6.2f} s  "
        f"{_all([j.verdict_s for j in jobs])}  ratio {best.verdict_s / base:.2f}x (bar 3x)"
    )
    print(
        f"delivery -> last annotation:               {best.last_annotation_s:6.2f} s  "
        f"ratio {best.last_annotation_s / base:.2f}x"
    )
    writes = sum(n for k, n in best.rest.items() if not k.startswith("GET "))
    reads = sum(best.rest.values()) - writes
    print(
        f"REST requests: {sum(best.rest.values())} = {reads} reads + {writes} writes "
        f"(bar: at most 8 reads + the writes)"
    )
    for shape, count in sorted(best.rest.items()):
        print(f"  {count:4d}  {shape}")
    print(f"git requests: {best.git_requests} ({best.git_packs} packs received)")
    print(
        f"re-run of the same head: {rerun.git_requests} git requests, {rerun.git_packs} packs; "
        f"verdict in {rerun.verdict_s:.2f} s"
    )
    print(
        f"worker tree memory: idle {idle.rss_mib:.0f} MB RSS / {idle.pss_mib:.0f} MB PSS "
        f"({idle.processes} process); after jobs {warm_idle.rss_mib:.0f} / "
        f"{warm_idle.pss_mib:.0f} MB; peak during the PR {best.peak.rss_mib:.0f} / "
        f"{best.peak.pss_mib:.0f} MB ({best.peak.processes} processes)"
    )
    if huge is not None:
        print(
            f"{args.huge}-file PR: verdict in {huge.verdict_s:.2f} s (bar 30 s), last "
            f"annotation {huge.last_annotation_s:.2f} s; worker tree peak "
            f"{huge.peak.rss_mib:.0f} MB RSS / {huge.peak.pss_mib:.0f} MB PSS (bar 300 MB); "
            f"{sum(huge.rest.values())} REST requests, {huge.git_requests} git requests"
        )


def _all(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in times) + "]"


if __name__ == "__main__":
    main()
