"""Findings that repeat another check's: reported once, by the check that judges them best."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.models import Finding

# ruff's hard-coded-password rules flag names, not values: the secrets check judges the value
# (and reports it once, with its evidence) whenever it is enabled.
SECRET_RULES = frozenset(("S105", "S106", "S107"))
# mypy error codes that repeat a ruff rule on the same line.
_SAME_AS_RUFF = {"name-defined": "F821", "no-redef": "F811"}


def without_duplicates(findings: Sequence[Finding], secrets_enabled: bool) -> list[Finding]:
    """The findings with each fault reported once."""
    ruff_at = {(f.path, f.start_line, f.rule) for f in findings if f.check == "ruff"}
    kept = []
    for f in findings:
        if f.check == "ruff" and secrets_enabled and f.rule in SECRET_RULES:
            continue
        twin = _SAME_AS_RUFF.get(f.rule) if f.check == "mypy" else None
        if twin is not None and (f.path, f.start_line, twin) in ruff_at:
            continue
        kept.append(f)
    return kept
