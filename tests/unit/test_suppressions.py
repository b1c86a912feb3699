from app.core.checks.directives import directives, without
from app.core.checks.loosening import loosened_lines
from app.core.config.checks import ChecksConfig, MypyConfig, SuppressionsConfig
from app.core.config.model import Config
from app.core.models import FileDiff
from app.core.pipeline import analyse
from app.core.ports import LintDiagnostic
from tests.builders import FakeLinters, make_commit, make_file, make_patch, make_snapshot

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def _config(**suppressions: object) -> Config:
    return Config(checks=ChecksConfig(suppressions=SuppressionsConfig(**suppressions)))


def _found(
    files: list[FileDiff],
    *,
    ai: bool = True,
    linters: FakeLinters | None = None,
    config: Config | None = None,
    contents: dict[str, str] | None = None,
) -> list[tuple[str, int, str]]:
    commit = make_commit(trailers=[CLAUDE] if ai else [])
    snapshot = make_snapshot(commits=[commit], files=files, contents=contents)
    report = analyse(snapshot, config or Config(), linters or FakeLinters())
    return [(f.path, f.start_line, f.rule) for f in report.findings if f.check == "suppressions"]


def test_each_directive_form_is_read_from_comments_not_strings() -> None:
    text = (
        "# mypy: ignore-errors\n"
        "import os  # noqa: F401, E501\n"
        'x: int = "a"  # type: ignore[assignment]\n'
        's = "# noqa  # type: ignore"\n'
        "y = 1  # nosec B101\n"
        "z = 2  # pragma: no cover\n"
        'k = "abc"  # pragma: allowlist secret\n'
        "# ruff: noqa: E501\n"
        "w = 1  # noqa\n"
    )
    found = [(d.line, d.rule, d.codes) for d in directives(text)]
    assert found == [
        (1, "file-ignore-errors", ()),
        (2, "new-noqa", ("F401", "E501")),
        (3, "new-type-ignore", ("assignment",)),
        (5, "new-nosec", ("B101",)),
        (6, "new-no-cover", ()),
        (7, "new-allowlist-secret", ()),
        (8, "file-noqa", ("E501",)),
        (9, "new-noqa", ()),
    ]


def test_a_type_ignore_before_any_code_is_file_level_and_mentions_are_not_directives() -> None:
    assert [d.rule for d in directives("# type: ignore\nimport os\n")] == ["file-type-ignore"]
    # Prose about noqa, and a syntax error, give nothing.
    assert directives("# we never use noqa-style comments here\nx = 1\n") == []
    assert directives("def f(:\n    pass  # noqa\n") == []


def test_without_cuts_the_directive_and_keeps_the_line_numbers() -> None:
    text = 'x: int = "a"  # type: ignore[assignment]\nimport os  # noqa: F401  # keep\n'
    stripped = without(text, directives(text))
    assert stripped.split("\n")[0] == 'x: int = "a"'
    assert "noqa" not in stripped
    assert "# keep" in stripped
    assert stripped.count("\n") == text.count("\n")


def test_new_suppressions_on_ai_lines_are_findings_at_the_configured_level() -> None:
    files = [
        make_file("pkg/a.py", ["import os  # noqa: F401", "x = 1", "y: int = 'a'  # type: ignore"])
    ]
    assert _found(files) == [("pkg/a.py", 1, "new-noqa"), ("pkg/a.py", 3, "new-type-ignore")]
    commit = make_commit(trailers=[CLAUDE])
    report = analyse(
        make_snapshot(commits=[commit], files=files), _config(level="notice"), FakeLinters()
    )
    assert {f.level for f in report.findings} == {"notice"}
    assert all(f.ai_attributed for f in report.findings)
    assert "hides ruff findings (F401)" in report.findings[0].message


def test_human_lines_are_left_alone_unless_configured() -> None:
    files = [make_file("pkg/a.py", ["import os  # noqa: F401"])]
    assert _found(files, ai=False, config=Config(gate={"applies_to": "all"})) == []
    assert _found(files, ai=False, config=_config(human_lines=True)) == [
        ("pkg/a.py", 1, "new-noqa")
    ]


def test_disabled_check_reports_nothing() -> None:
    files = [make_file("pkg/a.py", ["import os  # noqa: F401"])]
    assert _found(files, config=_config(enabled=False)) == []


def test_suppressions_already_in_the_file_are_not_new() -> None:
    # Only line 2 is added; the noqa on line 1 was there before.
    f = FileDiff(
        path="pkg/a.py",
        patch="@@ -1,1 +1,2 @@\n import os  # noqa: F401\n+x = 1",
        additions=1,
    )
    assert _found([f], contents={"pkg/a.py": "import os  # noqa: F401\nx = 1\n"}) == []


