"""`ai-gate report` on a local history: merged changes, their AI share and cost, rework of
AI lines by a later human commit, per service; as JSON, CSV, HTML and text."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.gitrepo import Person, RepoBuilder
from tests.integration.conftest import BIN

DAY = 86_400
TRAILER = "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"
HUMAN = Person("Hu Man", "human@example.com")
AI_TEXT = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(5))


def history(root: Path) -> Path:
    """main over the last 80 days: an AI squash merge into services/pay (#12), a human merge
    commit into services/web (#13), and a human commit deleting half the AI lines."""
    start = int(time.time()) - 80 * DAY
    builder = RepoBuilder(root / "repo.git")
    base = builder.commit({"README.md": "# demo\n"}, "Start", at=start)
    ai = builder.commit(
        {"services/pay/api.py": AI_TEXT},
        f"Add pay helpers (#12)\n\n{TRAILER}",
        [base],
        at=start + DAY,
    )
    work = builder.commit(
        {"services/web/page.py": "TITLE = 'home'\n"},
        "Add the page",
        [ai],
        author=HUMAN,
        ref="refs/heads/web",
        at=start + 2 * DAY,
    )
    merged = builder.commit(
        {"services/web/page.py": "TITLE = 'home'\n"},
        "Merge pull request #13 from demo/web",
        [ai, work],
        author=HUMAN,
        at=start + 3 * DAY,
    )
    kept = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(3))
    builder.commit(
        {"services/pay/api.py": kept},
        "Remove unused helpers",
        [merged],
        author=HUMAN,
        at=start + 10 * DAY,
    )
    return root / "repo.git"


def report(repo: Path, fmt: str, config: Path) -> str:
    done = subprocess.run(
        [
            str(BIN),
            "report",
            "--repo",
            str(repo),
            "--since",
            "90d",
            "--format",
            fmt,
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "AI_GATE_PYPI_URL": "",
            "AI_GATE_NPM_URL": "",
            "HOME": str(repo),
        },
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_report_gives_the_figures_of_a_local_history(tmp_path: Path) -> None:
    repo = history(tmp_path)
    config = tmp_path / "ai-gate.yml"
    config.write_text('services:\n  "services/*/**": "{1}"\n')
    data = json.loads(report(repo, "json", config))
    totals = data["totals"]
    assert totals["merged_prs"] == 3  # the AI change, the merge, the human deletion
    ai_lines = AI_TEXT.count("\n")
    assert totals["merged_ai_lines"] == ai_lines
    assert totals["accepted_usd"] > 0
    assert totals["usd_per_kloc"] == pytest.approx(totals["accepted_usd"] * 1000 / ai_lines)
    # 8 of the 20 AI lines were deleted 9 days after the merge: 40% rework in both windows.
    assert totals["rework_30"] == pytest.approx(0.4)
    assert totals["rework_90"] is None  # the 90-day window has not closed yet
    services = {g["key"]: g for g in data["breakdowns"]["service"]}
    assert services["pay"]["merged_ai_lines"] == ai_lines
    assert services["web"]["merged_lines"] == 1
    numbers = {p["pull_request"] for p in data["pull_requests"]}
    assert {12, 13} <= numbers
    rows = list(csv.DictReader(io.StringIO(report(repo, "csv", config))))
    assert {int(r["pull_request"]) for r in rows} == numbers
    page = report(repo, "html", config)
    assert page.startswith("<!doctype html>")
    assert "<script" not in page
    assert "data-figure='rework_30'" in page
    text = report(repo, "text", config)
    assert "rework in 30 days     40.0%" in text
