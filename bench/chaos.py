"""Chaos: many signed deliveries over many pull requests while GitHub, the workers and Redis
fail, then the invariants a maintainer relies on.

    .venv/bin/python -m bench.chaos [--deliveries 1000] [--prs 60] [--senders 8] [--seed 1]

Real parts: `ai-gate serve` (Redis mode), two `ai-gate worker` processes, a `redis-server` of
its own (append-only file, as a broker should run), and the fake GitHub (git over smart HTTP
included) with a per-request latency. Each pull request gets a script: opened, several pushes
(each announced by `pull_request.synchronize` and often `check_suite.requested` too), reviews,
re-run requests, exact redeliveries, close and reopen. Concurrent senders deliver the scripts
interleaved; a refused delivery (Redis down: 503) is delivered again with the same id, as
GitHub's redelivery would. Meanwhile GitHub answers ~10% of reads with 502 and some writes
with 429 or a secondary rate limit, one worker is killed with SIGKILL (and a new one started),
and Redis is restarted.

Printed and checked once everything settles:
- lost: an open PR whose final head has no completed, non-cancelled run;
- stuck: a run left queued or in progress;
- duplicated: a head with more analyses (runs not cancelled) than 1 + its re-run requests,
  or more than one review;
- contract: requests our app made that the fake GitHub refused as invalid (422/400);
- push → run visible: seconds from an accepted delivery of a new head to its run's creation.
Exit status 1 when lost, stuck or duplicated is not zero, or p95 latency is above the bar.
Talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from tests.fakes.chaos import Chaos
from tests.fakes.github_server import FakeGitHub, FakeGitHubServer
from tests.fakes.keys import public_key_pem
from tests.integration.conftest import (
    APP_ID,
    INSTALLATION_ID,
    Process,
    app_env,
    deliver,
    free_port,
    serve,
    start_worker,
)
from tests.integration.scenarios import (
    StagedPR,
    ai_change,
    pull_request_payload,
    push,
    stage_pr,
)

OWNER = "chaos-org"
REPOSITORIES = 6
LATENCY_BAR = 2.0  # seconds, p95 push → run visible
SETTLE_TIMEOUT = 600.0
# A file with a finding on an added line, so each analysed head gets a review comment.
BUGGY = "def f{n}(x=[]):\n    try:\n        return x[0]\n    except:\n        return {n}\n"


@dataclass
class PullState:
    """What the senders did to one pull request, and what it may therefore show."""

    pr: StagedPR
    open: bool = True
    pushes: int = 0
    heads: list[str] = field(default_factory=list)
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Ledger:
    """Shared by the senders: accepted deliveries, new heads' first acceptance, re-runs."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: int = 0
    refused: int = 0
    duplicates: int = 0
    first_seen: dict[str, float] = field(default_factory=dict)
    reruns: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.time)
    # What broke when (seconds since the start), to read the slowest latencies against.
    faults: list[tuple[float, str]] = field(default_factory=list)

    def sent(self, answer: str, head: str | None, fresh_head: bool, rerun: bool) -> None:
        with self.lock:
            self.accepted += 1
            if answer.startswith("duplicate"):
                self.duplicates += 1
            if head is not None and fresh_head:
                self.first_seen.setdefault(head, time.time())
            if head is not None and rerun:
                self.reruns[head] += 1


def _repo_json(pr: StagedPR) -> dict[str, Any]:
    return dict(pull_request_payload(pr)["repository"])


def _pull(pr: StagedPR, head: str, state: str = "open") -> dict[str, Any]:
    body = dict(pull_request_payload(pr)["pull_request"])
    body["head"] = dict(body["head"]) | {"sha": head}
    body["state"] = state
    return body


def pull_event(pr: StagedPR, head: str, action: str) -> dict[str, Any]:
    payload = pull_request_payload(pr, action)
    payload["pull_request"] = _pull(pr, head, "closed" if action == "closed" else "open")
    if action == "synchronize":
        payload["before"], payload["after"] = "0" * 40, head
    return payload


def suite_event(pr: StagedPR, head: str) -> dict[str, Any]:
    return {
        "action": "requested",
        "check_suite": {
            "id": random.randrange(10**9),
            "head_sha": head,
            "status": "queued",
            "pull_requests": [{"number": pr.number, "head": {"sha": head}}],
        },
        "repository": _repo_json(pr),
        "installation": {"id": INSTALLATION_ID},
        "sender": {"login": "octocat", "id": 1, "type": "User"},
    }


