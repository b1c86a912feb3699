"""Line attribution on real git histories: the engine blames only the files whose lines AI
and human commits both wrote, and answers exactly as blaming every file would."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.adapters.linehistory import blame_paths
from app.adapters.localgit import open_checkout, read_range, resolve_range
from app.core.attribution.lines import attribute_lines
from app.core.config.model import Config
from app.core.pipeline import attribute_snapshot, patch_lines
from app.engine import attribute_range
from tests.gitrepo import commit, git

AI = "\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, {"README.md": "hello\n"}, "Initial")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def ai_lines_both_ways(repo: Path) -> tuple[dict[str, int], dict[str, int]]:
    """AI added lines per file by the engine, and by blaming every file."""
    checkout = open_checkout(repo)
    base, head = resolve_range(checkout, "main", "feature")
    read = read_range(checkout, base, head, repository="r", wanted=lambda _: False)
    snapshot = attribute_range(checkout, read, Config()).snapshot
    lines = patch_lines(snapshot)
    engine, _ = attribute_snapshot(snapshot, lines, Config())
    ai = frozenset(c.sha for c in engine.commits if c.ai)
    everything = blame_paths(checkout, base, head, sorted(p for p, pl in lines.items() if pl.added))
    blamed = {p: {n: o[0] for n, o in origins.items()} for p, origins in everything.items()}
    by_blame = attribute_lines(lines, blamed, ai)
    return (
        {f.path: f.ai_added_lines for f in engine.files},
        {f.path: f.ai_added_lines for f in by_blame.files},
    )


def test_human_edit_of_ai_lines_takes_those_lines(repo: Path) -> None:
    commit(repo, {"m.py": "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"}, f"AI adds m{AI}")
    commit(repo, {"m.py": "a = 1\nB = 2\nC = 3\nd = 4\ne = 5\nf = 6\n"}, "Human edits m")
    engine, blamed = ai_lines_both_ways(repo)
    assert engine == blamed == {"m.py": 3}  # a, d, e stay AI; B, C, f are human


def test_rename_keeps_line_owners(repo: Path) -> None:
    commit(repo, {"old.py": "".join(f"x{i} = {i}\n" for i in range(10))}, f"AI adds{AI}")
    git(repo, "mv", "old.py", "new.py")
    commit(repo, {"new.py": (repo / "new.py").read_text() + "human = 1\n"}, "Human renames")
    engine, blamed = ai_lines_both_ways(repo)
    assert engine == blamed == {"new.py": 10}


def test_lines_merged_from_base_are_not_the_prs(repo: Path) -> None:
    commit(repo, {"feat.py": "f = 1\ng = 2\n"}, f"AI adds feat{AI}")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"base.py": "from_main = 1\n", "feat.py": "# main's header\n"}, "Main moves")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "-X", "ours", "--no-edit", "main")
    engine, blamed = ai_lines_both_ways(repo)
    assert "base.py" not in engine  # not in the PR diff at all
    assert engine == blamed == {"feat.py": 2}


def test_squash_commit_owns_all_its_lines(repo: Path) -> None:
    commit(repo, {"s.py": "a = 1\nb = 2\n", "t.py": "c = 3\n"}, f"Squashed (#12){AI}")
    engine, blamed = ai_lines_both_ways(repo)
    assert engine == blamed == {"s.py": 2, "t.py": 1}


def test_reverted_ai_lines_do_not_count(repo: Path) -> None:
    commit(repo, {"r.py": "ai = 1\n"}, f"AI adds r{AI}")
    git(repo, "revert", "--no-edit", "HEAD")
    commit(repo, {"r.py": "human = 1\n"}, "Human writes r")
    engine, blamed = ai_lines_both_ways(repo)
    assert engine == blamed == {"r.py": 0}


def test_insertions_in_the_middle_of_a_base_file(repo: Path) -> None:
    base_text = "".join(f"line{i}\n" for i in range(1, 21))
    git(repo, "checkout", "-q", "main")
    commit(repo, {"big.txt": base_text}, "Base file")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--ff-only", "main")
    lines = base_text.splitlines(keepends=True)
    commit(repo, {"big.txt": "".join([*lines[:10], "ai1\n", "ai2\n", *lines[10:]])}, f"AI{AI}")
    now = (repo / "big.txt").read_text().splitlines(keepends=True)
    commit(repo, {"big.txt": "".join(["top\n", *now[:15], "human\n", *now[15:]])}, "Human")
    engine, blamed = ai_lines_both_ways(repo)
    assert engine == blamed == {"big.txt": 2}


def test_a_file_only_ai_commits_touched_needs_no_blame(repo: Path) -> None:
    commit(repo, {"a.py": "a = 1\n"}, f"AI adds a{AI}")
    commit(repo, {"b.py": "b = 1\n"}, "Human adds b")
    commit(repo, {"a.py": "a = 1\nb = 2\n"}, f"AI extends a{AI}")
    checkout = open_checkout(repo)
    base, head = resolve_range(checkout, "main", "feature")
    read = read_range(checkout, base, head, repository="r", wanted=lambda _: False)
    snapshot = attribute_range(checkout, read, Config()).snapshot
    assert snapshot.blame == {}  # every file has one author class: no blame at all
    engine, blamed = ai_lines_both_ways(repo)
    assert engine == blamed == {"a.py": 2, "b.py": 0}
