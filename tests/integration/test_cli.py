"""`ai-gate check` on real local git histories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitrepo import commit, git

BIN = Path(sys.executable).parent / "ai-gate"
CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, {"pkg/old.py": "import json\n\n\ndef f():\n    return 1\n"}, "Initial")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def run_check(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "check", "--repo", str(repo), *args], capture_output=True, text=True, check=False
    )


def test_json_report_has_attribution_and_findings_on_added_lines_only(repo: Path) -> None:
    head = commit(
        repo,
        {
            "pkg/old.py": "import json\n\n\ndef f():\n    return 1\n\n\n"
            "def g():\n    try:\n        return 2\n    except:\n        return 3\n"
        },
        f"Add g\n\n{CLAUDE}",
    )

    done = run_check(repo, "--format", "json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["head_sha"] == head
    assert report["attribution"]["ai"] is True
    assert report["attribution"]["tools"] == ["claude-code"]
    assert report["attribution"]["signals"][0]["evidence"] == CLAUDE
    # line 1's unused import predates the branch: not reported
    assert [(f["path"], f["start_line"], f["rule"]) for f in report["findings"]] == [
        ("pkg/old.py", 11, "E722")
    ]
    assert report["verdict"]["conclusion"] == "success"


def test_failing_finding_exits_1_and_text_names_the_line(repo: Path) -> None:
    commit(repo, {"pkg/new.py": "def h():\n    return undefined_name\n"}, f"Add h\n\n{CLAUDE}")

    done = run_check(repo)

    assert done.returncode == 1
    assert "pkg/new.py:2: failure: [ruff F821]" in done.stdout


def test_human_branch_is_neutral_and_exits_0(repo: Path) -> None:
    commit(repo, {"pkg/new.py": "def h():\n    return undefined_name\n"}, "Add h")
    done = run_check(repo, "--format", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["verdict"]["conclusion"] == "neutral"


def test_unknown_base_is_a_usage_error(repo: Path) -> None:
    done = run_check(repo, "--base", "no-such-branch")
    assert done.returncode == 2
    assert "no-such-branch" in done.stderr


def test_broken_config_is_exit_2_with_line(repo: Path) -> None:
    bad = repo / "bad.yml"
    bad.write_text("gate:\n  fail_onn: warning\n")
    done = run_check(repo, "--config", str(bad))
    assert done.returncode == 2
    assert f"{bad}:2:3" in done.stderr


def test_config_validate_and_schema(tmp_path: Path) -> None:
    good = tmp_path / "good.yml"
    # Every key of issue 16 is known to `config validate`.
    good.write_text(
        "gate:\n  applies_to: all\n  disclosure: require\n  disclosure_trailers: [Assisted-by]\n"
        "  forbid_agent_signoff: true\n  branches: [main]\n  skip_label: skip-ai-gate\n"
        "paths: [src/**]\nexclude: [src/gen/**]\n"
        "overrides:\n  - paths: [src/pay/**]\n    gate: {fail_on: warning}\n"
        "checks:\n  suppressions: {see_through: true, level: notice}\n"
        "  cost: {level: warning, ignore: [AIG101]}\n"
    )
    ok = subprocess.run(
        [str(BIN), "config", "validate", str(good)], capture_output=True, text=True, check=False
    )
    assert (ok.returncode, ok.stdout.strip()) == (0, f"{good}: valid")
    bad = tmp_path / "bad.yml"
    bad.write_text("overrides:\n  - checks: {}\n    gate: {disclosure: require}\n")
    refused = subprocess.run(
        [str(BIN), "config", "validate", str(bad)], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2
    assert f"{bad}:2" in refused.stderr  # the block without paths, by its line
    schema = subprocess.run(
        [str(BIN), "config", "schema"], capture_output=True, text=True, check=True
    )
    assert "applies_to" in json.loads(schema.stdout)["$defs"]["GateConfig"]["properties"]


def test_base_ruff_config_applies_and_the_branch_cannot_switch_it_off(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    hook = "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
    hook += "    hooks:\n      - id: ruff\n"
    commit(
        repo,
        {
            "ruff.toml": '[lint]\nextend-select = ["T20"]\n',
            ".pre-commit-config.yaml": hook,
            ".ai-gate.yml": "checks:\n  ruff:\n    repository_rules: auto\n",
        },
        "Lint prints",
    )
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--ff-only", "main")
    commit(
        repo,
        {"ruff.toml": '[lint]\nignore = ["T20", "E722"]\n', "pkg/p.py": "print('hi')\n"},
        f"Quiet the linter\n\n{CLAUDE}",
    )

    done = run_check(repo, "--format", "json")

    rules = {(f["path"], f["rule"]) for f in json.loads(done.stdout)["findings"]}
    assert ("pkg/p.py", "T201") in rules  # from the base's ruff.toml, despite the branch's edit


def test_broken_base_ruff_config_falls_back_with_a_note(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    commit(repo, {"ruff.toml": "[lint\nselect = \n"}, "Broken config")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--ff-only", "main")
    commit(repo, {"pkg/q.py": "try:\n    x = 1\nexcept:\n    pass\n"}, f"Add q\n\n{CLAUDE}")

    report = json.loads(run_check(repo, "--format", "json").stdout)

    assert any("ruff.toml" in note for note in report["notes"])
    assert ("pkg/q.py", "E722") in {(f["path"], f["rule"]) for f in report["findings"]}


def test_sarif_carries_findings_with_fingerprints_and_attribution_as_properties(
    repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"pkg/new.py": "def h():\n    return undefined_name\n"}, f"Add h\n\n{CLAUDE}")
    out = tmp_path / "report.sarif"

    done = run_check(repo, "--format", "sarif", "--output", str(out))

    assert done.returncode == 1
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    [result] = run["results"]
    assert result["ruleId"] == "ruff/F821"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "pkg/new.py"
    assert location["region"]["startLine"] == 2
    assert result["partialFingerprints"]["aiGateFingerprint/v1"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "ruff/F821"
    assert run["properties"]["attribution"]["tools"] == ["claude-code"]
    assert run["properties"]["verdict"]["conclusion"] == "failure"


def test_past_the_time_limit_the_report_comes_with_what_was_done_and_a_note(repo: Path) -> None:
    # mypy alone needs more than the second left here (its start-up reads the standard
    # library's stubs); ruff, attribution and the rest finish.
    commit(repo, {"pkg/slow.py": "try:\n    x = 1\nexcept:\n    pass\n"}, f"Add slow\n\n{CLAUDE}")

    done = run_check(repo, "--format", "json", "--time-limit", "1.0")

    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert ("pkg/slow.py", "E722") in {(f["path"], f["rule"]) for f in report["findings"]}
    assert any("mypy timed out" in note for note in report["notes"]), report["notes"]
    assert report["attribution"]["ai"] is True
    # Not a terminal: no progress lines on stderr.
    assert "reading" not in done.stderr


def test_a_ruff_config_nothing_runs_adds_no_rules_and_says_so(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    commit(
        repo,
        {
            "ruff.toml": '[lint]\nextend-select = ["T20"]\n',
            ".ai-gate.yml": "checks:\n  ruff:\n    repository_rules: auto\n",
        },
        "A config nobody runs",
    )
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--ff-only", "main")
    commit(repo, {"pkg/p.py": "print('hi')\n"}, f"Print\n\n{CLAUDE}")

    report = json.loads(run_check(repo, "--format", "json").stdout)

    assert ("pkg/p.py", "T201") not in {(f["path"], f["rule"]) for f in report["findings"]}
    assert any("nothing in the repository runs ruff" in n for n in report["notes"])
