"""The part of a repository the linters need, written from git objects into a temporary
directory that is removed after the job: the changed Python files at the head, the packages
and modules around them that mypy follows, and the base branch's configuration files where
ruff and mypy would look for them. Only blobs are written: no symlinks, no submodules, no
executable bits, and every path is checked before it is written.
"""

from __future__ import annotations

import ast
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.adapters.git import Git
from app.adapters.localgit import SYMLINK, tree_entries
from app.adapters.ruffconfig import (
    PRE_COMMIT,
    Extends,
    extends_of,
    precommit_config,
    reaching_outside,
)

# Configuration files ruff and mypy read, in any directory from the root to a checked file.
CONFIG_NAMES = ("pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", "mypy.ini", ".mypy.ini")
# Modules mypy may follow from the changed files, at most: enough for the packages a change
# lives in, bounded on a 100,000-file repository.
MAX_CONTEXT_FILES = 600
MAX_IMPORT_DEPTH = 3
MAX_PARSE_BYTES = 500_000
MAX_EXTENDS = 5
_PYTHON = (".py", ".pyi")


def safe_relative_path(path: str) -> PurePosixPath | None:
    """The path as a safe relative path, or None for one git would refuse to check out: an
    absolute one, one with an empty, `.` or `..` segment, or one going through a `.git` (a
    `.git/config` of the tree's would be the configuration of any git run in the workspace).
    A backslash, a separator on Windows, is refused too."""
    if not path or "\0" in path or "\\" in path:
        return None
    parts = path.split("/")
    if any(part in ("", ".", "..") or part.lower().rstrip(". ") == ".git" for part in parts):
        return None
    return PurePosixPath(path)


def write_files(root: Path, files: Mapping[str, bytes]) -> dict[str, str]:
    """Write files under root (a fresh directory); returns written relative path -> given path."""
    written: dict[str, str] = {}
    for path, data in files.items():
        rel = safe_relative_path(path)
        if rel is None:
            continue
        target = root.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Nothing but directories and regular files is ever made here, but resolve anyway so
        # that nothing can be written outside the root.
        if not target.parent.resolve().is_relative_to(root) or target.is_symlink():
            continue
        target.write_bytes(data)
        written[str(rel)] = path
    return written


@contextmanager
def materialise(files: Mapping[str, str]) -> Iterator[tuple[Path, dict[str, str]]]:
    """Write texts into a fresh temp dir; yields the dir and the paths that were written."""
    with tempfile.TemporaryDirectory(prefix="ai-gate-") as tmp:
        root = Path(tmp).resolve()
        yield root, write_files(root, {p: t.encode() for p, t in files.items()})


@dataclass(frozen=True)
class Workspace:
    """A materialised tree: where it is, the files to check, and where modules are rooted."""

    root: Path
    # Repository path -> the same path (written); the changed Python files to check.
    targets: tuple[str, ...]
    # Directories (relative) that module names start from: the root, `src/`, ….
    source_roots: tuple[str, ...]
    notes: tuple[str, ...] = ()
    # The ruff configuration the repository's pre-commit hook names, which ruff then uses
    # for every file instead of finding the nearest one.
    ruff_config: str | None = None


def _ancestors(path: str) -> list[str]:
    """'a/b/c.py' -> ['', 'a/', 'a/b/']: the directory prefixes from the root down."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) + ("/" if i else "") for i in range(len(parts) + 1)]


def _source_roots(targets: Iterable[str], tree: Mapping[str, object]) -> tuple[str, ...]:
    """Where module names start: the root, `src/` and `lib/` when they hold code, and the
    directory above each changed file's outermost package (a directory with `__init__`)."""
    roots = {""}
    for candidate in ("src/", "lib/", "python/"):
        if any(p.startswith(candidate) and p.endswith(_PYTHON) for p in tree):
            roots.add(candidate)
    for target in targets:
        dirs = _ancestors(target)
        top = len(dirs) - 1
        while top > 0 and (f"{dirs[top]}__init__.py" in tree or f"{dirs[top]}__init__.pyi" in tree):
            top -= 1
        roots.add(dirs[top])
    return tuple(sorted(roots, key=lambda r: (-len(r), r)))


