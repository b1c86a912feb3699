"""A whole analysis job on a generated large Python PR, against ruff and mypy run directly.

    .venv/bin/python -m bench.analysis [--files 200] [--lines 100] [--repeat 2]

Stages a PR of `--files` new Python files of about `--lines` added lines each in our fake GitHub
(served over HTTP from a thread of this process), runs one real analysis job in this process
(`app.jobs.analyse_job`: fetch, attribute, check, cost, publish the check run and the review),
then runs `ruff check` and `mypy` directly on the same files with the same flags. Prints the
job's wall time against the direct run (the quality bar: at most 1.3x; issue goal 1.1x), the
peak memory of this process and of the linters it started, and the GitHub requests the job
made against the minimum its data needs.

The fake GitHub shares this process's CPU and GIL, so the job's time includes the fake's own
work serving ~200 blob downloads: the ratio is an upper bound on ai-gate's overhead.
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from app.adapters.blobs import MemoryBlobCache
from app.adapters.github import GitHubApp
from app.adapters.linters import SubprocessLinters, ruff_command
from app.adapters.mypy_runner import mypy_command
from app.adapters.registry import RegistryResolver
from app.adapters.state import MemoryJobState
from app.adapters.store import SqlStore
from app.core.config import Config
from app.jobs import Deps, Job, analyse_job
from tests.fakes.github_server import FakeGitHub, FakeGitHubServer, make_commit, make_file
from tests.fakes.keys import private_key_pem, public_key_pem

OWNER, REPO, NUMBER, INSTALLATION = "bench-org", "big", 1, 7
TRAILER = "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"


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


def patch_for(text: str) -> str:
    rows = text.splitlines()
    return "\n".join([f"@@ -0,0 +1,{len(rows)} @@", *[f"+{row}" for row in rows]])


def stage(github: FakeGitHub, files: int, lines: int) -> tuple[str, dict[str, str]]:
    head, base = "a" * 40, "b" * 40
    texts = {f"pkg/mod{i:03d}.py": module_text(i, lines) for i in range(files)}
    texts["pkg/__init__.py"] = ""
    blobs = {f"{i:040x}": text.encode() for i, text in enumerate(texts.values(), start=1)}
    items = [
        make_file(path, status="added", patch=patch_for(text) if text else None, sha=blob)
        for (path, text), blob in zip(texts.items(), blobs, strict=True)
    ]
    github.add_pull_request(
        OWNER,
        REPO,
        NUMBER,
        head_sha=head,
        base_sha=base,
        files=items,
        commits=[make_commit(head, f"Add generated modules\n\n{TRAILER}", parents=[base])],
        blobs=blobs,
    )
    return head, texts


def peak_rss_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def direct_run(texts: dict[str, str]) -> None:
    """ruff and mypy on the same files with the flags the job uses, nothing else."""
    config = Config().checks
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, text in texts.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        targets = sorted(texts)
        # The very commands a job runs (our rule set alone; mypy with an empty config).
        subprocess.run(
            ruff_command(config.ruff, None, targets), cwd=root, capture_output=True, check=True
        )
        (root / "mypy.ini").write_text("[mypy]\n")
        mypy = mypy_command(config.mypy, root / "mypy.ini", targets)
        subprocess.run(mypy, cwd=root, capture_output=True, check=False)


def minimum_requests(files: int, python_files: int, commits: int, annotations: int) -> int:
    """What the data needs: a token, the PR, its file and commit pages, the config files
    (`.ai-gate.yml` of the repository and of the org, and the three files ruff reads its
    configuration from), each Python blob once, the run's create and one PATCH per 50
    annotations (the last completes it), the existing review comments, one review."""
    return (
        1
        + 1
        + math.ceil(files / 100)
        + math.ceil(commits / 100)
        + 2
        + 3
        + python_files
        + 1
        + max(1, math.ceil(annotations / 50))
        + 1
        + 1
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    github = FakeGitHub(app_id=4242, public_key_pem=public_key_pem())
    github.add_installation(INSTALLATION)
    head, texts = stage(github, args.files, args.lines)
    added = sum(t.count("\n") for t in texts.values())
    with FakeGitHubServer(github) as server:
        job_times: list[float] = []
        direct_times: list[float] = []
        for attempt in range(args.repeat):
            store = SqlStore("sqlite://")
            deps = Deps(
                github=GitHubApp(
                    issuer="4242",
                    private_key_pem=private_key_pem(),
                    api_url=server.url,
                    timeout=60,
                    write_interval=0,
                ),
                blobs=MemoryBlobCache(),  # a cold cache each time: every blob is fetched
                linters=SubprocessLinters(),
                licences=RegistryResolver("", ""),  # the PR adds no dependency
                state=MemoryJobState(),
                reports=store,
                ledger=store,
                runs=store,
            )
            github.clear_requests()
            job = Job(
                installation_id=INSTALLATION,
                repository=f"{OWNER}/{REPO}",
                pull_number=NUMBER,
                head_sha=head,
                rerun=True,
            )
            job_times.append(timed(lambda job=job, deps=deps: analyse_job(job, deps)))  # type: ignore[misc]
            if attempt == 0:
                requests = Counter(
                    f"{r.method} {_shape(r.path)} {r.status}" for r in github.requests
                )
                with github.lock:
                    run = max(github.check_runs.values(), key=lambda r: int(r["id"]))
                    annotations = len(github.annotations.get(int(run["id"]), []))
                    conclusion = run.get("conclusion")
            if attempt == 0:
                job_own, job_children = peak_rss_mib()
            # Alternated with the job, so a change in the machine's load hits both alike.
            direct_times.append(timed(lambda: direct_run(texts)))

    job_best, direct_best = min(job_times), min(direct_times)
    made = sum(requests.values())
    needed = minimum_requests(len(texts), len(texts) - 1, 1, annotations)
    print(f"PR: {len(texts)} files, {added} added lines; {annotations} annotations ({conclusion})")
    print(f"job (best of {args.repeat}):    {job_best:7.2f} s   {_all(job_times)}")
    print(f"direct ruff+mypy:    {direct_best:7.2f} s   {_all(direct_times)}")
    print(f"ratio job/direct:    {job_best / direct_best:7.2f}x")
    print(f"peak RSS: this process {job_own:.0f} MiB, largest linter child {job_children:.0f} MiB")
    print(f"GitHub requests: {made} made, minimum {needed}, excess {made - needed}")
    for shape, count in sorted(requests.items()):
        print(f"  {count:4d}  {shape}")


def _shape(path: str) -> str:
    parts = path.split("/")
    if "blobs" in parts:
        return "/".join([*parts[: parts.index("blobs") + 1], "{sha}"])
    if len(parts) > 2 and parts[1] == "app":
        return "/app/installations/{id}/access_tokens"
    return path


def _all(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in times) + "]"


if __name__ == "__main__":
    main()
