"""The cost smells (`AIG1xx`) on every non-test Python file at each repository's newest
corpus head, not only on the ranges' diffs: PR-sized ranges hold too few of the patterns to
say anything about the rules' precision.

    .venv/bin/python -m bench.realworld.smells [--mirrors DIR]

Prints one line per finding (repository, path:line, rule, why, the line) and the number of
files read; the lines are shown for judging, never stored.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
from collections import Counter
from pathlib import Path

from app.core.checks.smells import smells
from app.core.config.checks import DEFAULT_TEST_PATHS
from bench.realworld.corpus import read_ranges
from bench.realworld.run import mirror_of

_TESTS = [re.compile(p) for p in DEFAULT_TEST_PATHS]


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)
    return done.stdout.decode(errors="replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realworld.smells")
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    args = parser.parse_args(argv)
    heads = {r.repository: r.head for r in read_ranges()}  # the last range listed of each
    files, rules = 0, Counter[str]()
    for repository, head in sorted(heads.items()):
        mirror = mirror_of(args.mirrors, repository)
        if not mirror.is_dir():
            continue
        for path in _git(mirror, "ls-tree", "-r", "--name-only", head).splitlines():
            if not path.endswith(".py") or any(p.search(path) for p in _TESTS):
                continue
            text = _git(mirror, "show", f"{head}:{path}")
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
            files += 1
            rows = text.split("\n")
            for rule, line, why in sorted(set(smells(tree)), key=lambda s: (s[1], s[0])):
                rules[rule] += 1
                shown = rows[line - 1].strip()[:100] if 0 < line <= len(rows) else ""
                print(f"{repository} {path}:{line} {rule} {why}\n    {shown}")
    counts = ", ".join(f"{n} {rule}" for rule, n in sorted(rules.items())) or "none"
    print(f"\n{files:,} files read; findings: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