def rerun_event(pr: StagedPR, head: str) -> dict[str, Any]:
    return {
        "action": "rerequested",
        "check_run": {
            "id": 1,
            "name": "ai-gate",
            "head_sha": head,
            "pull_requests": [{"number": pr.number, "head": {"sha": head}}],
        },
        "repository": _repo_json(pr),
        "installation": {"id": INSTALLATION_ID},
        "sender": {"login": "octocat", "id": 1, "type": "User"},
    }


def review_event(pr: StagedPR, head: str) -> dict[str, Any]:
    return {
        "action": "submitted",
        "review": {
            "id": random.randrange(10**9),
            "user": {"login": "reviewer"},
            "state": "approved",
        },
        "pull_request": _pull(pr, head),
        "repository": _repo_json(pr),
        "installation": {"id": INSTALLATION_ID},
        "sender": {"login": "reviewer", "id": 2, "type": "User"},
    }


class Sender:
    """Delivers one PR script step at a time; a refused delivery is delivered again."""

    def __init__(self, url: str, ledger: Ledger) -> None:
        self.url = url
        self.ledger = ledger

    def send(
        self,
        state: PullState,
        event: str,
        payload: dict[str, Any],
        *,
        delivery: str | None = None,
        fresh_head: bool = False,
        rerun: bool = False,
    ) -> None:
        delivery = delivery or str(uuid.uuid4())
        head = state.heads[-1] if state.heads else None
        deadline = time.monotonic() + 180
        while True:
            try:
                answer = deliver(self.url, event, payload, delivery=delivery)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code < 300:
                break
            if answer is not None and answer.status_code not in (429, 503):
                raise RuntimeError(f"{event} answered {answer.status_code}: {answer.text}")
            with self.ledger.lock:
                self.ledger.refused += 1
            if time.monotonic() > deadline:
                raise RuntimeError(f"{event} refused for 3 minutes")
            time.sleep(0.5)
        state.sent.append((event, delivery, payload))
        message = str(answer.json().get("message", "")) if answer.content else ""
        self.ledger.sent(message, head, fresh_head, rerun)


def script_step(github: FakeGitHub, sender: Sender, state: PullState, rng: random.Random) -> None:
    """One random step of a PR's script."""
    pr = state.pr
    head = state.heads[-1]
    if not state.open:
        state.open = True
        sender.send(
            state, "pull_request", pull_event(pr, head, "reopened"), fresh_head=True, rerun=True
        )
        return
    roll = rng.random()
    if roll < 0.45:
        state.pushes += 1
        n = pr.number * 100 + state.pushes
        change = ai_change({f"pkg/m{n}.py": BUGGY.format(n=n)}, f"Push {state.pushes}")
        moved = push(github, pr, [change])
        state.heads.append(moved.head_sha)
        sender.send(
            state, "pull_request", pull_event(pr, moved.head_sha, "synchronize"), fresh_head=True
        )
        if rng.random() < 0.6:
            sender.send(state, "check_suite", suite_event(pr, moved.head_sha))
    elif roll < 0.60:
        sender.send(state, "pull_request_review", review_event(pr, head))
    elif roll < 0.68:
        sender.send(state, "check_run", rerun_event(pr, head), rerun=True)
    elif roll < 0.93 and state.sent:
        event, delivery, payload = rng.choice(state.sent)
        sender.send(state, event, payload, delivery=delivery)  # an exact redelivery
    else:
        state.open = False
        sender.send(state, "pull_request", pull_event(pr, head, "closed"))


