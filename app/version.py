"""ai-gate's name on GitHub and its version, as its installed metadata says (the wheel's, or
the checkout's). Light: the web imports it."""

from __future__ import annotations

import importlib.metadata

# The check run every job publishes, and the one whose re-run requests and buttons are ours.
CHECK_NAME = "ai-gate"


def installed_version() -> str:
    """The installed distribution's version; `0+unknown` when run from an uninstalled tree."""
    try:
        return importlib.metadata.version("ai-gate")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"
