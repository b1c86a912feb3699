"""The repository's own ruff configuration: its ignores win over our rule set, its pre-commit
hook's config is the one used, a stale target version does not make new syntax an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.adapters.linters import file_linters
from app.adapters.ruffconfig import (
    Extends,
    extends_of,
    is_ignored,
    nearest_config,
    precommit_config,
    reaching_outside,
    settings_of,
    target_override,
)
from app.adapters.workspace import write_files
from app.core.config.checks import RuffConfig

BLIND_RERAISE = (
    "def load(path: str) -> str:\n"
    "    try:\n"
    "        return open(path).read()\n"
    "    except OSError:\n"
    "        raise ValueError(path)\n"
)


def workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    write_files(tmp_path, {p: t.encode() for p, t in files.items()})
    return tmp_path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--config=dev/ruff.toml"], "dev/ruff.toml"),
        (["--fix", "--config", "tools/lint/ruff.toml"], "tools/lint/ruff.toml"),
        (["--config", "../outside.toml"], None),
        (["--config", "/etc/ruff.toml"], None),
        (["--config", "lint.select=['E']"], None),  # an inline setting, not a file
        (["--fix"], None),
    ],
)
def test_the_pre_commit_hooks_config_file_is_found(args: list[str], expected: str | None) -> None:
    hook = "\n".join(f"          - {a!r}" for a in args) or "          []"
    text = (
        "repos:\n"
        "  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
        "    rev: v0.6.0\n"
        "    hooks:\n"
        "      - id: ruff\n"
        f"        args:\n{hook}\n"
    )
    assert precommit_config(text) == expected


def test_other_hooks_and_broken_yaml_name_no_config() -> None:
    other = (
        "repos:\n  - repo: local\n    hooks:\n      - id: black\n        args: [--config, x.toml]\n"
    )
    assert precommit_config(other) is None
    assert precommit_config("repos: [unclosed\n") is None
    assert precommit_config("just text") is None


def test_ignores_come_from_the_nearest_config_and_what_it_extends(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",  # no [tool.ruff]: ruff skips it
            "ruff.toml": '[lint]\nignore = ["B904"]\n',
            "sub/ruff.toml": 'extend = "../ruff.toml"\n[lint]\nextend-ignore = ["F403"]\n',
            "sub/a.py": "",
            "b.py": "",
        },
    )
    assert nearest_config(root, "b.py") == "ruff.toml"
    assert nearest_config(root, "sub/a.py") == "sub/ruff.toml"
    assert set(settings_of(root, "sub/ruff.toml").ignore) == {"B904", "F403"}
    assert is_ignored("B904", ["B9"])
    assert is_ignored("S101", ["ALL"])
    assert not is_ignored("B905", ["B904"])


def test_a_rule_the_repository_ignores_is_not_switched_back_on_by_our_rules() -> None:
    files = {"pyproject.toml": '[tool.ruff.lint]\nignore = ["B904"]\n', "pkg/a.py": BLIND_RERAISE}
    with file_linters(files) as (linters, _):
        result = linters.ruff(["pkg/a.py"], RuffConfig(select=("B",), ignore=()))
    assert [d.rule for d in result.diagnostics] == []
    # Without the repository's ignore, our rule set reports it.
    with file_linters({"pkg/a.py": BLIND_RERAISE}) as (linters, _):
        result = linters.ruff(["pkg/a.py"], RuffConfig(select=("B",), ignore=()))
    assert [d.rule for d in result.diagnostics] == ["B904"]


def test_a_stale_target_version_does_not_make_match_statements_errors(tmp_path: Path) -> None:
    text = "def f(x: int) -> str:\n    match x:\n        case 1:\n            return 'one'\n"
    text += "    return ''\n"
    files = {
        "pyproject.toml": (
            '[project]\nname = "x"\nrequires-python = ">=3.10"\n'
            '[tool.ruff]\ntarget-version = "py39"\n'
        ),
        "a.py": text,
    }
    root = workspace(tmp_path, files)
    target, note = target_override(root, settings_of(root, "pyproject.toml"))
    assert target == "py310"
    assert note is not None
    assert "requires Python >=3.10" in note
    with file_linters(files) as (linters, _):
        result = linters.ruff(["a.py"], RuffConfig(select=("E9", "F"), ignore=()))
    assert [d.rule for d in result.diagnostics] == []
    assert any("targets py39" in n for n in result.notes)


@pytest.mark.parametrize(
    ("path", "text", "enforced"),
    [
        (".pre-commit-config.yaml", "repos:\n  - repo: x\n    hooks:\n      - id: ruff\n", True),
        (
            ".pre-commit-config.yaml",
            "repos:\n  - repo: x\n    hooks:\n      - id: ruff-format\n",
            False,
        ),
        (".pre-commit-config.yaml", "repos:\n  - repo: x\n    hooks:\n  #    - id: ruff\n", False),
        (".github/workflows/ci.yml", "steps:\n  - run: uv run ruff check .\n", True),
        (".github/workflows/ci.yml", "steps:\n  - run: ruff format --check\n", False),
        ("tox.ini", "[testenv:lint]\ncommands = ruff check src\n", True),
        ("Makefile", "lint:\n\truff check .\n", True),
        ("README.md", "We use ruff check.\n", False),  # not a place that runs anything
    ],
)
def test_the_repository_runs_ruff_when_a_hook_or_task_runs_its_checks(
    path: str, text: str, enforced: bool
) -> None:
    from app.core.basefiles import ruff_enforced

    assert ruff_enforced({path: text}) is enforced


def test_only_our_rules_when_nothing_runs_the_repositorys_ruff_config() -> None:
    files = {
        "pyproject.toml": '[tool.ruff.lint]\nselect = ["E501"]\n',
        "a.py": "x = '" + "y" * 120 + "'\ntry:\n    pass\nexcept:\n    pass\n",
    }
    rules = RuffConfig(select=("E722",), ignore=())
    with file_linters(files) as (linters, _):
        theirs_too = {d.rule for d in linters.ruff(["a.py"], rules, True).diagnostics}
        ours = {d.rule for d in linters.ruff(["a.py"], rules, False).diagnostics}
    assert theirs_too == {"E501", "E722"}
    assert ours == {"E722"}
    # Without any configuration, ruff's own defaults (F401, E711, …) are not added either.
    with file_linters({"a.py": "import os\n"}) as (linters, _):
        assert linters.ruff(["a.py"], rules, True).diagnostics == ()


@pytest.mark.parametrize(
    ("setting", "theirs"),
    [(None, False), ("never", False), ("auto", True), ("always", True)],
)
def test_the_rules_a_repository_selects_are_added_only_when_asked(
    setting: str | None, theirs: bool
) -> None:
    """By default only the curated set runs, under the repository's configuration: a
    repository that runs ruff reports its own rules itself, and under our ruff version its
    defaults and rules differ (BLE001/UP032 from new defaults on the corpus)."""
    from app.core.checks.ruff import ruff_findings
    from tests.builders import FakeLinters, make_file, make_snapshot

    snapshot = make_snapshot(files=[make_file("pkg/a.py", ["x = 1"])]).model_copy(
        update={
            "base_configs": {
                "ruff.toml": '[lint]\nselect = ["BLE"]\n',
                ".pre-commit-config.yaml": "repos:\n  - repo: x\n    hooks:\n      - id: ruff\n",
            }
        }
    )
    config = RuffConfig.model_validate({} if setting is None else {"repository_rules": setting})
    linters = FakeLinters()
    ruff_findings(snapshot, config, linters, {})
    assert linters.repository_rules == [theirs]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("ruff.toml", 'extend = "base.toml"\n', Extends(target="base.toml")),
        ("pkg/ruff.toml", 'extend = "../base.toml"\n', Extends(target="base.toml")),
        (
            "pkg/pyproject.toml",
            '[tool.ruff]\nextend = "x/b.toml"\n',
            Extends(target="pkg/x/b.toml"),
        ),
        ("pyproject.toml", 'extend = "/etc/passwd"\n', Extends()),  # not ruff's table
        ("ruff.toml", "line-length = 90\n", Extends()),
        ("ruff.toml", "extend = 3\n", Extends()),  # ruff refuses it
        # ruff reads these, outside the repository: an absolute path, one climbing out, the
        # home directory and environment variables it expands.
        ("ruff.toml", 'extend = "/etc/passwd"\n', Extends(outside=True)),
        ("pkg/ruff.toml", 'extend = "../../x.toml"\n', Extends(outside=True)),
        (".ruff.toml", 'extend = "~/x.toml"\n', Extends(outside=True)),
        ("ruff.toml", 'extend = "${HOME}/x.toml"\n', Extends(outside=True)),
        ("ruff.toml", 'extend = "a\\\\..\\\\..\\\\x.toml"\n', Extends(outside=True)),
        ("ruff.toml", 'extend = "."\n', Extends(outside=True)),
        # Not TOML here: ruff fails on it too, unless it may hold an `extend` we cannot see.
        ("ruff.toml", "line-length = = 3\n", Extends()),
        ("ruff.toml", 'extend = "/x" = 1\n', Extends(outside=True)),
    ],
)
def test_what_a_configuration_extends(path: str, text: str, expected: Extends) -> None:
    assert extends_of(path, text.encode()) == expected


def test_configurations_reaching_outside_through_others_are_all_found() -> None:
    extends = {
        "ruff.toml": Extends(target="base.toml"),
        "base.toml": Extends(target="deep.toml"),
        "deep.toml": Extends(outside=True),
        "pkg/ruff.toml": Extends(target="pkg/next.toml"),  # pkg/next.toml was never checked
        "other/ruff.toml": Extends(target="fine.toml"),
        "fine.toml": Extends(),
    }
    found = reaching_outside(extends, unchecked=["pkg/next.toml"])
    assert found == {"ruff.toml", "base.toml", "deep.toml", "pkg/ruff.toml", "pkg/next.toml"}
