"""The GitHub Action's entry point run as a runner runs it: a recorded `pull_request` event, the
`GITHUB_*` variables a runner sets, and the fake GitHub as the API and the git remote."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.version import installed_version
from tests.fakes.github_server import FakeGitHub
from tests.fakes.schemas import sarif_errors, schema_errors
from tests.integration.conftest import BIN
from tests.integration.scenarios import (
    CLAUDE_TRAILER,
    Change,
    StagedPR,
    annotations_of,
    our_runs,
    stage_pr,
)

ROOT = Path(__file__).resolve().parents[2]
EVENT = ROOT / "tests/fixtures/events/pull_request.json"
# Two warnings (E722 bare except, B006 mutable default) and a failure (F821 undefined name).
CODE = (
    "def a():\n    try:\n        return 1\n    except:\n        return 2\n\n\n"
    "def b(x=[]):\n    return x\n\n\ndef c():\n    return missing\n"
)
EXPECTED = {
    ("pkg/review.py", 4, "E722"),
    ("pkg/review.py", 8, "B006"),
    ("pkg/review.py", 13, "F821"),
}
# What a workflow's GITHUB_TOKEN may do: a same-repository PR with `checks: write`, and a fork's.
WRITER = {"checks": "write", "contents": "read", "pull_requests": "read", "metadata": "read"}
FORK = {"checks": "read", "contents": "read", "pull_requests": "read", "metadata": "read"}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    sarif: dict[str, object] | None


def staged(
    github: FakeGitHub,
    base_config: str | None,
    head_config: str | None = None,
    code: str = CODE,
) -> StagedPR:
    """A PR of two AI-written commits; the base may hold a config and the head change it."""
    base: dict[str, str | bytes | None] = {"README.md": "# hello\n"}
    if base_config is not None:
        base[".ai-gate.yml"] = base_config
    second: dict[str, str | bytes | None] = {"pkg/__init__.py": ""}
    if head_config is not None:
        second[".ai-gate.yml"] = head_config
    return stage_pr(
        github,
        base,
        [
            Change({"pkg/review.py": code}, f"Add review helpers\n\n{CLAUDE_TRAILER}"),
            Change(second, f"Make pkg a package\n\n{CLAUDE_TRAILER}"),
        ],
    )


def event_file(tmp: Path, github: FakeGitHub, pr: StagedPR, *, fork: bool = False) -> Path:
    """The recorded event with this PR's numbers, as the runner writes it to GITHUB_EVENT_PATH."""
    text = EVENT.read_text()
    for key, value in {
        "__ORIGIN__": github.base_url,  # type: ignore[attr-defined]
        "__OWNER__": pr.owner,
        "__REPO__": pr.repo,
        "__HEAD_OWNER__": "contributor" if fork else "octocat",
        "__FORK__": json.dumps(fork),
        "__NUMBER__": str(pr.number),
        "__BASE_SHA__": pr.base_sha,
        "__HEAD_SHA__": pr.head_sha,
        "__COMMITS__": "2",
    }.items():
        text = text.replace(key, value)
    path = tmp / "event.json"
    path.write_text(text)
    return path


def run_action(
    github: FakeGitHub, tmp: Path, pr: StagedPR, token: str, *, fork: bool = False
) -> Run:
    """`ai-gate action` with the environment a runner gives a step (and nothing of ours)."""
    runner = tmp / "runner"
    (runner / "temp").mkdir(parents=True)
    (runner / "work").mkdir()
    output, summary = runner / "output.txt", runner / "summary.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "AI_GATE_"))}
    env |= {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_file(tmp, github, pr, fork=fork)),
        "GITHUB_REPOSITORY": f"{pr.owner}/{pr.repo}",
        "GITHUB_REPOSITORY_OWNER": pr.owner,
        "GITHUB_API_URL": github.base_url,  # type: ignore[attr-defined]
        "GITHUB_SERVER_URL": github.base_url,  # type: ignore[attr-defined]
        "GITHUB_SHA": pr.head_sha,
        "GITHUB_REF": f"refs/pull/{pr.number}/merge",
        "GITHUB_HEAD_REF": "feature/review-helpers",
        "GITHUB_BASE_REF": "main",
        "GITHUB_WORKSPACE": str(runner / "work"),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_RUN_ID": "987654321",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_JOB": "ai-gate",
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(runner / "temp"),
        "GITHUB_TOKEN": token,
        # Registry lookups off: nothing leaves the machine.
        "AI_GATE_PYPI_URL": "",
        "AI_GATE_NPM_URL": "",
    }
    done = subprocess.run(
        [str(BIN), "action"], env=env, capture_output=True, text=True, check=False, timeout=300
    )
    sarif_path = runner / "temp" / "ai-gate.sarif"
    return Run(
        done.returncode,
        done.stdout,
        done.stderr,
        parse_outputs(output.read_text() if output.exists() else ""),
        summary.read_text() if summary.exists() else "",
        json.loads(sarif_path.read_text()) if sarif_path.exists() else None,
    )


