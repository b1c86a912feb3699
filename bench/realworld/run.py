"""Runs `ai-gate check` on one range of a fetched mirror, as a new user would, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.realworld.corpus import Key, Range
from bench.realworld.score import Observed

CONFIG_NAME = ".ai-gate.yml"
# `ai-gate check` itself, run by this interpreter (so by this checkout's code).
CHECK = [sys.executable, "-c", "from app.cli import entry; entry()", "check"]


@dataclass(frozen=True)
class RangeRun:
    range: Range
    findings: list[Observed]
    error: str | None = None
    ai_tools: tuple[str, ...] = ()  # the tools ai-gate's attribution names; empty: human
    # The verdict's reasons (the disclosure policy speaks there, not in findings).
    reasons: tuple[str, ...] = ()


def mirror_of(mirrors: Path, repository: str) -> Path:
    """Where `fetch` puts a repository: DIR/owner+name/repo, a bare git directory."""
    return mirrors / repository.replace("/", "+") / "repo"


def _git(repo: Path, *args: str, ok_codes: tuple[int, ...] = (0,)) -> bytes:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)
    if done.returncode not in ok_codes:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout


def _checkout(mirror: Path, rng: Range, into: Path) -> None:
    """A work tree at the head (objects shared with the mirror), its config as at the base."""
    _git(Path(), "clone", "--quiet", "--shared", "--no-checkout", str(mirror), str(into))
    _git(into, "checkout", "--quiet", "--detach", rng.head)
    config = into / CONFIG_NAME
    base_config = _git(into, "show", f"{rng.base}:{CONFIG_NAME}", ok_codes=(0, 128))
    # ai-gate reads the policy of the base branch, never the PR's own.
    if base_config:
        config.write_bytes(base_config)
    elif config.exists():
        config.unlink()


def run_range(mirror: Path, rng: Range, config: Path | None = None) -> RangeRun:
    """The findings `ai-gate check --base BASE --head HEAD` reports, registries switched off
    (under `config` instead of the base's `.ai-gate.yml`, when given)."""
    env = {**os.environ, "AI_GATE_PYPI_URL": "", "AI_GATE_NPM_URL": ""}
    with tempfile.TemporaryDirectory(prefix="ai-gate-realworld-") as tmp:
        work, out = Path(tmp) / "repo", Path(tmp) / "report.json"
        try:
            _checkout(mirror, rng, work)
        except RuntimeError as exc:
            return RangeRun(rng, [], str(exc).strip())
        args = ["--repo", str(work), "--base", rng.base, "--head", rng.head]
        args += ["--config", str(config.resolve())] if config is not None else []
        done = subprocess.run(
            [*CHECK, *args, "--format", "json", "--output", str(out)],
            capture_output=True,
            env=env,
            check=False,
        )
        if done.returncode not in (0, 1) or not out.exists():
            return RangeRun(rng, [], done.stderr.decode(errors="replace").strip()[-500:])
        report = json.loads(out.read_text(encoding="utf-8"))
    findings = [
        Observed(
            Key(rng.repository, rng.id, f["path"], f["start_line"], f"{f['check']}/{f['rule']}"),
            f["level"],
            f["message"],
        )
        for f in report["findings"]
    ]
    attribution = report["attribution"]
    tools = tuple(attribution["tools"]) if attribution["ai"] else ()
    reasons = tuple(report["verdict"]["reasons"])
    return RangeRun(rng, findings, ai_tools=tools, reasons=reasons)


def line_text(mirror: Path, key: Key, head: str) -> str:
    """The head's text of a finding's line, for a judge's screen (never stored)."""
    blob = _git(mirror, "show", f"{head}:{key.path}", ok_codes=(0, 128))
    lines = blob.decode(errors="replace").splitlines()
    return lines[key.line - 1].strip() if 0 < key.line <= len(lines) else ""
