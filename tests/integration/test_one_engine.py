"""One engine: `ai-gate check` on a local history and the App's job on the same commits
pushed to (the fake) GitHub give the same report, on histories shaped like real pull
requests: a rename, a merge from the base, a squash, a revert, a pull request from a fork."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.adapters.store import SqlStore
from app.core.models import Report
from tests.fakes.github_server import FakeGitHub
from tests.gitrepo import commit, git
from tests.integration.conftest import BIN, deliver
from tests.integration.scenarios import (
    OWNER,
    REPO,
    StagedPR,
    next_number,
    pull_request_payload,
    wait_completed,
)

CLAUDE = "\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"
BUGGY = "def f(x=[]):\n    try:\n        return x[0]\n    except:\n        return None\n"


def mixed_edits(repo: Path) -> None:
    commit(repo, {"pkg/calc.py": "a = 1\nb = 2\nc = 3\nd = 4\n"}, f"Add calc{CLAUDE}")
    commit(repo, {"pkg/calc.py": "a = 1\nB = 2\nc = 3\nd = 4\ne = 5\n"}, "Rename b by hand")
    commit(repo, {"pkg/other.py": BUGGY}, f"Add other{CLAUDE}")


def rename(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    commit(repo, {"pkg/old.py": "".join(f"X{i} = {i}\n" for i in range(12))}, "Base module")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--ff-only", "main")
    git(repo, "mv", "pkg/old.py", "pkg/new.py")
    text = (repo / "pkg/new.py").read_text() + BUGGY
    commit(repo, {"pkg/new.py": text}, f"Move and extend{CLAUDE}")
    commit(repo, {"pkg/new.py": text + "HUMAN = 1\n"}, "One more by hand")


def merge_from_base(repo: Path) -> None:
    commit(repo, {"pkg/feat.py": BUGGY}, f"Add feat{CLAUDE}")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"pkg/base.py": "import os\n"}, "Main moves on")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--no-edit", "main")
    commit(repo, {"pkg/feat.py": BUGGY + "Y = 2\n"}, "Human after the merge")


def squash(repo: Path) -> None:
    message = (
        "Add the parser (#41)\n\n* Add parser skeleton\n\n" + CLAUDE.strip() + "\n\n"
        "* Handle errors\n\nCo-authored-by: Grace Hopper <grace@example.com>\n"
    )
    commit(repo, {"pkg/parse.py": BUGGY, "pkg/more.py": "Z = 3\n"}, message)


def revert(repo: Path) -> None:
    commit(repo, {"pkg/r.py": BUGGY}, f"AI adds r{CLAUDE}")
    git(repo, "revert", "--no-edit", "HEAD")
    commit(repo, {"pkg/r.py": "import os\n"}, "Human writes r")


def local_report(repo: Path, tmp_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            str(BIN),
            "check",
            "--repo",
            str(repo),
            "--base",
            "main",
            "--head",
            "feature",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "AI_GATE_PYPI_URL": "",
            "AI_GATE_NPM_URL": "",
            "HOME": str(tmp_path),
        },
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def mirror(github: FakeGitHub, repo: Path, **pull: Any) -> StagedPR:
    """Push main and feature to the fake GitHub and open a PR of feature into main there:
    GitHub shows what git has, as it would."""
    served = github.repository(OWNER, REPO).git_dir
    number = next_number()
    git(repo, "push", "-q", "--force", str(served), f"main:refs/heads/m{number}")
    git(repo, "push", "-q", "--force", str(served), f"feature:refs/heads/f{number}")
    head = git(repo, "rev-parse", "feature").strip()
    base = git(repo, "rev-parse", "main").strip()
    github.add_pull_request(OWNER, REPO, number, head_sha=head, base_sha=base, **pull)
    return StagedPR(number, head, base, set())


def essentials(report: dict[str, Any]) -> dict[str, Any]:
    """What must agree: attribution, findings, verdict and the estimate's tokens."""
    cost = report.get("cost") or {}
    return {
        "attribution": report["attribution"],
        "findings": sorted(
            (
                f["check"],
                f["rule"],
                f["level"],
                f["path"],
                f["start_line"],
                f["fingerprint"],
                f["ai_attributed"],
            )
            for f in report["findings"]
        ),
        "conclusion": report["verdict"]["conclusion"],
        "tokens": (cost.get("input_tokens"), cost.get("output_tokens"), cost.get("usd")),
    }


@pytest.mark.parametrize(
    ("shape", "pull"),
    [
        (mixed_edits, {}),
        (rename, {}),
        (merge_from_base, {}),
        (squash, {}),
        (revert, {}),
        (mixed_edits, {"head_repo_full_name": "a-fork/hello-world", "head_ref": "patch-1"}),
    ],
    ids=["mixed", "rename", "merge-from-base", "squash", "revert", "fork"],
)
def test_ai_gate_check_and_the_app_report_the_same(
    shape: Callable[[Path], None],
    pull: dict[str, Any],
    github: FakeGitHub,
    redis_server: str,
    redis_data: Path,
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"README.md": "hello\n"}, "Initial")
    git(repo, "checkout", "-q", "-b", "feature")
    shape(repo)

    local = local_report(repo, tmp_path)
    pr = mirror(github, repo, **pull)
    assert deliver(redis_server, "pull_request", pull_request_payload(pr)).status_code == 202
    wait_completed(github, pr.head_sha)
    store = SqlStore(f"sqlite:///{redis_data / 'ai-gate.db'}")
    try:
        stored = store.load_report(f"{OWNER}/{REPO}", pr.head_sha)
    finally:
        store.close()
    assert stored is not None
    app = json.loads(Report.model_dump_json(stored))

    assert essentials(app) == essentials(local)
    assert local["findings"], "each history adds a finding both must report"
