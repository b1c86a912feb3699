"""Runs the linters as subprocesses on files written to a temp dir; the code is never executed."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.adapters.mypy_runner import MypyRunner
from app.adapters.workspace import materialise
from app.core.checks.mypy import MypyConfig, MypyResult
from app.core.config import RuffConfig
from app.core.ports import FixEdit, LintDiagnostic, LintResult
from app.errors import CheckError

# Rules the workspace cannot judge: it holds the PR's changed files, not the repository, so
# packages lack their unchanged `__init__.py` files. isort then takes the repository's own
# packages for third-party ones (I001 on correctly sorted imports) and INP001 sees implicit
# namespace packages everywhere.
WORKSPACE_BLIND = ("I001", "INP001")


def ruff_command(config: RuffConfig, config_file: Path | None, targets: list[str]) -> list[str]:
    """`ruff check` as a job runs it: our rules alone, or the repository's config plus ours."""
    cmd = [ruff_binary(), "check", "--no-cache", "--exit-zero", "--output-format=json"]
    if config_file is None:
        cmd += ["--isolated", f"--select={','.join(config.select)}"]
    else:
        # The repository's rules plus ours; its excludes still apply to files we name.
        cmd += [
            f"--config={config_file}",
            "--force-exclude",
            f"--extend-select={','.join(config.select)}",
        ]
    cmd.append(f"--extend-ignore={','.join((*config.ignore, *WORKSPACE_BLIND))}")
    return [*cmd, "--", *targets]


def ruff_binary() -> str:
    """The ruff executable installed beside this interpreter."""
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    return str(find_ruff_bin())


class SubprocessLinters:
    """The real `Linters`: ruff in a subprocess, isolated from any config in the files."""

    def __init__(self, timeout_seconds: float = 300.0) -> None:
        self._timeout = timeout_seconds

    def ruff(
        self,
        files: Mapping[str, str],
        config: RuffConfig,
        base_config: tuple[str, str] | None = None,
    ) -> LintResult:
        with materialise(files) as (root, written):
            if not written:
                return LintResult()
            notes: tuple[str, ...] = ()
            if base_config is not None:
                name, text = base_config
                # At the workspace root, so the config's relative paths (per-file-ignores,
                # exclude) mean what they mean in the repository. Only .py files are written
                # there, so no file of the PR can take this name.
                (root / name).write_text(text, encoding="utf-8")
                try:
                    return self._run_ruff(root, written, config, root / name)
                except CheckError as exc:
                    notes = (
                        f"The base branch's `{name}` could not be used by ruff ({exc}); "
                        "ai-gate's rule set ran on its own.",
                    )
            result = self._run_ruff(root, written, config, None)
            return result.model_copy(update={"notes": notes})

    def mypy(self, files: Mapping[str, str], config: MypyConfig) -> MypyResult:
        return MypyRunner().run(files, config)

    def _run_ruff(
        self, root: Path, written: Mapping[str, str], config: RuffConfig, config_file: Path | None
    ) -> LintResult:
        cmd = ruff_command(config, config_file, sorted(written))
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
            raise CheckError(
                done.stderr.strip().splitlines()[0][:300]
                if done.stderr.strip()
                else f"exit {done.returncode}"
            )
        items = json.loads(done.stdout or "[]")
        return LintResult(diagnostics=tuple(_diagnostic(i, root, written) for i in items))


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
