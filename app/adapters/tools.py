"""What the linters ruff and mypy run with: an environment that carries nothing of ours."""

from __future__ import annotations

import os
from pathlib import Path


def tool_environment(scratch: Path) -> dict[str, str]:
    """A linter's environment: nothing of ours (no tokens, proxies, MYPYPATH), no user config."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(scratch),
        "XDG_CONFIG_HOME": str(scratch),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "MYPY_FORCE_COLOR": "0",
        "TERM": "dumb",
    }
