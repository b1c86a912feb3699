"""`checks.suppressions.see_through`: ruff and mypy on AI-written lines as if their new
suppressions were not there, so what a `# noqa` or `# type: ignore` hides is reported too.

The changed files are linted a second time with the new directives cut out of their comments
(line numbers unchanged); a finding of that run counts when a removed directive covered it (on
its line, naming its rule or none; or file-wide) and the first run did not report it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.core.checks.directives import Directive, directives, without
from app.core.checks.mypy import mypy_findings
from app.core.checks.ruff import python_files, ruff_findings
from app.core.config.checks import ChecksConfig, MypyConfig
from app.core.diff import PatchLines
from app.core.fingerprint import fingerprint
from app.core.models import Finding, PullRequestSnapshot
from app.core.ports import Linters


def _new_directives(
    snapshot: PullRequestSnapshot,
    lines: Mapping[str, PatchLines],
    ai_lines: Mapping[str, frozenset[int]],
    human_lines: bool,
    test_paths: Sequence[str],
) -> dict[str, list[Directive]]:
    tests = [re.compile(p) for p in test_paths]
    out: dict[str, list[Directive]] = {}
    for path, text in python_files(snapshot).items():
        if any(p.search(path) for p in tests):
            continue  # as in the suppressions check: tests suppress routinely
        added = lines.get(path, PatchLines()).added
        mine = added if human_lines else added & ai_lines.get(path, frozenset())
        found = [d for d in directives(text) if d.line in mine and d.tool in ("ruff", "mypy")]
        if found:
            out[path] = found
    return out


def _covering(f: Finding, found: Sequence[Directive], mine: frozenset[int]) -> Directive | None:
    for d in found:
        if d.tool != f.check:
            continue
        if d.whole_file and f.start_line in mine:
            return d
        if d.line == f.start_line and (
            not d.codes or any(f.rule == c or f.rule.startswith(c) for c in d.codes)
        ):
            return d
    return None


def hidden_findings(
    snapshot: PullRequestSnapshot,
    checks: ChecksConfig,
    mypy_config: MypyConfig,
    linters: Linters,
    lines: Mapping[str, PatchLines],
    ai_lines: Mapping[str, frozenset[int]],
    reported: Sequence[Finding],
) -> list[Finding]:
    """What the new suppressions on AI-written lines hide from ruff and mypy."""
    human = checks.suppressions.human_lines
    new = _new_directives(snapshot, lines, ai_lines, human, checks.test_paths)
    if not new:
        return []
    originals = {p: snapshot.contents[p] for p in new}
    texts = {p: without(originals[p], ds) for p, ds in new.items()}
    bare = snapshot.model_copy(
        update={
            "files": tuple(f for f in snapshot.files if f.path in texts),
            "contents": {**snapshot.contents, **texts},
        }
    )
    found: list[Finding] = []
    with linters.replaced(texts):
        if any(d.tool == "ruff" for ds in new.values() for d in ds):
            found += ruff_findings(bare, checks.ruff, linters, lines, checks.test_paths)[0]
        if mypy_config.enabled and any(d.tool == "mypy" for ds in new.values() for d in ds):
            result = linters.mypy(sorted(texts), mypy_config)
            found += mypy_findings(bare, mypy_config, result, lines, checks.test_paths)[0]
    seen = {(f.check, f.rule, f.path, f.start_line) for f in reported}
    out: list[Finding] = []
    for f in found:
        added = lines.get(f.path, PatchLines()).added
        mine = added if human else added & ai_lines.get(f.path, frozenset())
        d = _covering(f, new.get(f.path, ()), mine)
        if d is None or (f.check, f.rule, f.path, f.start_line) in seen:
            continue
        rows = originals[f.path].split("\n")
        row = rows[f.start_line - 1] if 0 < f.start_line <= len(rows) else f.message
        out.append(
            f.model_copy(
                update={
                    "message": f"{f.message} (hidden by the new `{d.text}` on line {d.line})",
                    "fingerprint": fingerprint(f.check, f.rule, f.path, row),
                    "suggestion": None,
                }
            )
        )
    return out
