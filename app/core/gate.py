"""The verdict: which conclusion the report earns under the repository's gate policy."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.config import GateConfig
from app.core.models import LEVEL_ORDER, Attribution, Finding, Verdict


def decide(gate: GateConfig, attribution: Attribution, findings: Sequence[Finding]) -> Verdict:
    """Fail on in-diff findings at or above `fail_on`; judge only PRs the gate applies to."""
    if gate.applies_to == "ai" and not attribution.ai:
        return Verdict(
            conclusion="neutral",
            reasons=("Not AI-attributed; the gate applies to AI-attributed pull requests only.",),
        )
    threshold = LEVEL_ORDER[gate.fail_on]
    failing = [f for f in findings if f.in_diff and LEVEL_ORDER[f.level] >= threshold]
    if failing:
        return Verdict(
            conclusion="failure",
            reasons=(
                f"{len(failing)} finding(s) at level {gate.fail_on} or above on added lines.",
            ),
        )
    return Verdict(conclusion="success", reasons=("No finding reaches the failing level.",))