def parse_outputs(text: str) -> dict[str, str]:
    """`$GITHUB_OUTPUT` as the runner reads it (`name<<DELIMITER` blocks and `name=value`)."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            value = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_ = line.split("=", 1)
            outputs[name] = value_
    return outputs


FAIL_ON_WARNING = "gate:\n  fail_on: warning\n"
COMMAND = r"::(\w+) file=(?P<file>[^,]+),line=(?P<line>\d+),endLine=\d+,title=(?P<title>[^:]+)::"


def test_a_token_that_may_write_checks_gets_the_apps_check_run(
    github: FakeGitHub, tmp_path: Path
) -> None:
    pr = staged(github, FAIL_ON_WARNING)

    run = run_action(github, tmp_path, pr, github.add_token(WRITER))

    assert run.code == 1, run.stderr  # failure exits 1
    [check] = our_runs(github, pr.head_sha)
    assert (check["name"], check["status"], check["conclusion"]) == (
        "ai-gate",
        "completed",
        "failure",
    )
    assert annotations_of(github, check["id"]) == EXPECTED
    assert f"ai-gate {installed_version()}" in check["output"]["summary"]
    assert "::error" not in run.stdout  # the annotations are the check run's
    assert run.outputs["conclusion"] == "failure"
    assert run.outputs["ai-share"] == "1.0000"
    assert float(run.outputs["usd"]) > 0
    assert run.outputs["sarif-file"].endswith("ai-gate.sarif")
    assert run.sarif is not None
    assert sarif_errors(run.sarif) == []
    assert "### Verdict: failure" in run.summary


def test_a_forks_read_only_token_gets_a_job_summary_and_workflow_annotations(
    github: FakeGitHub, tmp_path: Path
) -> None:
    pr = staged(github, FAIL_ON_WARNING)

    run = run_action(github, tmp_path, pr, github.add_token(FORK), fork=True)

    assert run.code == 1, run.stderr
    assert our_runs(github, pr.head_sha) == []
    refused = github.requests_matching("POST", r"/check-runs$")
    assert [r.status for r in refused if r.json["head_sha"] == pr.head_sha] == [403]
    commands = [line for line in run.stdout.splitlines() if line.startswith("::")]
    found = {
        (m["file"], int(m["line"]), m["title"].rsplit(" ", 1)[-1])
        for m in (
            re.match(
                COMMAND,
                c,
            )
            for c in commands
        )
        if m
    }
    assert found == EXPECTED
    assert commands[0].startswith("::error ")  # the failure first
    assert "### Verdict: failure" in run.summary
    assert run.outputs["conclusion"] == "failure"


def test_the_gate_comes_from_the_base_even_when_the_pr_loosens_it(
    github: FakeGitHub, tmp_path: Path
) -> None:
    warnings_only = CODE.split("\n\n\ndef c")[0] + "\n"
    loose = "gate:\n  fail_on: failure\n"
    pr = staged(github, FAIL_ON_WARNING, head_config=loose, code=warnings_only)

    run = run_action(github, tmp_path, pr, github.add_token(WRITER))

    # Under the head's file the two warnings would pass; the base's fails them.
    assert run.code == 1, run.stderr
    assert run.outputs["conclusion"] == "failure"
    [check] = our_runs(github, pr.head_sha)
    assert f"{pr.owner}/{pr.repo}/.ai-gate.yml" in check["output"]["summary"]


def test_a_broken_base_config_fails_the_run_with_where_to_fix_it(
    github: FakeGitHub, tmp_path: Path
) -> None:
    pr = staged(github, "gate:\n  fail_onn: warning\n")

    run = run_action(github, tmp_path, pr, github.add_token(WRITER))

    assert run.code == 2
    [check] = our_runs(github, pr.head_sha)
    assert check["conclusion"] == "failure"
    assert "fail_onn" in check["output"]["summary"]
    assert "Invalid" in run.summary


def test_a_push_event_is_a_usage_error(github: FakeGitHub, tmp_path: Path) -> None:
    pr = staged(github, None)
    env = {
        **os.environ,
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event_file(tmp_path, github, pr)),
        "GITHUB_REPOSITORY": f"{pr.owner}/{pr.repo}",
    }
    done = subprocess.run(
        [str(BIN), "action"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "on: pull_request" in done.stderr


def test_action_yml_is_a_valid_composite_action_that_runs_the_entry_point() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())

    assert schema_errors(action, "GitHub Action") == []
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert 'args=(action --time-limit "$TIME_LIMIT")' in scripts
    assert '/bin/ai-gate" "${args[@]}"' in scripts
    assert '-r "$GITHUB_ACTION_PATH/requirements.lock"' in scripts
    # Inputs reach scripts through the environment, never spliced into the script's text.
    assert "${{" not in scripts
    assert set(action["outputs"]) >= {"conclusion", "ai-share", "usd", "sarif-file"}


def test_the_readmes_example_workflow_is_a_valid_workflow_using_the_action() -> None:
    readme = (ROOT / "README.md").read_text()
    [example] = re.findall(r"```yaml\n(# \.github/workflows/ai-gate\.yml\n.*?)```", readme, re.S)
    workflow = yaml.safe_load(example)
    # YAML 1.1 reads the key `on` as true; GitHub reads it as `on`.
    workflow["on"] = workflow.pop(True)

    assert schema_errors(workflow, "GitHub Workflow") == []
    [job] = workflow["jobs"].values()
    assert any(str(step.get("uses", "")).startswith("ai-gate/ai-gate@") for step in job["steps"])
    assert job["permissions"]["checks"] == "write"


def test_a_failed_fetch_completes_the_run_with_what_went_wrong(
    github: FakeGitHub, tmp_path: Path
) -> None:
    pr = staged(github, None)
    # git asks for the refs first: one refusal ends the fetch (and leaves no failure behind).
    github.fail_next("*", rf"/{pr.repo}\.git/", 403, times=1)

    run = run_action(github, tmp_path, pr, github.add_token(WRITER))

    assert run.code == 2
    assert "git fetch was refused" in run.stderr
    [check] = our_runs(github, pr.head_sha)
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert "git fetch was refused" in check["output"]["summary"]
