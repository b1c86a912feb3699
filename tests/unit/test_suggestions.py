from app.adapters.linters import file_linters
from app.core.config.checks import RuffConfig
from app.core.ports import FixEdit
from app.core.suggestions import suggestion_for

TEXT = (
    "import os\nimport sys\n\n\ndef f(x):\n    if x == None:\n        return 1\n"
    "    return sys.argv\n"
)


def test_removing_an_import_suggests_an_empty_line_block() -> None:
    edit = FixEdit(row=1, column=1, end_row=2, end_column=1, content="")
    s = suggestion_for(TEXT, [edit])
    assert s is not None
    assert (s.start_line, s.end_line, s.text) == (1, 1, "")


def test_in_line_edit_rewrites_the_whole_line() -> None:
    edit = FixEdit(row=6, column=8, end_row=6, end_column=17, content="x is None")
    s = suggestion_for(TEXT, [edit])
    assert s is not None
    assert (s.start_line, s.end_line, s.text) == (6, 6, "    if x is None:")


def test_edits_outside_the_text_give_no_suggestion() -> None:
    assert (
        suggestion_for(TEXT, [FixEdit(row=99, column=1, end_row=99, end_column=2, content="")])
        is None
    )
    assert suggestion_for(TEXT, []) is None


def test_real_ruff_fixes_become_suggestions() -> None:
    with file_linters({"a.py": TEXT}) as (linters, paths):
        diags = linters.ruff(paths, RuffConfig(select=("F401", "E711"))).diagnostics
    by_rule = {d.rule: suggestion_for(TEXT, d.fix) for d in diags}
    assert by_rule["F401"] is not None
    assert by_rule["F401"].text == ""
    assert by_rule["E711"] is not None
    assert by_rule["E711"].text == "    if x is None:"


def test_rules_the_partial_workspace_cannot_judge_are_not_reported() -> None:
    from app.core.config.checks import RuffConfig

    # Sorted as the repository sees it (`app.core.diff` is first-party), but app/core/diff.py
    # is not in the workspace, so isort there would call it third-party.
    text = (
        "import json\n\nimport httpx\n\nfrom app.core.diff import parse\n\n"
        "print(json, httpx, parse)\n"
    )
    files = {
        "app/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/thing.py": text,
        "pyproject.toml": '[tool.ruff.lint]\nselect = ["I", "INP", "F"]\n',
    }
    with file_linters(files) as (linters, _):
        result = linters.ruff(["app/core/thing.py"], RuffConfig(select=("F",), ignore=()))
    assert [d.rule for d in result.diagnostics] == []


def test_the_nearest_ruff_configuration_of_each_file_applies() -> None:
    from app.core.config.checks import RuffConfig

    # The root selects E711; a sub-project's own ruff.toml ignores it, as ruff itself finds.
    text = "def f(x):\n    return x == None\n"
    files = {
        "pyproject.toml": '[tool.ruff.lint]\nselect = ["E711"]\n',
        "sub/ruff.toml": '[lint]\nselect = ["F"]\n',
        "top.py": text,
        "sub/inner.py": text,
    }
    with file_linters(files) as (linters, _):
        result = linters.ruff(["top.py", "sub/inner.py"], RuffConfig(select=("F",), ignore=()))
    assert [(d.path, d.rule) for d in result.diagnostics] == [("top.py", "E711")]
