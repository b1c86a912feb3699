"""Builders with a default for every field, so a test names only what it is about."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from app.adapters.github.models import PullRequest
from app.core.config.checks import MypyConfig, RuffConfig
from app.core.models import (
    Commit,
    Conclusion,
    FileDiff,
    Finding,
    Identity,
    Level,
    PullRequestInfo,
    PullRequestSnapshot,
    Report,
    Verdict,
)
from app.core.ports import LintDiagnostic, LintResult, MypyResult

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_token(body: str = "q7Xv2Lm9Tc4Rb8Nw1Kd6Hy3Zp5Fs0G", prefix: str = "ghp") -> str:
    """A token in GitHub's format: 30 random characters and their CRC32 in base 62. Built at
    run time, so secret scanners reading the tests find nothing to report."""
    crc, check = zlib.crc32(body.encode()), ""
    for _ in range(6):
        crc, digit = divmod(crc, 62)
        check = _BASE62[digit] + check
    return f"{prefix}_{body}{check}"


HUMAN = Identity(name="Ada Lovelace", email="ada@example.com", login="ada")


def make_commit(
    sha: str = "c0ffee" * 6 + "beef",
    message: str = "Change things",
    *,
    trailers: Sequence[str] = (),
    author: Identity = HUMAN,
) -> Commit:
    body = message + ("\n\n" + "\n".join(trailers) if trailers else "")
    return Commit(sha=sha, message=body, author=author, committer=author)


def make_patch(added: Sequence[str], start: int = 1) -> str:
    lines = [f"@@ -0,0 +{start},{len(added)} @@"] + [f"+{line}" for line in added]
    return "\n".join(lines)


def make_file(path: str = "pkg/mod.py", added: Sequence[str] = ("x = 1",)) -> FileDiff:
    return FileDiff(
        path=path, status="added", blob_sha="b" * 40, patch=make_patch(added), additions=len(added)
    )


def make_snapshot(
    *,
    commits: Sequence[Commit] = (),
    files: Sequence[FileDiff] = (),
    contents: Mapping[str, str] | None = None,
    number: int | None = 7,
) -> PullRequestSnapshot:
    files = tuple(files) or (make_file(),)
    if contents is None:
        contents = {}
        for f in files:
            if f.patch:
                contents[f.path] = (
                    "\n".join(line[1:] for line in f.patch.splitlines() if line.startswith("+"))
                    + "\n"
                )
    return PullRequestSnapshot(
        repository="octo/repo",
        base_sha="a" * 40,
        head_sha="f" * 40,
        pull_request=PullRequestInfo(number=number) if number is not None else None,
        files=files,
        commits=tuple(commits) or (make_commit(),),
        contents=contents,
    )


def make_finding(
    i: int = 0,
    *,
    check: str = "ruff",
    rule: str = "E722",
    level: Level = "warning",
    path: str | None = None,
    message: str = "Do not use bare `except`",
) -> Finding:
    return Finding(
        check=check,
        rule=rule,
        level=level,
        path=path or f"pkg/m{i:02d}.py",
        start_line=i + 1,
        end_line=i + 1,
        message=message,
        fingerprint=f"{check}-{rule}-{i}",
    )


def make_report(
    findings: Sequence[Finding] = (), *, conclusion: Conclusion = "failure", number: int | None = 7
) -> Report:
    return Report(
        repository="octo/repo",
        base_sha="a" * 40,
        head_sha="f" * 40,
        pull_request=number,
        findings=tuple(findings),
        verdict=Verdict(conclusion=conclusion, reasons=("a reason",)),
    )


def make_pull_request(
    number: int = 7, *, head_sha: str = "f" * 40, base_sha: str = "a" * 40, **fields: object
) -> PullRequest:
    """A pull request as the GitHub source reads it, open and ready by default."""
    return PullRequest.model_validate(
        {"number": number, "head_sha": head_sha, "base_sha": base_sha} | fields
    )


class FakeLinters:
    """Returns canned ruff and mypy diagnostics per path, recording what it was asked to lint."""

    def __init__(
        self,
        diagnostics: Sequence[LintDiagnostic] = (),
        mypy_diagnostics: Sequence[LintDiagnostic] = (),
        hidden: Sequence[LintDiagnostic] = (),
        hidden_mypy: Sequence[LintDiagnostic] = (),
    ) -> None:
        self.diagnostics = list(diagnostics)
        self.mypy_diagnostics = list(mypy_diagnostics)
        # Diagnostics seen only while `replaced` is open (what a suppression hid).
        self.hidden = list(hidden)
        self.hidden_mypy = list(hidden_mypy)
        self.replacements: list[dict[str, str]] = []
        self._open = False
        self.mypy_seen: list[list[str]] = []
        self.seen: list[list[str]] = []
        # Whether each ruff run was asked for the repository's own rules too.
        self.repository_rules: list[bool] = []

    def ruff(
        self,
        paths: Sequence[str],
        config: RuffConfig,  # noqa: ARG002
        repository_rules: bool = True,
    ) -> LintResult:
        self.seen.append(list(paths))
        self.repository_rules.append(repository_rules)
        found = [*self.diagnostics, *(self.hidden if self._open else ())]
        return LintResult(diagnostics=tuple(d for d in found if d.path in paths))

    def mypy(self, paths: Sequence[str], config: MypyConfig) -> MypyResult:  # noqa: ARG002
        self.mypy_seen.append(list(paths))
        found = [*self.mypy_diagnostics, *(self.hidden_mypy if self._open else ())]
        return MypyResult(diagnostics=tuple(d for d in found if d.path in paths))

    @contextmanager
    def replaced(self, texts: Mapping[str, str]) -> Iterator[None]:
        self.replacements.append(dict(texts))
        self._open = True
        try:
            yield
        finally:
            self._open = False
