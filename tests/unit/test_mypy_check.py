"""mypy on the changed files: real runs (shared, mypy is slow) plus the pure mapping."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from app.adapters.mypy_runner import MypyRunner
from app.adapters.workspace import materialise
from app.core.checks.mypy import mypy_findings, mypy_notes
from app.core.config.checks import MypyConfig
from app.core.config.model import GateConfig
from app.core.diff import parse_patch
from app.core.gate import GateInput, decide
from app.core.models import Attribution, FileDiff, Finding
from app.core.ports import LintDiagnostic, MypyResult
from tests.builders import make_snapshot

MODULE = "\n".join(
    [
        "import requests",
        "import numpy",
        "",
        "",
        "def old(a: int) -> str:",
        "    return a",
        "",
        "",
        "def new(b: str) -> int:",
        "    return b",
        "",
    ]
)
# Lines 1-2 and 9-10 added; `old` (its error on line 6) was already there.
PATCH = "\n".join(
    [
        "@@ -1,6 +1,10 @@",
        "+import requests",
        "+import numpy",
        " ",
        " ",
        " def old(a: int) -> str:",
        "     return a",
        " ",
        " ",
        "+def new(b: str) -> int:",
        "+    return b",
    ]
)


def evil_plugin(marker: Path) -> str:
    # What a malicious repository would ship: importing it writes the marker.
    return "\n".join(
        [
            "from pathlib import Path",
            f"Path({str(marker)!r}).write_text('imported')",
            "",
            "",
            "def plugin(version: str) -> object:",
            "    raise SystemExit(1)",
            "",
        ]
    )


class Run:
    def __init__(self, result: MypyResult, marker: Path) -> None:
        self.result = result
        self.marker = marker


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One workspace for every real-mypy test: two runs (the second without the file whose
    syntax error stops mypy)."""
    marker = tmp_path_factory.mktemp("mypy") / "plugin-was-imported"
    files = {
        "pkg/mod.py": MODULE,
        "pkg/broken.py": "def g(:\n",
        "../escape.py": "x: int = 'not an int'\n",
        "evil_plugin.py": evil_plugin(marker),
        "mypy.ini": "[mypy]\nplugins = evil_plugin\n",
        "setup.cfg": "[mypy]\nplugins = evil_plugin\n",
        "pyproject.toml": '[tool.mypy]\nplugins = ["evil_plugin"]\n',
    }
    return Run(run_mypy(files, MypyConfig()), marker)


def run_mypy(files: dict[str, str], config: MypyConfig) -> MypyResult:
    """mypy over these texts written to a workspace, checking every file written."""
    with materialise(files) as (root, written):
        return MypyRunner(root).run(sorted(written.values()), config)


def test_type_errors_are_mapped_with_codes_and_paths(run: Run) -> None:
    result = run.result
    assert not result.timed_out
    assert result.error is None
    got = [(d.path, d.line, d.rule) for d in result.diagnostics]
    assert got == [("pkg/mod.py", 6, "return-value"), ("pkg/mod.py", 10, "return-value")]
    first = result.diagnostics[0]
    assert first.column == 12  # 1-based, like ruff's
    assert "Incompatible return value type" in first.message
    assert first.url is not None
    assert first.url.endswith("#code-return-value")


def test_only_the_error_on_an_added_line_is_in_the_diff(run: Run) -> None:
    f = FileDiff(path="pkg/mod.py", status="modified", patch=PATCH, additions=4)
    snapshot = make_snapshot(files=[f], contents={f.path: MODULE})
    findings, notes = mypy_findings(
        snapshot, MypyConfig(enabled=True), run.result, {f.path: parse_patch(PATCH)}
    )
    assert [(x.start_line, x.in_diff) for x in findings] == [(6, False), (10, True)]
    assert all(x.check == "mypy" and x.level == "warning" for x in findings)
    assert findings[1].fingerprint != findings[0].fingerprint
    # Unresolved third-party imports are said in a note, not reported as the PR's errors.
    assert not any("requests" in x.message or "numpy" in x.message for x in findings)
    assert any("could not resolve 2 imports (numpy, requests)" in n for n in notes)


