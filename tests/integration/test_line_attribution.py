"""Line attribution on real git histories: `git blame` locally, patch replay as on GitHub."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.adapters.localgit import LocalGit
from app.core.diff import parse_patch
from app.core.lines import attribute_lines, owners_by_line, replay
from tests.gitrepo import commit, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, {"README.md": "hello\n"}, "Initial")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def ai_lines_both_ways(repo: Path, ai: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    """AI added lines per file by blame and by replaying per-commit patches."""
    local = LocalGit(repo)
    head = local.rev("feature")
    base = local.git("merge-base", "main", head).decode().strip()
    files = local.files(base, head)
    lines = {f.path: parse_patch(f.patch) for f in files if f.status != "removed"}
    commits = local.commits(base, head)
    blame = {path: local.blame(head, path) for path in lines}
    replayed = owners_by_line(replay(commits, {c.sha: local.commit_files(c) for c in commits}))
    ai_set = frozenset(ai)
    by_blame = attribute_lines(lines, blame, ai_set)
    by_replay = attribute_lines(lines, replayed, ai_set)
    return (
        {f.path: f.ai_added_lines for f in by_blame.files},
        {f.path: f.ai_added_lines for f in by_replay.files},
    )


def test_human_edit_of_ai_lines_takes_those_lines(repo: Path) -> None:
    ai = commit(repo, {"m.py": "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"}, "AI adds m")
    commit(repo, {"m.py": "a = 1\nB = 2\nC = 3\nd = 4\ne = 5\nf = 6\n"}, "Human edits m")
    blame, replayed = ai_lines_both_ways(repo, {ai})
    assert blame == replayed == {"m.py": 3}  # a, d, e stay AI; B, C, f are human


def test_rename_keeps_line_owners(repo: Path) -> None:
    ai = commit(repo, {"old.py": "".join(f"x{i} = {i}\n" for i in range(10))}, "AI adds")
    git(repo, "mv", "old.py", "new.py")
    commit(repo, {"new.py": (repo / "new.py").read_text() + "human = 1\n"}, "Human renames")
    blame, replayed = ai_lines_both_ways(repo, {ai})
    assert blame == replayed == {"new.py": 10}


def test_lines_merged_from_base_are_not_the_prs(repo: Path) -> None:
    ai = commit(repo, {"feat.py": "f = 1\ng = 2\n"}, "AI adds feat")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"base.py": "from_main = 1\n", "feat.py": "# main's header\n"}, "Main moves")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "-X", "ours", "--no-edit", "main")
    blame, replayed = ai_lines_both_ways(repo, {ai})
    assert "base.py" not in blame  # not in the PR diff at all
    assert blame == replayed == {"feat.py": 2}


def test_squash_commit_owns_all_its_lines(repo: Path) -> None:
    squash = commit(repo, {"s.py": "a = 1\nb = 2\n", "t.py": "c = 3\n"}, "Squashed (#12)")
    blame, replayed = ai_lines_both_ways(repo, {squash})
    assert blame == replayed == {"s.py": 2, "t.py": 1}


def test_reverted_ai_lines_do_not_count(repo: Path) -> None:
    ai = commit(repo, {"r.py": "ai = 1\n"}, "AI adds r")
    git(repo, "revert", "--no-edit", "HEAD")
    commit(repo, {"r.py": "human = 1\n"}, "Human writes r")
    blame, replayed = ai_lines_both_ways(repo, {ai})
    assert blame == replayed == {"r.py": 0}


def test_insertions_in_the_middle_of_a_base_file(repo: Path) -> None:
    base_text = "".join(f"line{i}\n" for i in range(1, 21))
    git(repo, "checkout", "-q", "main")
    commit(repo, {"big.txt": base_text}, "Base file")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--ff-only", "main")
    lines = base_text.splitlines(keepends=True)
    ai = commit(repo, {"big.txt": "".join([*lines[:10], "ai1\n", "ai2\n", *lines[10:]])}, "AI")
    now = (repo / "big.txt").read_text().splitlines(keepends=True)
    commit(repo, {"big.txt": "".join(["top\n", *now[:15], "human\n", *now[15:]])}, "Human")
    blame, replayed = ai_lines_both_ways(repo, {ai})
    assert blame == replayed == {"big.txt": 2}
