"""The pre-commit hook: `ai-gate check --staged` run by git before a commit, on the staged
changes only, writing nothing to the repository."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.fakes.schemas import schema_errors
from tests.gitrepo import GIT_ENV, commit, git
from tests.integration.conftest import BIN

ROOT = Path(__file__).resolve().parents[2]
# An AWS access key id shape the secrets check reports at failure level (not a real key).
SECRET = 'KEY = "AKIAQYLPMN5HFIQR7XYZ"\n'


def hook() -> dict[str, object]:
    [only] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return dict(only)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, {"pkg/old.py": "def f():\n    return 1\n"}, "Initial")
    # The hook's entry as git runs a hook: from the top of the work tree, with git's variables.
    entry = str(hook()["entry"]).split()
    script = tmp_path / ".git/hooks/pre-commit"
    script.write_text(f'#!/bin/sh\nexec "{BIN}" {" ".join(entry[1:])}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def commit_through_hook(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**GIT_ENV, "HOME": str(repo), "AI_GATE_PYPI_URL": "", "AI_GATE_NPM_URL": ""}
    env["PATH"] = os.environ["PATH"]
    return subprocess.run(
        ["git", "commit", "-q", "-m", "Add things", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def check_staged(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AI_GATE_PYPI_URL": "", "AI_GATE_NPM_URL": ""}
    return subprocess.run(
        [str(BIN), "check", "--staged", "--repo", str(repo), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_manifest_is_a_valid_hook_that_runs_the_staged_check() -> None:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())

    assert schema_errors(manifest, ".pre-commit-hooks.yml") == []
    assert hook()["entry"] == "ai-gate check --staged"
    assert hook()["pass_filenames"] is False
    assert hook()["language"] == "python"


def test_a_staged_secret_refuses_the_commit_and_a_clean_change_passes(repo: Path) -> None:
    (repo / "pkg/keys.py").write_text(SECRET)
    git(repo, "add", "pkg/keys.py")

    refused = commit_through_hook(repo)

    assert refused.returncode == 1, refused.stderr
    # git shows a hook's output on its stderr
    assert "pkg/keys.py:1: failure: [secrets" in refused.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"  # nothing was committed

    git(repo, "rm", "-q", "--cached", "pkg/keys.py")
    (repo / "pkg/new.py").write_text("def g():\n    return 2\n")
    git(repo, "add", "pkg/new.py")
    accepted = commit_through_hook(repo)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"


def test_only_staged_lines_count_and_commit_a_reads_the_index_git_commits_from(
    repo: Path,
) -> None:
    # An unstaged secret in the work tree is not part of what `git commit` would record...
    (repo / "pkg/old.py").write_text("def f():\n    return 1\n" + SECRET)
    assert check_staged(repo).returncode == 0
    # ...until `git commit -a` stages it into the index it hands the hook.
    refused = commit_through_hook(repo, "-a")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "pkg/old.py:3: failure: [secrets" in refused.stderr


def test_nothing_is_written_to_the_repository(repo: Path) -> None:
    (repo / "pkg/new.py").write_text("import os\n")
    git(repo, "add", "pkg/new.py")
    before = git(repo, "count-objects", "-v"), git(repo, "for-each-ref"), git(repo, "status")

    done = check_staged(repo, "--format", "json")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"][0]["rule"] == "F401"
    after = git(repo, "count-objects", "-v"), git(repo, "for-each-ref"), git(repo, "status")
    assert after == before


def test_attribution_is_agent_trace_at_head_or_unknown_never_guessed(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    (repo / "pkg/new.py").write_text("a = 1\nb = 2\n")
    git(repo, "add", "pkg/new.py")

    unknown = json.loads(check_staged(repo, "--format", "json").stdout)

    assert unknown["attribution"]["ai_added_lines"] == 0
    assert unknown["attribution"]["signals"] == []  # the synthetic commit is no evidence
    assert any("unknown authorship" in note for note in unknown["notes"])

    record = {
        "version": "0.1.0",
        "id": "0d7d5c1e-3f1a-4a43-9c55-5a3c1f9b8e21",
        "timestamp": "2026-11-30T10:00:00Z",
        "tool": {"name": "claude-code", "version": "2.0.0"},
        "vcs": {"type": "git", "revision": head},
        "files": [
            {
                "path": "pkg/new.py",
                "conversations": [
                    {
                        "contributor": {"type": "ai", "model_id": "anthropic/claude-opus-4-5"},
                        "ranges": [{"start_line": 1, "end_line": 2}],
                    }
                ],
            }
        ],
    }
    (repo / ".agent-trace").mkdir()
    (repo / ".agent-trace/traces.jsonl").write_text(json.dumps(record) + "\n")
    git(repo, "add", ".agent-trace/traces.jsonl")

    traced = json.loads(check_staged(repo, "--format", "json").stdout)

    # The record describes the commit being made (recorded at HEAD): its lines are the AI's.
    assert traced["attribution"]["line_method"] == "lines"
    files = {f["path"]: f for f in traced["attribution"]["files"]}
    assert files["pkg/new.py"]["ai_added_lines"] == 2
    assert traced["attribution"]["ai_added_lines"] == 2


def test_staged_with_a_range_is_a_usage_error(repo: Path) -> None:
    done = check_staged(repo, "--base", "main")
    assert done.returncode == 2
    assert "--staged" in done.stderr


def test_a_repository_without_commits_checks_its_first_commit(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "first.py").write_text(SECRET)
    git(tmp_path, "add", "first.py")

    done = check_staged(tmp_path)

    assert done.returncode == 1, done.stderr
    assert "first.py:1: failure: [secrets" in done.stdout
