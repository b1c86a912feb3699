"""Runs the linters as subprocesses in a materialised workspace; the code is never executed."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from app.adapters.mypy_runner import MypyRunner
from app.adapters.ruffconfig import (
    RuffSettings,
    is_ignored,
    nearest_config,
    settings_of,
    target_override,
)
from app.adapters.tools import tool_environment
from app.adapters.workspace import materialise
from app.core.config.checks import MypyConfig, RuffConfig
from app.core.ports import FixEdit, LintDiagnostic, LintResult, MypyResult
from app.deadline import Deadline
from app.errors import CheckError

# Rules the workspace cannot judge: it holds the files a change needs, not the repository,
# so isort may take the repository's own packages for third-party ones (I001 on correctly
# sorted imports).
WORKSPACE_BLIND = ("I001",)


RuffMode = Literal["repository", "ours", "isolated"]


def ruff_command(
    config: RuffConfig,
    targets: Sequence[str],
    *,
    mode: RuffMode,
    config_file: str | None = None,
    target_version: str | None = None,
) -> list[str]:
    """`ruff check` as a job runs it, each file under the repository's nearest configuration
    (found by ruff itself, as in the repository; or the one its pre-commit hook names) for
    its excludes, per-file ignores and target version, with: the rules that configuration
    selects and ours (`repository`), ours alone (`ours`); or ours without any configuration
    (`isolated`: none exists, or it is broken)."""
    cmd = [ruff_binary(), "check", "--no-cache", "--exit-zero", "--output-format=json"]
    if mode == "isolated":
        cmd += ["--isolated", f"--select={','.join(config.select)}"]
    else:
        # The repository's excludes still apply to the files we name.
        flag = "--extend-select" if mode == "repository" else "--select"
        cmd += ["--force-exclude", f"{flag}={','.join(config.select)}"]
        if config_file is not None:
            cmd.append(f"--config={config_file}")
    if target_version is not None:
        cmd.append(f"--target-version={target_version}")
    cmd.append(f"--extend-ignore={','.join((*config.ignore, *WORKSPACE_BLIND))}")
    return [*cmd, "--", *targets]


def ruff_binary() -> str:
    """The ruff executable installed beside this interpreter."""
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    return str(find_ruff_bin())


class TreeLinters:
    """The real `Linters`: ruff and mypy as subprocesses in a materialised workspace, whose
    code they read and never execute."""

    def __init__(
        self,
        root: Path,
        source_roots: Sequence[str] = ("",),
        timeout_seconds: float = 300.0,
        deadline: Deadline | None = None,
        ruff_config: str | None = None,
    ) -> None:
        self.root = root
        self.source_roots = tuple(source_roots)
        # The configuration the repository's pre-commit hook passes ruff, if it names one.
        self.ruff_config = ruff_config
        self._timeout = timeout_seconds
        self._deadline = deadline or Deadline.never()

    def ruff(
        self, paths: Sequence[str], config: RuffConfig, repository_rules: bool = True
    ) -> LintResult:
        targets = [p for p in paths if (self.root / p).is_file()]
        groups: dict[str, list[str]] = {}
        for path in targets:
            # The configuration ruff applies to the file ("" when the repository has none).
            governing = self.ruff_config or nearest_config(self.root, path) or ""
            groups.setdefault(governing, []).append(path)
        diagnostics: list[LintDiagnostic] = []
        notes: list[str] = []
        for governing, files in sorted(groups.items()):
            settings = settings_of(self.root, governing) if governing else RuffSettings("")
            target, note = target_override(self.root, settings)
            notes += [note] if note else []
            # Without a configuration ruff would add its own default rules: ours alone then.
            mode: RuffMode = (
                "isolated" if not governing else ("repository" if repository_rules else "ours")
            )
            result = self._ruff_group(files, config, target, mode)
            notes += result.notes
            # Our rules are added on the command line, which would switch back on a rule
            # the repository ignores: the repository's ignores win.
            diagnostics += [
                d for d in result.diagnostics if not is_ignored(d.rule, settings.ignore)
            ]
        return LintResult(diagnostics=tuple(diagnostics), notes=tuple(notes))

    def _ruff_group(
        self,
        targets: Sequence[str],
        config: RuffConfig,
        target_version: str | None,
        mode: RuffMode,
    ) -> LintResult:
        try:
            return self._run_ruff(
                ruff_command(
                    config,
                    targets,
                    mode=mode,
                    config_file=self.ruff_config,
                    target_version=target_version,
                )
            )
        except CheckError as exc:
            note = (
                f"The repository's ruff configuration could not be used ({exc}); ai-gate's "
                "rule set ran on its own."
            )
        result = self._run_ruff(ruff_command(config, targets, mode="isolated"))
        return result.model_copy(update={"notes": (note,)})

    def mypy(self, paths: Sequence[str], config: MypyConfig) -> MypyResult:
        return MypyRunner(self.root, self.source_roots, self._deadline).run(paths, config)

    @contextmanager
    def replaced(self, texts: Mapping[str, str]) -> Iterator[None]:
        # The workspace is ours (materialised for this job): the originals are put back
        # before anything else lints it.
        saved: dict[Path, bytes] = {}
        try:
            for path, text in texts.items():
                target = self.root / path
                if target.is_file():
                    saved[target] = target.read_bytes()
                    target.write_text(text, encoding="utf-8")
            yield
        finally:
            for target, data in saved.items():
                target.write_bytes(data)

    def _run_ruff(self, cmd: list[str]) -> LintResult:
        timeout = min(self._timeout, max(self._deadline.remaining(), 1.0))
        with tempfile.TemporaryDirectory(prefix="ai-gate-ruff-") as scratch:
            try:
                done = subprocess.run(
                    cmd,
                    cwd=self.root,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                    env=tool_environment(Path(scratch)),
                )
            except subprocess.TimeoutExpired as exc:
                raise CheckError(f"ruff took longer than {timeout:.0f}s") from exc
        if done.returncode != 0:
            raise CheckError(_ruff_failure(done.stderr, self.root) or f"exit {done.returncode}")
        items = json.loads(done.stdout or "[]")
        return LintResult(diagnostics=tuple(_diagnostic(i, self.root) for i in items))


def _ruff_failure(stderr: str, root: Path) -> str:
    """ruff's reason, in a line, with workspace paths as repository paths: its causes read
    `ruff failed / Cause: Failed to load configuration `<path>` / Cause: …`."""
    causes = [
        line.strip().removeprefix("Cause: ")
        for line in stderr.replace(f"{root}/", "").splitlines()
        if line.strip().startswith("Cause:")
    ]
    return "; ".join(causes[:3])[:300] if causes else stderr.strip().split("\n", 1)[0][:300]


@contextmanager
def file_linters(files: Mapping[str, str]) -> Iterator[tuple[TreeLinters, list[str]]]:
    """Linters over these texts written to a temporary directory, and the paths written
    (tests and benchmarks; jobs lint a workspace made from git)."""
    with materialise(files) as (root, written):
        yield TreeLinters(root), sorted(written.values())


def _diagnostic(item: dict[str, Any], root: Path) -> LintDiagnostic:
    rel = Path(item["filename"]).resolve().relative_to(root).as_posix()
    line = int(item["location"]["row"])
    end_line = int(item["end_location"]["row"])
    return LintDiagnostic(
        path=rel,
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
