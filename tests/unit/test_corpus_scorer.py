"""The real-history corpus scorer, on a small repository this test makes with git."""

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.errors import UsageError
from bench.corpus import COLUMNS, LABELS, load_labels, render, score

CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"


class Repo:
    """A git repository under `<mirrors>/octo+demo/repo`, as `fetch` lays mirrors out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            [
                "git",
                "-c",
                "user.name=Ada Lovelace",
                "-c",
                "user.email=ada@example.com",
                "-c",
                "commit.gpgsign=false",
                *args,
            ],
            cwd=self.path,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def commit(self, message: str) -> str:
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def mirrors(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = Repo(tmp_path / "octo+demo" / "repo")
    shas = {"base": repo.commit("Initial import")}
    shas["claude"] = repo.commit(f"Add the parser\n\n{CLAUDE}")
    shas["typo"] = repo.commit("Fix a typo")
    repo.git("checkout", "-q", "-b", "codex/add-retries")
    shas["codex"] = repo.commit("Add retries to the client")
    repo.git("checkout", "-q", "main")
    shas["docs"] = repo.commit("Document the parser")
    repo.git(
        "merge", "-q", "--no-ff", "codex/add-retries",
        "-m", "Merge pull request #2 from octo/codex/add-retries",
    )  # fmt: skip
    shas["merge"] = repo.git("rev-parse", "HEAD")
    return tmp_path, shas


def write_labels(path: Path, rows: Sequence[tuple[str, ...]]) -> Path:
    lines = ["\t".join(COLUMNS), *("\t".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_scores_fetched_repositories_and_skips_the_rest(
    mirrors: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, shas = mirrors
    rows = [
        ("octo/demo", shas["claude"], "ai", "claude-code", "Claude trailer"),
        ("octo/demo", shas["codex"], "ai", "codex", "merged from a codex/ branch"),
        ("octo/demo", shas["docs"], "ai", "cursor", "say an agent wrote it with no mark"),
        ("octo/demo", shas["typo"], "human", "-", "a person's typo fix"),
        ("octo/demo", shas["merge"], "human", "-", "merges are never agent work"),
        ("octo/demo", shas["base"], "unmarked", "cursor", "no mark at all"),
        ("octo/demo", "f" * 40, "human", "-", "not in the mirror"),
        ("octo/absent", "e" * 40, "ai", "codex", "a repository not fetched here"),
    ]
    labels = load_labels(write_labels(tmp_path / "labels.tsv", rows))
    report = score(labels, root)
    assert report.scored_repos == ["octo/demo"]
    assert report.skipped_repos == ["octo/absent"]
    assert [label.sha for label in report.missing] == ["f" * 40]
    # The codex/ commit is judged in the range of the merge that brought it in.
    assert report.true_positives == 2
    assert [o.label.sha for o in report.false_negatives] == [shas["docs"]]
    assert report.false_positives == []
    assert (report.precision, round(report.recall, 4)) == (1.0, 0.6667)
    text = "\n".join(render(report, labels))
    assert "1 fetched here, 1 skipped (not fetched)" in text
    assert f"missed octo/demo {shas['docs'][:12]} (cursor)" in text
    assert "unmarked" in text


def test_nothing_fetched_scores_nothing(tmp_path: Path) -> None:
    labels = load_labels(write_labels(tmp_path / "l.tsv", [("a/b", "c" * 40, "ai", "x", "y")]))
    report = score(labels, tmp_path / "no-mirrors")
    assert report.outcomes == []
    assert report.skipped_repos == ["a/b"]
    assert "0 fetched here, 1 skipped" in render(report, labels)[0]


def test_a_malformed_row_names_its_line(tmp_path: Path) -> None:
    path = write_labels(tmp_path / "bad.tsv", [("a/b", "c" * 40, "maybe", "x", "y")])
    with pytest.raises(UsageError, match=r"bad.tsv:2"):
        load_labels(path)


def test_the_shipped_labels_are_well_formed_and_balanced() -> None:
    labels = load_labels(LABELS)
    assert len(labels) >= 200
    assert len({label.repository for label in labels}) >= 15
    assert len({(label.repository, label.sha) for label in labels}) == len(labels)
    humans = [label for label in labels if label.expected == "human"]
    agents = [label for label in labels if label.expected == "ai"]
    assert len(humans) >= 60
    assert len({label.tool for label in agents}) >= 15
    assert all(label.why.strip() for label in labels)
    assert all(len(label.sha) == 40 for label in labels)
