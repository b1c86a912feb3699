"""The worker's git cache against the fake GitHub over real HTTP: fetching a PR's history,
nothing fetched twice, the token nowhere on disk, damaged repositories rebuilt, locks held,
the bound kept, and nothing of the repository's ever run."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.adapters.gitcache import READY, GitCache, PullRef
from app.adapters.localgit import changed_files, merge_base, read_texts, tree_entries
from app.adapters.workspace import materialise_tree
from app.errors import SourceError
from tests.fakes.github_server import FakeGitHub
from tests.gitrepo import RepoBuilder
from tests.integration.conftest import github_taking

TOKEN = "ghs_" + "T0kenThatMustNeverBeWrittenDown0000000"
OWNER = "cache-org"


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeGitHub, str]]:
    with github_taking(TOKEN) as served:
        yield served


def history(github: FakeGitHub, repo: str) -> tuple[RepoBuilder, str, str]:
    """A base branch that moved on after the PR branched (so a shallow fetch must deepen)."""
    builder = github.repository(OWNER, repo)
    root = builder.commit({"pkg/a.py": "x = 1\n", "README.md": "# r\n"}, "Root")
    main = root
    for i in range(12):
        main = builder.commit({f"docs/{i}.md": f"{i}\n"}, f"Main {i}", [main])
    branch = builder.commit({"pkg/a.py": "x = 2\n", "pkg/b.py": "y = 1\n"}, "PR 1", [root])
    head = builder.commit({"pkg/b.py": "y = 2\n"}, "PR 2", [branch], ref="refs/heads/pr")
    builder.set_ref("refs/pull/1/head", head)
    return builder, main, head


def pull(url: str, repo: str, base: str, head: str) -> PullRef:
    return PullRef(f"{url}/{OWNER}/{repo}.git", 1, base, head, commits=2)


def packs(github: FakeGitHub, repo: str) -> int:
    return sum(r.sent_pack for r in github.git.requests if f"/{repo}.git/" in r.path)


def test_a_pr_is_fetched_with_its_history_and_nothing_again(
    fake: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    github, url = fake
    _, base, head = history(github, "fetched")
    cache = GitCache(tmp_path / "cache", 10**9)
    with cache.open(pull(url, "fetched", base, head), TOKEN) as git:
        start = merge_base(git, base, head)
        files = changed_files(git, start, head)
        assert [(f.path, f.additions) for f in files] == [("pkg/a.py", 1), ("pkg/b.py", 1)]
        texts, _ = read_texts(git, {"pkg/b.py": tree_entries(git, head)["pkg/b.py"][1]})
        assert texts == {"pkg/b.py": "y = 2\n"}
    before = packs(github, "fetched")
    with cache.open(pull(url, "fetched", base, head), TOKEN) as git:
        assert changed_files(git, merge_base(git, base, head), head) == files
    assert packs(github, "fetched") == before  # everything was in the cache


def test_blobs_two_pulls_share_are_fetched_for_the_second_too(
    fake: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    """Two PRs of one repository share a file the first never read: its blob is not in the
    cache, and the second PR's fetch of it must not be left out because the first PR's
    commits (whose trees hold it) are here."""
    github, url = fake
    builder = github.repository(OWNER, "shared-blobs")
    readme = "# shared\n"
    first_base = builder.commit({"README.md": readme}, "Base 1")
    first = builder.commit({"pkg/a.py": "x = 1\n"}, "PR 1", [first_base], ref="refs/heads/one")
    second_base = builder.commit({"README.md": readme, "setup.cfg": "[x]\n"}, "Base 2")
    second = builder.commit(
        {"README.md": "# changed\n"}, "PR 2", [second_base], ref="refs/heads/two"
    )
    cache = GitCache(tmp_path / "cache", 10**9)
    repo_url = f"{url}/{OWNER}/shared-blobs.git"
    with cache.open(PullRef(repo_url, 1, first_base, first, commits=1), TOKEN) as git:
        assert [f.path for f in changed_files(git, first_base, first)] == ["pkg/a.py"]
    with cache.open(PullRef(repo_url, 2, second_base, second, commits=1), TOKEN) as git:
        old = tree_entries(git, second_base, ["README.md"])["README.md"][1]
        texts, _ = read_texts(git, {"README.md": old})
    assert texts == {"README.md": readme}


def test_the_token_is_in_no_file_of_the_cache(fake: tuple[FakeGitHub, str], tmp_path: Path) -> None:
    github, url = fake
    _, base, head = history(github, "secret")
    root = tmp_path / "cache"
    with GitCache(root, 10**9).open(pull(url, "secret", base, head), TOKEN) as git:
        changed_files(git, merge_base(git, base, head), head)
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert TOKEN.encode() not in data, path
            assert b"x-access-token" not in data, path


def test_a_wrong_token_is_refused_without_a_prompt(
    fake: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    github, url = fake
    _, base, head = history(github, "refused")
    with (
        pytest.raises(SourceError, match="refused"),
        GitCache(tmp_path / "cache", 10**9).open(pull(url, "refused", base, head), "ghs_wrong"),
    ):
        pass


def test_a_half_made_or_locked_repository_is_made_usable_again(
    fake: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    github, url = fake
    _, base, head = history(github, "damaged")
    cache = GitCache(tmp_path / "cache", 10**9)
    ref = pull(url, "damaged", base, head)
    with cache.open(ref, TOKEN):
        pass
    git_dir, _ = cache.paths(ref.clone_url)
    # What a worker killed mid-fetch leaves: lock files, and (killed while creating it) no
    # readiness marker.
    (git_dir / "shallow.lock").write_text("")
    (git_dir / "refs" / "heads.lock").write_text("")
    with cache.open(ref, TOKEN) as git:
        assert changed_files(git, merge_base(git, base, head), head)
    (git_dir / READY).unlink()
    (git_dir / "objects" / "pack").mkdir(parents=True, exist_ok=True)
    for pack in (git_dir / "objects" / "pack").glob("*.pack"):
        pack.write_bytes(b"garbage")
    with cache.open(ref, TOKEN) as git:
        assert changed_files(git, merge_base(git, base, head), head)


def test_concurrent_jobs_of_one_repository_share_one_fetch(
    fake: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    github, url = fake
    _, base, head = history(github, "shared")
    cache = GitCache(tmp_path / "cache", 10**9)
    results: list[int] = []
    errors: list[BaseException] = []

    def job() -> None:
        try:
            with cache.open(pull(url, "shared", base, head), TOKEN) as git:
                results.append(len(changed_files(git, merge_base(git, base, head), head)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [2, 2, 2, 2]
    fetches = [r for r in github.git.requests if "/shared.git/" in r.path and r.command == "fetch"]
    # One job's transfers for all four: the commits (deepened once, as the base moved on since
    # the PR branched) and the blobs.
    assert sum(r.sent_pack for r in fetches) == 3


def test_the_least_recently_used_repository_goes_when_the_cache_is_full(
    fake: tuple[FakeGitHub, str], tmp_path: Path
) -> None:
    github, url = fake
    cache = GitCache(tmp_path / "cache", 1)  # any second repository is over the bound
    refs = []
    for name in ("lru-a", "lru-b"):
        _, base, head = history(github, name)
        refs.append(pull(url, name, base, head))
    with cache.open(refs[0], TOKEN):
        pass
    first, _ = cache.paths(refs[0].clone_url)
    assert first.exists()
    with cache.open(refs[1], TOKEN):
        pass
    second, _ = cache.paths(refs[1].clone_url)
    assert second.exists()
    assert not first.exists()


def test_nothing_in_the_repository_runs(
    fake: tuple[FakeGitHub, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filters, diff drivers and hooks a repository names, with a user configuration that
    would define them, and symlinks out of the tree: none is run or followed."""
    github, url = fake
    marker = tmp_path / "ran"
    home = tmp_path / "home"
    home.mkdir()
    command = f"touch {marker}"
    (home / ".gitconfig").write_text(
        f'[filter "evil"]\n\tclean = {command}\n\tsmudge = {command}\n'
        f'[diff "evil"]\n\ttextconv = {command}\n\tcommand = {command}\n'
        f"[core]\n\tfsmonitor = {command}\n\thooksPath = {tmp_path}\n"
    )
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "post-checkout").write_text(f"#!/bin/sh\n{command}\n")
    (tmp_path / "post-checkout").chmod(0o755)
    builder = github.repository(OWNER, "hostile")
    base = builder.commit({"README.md": "# r\n"}, "Base")
    head = builder.commit(
        {
            ".gitattributes": "*.py filter=evil diff=evil\n",
            ".gitmodules": '[submodule "x"]\n\tpath = x\n\turl = ../x.git\n',
            "pkg/a.py": "x = 1\n",
        },
        "Hostile",
        [base],
        symlinks={"pkg/passwd.py": "/etc/passwd", "pkg/up.py": "../../outside.py"},
    )
    ref = PullRef(f"{url}/{OWNER}/hostile.git", 1, base, head, commits=1)
    with GitCache(tmp_path / "cache", 10**9).open(ref, TOKEN) as git:
        files = changed_files(git, merge_base(git, base, head), head)
        with materialise_tree(
            git, base, head, ["pkg/a.py", "pkg/passwd.py", "pkg/up.py"], context=True
        ) as workspace:
            written = sorted(str(p.relative_to(workspace.root)) for p in workspace.root.rglob("*"))
            assert all(not p.is_symlink() for p in workspace.root.rglob("*"))
    assert not marker.exists()
    assert "pkg/a.py" in written
    assert "pkg/passwd.py" not in written
    assert {f.path for f in files} >= {"pkg/a.py", "pkg/passwd.py", ".gitattributes"}
    assert os.environ["HOME"] == str(home)