def test_unresolved_imports_are_collected(run: Run) -> None:
    assert run.result.unresolved_imports == ("numpy", "requests")


def test_repository_mypy_config_and_plugins_are_ignored(run: Run) -> None:
    assert not run.marker.exists()
    # The plugin file is checked as data like any other file; no error comes from configs.
    assert all(d.path.endswith(".py") for d in run.result.diagnostics)


def test_paths_that_climb_out_are_skipped(run: Run) -> None:
    paths = {d.path for d in run.result.diagnostics} | set(run.result.skipped)
    assert "../escape.py" not in paths


def test_a_file_mypy_cannot_parse_is_skipped_and_the_rest_still_checked(run: Run) -> None:
    assert run.result.skipped == ("pkg/broken.py",)
    assert run.result.diagnostics  # the second run checked pkg/mod.py
    assert any(
        "could not check 1 file (pkg/broken.py)" in n for n in mypy_notes(MypyConfig(), run.result)
    )


def test_time_limit_gives_timed_out_and_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Sequence[str]] = []

    def too_slow(cmd: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append(cmd)
        assert kwargs["timeout"] <= 30
        assert "PYTHONPATH" not in kwargs["env"]
        raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", too_slow)
    config = MypyConfig(time_limit_seconds=30)
    result = run_mypy({"a.py": "x = 1\n"}, config)
    assert result.timed_out
    assert mypy_notes(config, result) == ["mypy timed out after 30 s; its findings are incomplete."]
    cmd = list(seen[0])
    # Isolated interpreter, our own empty config, no site-packages.
    assert cmd[1:4] == ["-I", "-m", "mypy"]
    assert "--no-site-packages" in cmd
    config_flag = next(c for c in cmd if c.startswith("--config-file="))
    assert not config_flag.endswith(("a.py", "setup.cfg", "pyproject.toml"))
    assert cmd[-2:] == ["--", "a.py"]


def test_strict_and_python_version_are_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Sequence[str]] = []

    def fake(cmd: Sequence[str], **_: Any) -> subprocess.CompletedProcess[str]:
        seen.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, stdout="", stderr="")

    monkeypatch.setattr(subprocess, "run", fake)
    result = run_mypy(
        {"a.py": "", "README.md": "# x"}, MypyConfig(strict=True, python_version="3.12")
    )
    assert result == MypyResult()
    assert "--strict" in seen[0]
    assert "--python-version=3.12" in seen[0]
    assert "README.md" not in seen[0]


def test_nothing_to_check_runs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_: object, **__: object) -> None:
        raise AssertionError("mypy should not run")

    monkeypatch.setattr(subprocess, "run", never)
    assert run_mypy({"../x.py": "x = 1\n", "notes.txt": ""}, MypyConfig()) == MypyResult()


def test_python_version_is_validated() -> None:
    with pytest.raises(ValueError, match="not a Python 3 version"):
        MypyConfig(python_version="2.7")


def test_disabled_and_error_notes() -> None:
    diag = LintDiagnostic(path="a.py", line=1, end_line=1, rule="misc", message="m")
    result = MypyResult(diagnostics=(diag,), error="usage: mypy …")
    snapshot = make_snapshot()
    assert mypy_findings(snapshot, MypyConfig(enabled=False), result, {}) == ([], [])
    config = MypyConfig(enabled=True, level="failure")
    findings, notes = mypy_findings(snapshot, config, result, {})
    assert [(f.level, f.in_diff) for f in findings] == [("failure", False)]
    assert notes == ["mypy could not run: usage: mypy …"]
    many = MypyResult(unresolved_imports=tuple(f"m{i}" for i in range(7)))
    assert mypy_notes(MypyConfig(), many) == [
        "mypy could not resolve 7 imports (m0, m1, m2, m3, m4, …): install-free analysis of "
        "the changed files alone treats them as Any."
    ]


