"""ai-gate's version, as its installed metadata says (the wheel's, or the checkout's)."""

from __future__ import annotations

import importlib.metadata


def installed_version() -> str:
    """The installed distribution's version; `0+unknown` when run from an uninstalled tree."""
    try:
        return importlib.metadata.version("ai-gate")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"
