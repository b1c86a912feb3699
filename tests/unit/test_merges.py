"""Merge commits: never agent work themselves; an agent branch they bring in is evidence."""

import pytest

from app.core.attribution.detection import detect
from app.core.attribution.merges import merged_branch, merged_side
from app.core.config.detection import DetectionConfig
from app.core.models import Commit, Identity, PullRequestSnapshot
from tests.builders import HUMAN

CLAUDE = "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"
COPILOT_AGENT = Identity(
    name="copilot-swe-agent[bot]", email="198982749+Copilot@users.noreply.github.com"
)


def commit(sha: str, message: str, *parents: str, author: Identity = HUMAN) -> Commit:
    return Commit(sha=sha * 40, message=message, author=author, committer=author, parents=parents)


def snapshot(*commits: Commit) -> PullRequestSnapshot:
    """A local range (no pull request), as `ai-gate check` builds one."""
    return PullRequestSnapshot(
        repository="octo/repo", base_sha="0" * 40, head_sha=commits[-1].sha, commits=commits
    )


@pytest.mark.parametrize(
    ("subject", "branch"),
    [
        (
            "Merge pull request #1297 from git-ai-project/devin/1777996483-fix",
            "devin/1777996483-fix",
        ),
        ("Merge branch 'codex/add-retries'", "codex/add-retries"),
        ("Merge branch 'codex/add-retries' into main", "codex/add-retries"),
        ("Merge branch 'cursor/x-1a2b' of github.com:octo/repo", "cursor/x-1a2b"),
        ("Merge remote-tracking branch 'origin/claude/fix-x-ab12c'", "claude/fix-x-ab12c"),
        ("Merge branch 'main' into devin/1700000000-fix", "main"),
        ("Merge 8b38399 into c3cae39", None),
        ("Add merge support", None),
    ],
)
def test_a_merge_subject_names_the_branch_it_merged(subject: str, branch: str | None) -> None:
    assert merged_branch(subject) == branch


def test_the_merged_side_is_what_only_the_second_parent_reaches() -> None:
    base = commit("a", "Base", "0" * 40)
    main = commit("b", "Main moves on", base.sha)
    agent1 = commit("c", "Agent step one", base.sha)
    agent2 = commit("d", "Agent step two", agent1.sha)
    merge = commit("e", "Merge pull request #7 from octo/codex/retries", main.sha, agent2.sha)
    assert merged_side([base, main, agent1, agent2, merge], merge) == (agent1.sha, agent2.sha)
    assert merged_side([base, main], main) == ()


def test_a_merge_of_an_agent_branch_stands_for_its_unmarked_commits() -> None:
    base = commit("a", "Base", "0" * 40)
    work = commit("b", "Add retries to the client", base.sha)
    more = commit("c", "Cover the retry path", work.sha)
    merge = commit(
        "d", "Merge pull request #12 from octo/codex/add-retries-kx14", base.sha, more.sha
    )
    att = detect(snapshot(base, work, more, merge))
    assert [(c.ai, c.inherited, c.tools) for c in att.commits] == [
        (False, False, ()),
        (True, True, ("codex",)),
        (True, True, ("codex",)),
        (False, False, ()),
    ]
    assert {(s.kind, s.source) for s in att.signals} == {
        ("merge_branch", f"commit:{work.sha}"),
        ("merge_branch", f"commit:{more.sha}"),
    }
    # An org that ignores the tool drops the branch evidence too.
    ignored = detect(snapshot(base, work, more, merge), DetectionConfig(ignore_tools=("codex",)))
    assert not ignored.ai


def test_merging_main_into_an_agent_branch_is_evidence_of_nothing() -> None:
    base = commit("a", "Base", "0" * 40)
    mine = commit("b", "Fix the docs", base.sha)
    upstream = commit("c", "Upstream change", base.sha)
    merge = commit("d", "Merge branch 'main' into devin/1700000000-docs", mine.sha, upstream.sha)
    att = detect(snapshot(base, mine, upstream, merge))
    assert not att.ai
    assert att.signals == ()


def test_a_merge_is_never_agent_work_whatever_it_carries() -> None:
    base = commit("a", "Base", "0" * 40)
    side = commit("b", "Human fix", base.sha)
    merge = commit(
        "c",
        f"Merge branch 'main' into copilot/fix-x\n\nResolved conflicts.\n\n{CLAUDE}",
        base.sha,
        side.sha,
        author=COPILOT_AGENT,
    )
    att = detect(snapshot(base, side, merge))
    assert [c.ai for c in att.commits] == [False, False, False]
    assert att.signals == ()


def test_a_mixed_agent_branch_keeps_its_human_commits_human() -> None:
    base = commit("a", "Base", "0" * 40)
    agent = commit("b", "Implement it", base.sha, author=COPILOT_AGENT)
    human = commit("c", "Tweak the wording", agent.sha)
    merge = commit("d", "Merge pull request #3 from octo/copilot/fix-wording", base.sha, human.sha)
    att = detect(snapshot(base, agent, human, merge))
    assert [c.ai for c in att.commits] == [False, True, False, False]
    assert all(s.kind != "merge_branch" for s in att.signals)


def test_a_merge_that_is_a_single_parent_commit_still_counts_its_own_marks() -> None:
    # Some tools squash a merge into one parent: it carries changes, so its marks decide.
    squashed = commit("a", f"Merge branch 'main' into feature\n\n{CLAUDE}", "0" * 40)
    assert detect(snapshot(squashed)).commits[0].ai