# --- enabled: auto -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_configs", "configured"),
    [
        ({"pyproject.toml": "[tool.mypy]\nstrict = true\n"}, True),
        ({"pyproject.toml": "[tool.ruff]\nline-length = 99\n"}, False),
        ({"mypy.ini": "[mypy]\n"}, True),
        ({".mypy.ini": "[mypy]\n"}, True),
        ({"setup.cfg": "[mypy]\nwarn_unused_ignores = True\n"}, True),
        ({"setup.cfg": "[metadata]\nname = pkg\n"}, False),
        ({"src/pkg/py.typed": ""}, True),  # where an adapter puts the markers it finds
        ({}, False),
    ],
)
def test_mypy_counts_only_where_the_repository_configures_it(
    base_configs: dict[str, str], configured: bool
) -> None:
    diag = LintDiagnostic(path="pkg/a.py", line=1, end_line=1, rule="arg-type", message="m")
    snapshot = make_snapshot().model_copy(update={"base_configs": base_configs})
    config = MypyConfig(level="failure")
    findings, notes = mypy_findings(snapshot, config, MypyResult(diagnostics=(diag,)), {})
    # Unconfigured: counted in a note, not reported (none was worth a look on real code).
    assert [(f.level, f.advisory) for f in findings] == ([("failure", False)] if configured else [])
    hidden = [n for n in notes if "not shown" in n]
    assert hidden == (
        []
        if configured
        else [
            "mypy reported 1 error not shown as findings: the repository does not configure "
            "mypy (`checks.mypy.enabled: auto`; set it to `true` to see them)."
        ]
    )
    # `enabled: true` judges them at `level` whatever the repository says.
    explicit = MypyConfig(enabled=True, level="failure")
    [forced], _ = mypy_findings(snapshot, explicit, MypyResult(diagnostics=(diag,)), {})
    assert (forced.level, forced.advisory) == ("failure", False)


def test_advisory_findings_never_fail_the_gate_even_at_fail_on_notice() -> None:
    advisory = Finding(
        check="mypy",
        rule="arg-type",
        level="notice",
        path="a.py",
        start_line=1,
        end_line=1,
        message="m",
        advisory=True,
    )
    ai = Attribution(ai=True)
    verdict = decide(GateConfig(fail_on="notice"), GateInput(ai, [advisory]))
    assert verdict.conclusion == "success"
    plain = advisory.model_copy(update={"advisory": False})
    assert decide(GateConfig(fail_on="notice"), GateInput(ai, [plain])).conclusion == "failure"


def test_classes_made_by_unseen_decorators_are_constructed_with_their_fields() -> None:
    """pydantic and attrs are never installed for a check: their class decorators come from
    our stubs, so the classes get their fields as `__init__` parameters."""
    files = {
        "pkg/__init__.py": "",
        "pkg/models.py": (
            "from dataclasses import field\n"
            "import attrs\n"
            "from pydantic import BaseModel\n"
            "from pydantic.dataclasses import dataclass\n\n\n"
            "@dataclass\nclass Usage:\n    requests: int = 0\n"
            "    tokens: int = field(default=0)\n\n\n"
            "@attrs.define\nclass Point:\n    x: int\n\n\n"
            "class Model(BaseModel):\n    name: str\n"
        ),
        "pkg/use.py": (
            "from pkg.models import Model, Point, Usage\n\n"
            "Usage(requests=1, tokens=2)\nPoint(x=1)\nModel(name='a', other=1)\n"
            "Usage(bogus=1)\n"
        ),
        # A class keyword on a base from a package that has no stub of ours: mypy checks it
        # against `object.__init_subclass__` (mypy_findings sets that complaint aside).
        "pkg/keyword.py": (
            'from vendorlib.types import Base\n\n\nclass M(Base, extra="allow"):\n    x: int\n'
        ),
    }
    result = run_mypy(files, MypyConfig())
    assert [(d.path, d.line, d.rule) for d in result.diagnostics] == [
        ("pkg/keyword.py", 4, "call-arg"),
        ("pkg/use.py", 6, "call-arg"),  # a field Usage does not have; the rest type-check
    ]
    assert "__init_subclass__" in result.diagnostics[0].message
    assert "vendorlib.types" in result.unresolved_imports
    assert "pydantic" not in result.unresolved_imports


