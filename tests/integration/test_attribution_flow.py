"""Attribution through the App's job: typical PRs read from the fake GitHub (the PR's author,
branch and body from its API, the commits over git) and judged in this process."""

from __future__ import annotations

from app.jobs.deps import Deps
from tests.fakes.github_server import FakeGitHub
from tests.gitrepo import Person
from tests.integration.inprocess import analysed
from tests.integration.scenarios import Change, StagedPR, stage_pr

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
) -> StagedPR:
    return stage_pr(
        github,
        {"README.md": "# totals\n"},
        [Change({f"pkg/{name}.py": TEXT}, message, author=Person(*author))],
        head_ref=branch,
        body=body,
        user_login=user[0],
        user_type=user[1],
    )


def test_pr_opened_by_the_copilot_coding_agent(github: FakeGitHub, deps: Deps) -> None:
    pr = stage(
        github,
        "copilot",
        user=("Copilot", "Bot"),
        branch="copilot/fix-totals",
        message="Add total helper\n\nCo-authored-by: octocat <1+octocat@users.noreply.github.com>",
        author=("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
    )
    run = analysed(github, deps, pr)
    summary = run["output"]["summary"]
    assert "| copilot-agent | unknown | 1 of 1 | 2 of 2 (100%) |" in summary
    assert "- PR author (`pull_request`): `Copilot`" in summary
    assert "- branch name (`pull_request`): `copilot/fix-totals`" in summary
    # the human who asked for the work is a co-author, not evidence
    assert "octocat" not in summary


def test_pr_with_a_claude_code_trailer_names_tool_and_model(github: FakeGitHub, deps: Deps) -> None:
    message = (
        "Add total helper\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
        "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
    )
    pr = stage(github, "claude", message=message)
    summary = analysed(github, deps, pr)["output"]["summary"]
    assert "| claude-code | claude-opus-4-5 | 1 of 1 | 2 of 2 (100%) |" in summary
    assert "`Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>`" in summary


def test_dependabot_pr_is_not_ai(github: FakeGitHub, deps: Deps) -> None:
    pr = stage(
        github,
        "dependabot",
        user=("dependabot[bot]", "Bot"),
        branch="dependabot/pip/requests-2.32.3",
        message="Bump requests from 2.32.0 to 2.32.3\n\nSigned-off-by: dependabot[bot] "
        "<support@github.com>",
        author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        body="Bumps [requests](https://github.com/psf/requests) from 2.32.0 to 2.32.3.",
    )
    run = analysed(github, deps, pr)
    assert run["conclusion"] == "neutral"
    assert "claude" not in run["output"]["summary"].lower()
    assert run["output"]["title"].startswith("Not gated (")
    assert run["output"]["title"].endswith("; no AI attribution)")


def test_human_pr_with_a_human_co_author_is_not_ai(github: FakeGitHub, deps: Deps) -> None:
    message = (
        "Add total helper\n\nPaired on this; the Claude API client stays as it is.\n\n"
        "Co-authored-by: Grace Hopper <grace@example.com>"
    )
    pr = stage(github, "human", message=message)
    run = analysed(github, deps, pr)
    assert run["conclusion"] == "neutral"
    assert "Evidence" not in run["output"]["summary"]
