"""New dependencies in a pull request's manifests: pyproject.toml, requirements*.txt, package.json.

A dependency is NEW when its line is an added line of the PR and its name does not appear on a
removed line of the same manifest: a version bump rewrites the line (removed `httpx>=0.26`, added
`httpx>=0.27`) and is not a new dependency. A dependency moved from one manifest to another counts
as new in its new home. The head file is read line by line, from the file's head contents when
the adapter fetched them, otherwise from the patch's added and context lines; in a patch, the
table or object a hunk starts in is often not shown, and lines whose section cannot be told are
skipped (with a note) rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.core.diff import PatchLines, parse_patch, patch_rows
from app.core.models import FileDiff, Frozen, PullRequestSnapshot

Ecosystem = Literal["pypi", "npm"]
Format = Literal["pyproject", "requirements", "package.json"]

# PEP 508 names: letters, digits and . _ - (starting and ending with a letter or digit).
_PEP508 = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$")
_QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_\"' .-]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+)\s*=\s*(.*)$")
_JSON_PAIR = re.compile(r"\"((?:[^\"\\]|\\.)*)\"\s*:\s*\"((?:[^\"\\]|\\.)*)\"")
_JSON_SECTION = re.compile(
    r"\"(dependencies|devDependencies|peerDependencies|optionalDependencies)\"\s*:\s*\{"
)
# Tables of [tool.poetry] whose keys are dependencies.
_POETRY_TABLE = re.compile(
    r"^tool\.poetry\.(?:dependencies|dev-dependencies|group\.[^.]+\.dependencies)$"
)
# Lines scanned per manifest: a generated manifest of this size is not reviewed line by line.
MAX_MANIFEST_LINES = 20_000


class Dependency(Frozen):
    """A dependency named on one line of a manifest."""

    ecosystem: Ecosystem
    # Normalised: PEP 503 for PyPI (lower case, runs of `-_.` as `-`); npm names as written.
    name: str
    spec: str | None = None
    path: str
    line: int


@dataclass(frozen=True)
class HeadView:
    """The head lines of one file that are known (all of them, or the patch's), in order."""

    lines: tuple[tuple[int, str], ...] = ()
    # Line numbers after which the view skips lines it does not have (hunk starts).
    breaks: frozenset[int] = field(default_factory=frozenset)
    removed: tuple[str, ...] = ()


def split_lines(text: str) -> list[str]:
    """Lines as git counts them (on `\\n` only, `\\r` dropped)."""
    return [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]


def _patch_view(patch: str | None) -> tuple[list[tuple[int, str]], set[int], list[str]]:
    lines: list[tuple[int, str]] = []
    breaks: set[int] = set()
    removed: list[str] = []
    for kind, line_no, text in patch_rows(patch):
        if kind == "@":
            breaks.add(line_no)
        elif kind == "-":
            removed.append(text)
        else:
            lines.append((line_no, text))
    return lines, breaks, removed


def head_view(f: FileDiff, content: str | None, limit: int = MAX_MANIFEST_LINES) -> HeadView:
    """The file's head lines: from its contents when fetched, else from its patch."""
    patch_lines, breaks, removed = _patch_view(f.patch)
    if content is not None:
        every = split_lines(content)[:limit]
        return HeadView(tuple(enumerate(every, start=1)), frozenset(), tuple(removed))
    return HeadView(tuple(patch_lines[:limit]), frozenset(breaks), tuple(removed))


def manifest_format(path: str) -> Format | None:
    """Which kind of manifest a path is, if any."""
    name = path.rsplit("/", 1)[-1]
    if name == "pyproject.toml":
        return "pyproject"
    if name == "package.json":
        return "package.json"
    parent = path.rsplit("/", 2)[-2] if "/" in path else ""
    if name.endswith(".txt") and (name.startswith("requirements") or parent == "requirements"):
        return "requirements"
    return None


def is_manifest(path: str) -> bool:
    """Whether the licence check reads this file's dependencies (adapters may fetch it)."""
    return manifest_format(path) is not None


def pep503(name: str) -> str:
    """PyPI's normalised project name (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(text: str) -> tuple[str, str | None] | None:
    """(name, version spec) of a PEP 508 requirement; None for URLs, paths and options."""
    text = text.strip()
    if not text or text.startswith(("-", ".", "/")) or "://" in text or " @ " in text:
        return None
    if text.endswith((".whl", ".tar.gz", ".zip")):
        return None
    match = _PEP508.match(text)
    if match is None:
        return None
    rest = match.group(3).split(";", 1)[0].strip()
    if rest.startswith("@"):  # `name@ https://...`: a direct reference, not a registry package
        return None
    if rest and not re.match(r"^[(<>=!~]", rest):
        return None
    spec = rest.strip("()").strip() or None
    return match.group(1), spec


def _strip_comment(line: str) -> str:
    # pip treats `#` as a comment at the start or after whitespace (a URL fragment is not one).
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0]


def _requirements_line(line: str) -> list[tuple[str, str | None]]:
    parsed = _requirement(_strip_comment(line).rstrip("\\").strip())
    return [parsed] if parsed else []


@dataclass
class _TomlState:
    table: str | None = ""  # "" = top level; None = unknown (inside a hunk, header not shown)
    array: str | None = None  # the key of the dependency array being read, if any


def _toml_strings(line: str) -> list[str]:
    if line.lstrip().startswith("#"):
        return []
    return [a or b for a, b in _QUOTED.findall(line)]


def _pyproject_lines(
    view: HeadView, notes: list[str], path: str, added: frozenset[int]
) -> Iterator[tuple[int, str, str | None]]:
    state = _TomlState()
    unplaced = 0
    for line_no, line in view.lines:
        if line_no in view.breaks:
            state = _TomlState(table=None)
        if state.array is not None:
            for text in _toml_strings(line):
                parsed = _requirement(text)
                if parsed:
                    yield line_no, parsed[0], parsed[1]
            if "]" in re.sub(r"\"[^\"]*\"|'[^']*'", "", line):
                state.array = None
            continue
        table = _TOML_TABLE.match(line)
        if table:
            state = _TomlState(table=re.sub(r"[\"'\s]", "", table.group(1)))
            continue
        key = _TOML_KEY.match(line)
        name, value = (key.group(1).strip("\"'"), key.group(2)) if key else ("", "")
        if state.table is None and name != "dependencies":
            unplaced += line_no in added and bool(key or _toml_strings(line))
            continue
        if key is None:
            continue
        if _is_dependency_array(state.table, name):
            for text in _toml_strings(value):
                parsed = _requirement(text)
                if parsed:
                    yield line_no, parsed[0], parsed[1]
            if value.lstrip().startswith("[") and "]" not in re.sub(r"\"[^\"]*\"", "", value):
                state.array = name
        elif state.table and _POETRY_TABLE.match(state.table) and name.lower() != "python":
            yield line_no, name, _poetry_spec(value)
    if unplaced:
        notes.append(
            f"`{path}`: {unplaced} added line(s) could not be placed in a table without the "
            "file's contents; their dependencies were not checked."
        )


def _is_dependency_array(table: str | None, key: str) -> bool:
    # Under a table header the hunk did not show, a `dependencies = [` array is taken to be
    # [project]'s: other tables that use that key (hatch environments) list installable
    # packages too.
    if table in ("project", None):
        return key == "dependencies"
    return table in ("project.optional-dependencies", "dependency-groups")


def _poetry_spec(value: str) -> str | None:
    strings = _toml_strings(value)
    if value.lstrip().startswith("{"):
        match = re.search(r"version\s*=\s*[\"']([^\"']*)[\"']", value)
        return match.group(1) if match else None
    return strings[0] if strings else None


def _package_json_lines(
    view: HeadView, notes: list[str], path: str, added: frozenset[int]
) -> Iterator[tuple[int, str, str | None]]:
    section: str | None = ""  # "" = outside a dependency object; None = unknown
    unplaced = 0
    for line_no, line in view.lines:
        if line_no in view.breaks:
            section = None
        opened = _JSON_SECTION.search(line)
        if opened:
            section = opened.group(1)
            tail = line[opened.end() :]
            for name, spec in _JSON_PAIR.findall(tail.split("}", 1)[0]):
                yield line_no, name, spec or None
            if "}" in tail:
                section = ""
            continue
        if section is None:
            if line_no in added and _JSON_PAIR.search(line):
                unplaced += 1
            if re.match(r"^\s*\}", line):
                section = ""
            continue
        if section:
            for name, spec in _JSON_PAIR.findall(line.split("}", 1)[0]):
                yield line_no, name, spec or None
            if "}" in line:
                section = ""
    if unplaced:
        notes.append(
            f"`{path}`: {unplaced} added line(s) could not be placed in an object without "
            "the file's contents; their dependencies were not checked."
        )


def _entries(
    kind: Format, view: HeadView, notes: list[str], path: str, added: frozenset[int]
) -> Iterator[tuple[int, str, str | None]]:
    if kind == "pyproject":
        yield from _pyproject_lines(view, notes, path, added)
    elif kind == "package.json":
        yield from _package_json_lines(view, notes, path, added)
    else:
        for line_no, line in view.lines:
            for name, spec in _requirements_line(line):
                yield line_no, name, spec


def _removed_names(kind: Format, removed: Sequence[str]) -> set[str]:
    """Names on removed lines, read without their section (a wider net only hides bumps)."""
    names: set[str] = set()
    for line in removed:
        if kind == "package.json":
            names.update(_normalise("npm", n) for n, _ in _JSON_PAIR.findall(line))
            continue
        texts = _toml_strings(line) if kind == "pyproject" else [_strip_comment(line)]
        key = _TOML_KEY.match(line) if kind == "pyproject" else None
        if key:
            texts.append(key.group(1).strip("\"'"))
        for text in texts:
            parsed = _requirement(text)
            if parsed:
                names.add(_normalise("pypi", parsed[0]))
    return names


def _normalise(ecosystem: Ecosystem, name: str) -> str:
    return pep503(name) if ecosystem == "pypi" else name.strip()


def file_dependencies(
    f: FileDiff, content: str | None, added: frozenset[int]
) -> tuple[list[Dependency], list[str]]:
    """The new dependencies of one changed manifest, and notes on what could not be read."""
    kind = manifest_format(f.path)
    if kind is None or f.status == "removed" or not added:
        return [], []
    ecosystem: Ecosystem = "npm" if kind == "package.json" else "pypi"
    view = head_view(f, content)
    notes: list[str] = []
    gone = _removed_names(kind, view.removed)
    found: dict[str, Dependency] = {}
    for line_no, raw_name, spec in _entries(kind, view, notes, f.path, added):
        name = _normalise(ecosystem, raw_name)
        if line_no not in added or name in gone or name in found:
            continue
        found[name] = Dependency(
            ecosystem=ecosystem, name=name, spec=spec, path=f.path, line=line_no
        )
    return list(found.values()), notes


def new_dependencies(
    snapshot: PullRequestSnapshot, lines: Mapping[str, PatchLines]
) -> tuple[list[Dependency], list[str]]:
    """Dependencies the pull request adds to any manifest, in file then line order."""
    deps: list[Dependency] = []
    notes: list[str] = []
    for f in snapshot.files:
        if not is_manifest(f.path):
            continue
        added = (lines.get(f.path) or parse_patch(f.patch)).added
        found, file_notes = file_dependencies(f, snapshot.contents.get(f.path), added)
        deps += found
        notes += file_notes
    return deps, notes
