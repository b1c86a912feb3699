"""The agent policies through the App's job: a PR read from the fake GitHub, judged in this
process with the real linters."""

from __future__ import annotations

import pytest

from app.jobs.deps import Deps
from tests.fakes.github_server import FakeGitHub
from tests.gitrepo import Person
from tests.integration.inprocess import analysed
from tests.integration.scenarios import Change, ai_change, annotations_of, stage_pr

pytestmark = pytest.mark.integration

SEE_THROUGH = "checks:\n  mypy:\n    enabled: true\n  suppressions:\n    see_through: true\n"
SILENCED = (
    "def total(xs: list[int]) -> int:\n    return sum(xs)\n\n\n"
    "n: str = total([1])  # type: ignore\n"
)


def test_an_agents_type_ignore_is_reported_and_seen_through(github: FakeGitHub, deps: Deps) -> None:
    pr = stage_pr(
        github,
        {".ai-gate.yml": SEE_THROUGH, "pkg/__init__.py": ""},
        [ai_change({"pkg/calc.py": SILENCED}, "Add total")],
    )

    run = analysed(github, deps, pr)
    # The new suppression, and the mypy error it silenced (real mypy, run a second time on
    # the file without the comment).
    assert annotations_of(github, run["id"]) == {
        ("pkg/calc.py", 5, "new-type-ignore"),
        ("pkg/calc.py", 5, "assignment"),
    }
    with github.lock:
        messages = [a["message"] for a in github.annotations[run["id"]]]
    assert any("hidden by the new `# type: ignore`" in m for m in messages)


def test_a_skip_label_added_by_a_read_only_user_is_not_honoured(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_pr(
        github,
        {".ai-gate.yml": "gate:\n  max_ai_lines: 0\n  skip_label: skip-ai-gate\n"},
        [ai_change({"pkg/calc.py": "X = 1\n"})],
    )
    github.set_permission(pr.owner, pr.repo, "reader", "read")
    github.add_label(pr.owner, pr.repo, pr.number, "skip-ai-gate", "reader")

    run = analysed(github, deps, pr)
    assert run["conclusion"] == "failure"
    summary = run["output"]["summary"]
    assert "Label `skip-ai-gate` not honoured: @reader added it with `read` access" in summary
    # Who added the label, and their permission, were asked of GitHub.
    assert github.requests_matching("GET", rf"/issues/{pr.number}/events$")
    assert github.requests_matching("GET", r"/collaborators/reader/permission$")


DEVIN = Person(
    "devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com"
)


def test_an_undisclosed_agent_commit_fails_under_disclosure_require(
    github: FakeGitHub, deps: Deps
) -> None:
    pr = stage_pr(
        github,
        {".ai-gate.yml": "gate:\n  disclosure: require\n"},
        [Change({"pkg/calc.py": "X = 1\n"}, "Add X", author=DEVIN)],
    )

    run = analysed(github, deps, pr)
    assert run["conclusion"] == "failure"
    summary = run["output"]["summary"]
    assert f"Commit `{pr.head_sha[:12]}` is AI-attributed" in summary
    assert "devin-ai-integration[bot]" in summary  # the evidence
    assert "`Assisted-by: AGENT:MODEL`" in summary  # the expected form
    assert "**not disclosed**" in summary