@dataclass
class Cluster:
    """The processes under test, and how to break them."""

    tmp: Path
    github: FakeGitHub
    redis_port: int
    redis: Process | None = None
    workers: list[Process] = field(default_factory=list)
    web: Process | None = None
    url: str = ""

    def env(self, name: str) -> dict[str, str]:
        data = self.tmp / "data"
        data.mkdir(exist_ok=True)
        return app_env(self.github, redis=True, data=data) | {
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "AI_GATE_JOB_TIME_LIMIT": "30",
            "AI_GATE_LEASE_SECONDS": "10",
            "AI_GATE_WRITE_INTERVAL": "0.05",
            "AI_GATE_CACHE_DIR": str(self.tmp / f"cache-{name}"),
            "AI_GATE_HEARTBEAT_FILE": str(self.tmp / f"heartbeat-{name}"),
        }

    def start_redis(self) -> None:
        args = [
            "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
            "--dir", str(self.tmp), "--save", "", "--appendonly", "yes",
            "--appendfsync", "always",
        ]  # fmt: skip
        self.redis = Process(args, dict(os.environ), self.tmp / f"redis-{time.time():.0f}.log")
        client = redis.Redis(port=self.redis_port)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        self.redis.wait_for(up, "redis-server")

    def start(self) -> None:
        self.start_redis()
        for name in ("a", "b"):
            self.workers.append(start_worker(self.env(name), self.tmp / f"worker-{name}.log"))
        self.web, self.url = serve(self.env("web"), self.tmp)

    def kill_worker(self) -> None:
        victim = self.workers[0]
        os.killpg(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(10)
        victim.stop()  # closes its log
        # Its replacement, as an orchestrator would start one: not waited for.
        self.workers[0] = Process(
            [str(Path(sys.executable).parent / "ai-gate"), "worker", "--concurrency", "2"],
            self.env("a2"),
            self.tmp / "worker-a2.log",
        )

    def restart_redis(self) -> None:
        assert self.redis is not None
        self.redis.stop()
        time.sleep(2)
        self.start_redis()

    def stop(self) -> None:
        for proc in [self.web, *self.workers, self.redis]:
            if proc is not None:
                proc.stop()


@dataclass
class Figures:
    lost: list[str]
    stuck: list[str]
    duplicated: list[str]
    contract: list[str]
    latencies: list[float]
    runs: int
    reviews: int
    # The slowest heads: (seconds since the start, latency).
    slowest: list[tuple[float, float]] = field(default_factory=list)
    faults: list[tuple[float, str]] = field(default_factory=list)


def settle(github: FakeGitHub, states: list[PullState], timeout: float) -> None:
    """Wait until every run is completed and every open PR's final head has its run, then
    until nothing more is written for a few seconds (reviews follow their runs)."""
    deadline = time.monotonic() + timeout
    quiet_since, last = time.monotonic(), -1
    while time.monotonic() < deadline:
        with github.lock:
            runs = list(github.check_runs.values())
            writes = sum(1 for r in github.requests if r.method != "GET")
        open_runs = [r for r in runs if r["status"] != "completed"]
        done = {r["head_sha"] for r in runs if r["status"] == "completed"}
        waiting = [s for s in states if s.open and s.heads[-1] not in done]
        if writes != last:
            quiet_since, last = time.monotonic(), writes
        if not open_runs and not waiting and time.monotonic() - quiet_since > 5:
            return
        time.sleep(0.5)


def measure(github: FakeGitHub, states: list[PullState], ledger: Ledger) -> Figures:
    with github.lock:
        runs = [dict(r) for r in github.check_runs.values()]
        created = dict(github.run_created)
        reviews = list(github.reviews)
        refused = [
            f"{r.method} {r.path} → {r.status}"
            for r in github.requests
            if r.status in (400, 422) and r.path.startswith(f"/repos/{OWNER}/")
        ]
    by_head: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        by_head[run["head_sha"]].append(run)
    lost = []
    for state in states:
        final = by_head.get(state.heads[-1], [])
        if state.open and not any(
            r["status"] == "completed" and r["conclusion"] != "cancelled" for r in final
        ):
            lost.append(f"#{state.pr.number} {state.heads[-1][:10]}")
    stuck = [
        f"run {r['id']} {r['status']} on {r['head_sha'][:10]}"
        for r in runs
        if r["status"] != "completed"
    ]
    duplicated = []
    for head, head_runs in by_head.items():
        # Analyses, that is: a run cancelled because the head moved on or the PR was closed
        # (or replaced by a re-run) says so and is no second analysis.
        analyses = [r for r in head_runs if r["conclusion"] != "cancelled"]
        if len(analyses) > 1 + ledger.reruns[head]:
            shown = ", ".join(f"{r['id']} {r['conclusion']}" for r in head_runs)
            duplicated.append(f"{head[:10]}: runs {shown}; {ledger.reruns[head]} re-runs")
    per_commit = Counter(str(r.get("commit_id")) for r in reviews)
    duplicated += [f"{sha[:10]}: {n} reviews" for sha, n in per_commit.items() if n > 1]
    timed = []
    for head, first in ledger.first_seen.items():
        made = [created[r["id"]] for r in by_head.get(head, []) if r["id"] in created]
        if made:
            timed.append((first - ledger.started, max(0.0, min(made) - first)))
    slowest = sorted(timed, key=lambda t: -t[1])[:8]
    latencies = [latency for _, latency in timed]
    return Figures(
        lost, stuck, duplicated, refused, latencies, len(runs), len(reviews), slowest, ledger.faults
    )


def run(deliveries: int, prs: int, senders: int, seed: int, latency: float) -> Figures:
    rng = random.Random(seed)
    random.seed(seed)
    tmp = Path(tempfile.mkdtemp(prefix="ai-gate-chaos-"))
    github = FakeGitHub(app_id=APP_ID, public_key_pem=public_key_pem())
    github.add_installation(INSTALLATION_ID)
    states = []
    for i in range(prs):
        repo = f"service-{i % REPOSITORIES}"
        number = 1000 + i
        first = ai_change({f"pkg/m{number * 100}.py": BUGGY.format(n=number * 100)}, "Open")
        pr = stage_pr(
            github, {"README.md": f"# {repo}\n"}, [first], owner=OWNER, repo=repo, number=number
        )
        states.append(PullState(pr, heads=[pr.head_sha]))
    ledger = Ledger()
    cluster = Cluster(tmp, github, free_port())
    with FakeGitHubServer(github) as server:
        github.base_url = server.url  # type: ignore[attr-defined]
        try:
            cluster.start()
            github.latency = latency
            github.chaos = Chaos(seed=seed)
            sender = Sender(cluster.url, ledger)

            def more() -> bool:
                with ledger.lock:
                    return ledger.accepted < deliveries

            faults: list[tuple[float, Callable[[], None], str]] = [
                (0.3, cluster.kill_worker, "worker killed"),
                (0.6, cluster.restart_redis, "Redis restarted"),
            ]
            fault_lock = threading.Lock()
            repo_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

            def maybe_fault() -> None:
                with fault_lock:
                    while faults and ledger.accepted >= faults[0][0] * deliveries:
                        _, act, what = faults.pop(0)
                        print(f"  {what} at {ledger.accepted} deliveries", flush=True)
                        ledger.faults.append((time.time() - ledger.started, what))
                        threading.Thread(target=act, daemon=True).start()

            def sender_loop(mine: list[PullState], thread_rng: random.Random) -> None:
                for state in mine:  # every PR is announced first
                    if not more():
                        return
                    sender.send(
                        state,
                        "pull_request",
                        pull_event(state.pr, state.heads[-1], "opened"),
                        fresh_head=True,
                    )
                while more():
                    state = thread_rng.choice(mine)
                    with repo_locks[state.pr.repo]:  # one writer a repository's history
                        script_step(github, sender, state, thread_rng)
                    maybe_fault()
                    time.sleep(thread_rng.uniform(0, 0.1))

            started = time.monotonic()
            threads = [
                threading.Thread(
                    target=sender_loop,
                    args=(states[k::senders], random.Random(rng.random())),
                )
                for k in range(senders)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            sending = time.monotonic() - started
            print(
                f"  {ledger.accepted} deliveries accepted in {sending:.0f}s "
                f"({ledger.refused} refusals re-sent, {ledger.duplicates} exact redeliveries)"
            )
            settle(github, states, SETTLE_TIMEOUT)
            print(f"  settled {time.monotonic() - started - sending:.0f}s after the last delivery")
            print(f"  GitHub failures injected: {dict(github.chaos.injected)}")
            return measure(github, states, ledger)
        finally:
            github.chaos = None
            cluster.stop()
            if os.environ.get("AI_GATE_CHAOS_KEEP"):
                print(f"  logs kept in {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(figures: Figures) -> bool:
    """Print the figures; True when every invariant and the latency bar hold."""
    p50 = statistics.median(figures.latencies) if figures.latencies else float("nan")
    p95 = percentile(figures.latencies, 0.95)
    print(f"  runs {figures.runs}, reviews {figures.reviews}")
    print(
        f"  lost {len(figures.lost)}, stuck {len(figures.stuck)}, "
        f"duplicated {len(figures.duplicated)}, contract violations {len(figures.contract)}"
    )
    for name in ("lost", "stuck", "duplicated", "contract"):
        for line in getattr(figures, name)[:10]:
            print(f"    {name}: {line}")
    faults = ", ".join(f"{what} at {at:.0f}s" for at, what in figures.faults)
    slowest = ", ".join(f"{latency:.1f}s at {at:.0f}s" for at, latency in figures.slowest)
    print(f"  slowest: {slowest} ({faults})")
    print(
        f"  push → run visible: p50 {p50:.2f}s, p95 {p95:.2f}s over {len(figures.latencies)} heads "
        f"(bar: p95 ≤ {LATENCY_BAR:.0f}s)"
    )
    return not (figures.lost or figures.stuck or figures.duplicated) and p95 <= LATENCY_BAR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--prs", type=int, default=60)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per GitHub request")
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        print("bench.chaos needs redis-server (Debian's package)", file=sys.stderr)
        return 2
    print(f"chaos: {args.deliveries} deliveries over {args.prs} PRs from {args.senders} senders")
    figures = run(args.deliveries, args.prs, args.senders, args.seed, args.latency)
    return 0 if report(figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
