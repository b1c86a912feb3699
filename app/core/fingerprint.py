"""Finding fingerprints that survive a line moving: rule, path and the line's normalised text."""

from __future__ import annotations

import hashlib


def fingerprint(check: str, rule: str, path: str, line_text: str) -> str:
    """A short stable id for a finding; the line number is deliberately left out."""
    normalised = " ".join(line_text.split())
    digest = hashlib.sha256(f"{check}\0{rule}\0{path}\0{normalised}".encode())
    return digest.hexdigest()[:16]
