"""The verdict: which conclusion the report earns under the repository's gate policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.config import GateConfig
from app.core.models import (
    LEVEL_ORDER,
    Acknowledgement,
    Attribution,
    Conclusion,
    Finding,
    Review,
    Verdict,
)

NOT_GATED = "Not AI-attributed; the gate applies to AI-attributed pull requests only."


@dataclass(frozen=True)
class GateInput:
    """Everything the verdict depends on besides the policy itself."""

    attribution: Attribution
    findings: Sequence[Finding]
    pr_author: str = ""
    draft: bool = False
    reviews: Sequence[Review] = ()
    acknowledgements: Sequence[Acknowledgement] = ()
    # Reasons the cost budget gives for failing (empty when within budget or set to warn).
    budget_failures: Sequence[str] = field(default_factory=tuple)


def is_bot(login: str, user_type: str = "User") -> bool:
    """GitHub Apps review as `name[bot]` with type Bot."""
    return user_type == "Bot" or login.endswith("[bot]")


def human_approvers(reviews: Sequence[Review], author: str) -> list[str]:
    """Humans (not bots, not the author) whose latest review approves."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state.upper() == "COMMENTED":
            continue  # a comment does not withdraw an approval
        latest[review.login] = review
    return sorted(
        login
        for login, r in latest.items()
        if r.state.upper() == "APPROVED"
        and not is_bot(login, r.user_type)
        and login.lower() != author.lower()
    )


def _percent(share: float) -> str:
    """A share as people read it: 0.4% rather than 0% when it is not nothing."""
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


def failing_findings(gate: GateConfig, data: GateInput) -> list[Finding]:
    """Findings on added lines at or above `gate.fail_on` (advisory findings never count)."""
    threshold = LEVEL_ORDER[gate.fail_on]
    return [
        f
        for f in data.findings
        if f.in_diff and not f.advisory and LEVEL_ORDER[f.level] >= threshold
    ]


def denied_licences(gate: GateConfig, data: GateInput) -> list[Finding]:
    """Denied licences, which fail the gate whatever `fail_on` says (`gate.licence_denials`)."""
    if not gate.licence_denials:
        return []
    return [f for f in data.findings if f.check == "licence" and f.rule.endswith("-denied")]


def decisive(gate: GateConfig, data: GateInput) -> list[Finding]:
    """The findings the verdict fails on, if it fails on any."""
    skipped = data.draft and gate.drafts == "skip"
    if skipped or (gate.applies_to == "ai" and not data.attribution.ai):
        return []
    failing = failing_findings(gate, data)
    return failing or denied_licences(gate, data)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _failures(gate: GateConfig, data: GateInput) -> list[str]:
    failing = failing_findings(gate, data)
    reasons = []
    if failing:
        verb = "reaches" if len(failing) == 1 else "reach"
        reasons.append(
            f"{_count(len(failing), 'finding')} on added lines {verb} "
            f"`gate.fail_on: {gate.fail_on}`."
        )
    denied = denied_licences(gate, data)
    if denied and not failing:
        reasons.append(
            f"{_count(len(denied), 'denied licence')}: `gate.licence_denials` fails on them."
        )
    return reasons


def _size_failures(gate: GateConfig, att: Attribution) -> list[str]:
    reasons = []
    if gate.max_ai_lines is not None and att.ai_added_lines > gate.max_ai_lines:
        reasons.append(
            f"{_count(att.ai_added_lines, 'AI-attributed added line')} "
            f"{'is' if att.ai_added_lines == 1 else 'are'} above "
            f"`gate.max_ai_lines` {gate.max_ai_lines}."
        )
    if gate.max_ai_share is not None and att.ai_share > gate.max_ai_share:
        reasons.append(
            f"AI share {_percent(att.ai_share)} of added lines is above `gate.max_ai_share` "
            f"{_percent(gate.max_ai_share)}."
        )
    return reasons


def decide(gate: GateConfig, data: GateInput) -> Verdict:
    """Failures first; then the human review requirement; drafts per `gate.drafts`."""
    if data.draft and gate.drafts == "skip":
        return Verdict(
            conclusion="neutral", reasons=("Draft: not analysed until it is ready for review.",)
        )
    if gate.applies_to == "ai" and not data.attribution.ai:
        return Verdict(conclusion="neutral", reasons=(NOT_GATED,))
    acks = [f"@{a.login}" for a in data.acknowledgements]
    failures = _failures(gate, data) + list(data.budget_failures)
    size = _size_failures(gate, data.attribution)
    other_failures = bool(failures)
    if not acks:  # an acknowledgement accepts the size of the AI part
        failures += size
    reasons: list[str] = []
    conclusion: Conclusion
    if failures:
        conclusion = "failure"
        reasons += failures
    elif gate.require_human_review:
        approvers = human_approvers(data.reviews, data.pr_author)
        if approvers or acks:
            conclusion = "success"
            who = ", ".join([*(f"@{a}" for a in approvers), *acks])
            reasons.append(f"Human review requirement met by {who}.")
        else:
            conclusion = "action_required"
            reasons.append(
                "Waiting for an approving review from a human other than the author "
                "(or a maintainer's Acknowledge)."
            )
    else:
        conclusion = "success"
        reasons.append(f"No finding on added lines reaches `gate.fail_on: {gate.fail_on}`.")
    if size and acks:
        reasons.append(f"AI size limits accepted by {', '.join(acks)}: " + " ".join(size))
    acknowledgeable = conclusion == "action_required" or (
        conclusion == "failure" and bool(size) and not other_failures and not acks
    )
    if data.draft and gate.drafts == "report" and conclusion != "success":
        reasons.append(f"Draft: would be `{conclusion}`; drafts are reported, not gated.")
        conclusion = "neutral"
        acknowledgeable = False
    return Verdict(conclusion=conclusion, reasons=tuple(reasons), acknowledgeable=acknowledgeable)
