"""`ai-gate check` on a huge one-commit range, against ruff and mypy run directly.

    .venv/bin/python -m bench.check [--files 9000]

Writes a repository whose one commit adds `--files` files (a tenth Python, the rest
front-end code, docs and data, as a regeneration or a vendored import would), runs
`ai-gate check --format json` over it as a user would (a subprocess), then ruff and mypy on
the same Python files with the commands a check uses. Prints both times, their ratio and the
bar: an answer within 60 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.analysis import direct_run, huge_pr
from tests.gitrepo import RepoBuilder

BIN = Path(sys.executable).parent / "ai-gate"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=9000)
    args = parser.parse_args()
    texts = huge_pr(args.files)
    with tempfile.TemporaryDirectory() as tmp:
        builder = RepoBuilder(Path(tmp) / "repo.git")
        base = builder.commit({"README.md": "# huge\n"}, "Base")
        files: dict[str, str | bytes | None] = dict(texts)
        builder.commit(files, "Regenerate everything", [base], ref="refs/heads/feature")
        started = time.perf_counter()
        done = subprocess.run(
            [
                str(BIN),
                "check",
                "--repo",
                str(builder.git_dir),
                "--base",
                "main",
                "--head",
                "feature",
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        check = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"ai-gate check failed: {done.stderr}")
    report = json.loads(done.stdout)
    direct = direct_run(texts)
    python = sum(p.endswith(".py") for p in texts)
    print(
        f"range: 1 commit, {len(texts):,} files ({python} Python), "
        f"{report['attribution']['added_lines']:,} added lines, "
        f"{len(report['findings']):,} findings"
    )
    print(f"ruff+mypy directly on its Python files (baseline): {direct:6.2f} s")
    print(
        f"ai-gate check:                                    {check:6.2f} s  "
        f"ratio {check / direct:.2f}x  (bar: 60 s)"
    )


if __name__ == "__main__":
    main()