def _module_paths(module: str, roots: Sequence[str]) -> Iterator[str]:
    base = module.replace(".", "/")
    for root in roots:
        for suffix in (".pyi", ".py", "/__init__.pyi", "/__init__.py"):
            yield f"{root}{base}{suffix}"


def _package_of(path: str, roots: Sequence[str]) -> str:
    """The dotted package a file is in, relative to the first root that contains it."""
    for root in roots:
        if path.startswith(root):
            parts = path[len(root) :].split("/")[:-1]
            return ".".join(parts)
    return ""


def imported_modules(text: str, path: str, roots: Sequence[str]) -> set[str]:
    """The modules a file imports (absolute names; relative imports resolved), by parsing it:
    nothing is executed. A file that does not parse imports nothing."""
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    found: set[str] = set()
    package = _package_of(path, roots)
    package_parts = package.split(".") if package else []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                keep = len(package_parts) - (node.level - 1)
                if keep < 0:
                    continue
                prefix = ".".join(package_parts[:keep])
                module = ".".join(p for p in (prefix, node.module or "") if p)
            else:
                module = node.module or ""
            if module:
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
    # Every package on the way is imported too (`a.b.c` runs `a` and `a.b`).
    for name in list(found):
        parts = name.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return found


class TreePlan:
    """Which blob goes to which path of the workspace."""

    def __init__(self) -> None:
        self.blobs: dict[str, str] = {}

    def add(self, path: str, entry: tuple[str, str] | None) -> bool:
        if entry is None or entry[0] == SYMLINK or path in self.blobs:
            return False
        self.blobs[path] = entry[1]
        return True


def _configs(
    git: Git, plan: TreePlan, targets: Sequence[str], base: Mapping[str, tuple[str, str]]
) -> tuple[str | None, list[str]]:
    """The base's config files in every directory from the root to each target, the one the
    repository's pre-commit ruff hook names, and the repository files their `extend`
    settings name (followed a few levels). Returns the pre-commit hook's config, if any, and
    notes on the configurations left out because they reach outside the repository."""
    pending = []
    for directory in sorted({d for t in targets for d in _ancestors(t)}):
        for name in CONFIG_NAMES:
            if plan.add(f"{directory}{name}", base.get(f"{directory}{name}")):
                pending.append(f"{directory}{name}")
    hooked = _precommit_ruff_config(git, base)
    if hooked is not None and (plan.add(hooked, base.get(hooked)) or hooked in plan.blobs):
        pending.append(hooked)
    else:
        hooked = None
    extends = _follow_extends(git, plan, [p for p in pending if p.endswith(".toml")], base)
    # ruff reads whatever `extend` names, expanding `~` and variables: a configuration that
    # reaches outside the repository (or further than we follow) is not written at all.
    unchecked = [p for p in plan.blobs if p in _targets_of(extends) and p not in extends]
    left_out = reaching_outside(extends, unchecked) & set(plan.blobs)
    for path in left_out:
        del plan.blobs[path]
    notes = [
        f"`{path}` extends a file outside the repository (or too many levels deep): it was "
        "left out, and ruff ran without it."
        for path in sorted(left_out & set(extends))
    ]
    return (None if hooked in left_out else hooked), notes


def _follow_extends(
    git: Git, plan: TreePlan, configs: list[str], base: Mapping[str, tuple[str, str]]
) -> dict[str, Extends]:
    """What each configuration extends, following `extend` into the repository's files
    (added to the plan) up to MAX_EXTENDS levels."""
    extends: dict[str, Extends] = {}
    for _ in range(MAX_EXTENDS):
        oids = {p: plan.blobs[p] for p in configs}
        git.prefetch(oids.values())
        texts = dict(git.blobs(sorted(set(oids.values()))))
        configs = []
        for path, oid in oids.items():
            found = extends_of(path, texts.get(oid) or b"")
            if found.target is not None and safe_relative_path(found.target) is None:
                found = Extends(outside=True)
            extends[path] = found
            target = found.target
            if target is None or target in extends or target in configs:
                continue
            if target in plan.blobs or plan.add(target, base.get(target)):
                configs.append(target)
        if not configs:
            break
    return extends


