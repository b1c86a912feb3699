"""A temporary directory holding PR files as data, with every path checked before it is written."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath


def safe_relative_path(path: str) -> PurePosixPath | None:
    """The path as a safe relative path, or None when it is absolute or climbs out."""
    if not path or "\0" in path or "\\" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or pure.parts[0] == "/":
        return None
    return pure


@contextmanager
def materialise(files: Mapping[str, str]) -> Iterator[tuple[Path, dict[str, str]]]:
    """Write files into a fresh temp dir; yields the dir and the paths that were written."""
    with tempfile.TemporaryDirectory(prefix="ai-gate-") as tmp:
        root = Path(tmp).resolve()
        written: dict[str, str] = {}
        for path, text in files.items():
            rel = safe_relative_path(path)
            if rel is None:
                continue
            target = root.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            # No symlinks exist in a fresh dir, but resolve anyway so nothing can escape it.
            if not target.parent.resolve().is_relative_to(root):
                continue
            target.write_text(text, encoding="utf-8")
            written[str(rel)] = path
        yield root, written
