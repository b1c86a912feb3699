"""New dependencies read from the added lines of pyproject.toml, requirements and package.json."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.diff import parse_patch
from app.core.manifests import (
    Dependency,
    file_dependencies,
    is_manifest,
    new_dependencies,
    pep503,
)
from app.core.models import FileDiff
from tests.builders import make_file, make_snapshot

PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]

[project]
name = "demo"
keywords = ["requests-like", "http"]
dependencies = [
    "httpx>=0.27,<1",
    "Flask_Login[extra]>=0.6 ; python_version >= '3.11'",  # a comment
    "pkg @ https://example.com/pkg.tar.gz",
]

[project.optional-dependencies]
dev = ["pytest>=8", "ruff"]

[tool.poetry.dependencies]
python = "^3.11"
Django = "^5.0"
celery = { version = "^5.4", extras = ["redis"] }

[tool.ruff]
select = ["E", "F"]
"""


def names(deps: Sequence[Dependency]) -> list[tuple[str, str | None, int]]:
    return [(d.name, d.spec, d.line) for d in deps]


def new_file(path: str, text: str) -> tuple[FileDiff, str]:
    lines = text.removesuffix("\n").split("\n")
    return make_file(path, lines), text


def deps_of(f: FileDiff, content: str | None) -> list[Dependency]:
    found, _ = file_dependencies(f, content, parse_patch(f.patch).added)
    return found


def test_pyproject_new_file_lists_every_dependency_table() -> None:
    f, text = new_file("pyproject.toml", PYPROJECT)
    assert names(deps_of(f, text)) == [
        ("httpx", ">=0.27,<1", 8),
        ("flask-login", ">=0.6", 9),
        ("pytest", ">=8", 14),
        ("ruff", None, 14),
        ("django", "^5.0", 18),
        ("celery", "^5.4", 19),
    ]
    assert all(d.ecosystem == "pypi" and d.path == "pyproject.toml" for d in deps_of(f, text))


def test_pyproject_version_bump_is_not_new_but_an_added_line_is() -> None:
    patch = (
        "@@ -6,4 +6,5 @@ keywords = []\n"
        " dependencies = [\n"
        '-    "httpx>=0.26",\n'
        '+    "httpx>=0.27",\n'
        '+    "rich>=13",\n'
        " ]\n"
        " \n"
    )
    f = FileDiff(path="pyproject.toml", patch=patch)
    head = '[project]\nname = "x"\nversion = "1"\n\nkeywords = []\ndependencies = [\n'
    head += '    "httpx>=0.27",\n    "rich>=13",\n]\n'
    assert names(deps_of(f, head)) == [("rich", ">=13", 8)]
    # Without contents the hunk shows the `dependencies = [` line, which is enough.
    assert names(deps_of(f, None)) == [("rich", ">=13", 8)]


def test_pyproject_hunk_without_its_table_is_skipped_with_a_note() -> None:
    patch = '@@ -20,3 +20,4 @@\n     "a",\n     "b",\n+    "newdep>=1",\n     "c",\n'
    f = FileDiff(path="pyproject.toml", patch=patch)
    found, notes = file_dependencies(f, None, parse_patch(patch).added)
    assert found == []
    assert notes == [
        "`pyproject.toml`: 1 added line(s) could not be placed in a table without the file's "
        "contents; their dependencies were not checked."
    ]


def test_requirements_ignore_comments_options_urls_and_paths() -> None:
    f, text = new_file(
        "requirements-dev.txt",
        "\n".join(
            [
                "# tools",
                "-r requirements.txt",
                "-e git+https://github.com/o/r.git#egg=r",
                "--index-url https://example.com/simple",
                "Requests==2.32.0  # pinned",
                "zope.interface>=6 ; python_version > '3.8'",
                "https://example.com/p-1.0.tar.gz",
                "./local/package",
                "numpy",
                "pandas==2.2 \\",
                "    --hash=sha256:abc",
            ]
        ),
    )
    assert names(deps_of(f, text)) == [
        ("requests", "==2.32.0", 5),
        ("zope-interface", ">=6", 6),
        ("numpy", None, 9),
        ("pandas", "==2.2", 10),
    ]


def test_requirements_removed_name_with_other_spelling_is_a_bump() -> None:
    patch = "@@ -1,2 +1,3 @@\n flask\n-Foo_Bar==1.0\n+foo-bar==2.0\n+attrs\n"
    f = FileDiff(path="requirements/base.txt", patch=patch)
    assert names(deps_of(f, None)) == [("attrs", None, 3)]


def test_package_json_sections_only() -> None:
    f, text = new_file(
        "web/package.json",
        """{
  "name": "web",
  "version": "1.0.0",
  "scripts": {"build": "tsc", "test": "vitest"},
  "dependencies": {
    "left-pad": "^1.3.0",
    "@scope/pkg": "2.x"
  },
  "devDependencies": {"typescript": "^5.4"},
  "peerDependencies": {
    "react": ">=18"
  }
}""",
    )
    found = deps_of(f, text)
    assert names(found) == [
        ("left-pad", "^1.3.0", 6),
        ("@scope/pkg", "2.x", 7),
        ("typescript", "^5.4", 9),
        ("react", ">=18", 11),
    ]
    assert {d.ecosystem for d in found} == {"npm"}


def test_package_json_patch_inside_an_unseen_object_is_a_note() -> None:
    patch = '@@ -30,3 +30,4 @@\n     "a": "1",\n+    "b": "2",\n     "c": "3"\n   }\n'
    f = FileDiff(path="package.json", patch=patch)
    found, notes = file_dependencies(f, None, parse_patch(patch).added)
    assert found == []
    assert len(notes) == 1
    assert "could not be placed in an object" in notes[0]


def test_package_json_bump_not_new() -> None:
    patch = (
        '@@ -1,5 +1,6 @@\n {\n   "dependencies": {\n-    "lodash": "^4.17.20",\n'
        '+    "lodash": "^4.17.21",\n+    "chalk": "^5.3.0",\n     "x": "1"\n   }\n'
    )
    f = FileDiff(path="package.json", patch=patch)
    assert names(deps_of(f, None)) == [("chalk", "^5.3.0", 4)]


def test_only_added_lines_of_changed_manifests_across_the_snapshot() -> None:
    req = FileDiff(path="requirements.txt", patch="@@ -1,1 +1,2 @@\n flask\n+click\n")
    gone = FileDiff(path="old/requirements.txt", status="removed", patch="@@ -1 +0,0 @@\n-x\n")
    other = make_file("setup.cfg", ["install_requires = foo"])
    snapshot = make_snapshot(files=[req, gone, other], contents={})
    lines = {f.path: parse_patch(f.patch) for f in (req, gone, other)}
    deps, notes = new_dependencies(snapshot, lines)
    assert names(deps) == [("click", None, 2)]
    assert notes == []


def test_manifest_names_and_pep503() -> None:
    assert is_manifest("pyproject.toml")
    assert is_manifest("svc/requirements-dev.txt")
    assert is_manifest("requirements/test.txt")
    assert is_manifest("frontend/package.json")
    assert not is_manifest("package-lock.json")
    assert not is_manifest("docs/requirements.md")
    assert pep503("Flask_Login") == "flask-login"
    assert pep503("zope.interface") == "zope-interface"
    assert pep503("A__B--c") == "a-b-c"
