"""Configuration through the App's job, run in this process: the base's `.ai-gate.yml` over
the head's, the organisation's floor and `_extends`, broken files, the AI label."""

from __future__ import annotations

from app.jobs.deps import Deps
from tests.fakes.github_server import FakeGitHub
from tests.integration.inprocess import analysed
from tests.integration.scenarios import (
    REPO,
    ai_change,
    stage_file_pr,
    stage_pr,
    staged_with_config,
)


def test_base_config_is_strict_while_the_head_loosens_it(github: FakeGitHub, deps: Deps) -> None:
    pr = stage_pr(
        github,
        {".ai-gate.yml": "gate:\n  fail_on: warning\n"},
        [
            ai_change(
                {
                    "pkg/review.py": "try:\n    x = 1\nexcept:\n    x = 2\n",
                    ".ai-gate.yml": "gate:\n  fail_on: failure\n",
                }
            )
        ],
    )
    failed = analysed(github, deps, pr)
    assert failed["conclusion"] == "failure"
    # The bare except and the head's loosening of the gate itself (checks.suppressions).
    assert "2 findings on added lines reach `gate.fail_on: warning`" in failed["output"]["summary"]
    assert "Loosens ai-gate's configuration" in failed["output"]["summary"]


def test_invalid_config_gives_a_failing_run_quoting_the_line(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = staged_with_config(github, b"gate:\n  fail_on: warning\n  fail_onn: notice\n")
    failed = analysed(github, deps, pr)
    assert failed["conclusion"] == "failure"
    summary = failed["output"]["summary"]
    assert "line 3, column 3" in summary
    assert "gate.fail_onn" in summary
    assert "spelling" in summary  # the hint says how to fix it

    yaml_error = staged_with_config(github, b"gate:\n  fail_on: [warning\n")
    broken = analysed(github, deps, yaml_error)
    assert broken["conclusion"] == "failure"
    assert "YAML syntax error" in broken["output"]["summary"]


def test_org_floor_beats_a_looser_repository_setting(github: FakeGitHub, deps: Deps) -> None:
    org = "floor-org"
    github.add_content(
        org, ".github", "main", ".ai-gate.yml", b"_floor:\n  gate:\n    fail_on: warning\n"
    )
    pr = stage_file_pr(
        github,
        "try:\n    x = 1\nexcept:\n    x = 2\n",
        owner=org,
        config="gate:\n  fail_on: failure\n",
    )
    failed = analysed(github, deps, pr)
    assert failed["conclusion"] == "failure"
    assert "would loosen the organisation's floor" in failed["output"]["summary"]


def test_extends_cycle_gives_a_failing_run(github: FakeGitHub, deps: Deps) -> None:
    org = "cycle-org"
    github.add_content(org, "a", "main", ".ai-gate.yml", b"_extends: b\n")
    github.add_content(org, "b", "main", ".ai-gate.yml", b"_extends: a\n")
    pr = stage_file_pr(github, "x = 1\n", owner=org, config="_extends: a\n")
    failed = analysed(github, deps, pr)
    assert failed["conclusion"] == "failure"
    assert "cycle" in failed["output"]["summary"]


def test_ai_generated_label_is_added_when_configured(github: FakeGitHub, deps: Deps) -> None:
    pr = staged_with_config(github, b"labels:\n  ai_generated: ai-generated\n")
    analysed(github, deps, pr)
    assert github.labels.get((pr.owner, REPO, pr.number)) == ["ai-generated"]
    plain = stage_file_pr(
        github, "z = 3\n", trailer=False, config="labels:\n  ai_generated: ai-generated\n"
    )
    assert analysed(github, deps, plain)["conclusion"] == "neutral"
    assert github.labels.get((plain.owner, REPO, plain.number)) == []