def test_skips_xfails_and_assert_true_in_tests() -> None:
    added = [
        "import pytest",
        "@pytest.mark.skip(reason='flaky')",
        "def test_a():",
        "    assert True",
        "@pytest.mark.xfail",
        "def test_b():",
        "    pytest.skip('later')",
        "def test_c():",
        "    assert compute() == 3",
        # Conditional skips gate a test on its environment: not reported.
        "@pytest.mark.skipif(not has_numpy(), reason='numpy')",
        "def test_d():",
        "    if sys.platform == 'win32':",
        "        pytest.skip('posix only')",
    ]
    found = _found([make_file("tests/test_x.py", added)])
    assert found == [
        ("tests/test_x.py", 2, "new-skip"),
        ("tests/test_x.py", 4, "assert-true"),
        ("tests/test_x.py", 5, "new-skip"),
        ("tests/test_x.py", 7, "new-skip"),
    ]
    # Outside test paths a decorator named skip is someone's own API.
    assert _found([make_file("pkg/a.py", added)]) == []


def test_assertions_removed_from_a_test_but_not_moved() -> None:
    removed = (
        "@@ -1,4 +1,3 @@\n def test_a():\n     r = run()\n"
        "-    assert r.ok\n-    assert r.code == 0\n+    r.close()"
    )
    f = FileDiff(path="tests/test_run.py", patch=removed, additions=1, deletions=2)
    head = "def test_a():\n    r = run()\n    r.close()\n"
    assert _found([f], contents={"tests/test_run.py": head}) == [
        ("tests/test_run.py", 3, "assertions-removed")
    ]
    moved = removed + "\n@@ -10,1 +9,3 @@\n x = 1\n+    assert r.ok\n+    assert r.code == 0"
    f2 = FileDiff(path="tests/test_run.py", patch=moved, additions=3, deletions=2)
    assert _found([f2], contents={"tests/test_run.py": head}) == []
    # A human's commit removing them is left alone.
    assert _found([f], ai=False, contents={"tests/test_run.py": head}) == []


def test_config_loosening_in_ruff_mypy_and_ai_gate_files() -> None:
    pyproject = (
        '@@ -10,3 +10,6 @@\n [tool.ruff.lint]\n select = ["E", "F"]\n+ignore = [\n+  "E501",\n+]\n'
        " line-length = 100\n"
    )
    assert [n for n, _, _ in loosened_lines("pyproject.toml", pyproject, None)] == [12, 13, 14]
    mypy_ini = (
        "@@ -1,2 +1,4 @@\n [mypy]\n strict = True\n+ignore_missing_imports = True\n"
        "+warn_unused_ignores = False\n+python_version = 3.12"
    )
    assert [n for n, _, _ in loosened_lines("mypy.ini", mypy_ini, None)] == [3, 4]
    tighter = "@@ -1,2 +1,3 @@\n [mypy]\n strict = False\n+strict = True"
    assert list(loosened_lines("mypy.ini", tighter, None)) == []
    # Outside the tools' sections (a project's own ignore list) nothing is reported.
    other = '@@ -1,1 +1,2 @@\n [tool.poetry]\n+exclude = ["docs"]'
    assert list(loosened_lines("pyproject.toml", other, None)) == []
    gate = make_patch(
        ["checks:", "  secrets:", "    enabled: false", "  mypy:", "    strict: true"]
    )
    assert [n for n, _, _ in loosened_lines(".ai-gate.yml", gate, None)] == [3]
    found = _found([FileDiff(path=".ai-gate.yml", patch=gate, additions=5)], contents={})
    assert found == [(".ai-gate.yml", 3, "config-loosened")]


def test_the_head_text_places_a_hunk_without_its_section_header() -> None:
    head = (
        "[tool.ruff]\nline-length = 100\n\n"
        "[tool.ruff.lint]\nselect = ['E']\nextend-ignore = ['B']\n"
    )
    patch = "@@ -5,1 +5,2 @@\n select = ['E']\n+extend-ignore = ['B']"
    assert [n for n, _, _ in loosened_lines("pyproject.toml", patch, head)] == [6]
    assert list(loosened_lines("pyproject.toml", patch, None)) == []


def _diag(path: str, line: int, rule: str, message: str = "hidden") -> LintDiagnostic:
    return LintDiagnostic(path=path, line=line, end_line=line, rule=rule, message=message)


