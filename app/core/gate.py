"""The verdict: which conclusion the report earns under the repository's gate policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.core.config.model import GateConfig
from app.core.disclosure import disclosure_reasons
from app.core.models import (
    LEVEL_ORDER,
    WRITE_PERMISSIONS,
    Acknowledgement,
    Attribution,
    Conclusion,
    Disclosure,
    Finding,
    LabelGrant,
    Review,
    Verdict,
)
from app.core.scope import gated_branch

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
    # The gate settings of paths an override changes them for (`fail_on`, licence denials).
    path_gates: Mapping[str, GateConfig] = field(default_factory=dict)
    # The PR's base branch (None: not a pull request, as in `ai-gate check` on a range).
    base_ref: str | None = None
    labels: Sequence[str] = ()
    label_grants: Sequence[LabelGrant] = ()
    disclosure: Disclosure | None = None


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
    return [
        f
        for f in data.findings
        if f.in_diff
        and not f.advisory
        and LEVEL_ORDER[f.level] >= LEVEL_ORDER[data.path_gates.get(f.path, gate).fail_on]
    ]


def denied_licences(gate: GateConfig, data: GateInput) -> list[Finding]:
    """Denied licences, which fail the gate whatever `fail_on` says (`gate.licence_denials`)."""
    return [
        f
        for f in data.findings
        if f.check == "licence"
        and f.rule.endswith("-denied")
        and data.path_gates.get(f.path, gate).licence_denials
    ]


def decisive(gate: GateConfig, data: GateInput) -> list[Finding]:
    """The findings the verdict fails on, if it fails on any."""
    skipped = data.draft and gate.drafts == "skip"
    if skipped or (gate.applies_to == "ai" and not data.attribution.ai):
        return []
    if not gated_branch(gate, data.base_ref) or skip_grant(gate, data) is not None:
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
        by_override = " (or an override's for its path)" if data.path_gates else ""
        reasons.append(
            f"{_count(len(failing), 'finding')} on added lines {verb} "
            f"`gate.fail_on: {gate.fail_on}`{by_override}."
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


def skip_grant(gate: GateConfig, data: GateInput) -> LabelGrant | None:
    """The grant that skips the gate: `gate.skip_label` on the PR, added by someone who may
    write to the repository (as GitHub says; never assumed)."""
    label = gate.skip_label
    if label is None or label.lower() not in {x.lower() for x in data.labels}:
        return None
    for grant in data.label_grants:
        if grant.label.lower() == label.lower() and grant.permission in WRITE_PERMISSIONS:
            return grant
    return None


def _skip_refused(gate: GateConfig, data: GateInput) -> list[str]:
    """Why a skip label on the PR was not honoured."""
    label = gate.skip_label
    if label is None or label.lower() not in {x.lower() for x in data.labels}:
        return []
    grant = next((g for g in data.label_grants if g.label.lower() == label.lower()), None)
    if grant is None or not grant.login:
        who = "GitHub did not say who added it"
    else:
        who = f"@{grant.login} added it with `{grant.permission}` access"
    return [f"Label `{label}` not honoured: {who}; skipping the gate needs write access."]


def decide(gate: GateConfig, data: GateInput) -> Verdict:
    """Failures first; then the human review requirement; drafts per `gate.drafts`."""
    if data.draft and gate.drafts == "skip":
        return Verdict(
            conclusion="neutral", reasons=("Draft: not analysed until it is ready for review.",)
        )
    if not gated_branch(gate, data.base_ref):
        branches = ", ".join(f"`{b}`" for b in gate.branches)
        return Verdict(
            conclusion="neutral",
            reasons=(
                f"Not gated: the PR targets `{data.base_ref}`; `gate.branches` is {branches}.",
            ),
        )
    grant = skip_grant(gate, data)
    if grant is not None:
        return Verdict(
            conclusion="neutral",
            reasons=(
                f"Gate skipped: label `{grant.label}` added by @{grant.login} "
                f"(`{grant.permission}`).",
            ),
        )
    verdict = _decide(gate, data)
    refused = _skip_refused(gate, data)
    return (
        verdict.model_copy(update={"reasons": (*verdict.reasons, *refused)}) if refused else verdict
    )


def _decide(gate: GateConfig, data: GateInput) -> Verdict:
    if gate.applies_to == "ai" and not data.attribution.ai:
        return Verdict(conclusion="neutral", reasons=(NOT_GATED,))
    acks = [f"@{a.login}" for a in data.acknowledgements]
    disclosure_failures, disclosure_warnings = disclosure_reasons(gate, data.disclosure)
    failures = _failures(gate, data) + list(data.budget_failures) + disclosure_failures
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
    reasons += [f"`gate.disclosure: warn`: {w}" for w in disclosure_warnings]
    acknowledgeable = conclusion == "action_required" or (
        conclusion == "failure" and bool(size) and not other_failures and not acks
    )
    if data.draft and gate.drafts == "report" and conclusion != "success":
        reasons.append(f"Draft: would be `{conclusion}`; drafts are reported, not gated.")
        conclusion = "neutral"
        acknowledgeable = False
    return Verdict(conclusion=conclusion, reasons=tuple(reasons), acknowledgeable=acknowledgeable)
