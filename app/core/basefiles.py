"""The files of the base branch the analysis reads, besides the changed files.

Adapters read each path listed here from the PR's base (never the head, so a PR cannot change
how it is judged) into `PullRequestSnapshot.base_configs`, by path.
"""

from __future__ import annotations

BASE_FILES: tuple[str, ...] = (
    # The repository's ruff configuration at its root (ruff's own precedence order).
    ".ruff.toml",
    "ruff.toml",
    "pyproject.toml",
)
