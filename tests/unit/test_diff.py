from app.core.diff import parse_patch, patch_rows

PATCH = "\n".join(
    [
        "@@ -1,4 +1,5 @@",
        " import os",
        "-import sys",
        "+import json",
        "+import re",
        " ",
        " def f():",
        "@@ -10,3 +11,4 @@ def f():",
        "     a = 1",
        "+    b = 2",
        "     c = 3",
        "\\ No newline at end of file",
    ]
)


def test_added_lines_follow_hunk_headers() -> None:
    lines = parse_patch(PATCH)
    assert lines.added == {2, 3, 12}


def test_commentable_lines_are_added_and_context_lines() -> None:
    lines = parse_patch(PATCH)
    assert lines.commentable == {1, 2, 3, 4, 5, 11, 12, 13}


def test_missing_patch_has_no_lines() -> None:
    assert parse_patch(None).added == frozenset()
    assert parse_patch("").commentable == frozenset()


def test_trailing_newline_is_not_a_context_line() -> None:
    assert parse_patch("@@ -0,0 +1,1 @@\n+x = 1\n").commentable == {1}


def test_added_text_strips_plus_and_keeps_plus_plus_lines() -> None:
    rows = patch_rows("@@ -0,0 +1,2 @@\n+++x\n+y")
    assert [text for kind, _, text in rows if kind == "+"] == ["++x", "y"]
