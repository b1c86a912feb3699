"""Tests are marked by the folder they live in: `-m unit` runs the fast, self-contained
ones; `-m integration` those that start real processes (Redis, uvicorn, Celery, git, the
fake GitHub, a browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

FOLDERS = ("unit", "integration")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = Path(item.path).parent.name
        if folder in FOLDERS:
            item.add_marker(folder)
