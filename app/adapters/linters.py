"""Runs the linters as subprocesses on files written to a temp dir; the code is never executed."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.adapters.workspace import materialise
from app.core.config import RuffConfig
from app.core.ports import FixEdit, LintDiagnostic
from app.errors import CheckError


def ruff_binary() -> str:
    """The ruff executable installed beside this interpreter."""
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    return str(find_ruff_bin())


class SubprocessLinters:
    """The real `Linters`: ruff in a subprocess, isolated from any config in the files."""

    def __init__(self, timeout_seconds: float = 300.0) -> None:
        self._timeout = timeout_seconds

    def ruff(self, files: Mapping[str, str], config: RuffConfig) -> Sequence[LintDiagnostic]:
        with materialise(files) as (root, written):
            if not written:
                return []
            cmd = [
                ruff_binary(),
                "check",
                "--isolated",
                "--no-cache",
                "--exit-zero",
                "--output-format=json",
                f"--select={','.join(config.select)}",
            ]
            if config.ignore:
                cmd.append(f"--ignore={','.join(config.ignore)}")
            cmd += ["--", *sorted(written)]
            try:
                done = subprocess.run(
                    cmd,
                    cwd=root,
                    capture_output=True,
                    text=True,
                    timeout=self._timeout,
                    check=False,
                    env={"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1"},
                )
            except subprocess.TimeoutExpired as exc:
                raise CheckError(f"ruff took longer than {self._timeout:.0f}s") from exc
            if done.returncode != 0:
                raise CheckError(f"ruff failed: {done.stderr.strip()[:500]}")
            return [_diagnostic(item, root, written) for item in json.loads(done.stdout or "[]")]


def _diagnostic(item: dict[str, Any], root: Path, written: Mapping[str, str]) -> LintDiagnostic:
    rel = str(Path(item["filename"]).resolve().relative_to(root))
    line = int(item["location"]["row"])
    end_line = int(item["end_location"]["row"])
    return LintDiagnostic(
        path=written.get(rel, rel),
        line=line,
        end_line=max(end_line, line),
        column=int(item["location"]["column"]),
        rule=str(item.get("code") or "syntax-error"),
        message=str(item["message"]),
        url=item.get("url"),
        fix=_fix_edits(item.get("fix")),
    )


def _fix_edits(fix: dict[str, Any] | None) -> tuple[FixEdit, ...]:
    # "display-only" fixes are not meant to be applied, even by a human clicking.
    if not fix or fix.get("applicability") not in ("safe", "unsafe"):
        return ()
    return tuple(
        FixEdit(
            row=int(e["location"]["row"]),
            column=int(e["location"]["column"]),
            end_row=int(e["end_location"]["row"]),
            end_column=int(e["end_location"]["column"]),
            content=str(e["content"]),
        )
        for e in fix.get("edits") or ()
    )
