"""What a repository's own ruff configuration says, read as ruff reads it, for what the
command line cannot express: the rules a repository ignores (our rule set is added on the
command line, which would switch them back on), the configuration its pre-commit hook names,
and the Python version it targets when that contradicts `requires-python`.

Discovery follows ruff's: the nearest `.ruff.toml`, `ruff.toml` or `pyproject.toml` with a
`[tool.ruff]` table up from a file, then the files it `extend`s.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONFIG_ORDER = (".ruff.toml", "ruff.toml", "pyproject.toml")
PRE_COMMIT = ".pre-commit-config.yaml"
RUFF_HOOKS = frozenset({"ruff", "ruff-check"})
MAX_EXTENDS = 5
_VERSION = re.compile(r"py3(\d{1,2})$")
_REQUIRES = re.compile(r">=\s*3\.(\d{1,2})")


@dataclass(frozen=True)
class RuffSettings:
    """What one configuration (with what it extends) says."""

    path: str  # relative to the workspace root
    ignore: tuple[str, ...] = ()
    target_version: str | None = None  # e.g. "py39"


def _table(document: dict[str, Any], path: str) -> dict[str, Any] | None:
    if path.endswith("pyproject.toml"):
        tool = document.get("tool")
        ruff = tool.get("ruff") if isinstance(tool, dict) else None
        return ruff if isinstance(ruff, dict) else None
    return document


def _read(root: Path, path: str) -> dict[str, Any] | None:
    try:
        document = tomllib.loads((root / path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return _table(document, path)


@dataclass(frozen=True)
class Extends:
    """What a configuration's `extend` names: nothing, a repository path, or a file outside
    the repository (ruff expands `~` and environment variables, and follows any path)."""

    target: str | None = None
    outside: bool = False


def inside_target(config_path: str, value: str) -> str | None:
    """The repository path an `extend` value names, or None when it leaves the repository."""
    if value.startswith(("/", "~")) or "$" in value or "\\" in value:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(config_path), value))
    return None if joined.startswith("..") or joined in (".", "") else joined


def extends_of(config_path: str, data: bytes) -> Extends:
    """What a configuration file (its bytes) extends, as ruff would read it. A file that
    does not parse here extends nothing ruff could read, unless it mentions `extend`: then
    it cannot be told, and counts as extending outside."""
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Extends(outside=b"extend" in data)
    table = _table(document, config_path)
    value = table.get("extend") if table is not None else None
    if not isinstance(value, str):
        return Extends()  # none, or one ruff refuses
    target = inside_target(config_path, value)
    return Extends(target=target, outside=target is None)


def reaching_outside(extends: Mapping[str, Extends], unchecked: Iterable[str] = ()) -> set[str]:
    """The configurations ruff must not be given: those extending outside the repository or
    a file not checked (`unchecked`), and those extending these, however indirectly."""
    found = {path for path, e in extends.items() if e.outside} | set(unchecked)
    while True:
        more = {p for p, e in extends.items() if e.target in found and p not in found}
        if not more:
            return found
        found |= more


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def settings_of(root: Path, path: str) -> RuffSettings:
    """A configuration's ignores and target version, with those of what it extends."""
    ignore: list[str] = []
    target: str | None = None
    current: str | None = path
    for _ in range(MAX_EXTENDS + 1):
        table = _read(root, current) if current is not None else None
        if current is None or table is None:
            break
        lint = table.get("lint")
        for source in (table, lint if isinstance(lint, dict) else {}):
            ignore += _strings(source.get("ignore")) + _strings(source.get("extend-ignore"))
        version = table.get("target-version")
        if target is None and isinstance(version, str):
            target = version
        extended = table.get("extend")
        current = inside_target(current, extended) if isinstance(extended, str) else None
    return RuffSettings(path=path, ignore=tuple(dict.fromkeys(ignore)), target_version=target)


def _governs(root: Path, path: str) -> bool:
    """Whether ruff would take this file as a configuration: a ruff.toml always (a broken one
    makes ruff fail, which the caller reports), a pyproject.toml with a `[tool.ruff]` table or
    one that does not parse."""
    if not path.endswith("pyproject.toml"):
        return True
    try:
        document = tomllib.loads((root / path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return _table(document, path) is not None


def nearest_config(root: Path, path: str) -> str | None:
    """The configuration ruff would use for this file, as ruff finds it."""
    parts = path.split("/")[:-1]
    for depth in range(len(parts), -1, -1):
        directory = "/".join(parts[:depth])
        for name in CONFIG_ORDER:
            candidate = f"{directory}/{name}" if directory else name
            if (root / candidate).is_file() and _governs(root, candidate):
                return candidate
    return None


def precommit_config(text: str) -> str | None:
    """The file a pre-commit ruff hook passes with `--config`, if any (a repository path)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    repos = document.get("repos") if isinstance(document, dict) else None
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else []:
            if not isinstance(hook, dict) or hook.get("id") not in RUFF_HOOKS:
                continue
            args = [str(a) for a in hook.get("args") or [] if isinstance(a, str | int)]
            for index, arg in enumerate(args):
                value = None
                if arg.startswith("--config="):
                    value = arg.split("=", 1)[1]
                elif arg == "--config" and index + 1 < len(args):
                    value = args[index + 1]
                if value and value.endswith(".toml") and "=" not in value:
                    normal = posixpath.normpath(value)
                    if not normal.startswith(("..", "/")):
                        return normal
    return None


def is_ignored(rule: str, ignores: Iterable[str]) -> bool:
    """Whether a rule code is one an ignore list names (by code or prefix, or ALL)."""
    return any(selector == "ALL" or rule.startswith(selector) for selector in ignores)


def requires_python_minor(root: Path, config_path: str) -> int | None:
    """The lowest Python 3 minor version the project beside a configuration requires."""
    directory = posixpath.dirname(config_path)
    pyproject = f"{directory}/pyproject.toml" if directory else "pyproject.toml"
    try:
        document = tomllib.loads((root / pyproject).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = document.get("project")
    requires = project.get("requires-python") if isinstance(project, dict) else None
    match = _REQUIRES.search(requires) if isinstance(requires, str) else None
    return int(match.group(1)) if match else None


def target_override(root: Path, settings: RuffSettings) -> tuple[str | None, str | None]:
    """A `--target-version` to run with, and a note, when the configuration's target version
    is older than the project's `requires-python` (ruff would call newer syntax an error)."""
    if settings.target_version is None:
        return None, None
    match = _VERSION.match(settings.target_version)
    required = requires_python_minor(root, settings.path)
    if match is None or required is None or int(match.group(1)) >= required:
        return None, None
    target = f"py3{required}"
    return target, (
        f"`{settings.path}` targets {settings.target_version} while the project requires "
        f"Python >=3.{required}: ruff ran for {target}."
    )


def ignores_by_file(
    root: Path, paths: Iterable[str], forced: str | None
) -> Mapping[str, tuple[str, ...]]:
    """Each file's ignored rules under the configuration ruff applies to it."""
    cache: dict[str, RuffSettings] = {}
    found: dict[str, tuple[str, ...]] = {}
    for path in paths:
        config = forced or nearest_config(root, path)
        if config is None:
            found[path] = ()
            continue
        if config not in cache:
            cache[config] = settings_of(root, config)
        found[path] = cache[config].ignore
    return found
