"""The files of the base branch the analysis reads, besides the changed files, and what the core
learns from them.

Adapters read each path listed in `BASE_FILES` that exists at the PR's base (never the head, so a
PR cannot change how it is judged) into `PullRequestSnapshot.base_configs`, by path. An adapter
that finds `py.typed` markers in the base tree adds each under its own path (`src/pkg/py.typed` ->
its text, usually empty): a package that ships one declares itself typed, and mypy then counts as
configured (`mypy_configured`).
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Mapping

# ruff's own precedence when one directory holds several config files.
RUFF_CONFIG_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")
LICENCE_FILES: tuple[str, ...] = (
    *("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENSE.rst"),
    *("LICENCE", "LICENCE.txt", "LICENCE.md", "COPYING", "COPYING.txt", "COPYING.md"),
)
MYPY_CONFIG_FILES: tuple[str, ...] = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")
ATTRIBUTES_FILE = ".gitattributes"
PRE_COMMIT_FILE = ".pre-commit-config.yaml"
# Where a repository runs its linters, when it does: ruff's own findings count only then.
TASK_FILES: tuple[str, ...] = (
    PRE_COMMIT_FILE,
    "tox.ini",
    "noxfile.py",
    "Makefile",
    "justfile",
    "Justfile",
)
# A directory whose files adapters add too (CI workflows run linters).
WORKFLOWS_DIR = ".github/workflows/"

# Every base-branch file the core may read; ruff's config files first, in ruff's precedence.
BASE_FILES: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *RUFF_CONFIG_FILES,
            *MYPY_CONFIG_FILES,
            *LICENCE_FILES,
            ATTRIBUTES_FILE,
            "package.json",
            *TASK_FILES,
        )
    )
)
PY_TYPED = "py.typed"


def toml_table(text: str | None, *keys: str) -> Mapping[str, object] | None:
    """A nested table of a TOML document (`tool`, `mypy`), or None if absent or unreadable."""
    if text is None:
        return None
    try:
        node: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, dict) else None


def cfg_section(text: str | None, section: str) -> Mapping[str, str] | None:
    """An INI section (`setup.cfg`'s `[mypy]`), or None if absent or unreadable."""
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return dict(parser[section]) if parser.has_section(section) else None


def mypy_configured(base_configs: Mapping[str, str]) -> bool:
    """Whether the repository asks for mypy: a mypy config at its root, or a `py.typed` marker."""
    if any(path.rsplit("/", 1)[-1] == PY_TYPED for path in base_configs):
        return True
    if "mypy.ini" in base_configs or ".mypy.ini" in base_configs:
        return True
    if toml_table(base_configs.get("pyproject.toml"), "tool", "mypy") is not None:
        return True
    return cfg_section(base_configs.get("setup.cfg"), "mypy") is not None


_RUFF_RUN = re.compile(r"\bruff\b(?![-_ ]format)")
_RUFF_HOOK = re.compile(r"^\s*-?\s*id:\s*['\"]?ruff(?:-check)?['\"]?\s*$", re.MULTILINE)


def ruff_enforced(base_configs: Mapping[str, str]) -> bool:
    """Whether the repository runs ruff's checks somewhere we can see: a pre-commit hook, a CI
    workflow, tox, nox, make or just. A configuration nothing runs is often stale."""
    for path, text in base_configs.items():
        if path == PRE_COMMIT_FILE:
            if _RUFF_HOOK.search(text):
                return True
            continue
        runs = path in TASK_FILES or path.startswith(WORKFLOWS_DIR)
        if runs and any(_RUFF_RUN.search(line) for line in text.splitlines() if "ruff" in line):
            return True
    return False


def _listed(value: object) -> list[str]:
    """A mypy option that lists paths: a TOML list, or a comma-separated string."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return []


def mypy_scope(base_configs: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The files and directories the repository's mypy configuration checks (`files`,
    `packages` as directories; empty: everything) and its `exclude` regular expressions."""
    options: Mapping[str, object] | None = toml_table(
        base_configs.get("pyproject.toml"), "tool", "mypy"
    )
    if options is None:
        for name in ("mypy.ini", ".mypy.ini", "setup.cfg"):
            options = cfg_section(base_configs.get(name), "mypy")
            if options is not None:
                break
    if options is None:
        return [], []
    files = _listed(options.get("files"))
    files += [p.replace(".", "/") for p in _listed(options.get("packages"))]
    exclude = options.get("exclude")
    patterns = [exclude] if isinstance(exclude, str) else _listed(exclude)
    return files, [p.strip() for p in patterns if p.strip()]


def in_mypy_scope(path: str, files: list[str], exclude: list[str]) -> bool:
    """Whether the repository's own mypy run would check this file."""
    for pattern in exclude:
        try:
            if re.search(pattern, path):
                return False
        except re.error:
            continue
    if not files:
        return True
    return any(path == f.rstrip("/") or path.startswith(f.rstrip("/") + "/") for f in files)