def test_mypy_findings_in_tests_and_outside_its_scope_are_counted_not_reported() -> None:
    """auto: only errors the repository's own mypy run would see are findings; with
    `enabled: true` those in tests are notices that never fail."""
    paths = ("tests/test_x.py", "pkg/x.py", "scripts/tool.py")
    diags = tuple(
        LintDiagnostic(path=p, line=1, end_line=1, rule="method-assign", message="no")
        for p in paths
    )
    snapshot = make_snapshot(
        files=[
            FileDiff(path=p, status="added", patch="@@ -0,0 +1 @@\n+x", additions=1) for p in paths
        ],
    ).model_copy(update={"base_configs": {"mypy.ini": "[mypy]\nfiles = pkg, tests\n"}})
    result = MypyResult(diagnostics=diags)
    lines = {p: parse_patch("@@ -0,0 +1 @@\n+x") for p in paths}
    found, notes = mypy_findings(snapshot, MypyConfig(), result, lines, ("^tests/",))
    assert [(f.path, f.level, f.advisory) for f in found] == [("pkg/x.py", "warning", False)]
    assert any("mypy reported 2 errors not shown" in n and "in tests" in n for n in notes)

    config = MypyConfig(enabled=True)
    found, notes = mypy_findings(snapshot, config, result, lines, ("^tests/",))
    by_path = {f.path: (f.level, f.advisory) for f in found}
    assert by_path == {
        "tests/test_x.py": ("notice", True),
        "pkg/x.py": ("warning", False),
        "scripts/tool.py": ("warning", False),
    }
    assert not any("not shown" in n for n in notes)


@pytest.mark.parametrize("unresolved", [("vendorlib.types",), ()])
def test_a_class_keyword_on_a_base_mypy_cannot_see_is_not_reported(
    unresolved: tuple[str, ...],
) -> None:
    """`class M(Base, extra="allow")` with `Base` from an unresolved import: mypy checks the
    keyword against `object.__init_subclass__` (the corpus's claude-agent-sdk case)."""
    keyword = LintDiagnostic(
        path="pkg/a.py",
        line=4,
        end_line=4,
        rule="call-arg",
        message='Unexpected keyword argument "extra" for "__init_subclass__" of "object"',
    )
    other = LintDiagnostic(
        path="pkg/a.py",
        line=9,
        end_line=9,
        rule="call-arg",
        message='Unexpected keyword argument "colour" for "Point"',
    )
    snapshot = make_snapshot().model_copy(update={"base_configs": {"mypy.ini": "[mypy]\n"}})
    result = MypyResult(diagnostics=(keyword, other), unresolved_imports=unresolved)
    found, notes = mypy_findings(snapshot, MypyConfig(), result, {})
    # Only with an import mypy could not see is the complaint set aside; the other stays.
    assert [f.start_line for f in found] == ([9] if unresolved else [4, 9])
    expected = (
        "1 mypy error about a class keyword on a base class from a package mypy could not see "
        "is not reported: the base is unknown to it, not wrong."
    )
    assert (expected in notes) is bool(unresolved)


@pytest.mark.parametrize(
    ("configs", "path", "in_scope"),
    [
        ({"pyproject.toml": '[tool.mypy]\nfiles = "tests/typed_agent.py"\n'}, "pkg/a.py", False),
        (
            {"pyproject.toml": '[tool.mypy]\nfiles = "tests/typed_agent.py"\n'},
            "tests/typed_agent.py",
            True,
        ),
        ({"pyproject.toml": '[tool.mypy]\nfiles = ["src", "tools"]\n'}, "src/pkg/a.py", True),
        ({"mypy.ini": "[mypy]\nfiles = src, scripts\n"}, "docs/conf.py", False),
        ({"mypy.ini": "[mypy]\npackages = pkg.sub\n"}, "pkg/sub/x.py", True),
        (
            {"pyproject.toml": '[tool.mypy]\nexclude = ["^build/", "_pb2\\\\.py$"]\n'},
            "api/x_pb2.py",
            False,
        ),
        ({"pyproject.toml": "[tool.mypy]\nstrict = true\n"}, "anything/at/all.py", True),
    ],
)
def test_the_repositorys_mypy_scope_decides_which_findings_count(
    configs: dict[str, str], path: str, in_scope: bool
) -> None:
    from app.core.basefiles import in_mypy_scope, mypy_scope

    assert in_mypy_scope(path, *mypy_scope(configs)) is in_scope