def _targets_of(extends: Mapping[str, Extends]) -> set[str]:
    return {e.target for e in extends.values() if e.target is not None}


def _precommit_ruff_config(git: Git, base: Mapping[str, tuple[str, str]]) -> str | None:
    """The config file the base's `.pre-commit-config.yaml` passes its ruff hook, if any."""
    entry = base.get(PRE_COMMIT)
    if entry is None or entry[0] == SYMLINK:
        return None
    git.prefetch([entry[1]])
    data = dict(git.blobs([entry[1]])).get(entry[1]) or b""
    return precommit_config(data.decode("utf-8", errors="replace"))


def _context(
    git: Git,
    plan: TreePlan,
    targets: Sequence[str],
    head: Mapping[str, tuple[str, str]],
    roots: Sequence[str],
) -> list[str]:
    """The modules mypy follows from the changed files: imports resolved in the head's tree,
    a few levels deep, within a budget. Returns notes."""
    frontier = list(targets)
    added = 0
    for _ in range(MAX_IMPORT_DEPTH):
        oids = {p: plan.blobs[p] for p in frontier if p in plan.blobs}
        git.prefetch(oids.values())
        texts = dict(git.blobs(sorted(set(oids.values()))))
        wanted: list[str] = []
        for path, oid in oids.items():
            data = texts.get(oid) or b""
            if len(data) > MAX_PARSE_BYTES:
                continue
            text = data.decode("utf-8", errors="replace")
            for module in imported_modules(text, path, roots):
                if module.split(".")[0] in sys.stdlib_module_names:
                    continue
                wanted.extend(p for p in _module_paths(module, roots) if p in head)
        frontier = []
        for path in dict.fromkeys(wanted):
            if added >= MAX_CONTEXT_FILES:
                return [
                    f"mypy saw the {MAX_CONTEXT_FILES} modules nearest the change; modules "
                    "imported further away were left out."
                ]
            for init in _package_inits(path, head):
                plan.add(init, head[init])
            if plan.add(path, head[path]):
                added += 1
                frontier.append(path)
        if not frontier:
            break
    return []


def _package_inits(path: str, tree: Mapping[str, object]) -> list[str]:
    return [
        f"{d}{name}"
        for d in _ancestors(path)[1:]
        for name in ("__init__.py", "__init__.pyi")
        if f"{d}{name}" in tree
    ]


@contextmanager
def materialise_tree(
    git: Git, base_sha: str, head_sha: str, targets: Sequence[str], *, context: bool
) -> Iterator[Workspace]:
    """The workspace for checking `targets` (changed Python files at the head)."""
    head = tree_entries(git, head_sha)
    base = tree_entries(git, base_sha)
    plan = TreePlan()
    kept = [t for t in targets if plan.add(t, head.get(t))]
    for target in kept:
        for init in _package_inits(target, head):
            plan.add(init, head[init])
    hooked, notes = _configs(git, plan, kept, base)
    roots = _source_roots(kept, head)
    notes += _context(git, plan, kept, head, roots) if context else []
    git.prefetch(plan.blobs.values())
    data = dict(git.blobs(sorted(set(plan.blobs.values()))))
    with tempfile.TemporaryDirectory(prefix="ai-gate-tree-") as tmp:
        root = Path(tmp).resolve()
        blobs = {p: data.get(oid) for p, oid in plan.blobs.items()}
        written = write_files(root, {p: b for p, b in blobs.items() if b is not None})
        yield Workspace(
            root=root,
            targets=tuple(t for t in kept if t in written.values()),
            source_roots=roots,
            notes=tuple(notes),
            ruff_config=hooked if hooked in written else None,
        )
