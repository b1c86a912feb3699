from collections.abc import Mapping
from pathlib import Path

import pytest

from app.adapters.configfiles import base_reader
from app.adapters.git import Git, git_environment
from app.core.config.load import Reader, load_config
from app.errors import ConfigError
from tests.gitrepo import RepoBuilder

REPO = "octo/app"
Files = dict[tuple[str, str, str | None], str]


def reader(files: Mapping[tuple[str, str, str | None], str]) -> Reader:
    def read(repo: str, path: str, ref: str | None) -> str | None:
        return files.get((repo, path, ref))

    return read


def test_no_files_gives_defaults() -> None:
    effective = load_config(reader({}), REPO, "base")
    assert effective.config.gate.fail_on == "failure"
    assert effective.sources == {}


def test_repository_file_is_read_at_the_base_ref_only() -> None:
    files: Files = {
        (REPO, ".ai-gate.yml", "base"): "gate:\n  fail_on: warning\n",
        (REPO, ".ai-gate.yml", "head"): "gate:\n  fail_on: failure\n",
    }
    effective = load_config(reader(files), REPO, "base")
    assert effective.config.gate.fail_on == "warning"
    assert effective.sources == {"gate.fail_on": "octo/app/.ai-gate.yml"}


def test_repository_overrides_org_defaults_and_sources_say_who_set_what() -> None:
    files: Files = {
        ("octo/.github", ".ai-gate.yml", None): "gate:\n  applies_to: all\n  fail_on: warning\n",
        (REPO, ".ai-gate.yml", "base"): "gate:\n  fail_on: notice\n",
    }
    effective = load_config(reader(files), REPO, "base")
    assert (effective.config.gate.applies_to, effective.config.gate.fail_on) == ("all", "notice")
    assert effective.sources == {
        "gate.applies_to": "octo/.github/.ai-gate.yml",
        "gate.fail_on": "octo/app/.ai-gate.yml",
    }


def test_org_floor_can_be_tightened_but_not_loosened() -> None:
    org = "_floor:\n  gate:\n    fail_on: warning\n    applies_to: all\n"
    loosen = {
        ("octo/.github", ".ai-gate.yml", None): org,
        (REPO, ".ai-gate.yml", "base"): "gate:\n  fail_on: failure\n  applies_to: ai\n",
    }
    effective = load_config(reader(loosen), REPO, "base")
    assert (effective.config.gate.fail_on, effective.config.gate.applies_to) == ("warning", "all")
    assert effective.sources["gate.fail_on"] == "octo/.github/.ai-gate.yml _floor (floor)"
    assert any("would loosen" in note for note in effective.notes)
    tighten = {
        ("octo/.github", ".ai-gate.yml", None): org,
        (REPO, ".ai-gate.yml", "base"): "gate:\n  fail_on: notice\n",
    }
    assert load_config(reader(tighten), REPO, "base").config.gate.fail_on == "notice"


def test_extends_follows_another_repository() -> None:
    files: Files = {
        (REPO, ".ai-gate.yml", "base"): "_extends: policies:ai/gate.yml\n",
        ("octo/policies", "ai/gate.yml", None): "gate:\n  applies_to: all\n",
    }
    effective = load_config(reader(files), REPO, "base")
    assert effective.config.gate.applies_to == "all"
    assert effective.sources == {"gate.applies_to": "octo/policies/ai/gate.yml"}


def test_extends_cycle_is_an_error() -> None:
    files: Files = {
        (REPO, ".ai-gate.yml", "base"): "_extends: a\n",
        ("octo/a", ".ai-gate.yml", None): "_extends: b\n",
        ("octo/b", ".ai-gate.yml", None): "_extends: a\n",
    }
    with pytest.raises(ConfigError, match="cycle"):
        load_config(reader(files), REPO, "base")


def test_missing_extends_target_is_an_error_naming_it() -> None:
    files: Files = {(REPO, ".ai-gate.yml", "base"): "_extends: other-org/nope\n"}
    with pytest.raises(ConfigError, match=r"other-org/nope/\.ai-gate\.yml"):
        load_config(reader(files), REPO, "base")


def test_error_in_an_extended_file_names_that_file_and_line() -> None:
    files: Files = {
        (REPO, ".ai-gate.yml", "base"): "_extends: policies\n",
        ("octo/policies", ".ai-gate.yml", None): "gate:\n  fail_onn: notice\n",
    }
    with pytest.raises(ConfigError) as info:
        load_config(reader(files), REPO, "base")
    assert (info.value.path, info.value.line) == ("octo/policies/.ai-gate.yml", 2)


@pytest.mark.parametrize(
    ("repository", "allow", "deny"),
    [
        # dropping a denied licence or widening the allow-list loosens: the floor applies
        (
            "allow: [MIT, Apache-2.0, GPL-3.0-only]\n    deny: [AGPL-3.0-only]",
            ["MIT", "Apache-2.0"],
            ["AGPL-3.0-only", "GPL-3.0-only"],
        ),
        # an empty allow-list allows everything: looser than any list
        ("allow: []", ["MIT", "Apache-2.0"], ["AGPL-3.0-only", "GPL-3.0-only"]),
        # narrowing the allow-list and denying more tightens: the repository's lists apply
        (
            "allow: [MIT]\n    deny: [AGPL-3.0-only, GPL-3.0-only, LGPL-3.0-only]",
            ["MIT"],
            ["AGPL-3.0-only", "GPL-3.0-only", "LGPL-3.0-only"],
        ),
    ],
)
def test_licence_lists_under_an_org_floor_may_only_narrow_the_allowed_set(
    repository: str, allow: list[str], deny: list[str]
) -> None:
    org = (
        "_floor:\n  checks:\n    licence:\n      allow: [MIT, Apache-2.0]\n"
        "      deny: [AGPL-3.0-only, GPL-3.0-only]\n"
    )
    files: Files = {
        ("octo/.github", ".ai-gate.yml", None): org,
        (REPO, ".ai-gate.yml", "base"): f"checks:\n  licence:\n    {repository}\n",
    }
    licence = load_config(reader(files), REPO, "base").config.checks.licence
    assert (list(licence.allow), list(licence.deny)) == (allow, deny)


def test_a_symlinked_policy_file_at_the_base_is_refused_not_read(tmp_path: Path) -> None:
    """A `.ai-gate.yml` that is a link (to /etc/passwd here) is a clear config error naming
    the file; its target is never read and the link text is never parsed as YAML."""
    builder = RepoBuilder(tmp_path / "repo.git")
    base = builder.commit({"a.py": "A = 1\n"}, "Base", symlinks={".ai-gate.yml": "/etc/passwd"})
    git = Git(tmp_path / "repo.git", git_environment(None))
    with pytest.raises(ConfigError, match="symbolic link") as raised:
        load_config(base_reader(git, "o/r", base, lambda *_: None), "o/r", base)
    assert raised.value.path == "o/r/.ai-gate.yml"


def test_a_regular_policy_file_at_the_base_is_read_from_git(tmp_path: Path) -> None:
    builder = RepoBuilder(tmp_path / "repo.git")
    base = builder.commit({".ai-gate.yml": "gate:\n  drafts: skip\n"}, "Base")
    git = Git(tmp_path / "repo.git", git_environment(None))
    effective = load_config(base_reader(git, "o/r", base, lambda *_: None), "o/r", base)
    assert effective.config.gate.drafts == "skip"
