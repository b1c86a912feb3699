"""Outcomes and rework through the real processes: a PR analysed by the worker, merged
(`pull_request.closed` with a merge commit), then a human push to the default branch that
deletes some of its AI lines (`push`): the store ends with the PR merged and its rework."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.adapters.figures import Figures, Scope
from app.adapters.store import SqlStore
from tests.fakes.github_server import FakeGitHub
from tests.gitrepo import Person
from tests.integration.conftest import deliver, wait_until
from tests.integration.scenarios import (
    CLAUDE_TRAILER,
    StagedPR,
    pull_request_payload,
    wait_completed,
)

OWNER, REPO = "octo-org", "tracked"
LINES = [f"VALUE_{i} = {i}\n" for i in range(10)]
HUMAN = Person("Hu Man", "human@example.com")


def push_payload(after: str, before: str) -> dict[str, Any]:
    repository = {
        "id": 1296269,
        "name": REPO,
        "full_name": f"{OWNER}/{REPO}",
        "default_branch": "main",
        "private": False,
    }
    return {
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "created": False,
        "deleted": False,
        "forced": False,
        "commits": [{"id": after, "message": "Remove unused values", "distinct": True}],
        "repository": repository,
        "pusher": {"name": "human"},
        "sender": {"login": "human", "type": "User"},
        "installation": {"id": 1},
    }


def test_a_merged_pr_and_a_later_push_record_its_outcome_and_rework(
    github: FakeGitHub, redis_server: str, redis_data: Path
) -> None:
    start = datetime.now(UTC) - timedelta(days=100)
    t0 = int(start.timestamp())
    builder = github.repository(OWNER, REPO)
    base = builder.commit({"README.md": "# tracked\n"}, "Start", at=t0)
    head = builder.commit(
        {"pkg/values.py": "".join(LINES)},
        f"Add values\n\n{CLAUDE_TRAILER}",
        [base],
        ref="refs/heads/values",
        at=t0 + 3600,
    )
    github.add_pull_request(OWNER, REPO, 41, head_sha=head, base_sha=base, head_ref="values")
    staged = StagedPR(41, head, base, set(), owner=OWNER, repo=REPO)
    assert deliver(redis_server, "pull_request", pull_request_payload(staged)).status_code == 202
    wait_completed(github, head)

    merged_at = start + timedelta(days=1)
    squash = builder.commit(
        {"pkg/values.py": "".join(LINES)},
        f"Add values (#41)\n\n{CLAUDE_TRAILER}",
        [base],
        at=int(merged_at.timestamp()),
    )
    github.close_pull_request(OWNER, REPO, 41, at=merged_at, merge_commit_sha=squash)
    closed = pull_request_payload(staged, "closed")
    closed["pull_request"] |= {"state": "closed", "merged": True, "merge_commit_sha": squash}
    assert deliver(redis_server, "pull_request", closed).status_code == 202

    store = SqlStore(f"sqlite:///{redis_data / 'ai-gate.db'}")
    figures = Figures(store)
    scope = Scope(repository=f"{OWNER}/{REPO}")
    try:
        wait_until(lambda: figures.totals(scope).merged_prs == 1, "the PR recorded as merged")
        totals = figures.totals(scope)
        assert totals.merged_ai_lines == len(LINES)
        assert totals.accepted_usd > 0
        [row] = figures.pulls(scope)
        assert (row.state, row.outcome_at) == ("merged", merged_at.replace(microsecond=0))

        later = builder.commit(
            {"pkg/values.py": "".join(LINES[4:])},
            "Remove unused values",
            [squash],
            author=HUMAN,
            at=int((merged_at + timedelta(days=9)).timestamp()),
        )
        assert deliver(redis_server, "push", push_payload(later, squash)).status_code == 202
        wait_until(lambda: figures.totals(scope).rework_90 is not None, "rework measured")
        totals = figures.totals(scope)
        # 4 of its 10 AI lines deleted 9 days after the merge: both windows closed since.
        assert totals.rework_30 == pytest.approx(0.4)
        assert totals.rework_90 == pytest.approx(0.4)
        # A push to another branch asks for nothing.
        other = push_payload(later, squash) | {"ref": "refs/heads/feature"}
        assert deliver(redis_server, "push", other).status_code == 200
    finally:
        store.close()