def test_see_through_reports_what_a_new_suppression_hid() -> None:
    files = [
        make_file(
            "pkg/a.py",
            [
                "import os  # noqa: F401",
                "x: int = f()  # type: ignore[assignment]",
                "y = g()  # noqa: E501",
            ],
        )
    ]
    linters = FakeLinters(
        hidden=[
            _diag("pkg/a.py", 1, "F401", "`os` imported but unused"),
            _diag("pkg/a.py", 3, "B006"),
        ],
        hidden_mypy=[_diag("pkg/a.py", 2, "assignment", "Incompatible types in assignment")],
    )
    commit = make_commit(trailers=[CLAUDE])
    snapshot = make_snapshot(commits=[commit], files=files)
    # mypy judged here as where the repository configures it.
    config = Config(
        checks=ChecksConfig(
            suppressions=SuppressionsConfig(see_through=True), mypy=MypyConfig(enabled=True)
        )
    )
    report = analyse(snapshot, config, linters)
    hidden = [(f.check, f.start_line, f.rule) for f in report.findings if f.check != "suppressions"]
    # B006 on line 3 is not what the E501 directive hid: not reported.
    assert hidden == [("ruff", 1, "F401"), ("mypy", 2, "assignment")]
    messages = [f.message for f in report.findings if f.check == "mypy"]
    assert messages == [
        "Incompatible types in assignment "
        "(hidden by the new `# type: ignore[assignment]` on line 2)"
    ]
    # The second look linted the file with the directives cut out.
    assert "noqa" not in linters.replacements[0]["pkg/a.py"]
    # Without see_through, the hidden findings stay hidden and nothing is linted twice.
    linters2 = FakeLinters(hidden=linters.hidden, hidden_mypy=linters.hidden_mypy)
    report2 = analyse(snapshot, Config(), linters2)
    assert {f.check for f in report2.findings} == {"suppressions"}
    assert linters2.replacements == []


def test_see_through_file_level_directive_and_human_lines() -> None:
    files = [make_file("pkg/a.py", ["# ruff: noqa", "import os", "x = 1"])]
    hidden = [_diag("pkg/a.py", 2, "F401")]
    commit = make_commit(trailers=[CLAUDE])
    report = analyse(
        make_snapshot(commits=[commit], files=files),
        _config(see_through=True),
        FakeLinters(hidden=hidden),
    )
    assert [(f.check, f.rule) for f in report.findings] == [
        ("suppressions", "file-noqa"),
        ("ruff", "F401"),
    ]
    human = make_snapshot(commits=[make_commit()], files=files)
    linters = FakeLinters(hidden=hidden)
    report = analyse(human, _config(see_through=True), linters)
    assert report.findings == ()
    assert linters.replacements == []


def test_tree_linters_lint_the_replacement_and_put_the_original_back() -> None:
    from app.adapters.linters import file_linters
    from app.core.config.checks import RuffConfig

    ruff = RuffConfig(select=("F401",), ignore=())
    with file_linters({"a.py": "import os  # noqa: F401\n"}) as (linters, paths):
        assert linters.ruff(paths, ruff).diagnostics == ()
        with linters.replaced({"a.py": "import os\n"}):
            assert [d.rule for d in linters.ruff(paths, ruff).diagnostics] == ["F401"]
        assert linters.ruff(paths, ruff).diagnostics == ()
        assert (linters.root / "a.py").read_text() == "import os  # noqa: F401\n"


def test_pyright_ignores_are_named_as_such_and_line_suppressions_in_tests_are_routine() -> None:
    [d] = directives("from m import _p  # pyright: ignore[reportPrivateUsage]\n")
    assert (d.rule, d.tool, d.codes) == ("new-pyright-ignore", "pyright", ("reportPrivateUsage",))
    added = ["from m import _p  # pyright: ignore[reportPrivateUsage]", "x = f()  # type: ignore"]
    assert _found([make_file("tests/test_m.py", added)]) == []
    assert [r for _, _, r in _found([make_file("pkg/m.py", added)])] == [
        "new-pyright-ignore",
        "new-type-ignore",
    ]


def test_a_removed_test_function_is_not_a_test_with_its_assertions_removed() -> None:
    patch = (
        "@@ -1,6 +1,2 @@\n def test_a():\n     assert a()\n"
        "-def test_b():\n-    assert b()\n-    assert c()\n-"
    )
    f = FileDiff(path="tests/test_run.py", patch=patch, deletions=4)
    head = "def test_a():\n    assert a()\n"
    assert _found([f], contents={"tests/test_run.py": head}) == []


def test_ignore_missing_imports_for_one_module_is_not_loosening() -> None:
    patch = (
        "@@ -1,1 +1,3 @@\n [tool.mypy]\n+[[tool.mypy.overrides]]\n+ignore_missing_imports = true"
    )
    assert list(loosened_lines("pyproject.toml", patch, None)) == []
    ini = "@@ -1,1 +1,3 @@\n [mypy]\n+[mypy-boto3.*]\n+ignore_missing_imports = True"
    assert list(loosened_lines("setup.cfg", ini, None)) == []
    glob = "@@ -1,1 +1,2 @@\n [tool.mypy]\n+ignore_missing_imports = true"
    assert [n for n, _, _ in loosened_lines("pyproject.toml", glob, None)] == [2]


def test_a_human_line_reported_under_human_lines_is_not_called_ai_written() -> None:
    files = [make_file("pkg/a.py", ["import os  # noqa: F401"])]
    snapshot = make_snapshot(commits=[make_commit()], files=files)
    report = analyse(snapshot, _config(human_lines=True), FakeLinters())
    [finding] = report.findings
    assert finding.message.startswith("New `# noqa: F401` on a line hides")
