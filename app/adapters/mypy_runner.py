"""Runs mypy as a subprocess in a materialised workspace; the code is never executed.

Isolation, and why:
- `python -I`: the interpreter neither puts the working directory (the PR's files) on
  `sys.path` nor reads PYTHON* variables, so no PR file can shadow a module mypy imports.
- `--config-file` pointing at a config of ours in a separate directory: the repository's
  mypy.ini / setup.cfg / pyproject.toml are never read, so no plugin of theirs is imported.
  Its only setting is the search path: the workspace's source roots (the root, `src/`, …), so
  modules are named as the repository names them.
- `--no-site-packages`: mypy neither runs a Python executable to find site-packages nor reads
  installed packages; the PR's dependencies are not installed. Imports mypy cannot find are
  reported as `unresolved_imports` instead of errors.
- `--cache-dir` set to the null device: nothing is written or read between runs.
- A minimal environment (no proxies, no MYPYPATH) and a time limit.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.adapters.tools import tool_environment
from app.core.config.checks import MypyConfig
from app.core.ports import LintDiagnostic, MypyResult
from app.deadline import Deadline

STUBS = Path(__file__).with_name("stubs")
_IMPORT_CODES = ("import-not-found", "import-untyped")
_QUOTED = re.compile(r'"([\w.]+)"')
# `from pkg import name` where `pkg` is only partly in the workspace.
_MISSING_ATTR = re.compile(r'^Module "([\w.]+)" has no attribute "(\w+)"')
# A blocking error mypy prints as plain text even with `-O json` (syntax error, module clash).
_BLOCKING = re.compile(r"^(?P<path>[^:\n]+?):(?:\d+:)*\s*error:")
# Each blocking error costs one more run without the file it names.
_MAX_RUNS = 4
_MAX_HINT_LINES = 3
_DOCS = "https://mypy.readthedocs.io/en/stable/_refs.html#code-"


class MypyRunner:
    """mypy in a subprocess over a materialised workspace, isolated from any configuration or
    plugin of the repository."""

    def __init__(
        self, root: Path, source_roots: Sequence[str] = ("",), deadline: Deadline | None = None
    ) -> None:
        self.root = root
        # Where module names start (the root, `src/`, …): mypy's search path.
        self.source_roots = tuple(source_roots)
        self._deadline = deadline or Deadline.never()

    def run(self, paths: Sequence[str], config: MypyConfig) -> MypyResult:
        """Type-check these workspace files; paths that are missing or not Python are skipped."""
        written = {p: p for p in paths if p.endswith((".py", ".pyi")) and (self.root / p).is_file()}
        # Its own limit, or what is left of the job's: a cut run is a note, not a failure.
        deadline = time.monotonic() + min(config.time_limit_seconds, self._deadline.remaining())
        root = self.root
        with tempfile.TemporaryDirectory(prefix="ai-gate-mypy-") as scratch:
            config_file = Path(scratch) / "mypy.ini"
            # The repository's modules first, then our stubs of class-making decorators of
            # packages mypy cannot see (stubs/README.md).
            search = os.pathsep.join([*(str(root / r) for r in self.source_roots), str(STUBS)])
            config_file.write_text(f"[mypy]\nmypy_path = {search}\n", encoding="utf-8")
            pending = sorted(written)
            skipped: list[str] = []
            for _ in range(_MAX_RUNS):
                if not pending:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return MypyResult(timed_out=True, skipped=_given(skipped, written))
                try:
                    done = subprocess.run(
                        mypy_command(config, config_file, pending),
                        cwd=root,
                        capture_output=True,
                        text=True,
                        timeout=remaining,
                        check=False,
                        env=tool_environment(Path(scratch)),
                    )
                except subprocess.TimeoutExpired:
                    return MypyResult(timed_out=True, skipped=_given(skipped, written))
                if done.returncode in (0, 1):
                    result = _parse(done.stdout, root, written)
                    return result.model_copy(update={"skipped": _given(skipped, written)})
                blocked = _blocking_files(done.stdout + "\n" + done.stderr, root, pending)
                if not blocked:
                    return MypyResult(
                        error=_first_line(done.stderr or done.stdout, done.returncode),
                        skipped=_given(skipped, written),
                    )
                skipped += blocked
                pending = [p for p in pending if p not in blocked]
            if pending:
                return MypyResult(
                    error=f"more than {_MAX_RUNS - 1} files could not be parsed",
                    skipped=_given(skipped, written),
                )
            return MypyResult(skipped=_given(skipped, written))


def mypy_command(config: MypyConfig, config_file: Path, targets: list[str]) -> list[str]:
    """mypy as a job runs it: isolated, offline, no plugins, JSON out."""
    cmd = [
        sys.executable,
        "-I",
        "-m",
        "mypy",
        f"--config-file={config_file}",
        f"--cache-dir={os.devnull}",
        "--no-incremental",
        "--no-site-packages",
        "--explicit-package-bases",
        "--follow-imports=silent",
        "--output=json",
        "--show-error-codes",
        "--no-error-summary",
        "--hide-error-context",
        "--no-color-output",
        "--no-pretty",
    ]
    if config.strict:
        cmd.append("--strict")
    if config.python_version:
        cmd.append(f"--python-version={config.python_version}")
    return [*cmd, "--", *targets]


def _given(paths: list[str], written: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(sorted(written.get(p, p) for p in paths))


def _first_line(text: str, returncode: int) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return f"exit {returncode}"


def _relative(path: str, root: Path) -> str | None:
    try:
        return str((root / path).resolve().relative_to(root))
    except (ValueError, OSError):
        return None


def _blocking_files(output: str, root: Path, pending: list[str]) -> list[str]:
    """The workspace files a blocking (non-JSON) mypy error names."""
    found: list[str] = []
    for line in output.splitlines():
        match = _BLOCKING.match(line)
        if not match:
            continue
        rel = _relative(match.group("path").strip(), root)
        if rel in pending and rel not in found:
            found.append(rel)
    return found


def _parse(stdout: str, root: Path, written: Mapping[str, str]) -> MypyResult:
    diagnostics: list[LintDiagnostic] = []
    unresolved: set[str] = set()
    for raw in stdout.splitlines():
        try:
            item = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(item, dict) or item.get("severity") != "error":
            continue  # a note with no error of its own (reveal_type and the like)
        rel = _relative(str(item.get("file", "")), root)
        if rel is None or rel not in written:
            continue
        code = str(item.get("code") or "misc")
        message = str(item.get("message", ""))
        module = _unresolved_module(code, message, root)
        if module is not None:
            unresolved.add(module)
            continue
        line = int(item.get("line") or 1)
        end_line = int(item.get("end_line") or line)
        hint = item.get("hint")
        if isinstance(hint, str) and hint.strip():
            message += "\n" + "\n".join(hint.strip().splitlines()[:_MAX_HINT_LINES])
        diagnostics.append(
            LintDiagnostic(
                path=written[rel],
                line=max(line, 1),
                end_line=max(end_line, line, 1),
                column=max(int(item.get("column") or 0), 0) + 1,  # mypy's JSON is 0-based
                rule=code,
                message=message,
                url=_DOCS + code,
            )
        )
    diagnostics.sort(key=lambda d: (d.path, d.line, d.column, d.rule))
    return MypyResult(diagnostics=tuple(diagnostics), unresolved_imports=tuple(sorted(unresolved)))


def _unresolved_module(code: str, message: str, root: Path) -> str | None:
    """The module an import error is about, or None when the error is not about an import."""
    if code in _IMPORT_CODES:
        match = _QUOTED.search(message)
        return match.group(1) if match else "?"
    if code == "attr-defined":
        # `from pkg import mod` where pkg is a package of the repository we only have the
        # changed files of: `mod` may well exist in the repository, so it is unresolved.
        match = _MISSING_ATTR.match(message)
        if match and (root / match.group(1).replace(".", "/")).is_dir():
            return f"{match.group(1)}.{match.group(2)}"
    return None
