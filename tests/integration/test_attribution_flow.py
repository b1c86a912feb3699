"""Attribution end to end: typical PRs through the fake GitHub and a real worker, and the same
history judged the same by `ai-gate check` locally and by the check run on GitHub."""

from __future__ import annotations

from typing import Any

from tests.fakes.github_server import FakeGitHub
from tests.gitrepo import Person
from tests.integration.conftest import deliver
from tests.integration.scenarios import (
    Change,
    StagedPR,
    our_runs,
    pull_request_payload,
    stage_pr,
    wait_completed,
)

TEXT = "def total(values: list[int]) -> int:\n    return sum(values)\n"


def stage(
    github: FakeGitHub,
    name: str,
    *,
    user: tuple[str, str] = ("octocat", "User"),
    message: str,
    author: tuple[str, str] = ("Octo Cat", "octo@example.com"),
    branch: str = "feature",
    body: str = "",
) -> tuple[StagedPR, dict[str, Any]]:
    pr = stage_pr(
        github,
        {"README.md": "# totals\n"},
        [Change({f"pkg/{name}.py": TEXT}, message, author=Person(*author))],
        head_ref=branch,
        body=body,
        user_login=user[0],
        user_type=user[1],
    )
    payload = pull_request_payload(pr)
    payload["pull_request"]["user"] = {"login": user[0], "id": 7, "type": user[1]}
    payload["pull_request"]["head"]["ref"] = branch
    return pr, payload


def summary_after(
    github: FakeGitHub, redis_server: str, pr: StagedPR, payload: dict[str, Any]
) -> dict[str, Any]:
    assert deliver(redis_server, "pull_request", payload).status_code == 202
    wait_completed(github, pr.head_sha)
    [run] = our_runs(github, pr.head_sha)
    return run


def test_pr_opened_by_the_copilot_coding_agent(github: FakeGitHub, redis_server: str) -> None:
    pr, payload = stage(
        github,
        "copilot",
        user=("Copilot", "Bot"),
        branch="copilot/fix-totals",
        message="Add total helper\n\nCo-authored-by: octocat <1+octocat@users.noreply.github.com>",
        author=("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
    )
    run = summary_after(github, redis_server, pr, payload)
    summary = run["output"]["summary"]
    assert "| copilot-agent | unknown | 1 of 1 | 2 of 2 (100%) |" in summary
    assert "- PR author (`pull_request`): `Copilot`" in summary
    assert "- branch name (`pull_request`): `copilot/fix-totals`" in summary
    # the human who asked for the work is a co-author, not evidence
    assert "octocat" not in summary


def test_pr_with_a_claude_code_trailer_names_tool_and_model(
    github: FakeGitHub, redis_server: str
) -> None:
    message = (
        "Add total helper\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
        "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
    )
    pr, payload = stage(github, "claude", message=message)
    summary = summary_after(github, redis_server, pr, payload)["output"]["summary"]
    assert "| claude-code | claude-opus-4-5 | 1 of 1 | 2 of 2 (100%) |" in summary
    assert "`Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>`" in summary


def test_dependabot_pr_is_not_ai(github: FakeGitHub, redis_server: str) -> None:
    pr, payload = stage(
        github,
        "dependabot",
        user=("dependabot[bot]", "Bot"),
        branch="dependabot/pip/requests-2.32.3",
        message="Bump requests from 2.32.0 to 2.32.3\n\nSigned-off-by: dependabot[bot] "
        "<support@github.com>",
        author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        body="Bumps [requests](https://github.com/psf/requests) from 2.32.0 to 2.32.3.",
    )
    run = summary_after(github, redis_server, pr, payload)
    assert run["conclusion"] == "neutral"
    assert "claude" not in run["output"]["summary"].lower()
    assert run["output"]["title"].startswith("Not gated (")
    assert run["output"]["title"].endswith("; no AI attribution)")


def test_human_pr_with_a_human_co_author_is_not_ai(github: FakeGitHub, redis_server: str) -> None:
    message = (
        "Add total helper\n\nPaired on this; the Claude API client stays as it is.\n\n"
        "Co-authored-by: Grace Hopper <grace@example.com>"
    )
    pr, payload = stage(github, "human", message=message)
    run = summary_after(github, redis_server, pr, payload)
    assert run["conclusion"] == "neutral"
    assert "Evidence" not in run["output"]["summary"]
