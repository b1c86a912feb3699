"""Authorship records in real local repositories: git-ai notes and Agent Trace files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.adapters.localgit import open_checkout, read_range, resolve_range
from app.core.config.model import Config
from app.core.models import PullRequestSnapshot, Report
from app.core.pipeline import analyse, needs_contents
from app.engine import attribute_range
from tests.builders import FakeLinters
from tests.gitrepo import commit, git

SESSION = "d9978a8723e02b52"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, {"README.md": "hello\n"}, "Initial")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def snapshot_and_report(repo: Path) -> tuple[PullRequestSnapshot, Report]:
    checkout = open_checkout(repo)
    base, head = resolve_range(checkout, "main", "feature")
    read = read_range(checkout, base, head, repository="r", wanted=needs_contents)
    snapshot = attribute_range(checkout, read, Config()).snapshot
    return snapshot, analyse(snapshot, Config(), FakeLinters())


def add_git_ai_note(repo: Path, sha: str, attestations: str, tool: str = "claude") -> None:
    meta = {
        "schema_version": "authorship/3.0.0",
        "git_ai_version": "1.0.23",
        "base_commit_sha": sha,
        "prompts": {
            SESSION: {
                "agent_id": {"tool": tool, "id": "6ef2299e", "model": "claude-opus-4-5"},
                "messages": [],
                "total_additions": 5,
                "total_deletions": 0,
                "accepted_lines": 5,
                "overriden_lines": 0,
            }
        },
    }
    git(repo, "notes", "--ref=ai", "add", "-m", f"{attestations}---\n{json.dumps(meta)}", sha)


def trace(path: str, start: int, end: int, revision: str | None = None) -> str:
    record: dict[str, object] = {
        "version": "0.1.0",
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "timestamp": "2026-01-23T14:30:00Z",
        "tool": {"name": "cursor", "version": "2.4.0"},
        "files": [
            {
                "path": path,
                "conversations": [
                    {
                        "contributor": {"type": "ai", "model_id": "openai/gpt-4o"},
                        "ranges": [{"start_line": start, "end_line": end}],
                    }
                ],
            }
        ],
    }
    if revision:
        record["vcs"] = {"type": "git", "revision": revision}
    return json.dumps(record) + "\n"


FIVE = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"


def test_git_ai_lines_rewritten_by_a_human_no_longer_count(repo: Path) -> None:
    ai = commit(repo, {"m.py": FIVE}, "Add m")  # no trailer: only the note says AI
    add_git_ai_note(repo, ai, f"m.py\n  {SESSION} 1-5\n")
    commit(repo, {"m.py": "a = 1\nB = 2\nC = 3\nd = 4\ne = 5\nf = 6\n"}, "Human edits m")

    snapshot, report = snapshot_and_report(repo)

    [record] = snapshot.records
    assert (record.path, record.lines, record.tool, record.model) == (
        "m.py",
        frozenset({1, 4, 5}),
        "claude-code",
        "claude-opus-4-5",
    )
    assert record.source == f"refs/notes/ai:{ai}"
    assert report.attribution.added_lines == 6
    assert report.attribution.ai_added_lines == 3  # a, d, e survive; B, C, f are the human's
    assert report.attribution.line_method == "lines"


def test_git_ai_note_is_line_precise_within_one_commit(repo: Path) -> None:
    ai = commit(repo, {"m.py": FIVE, "other.py": "x = 1\n"}, "Add m")
    add_git_ai_note(repo, ai, f"m.py\n  {SESSION} 2-3\n", tool="cursor")

    snapshot, report = snapshot_and_report(repo)

    assert [(r.path, r.lines, r.tool) for r in snapshot.records] == [
        ("m.py", frozenset({2, 3}), "cursor")
    ]
    assert {f.path: f.ai_added_lines for f in report.attribution.files} == {
        "m.py": 2,
        "other.py": 0,
    }


def test_git_ai_lines_moved_by_a_later_insertion_follow_blame(repo: Path) -> None:
    ai = commit(repo, {"m.py": FIVE}, "Add m")
    add_git_ai_note(repo, ai, f"m.py\n  {SESSION} 4-5\n")
    git(repo, "mv", "m.py", "n.py")
    commit(repo, {"n.py": "top = 0\n" + FIVE}, "Human renames and adds a header")

    snapshot, report = snapshot_and_report(repo)

    assert [(r.path, r.lines) for r in snapshot.records] == [("n.py", frozenset({5, 6}))]
    assert report.attribution.ai_added_lines == 2


def test_agent_trace_file_lines_count(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    # As the reference hook writes it: HEAD before the edit was committed, lines after it.
    traces = trace("t.py", 2, 3, revision=base) + trace("u.py", 1, 1)
    commit(
        repo, {"t.py": FIVE, "u.py": "u = 1\nv = 2\n", ".agent-trace/traces.jsonl": traces}, "Add"
    )

    snapshot, report = snapshot_and_report(repo)

    assert sorted((r.path, tuple(sorted(r.lines)), r.tool, r.model) for r in snapshot.records) == [
        ("t.py", (2, 3), "cursor", "openai/gpt-4o"),
        ("u.py", (1,), "cursor", "openai/gpt-4o"),
    ]
    assert {f.path: f.ai_added_lines for f in report.attribution.files} == {
        ".agent-trace/traces.jsonl": 0,
        "t.py": 2,
        "u.py": 1,
    }
    assert report.attribution.line_method == "lines"


def test_agent_trace_from_an_unrelated_revision_is_noted_not_used(repo: Path) -> None:
    traces = trace("t.py", 1, 5, revision="9" * 40)
    commit(repo, {"t.py": FIVE, ".agent-trace/traces.jsonl": traces}, "Add t")

    snapshot, report = snapshot_and_report(repo)

    assert snapshot.records == ()
    assert report.attribution.ai_added_lines == 0
    assert any("Agent Trace record(s) were made at revisions outside" in n for n in report.notes)


def test_no_notes_and_no_trace_give_no_records(repo: Path) -> None:
    commit(repo, {"m.py": FIVE}, "Add m")
    other = git(repo, "rev-parse", "main").strip()
    # A note on a commit outside the PR is not read.
    add_git_ai_note(repo, other, f"README.md\n  {SESSION} 1\n")

    snapshot, report = snapshot_and_report(repo)

    assert snapshot.records == ()
    assert snapshot.blame is not None
    assert report.attribution.added_lines == 5
    assert report.attribution.ai_added_lines == 0
    assert report.attribution.line_method == "lines"  # from blame


def test_a_broken_note_is_reported_and_the_run_goes_on(repo: Path) -> None:
    ai = commit(repo, {"m.py": FIVE}, "Add m")
    git(repo, "notes", "--ref=ai", "add", "-m", "m.py\n  zzzz 1-5", ai)

    snapshot, report = snapshot_and_report(repo)

    assert snapshot.records == ()
    assert report.attribution.ai_added_lines == 0
    assert any("not a git-ai authorship log" in n for n in report.notes)


def test_records_replace_commit_inference_only_for_the_files_they_cover(repo: Path) -> None:
    claude = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
    ai = commit(repo, {"noted.py": FIVE, "plain.py": "p = 1\nq = 2\n"}, f"Add\n\n{claude}")
    add_git_ai_note(repo, ai, f"noted.py\n  {SESSION} 1\n")

    _, report = snapshot_and_report(repo)

    # The note is line-precise for noted.py; plain.py keeps the trailer's verdict via blame.
    assert {f.path: f.ai_added_lines for f in report.attribution.files} == {
        "noted.py": 1,
        "plain.py": 2,
    }
