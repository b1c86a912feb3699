import pytest

from app.core.config.model import GateConfig
from app.core.gate import GateInput, decide, human_approvers
from app.core.models import Acknowledgement, Attribution, Finding, Review

AI = Attribution(ai=True, added_lines=100, ai_added_lines=80, ai_share=0.8)


def finding(level: str = "warning", check: str = "ruff", rule: str = "E722") -> Finding:
    return Finding(
        check=check,
        rule=rule,
        level=level,
        path="a.py",
        start_line=1,
        end_line=1,
        message="m",
    )


def test_human_pr_is_neutral_unless_the_gate_applies_to_all() -> None:
    human = GateInput(attribution=Attribution(), findings=[finding("failure")])
    assert decide(GateConfig(), human).conclusion == "neutral"
    assert decide(GateConfig(applies_to="all"), human).conclusion == "failure"


@pytest.mark.parametrize(
    ("fail_on", "level", "expected"),
    [
        ("failure", "warning", "success"),
        ("warning", "warning", "failure"),
        ("notice", "notice", "failure"),
        ("failure", "failure", "failure"),
    ],
)
def test_fail_on_threshold(fail_on: str, level: str, expected: str) -> None:
    verdict = decide(GateConfig(fail_on=fail_on), GateInput(AI, [finding(level)]))
    assert verdict.conclusion == expected


def test_denied_licence_fails_whatever_fail_on_says() -> None:
    denied = finding("warning", "licence", "dependency-denied")
    assert decide(GateConfig(), GateInput(AI, [denied])).conclusion == "failure"
    assert decide(GateConfig(licence_denials=False), GateInput(AI, [denied])).conclusion == (
        "success"
    )


def test_ai_size_limits_fail_and_an_acknowledgement_accepts_them() -> None:
    gate = GateConfig(max_ai_lines=50, max_ai_share=0.5)
    verdict = decide(gate, GateInput(AI, []))
    assert verdict.conclusion == "failure"
    assert len(verdict.reasons) == 2
    ack = Acknowledgement(login="maint", permission="write", at="2026-11-23T00:00:00Z")
    accepted = decide(gate, GateInput(AI, [], acknowledgements=[ack]))
    assert accepted.conclusion == "success"
    assert "@maint" in " ".join(accepted.reasons)


def test_human_review_required_until_a_human_other_than_the_author_approves() -> None:
    gate = GateConfig(require_human_review=True)
    waiting = decide(gate, GateInput(AI, [], pr_author="dev"))
    assert waiting.conclusion == "action_required"
    bot = Review(login="helper[bot]", user_type="Bot", state="APPROVED")
    author = Review(login="dev", state="APPROVED")
    assert decide(gate, GateInput(AI, [], pr_author="dev", reviews=[bot, author])).conclusion == (
        "action_required"
    )
    human = Review(login="ada", state="APPROVED")
    assert decide(gate, GateInput(AI, [], pr_author="dev", reviews=[human])).conclusion == (
        "success"
    )


def test_dismissed_or_superseded_approval_no_longer_counts() -> None:
    reviews = [Review(login="ada", state="APPROVED"), Review(login="ada", state="DISMISSED")]
    assert human_approvers(reviews, "dev") == []
    reviews = [Review(login="ada", state="APPROVED"), Review(login="ada", state="COMMENTED")]
    assert human_approvers(reviews, "dev") == ["ada"]
    reviews = [
        Review(login="ada", state="APPROVED"),
        Review(login="ada", state="CHANGES_REQUESTED"),
    ]
    assert human_approvers(reviews, "dev") == []


def test_drafts_are_reported_not_gated_by_default() -> None:
    draft = GateInput(AI, [finding("failure")], draft=True)
    verdict = decide(GateConfig(), draft)
    assert verdict.conclusion == "neutral"
    assert "would be `failure`" in verdict.reasons[-1]
    assert decide(GateConfig(drafts="gate"), draft).conclusion == "failure"
    assert decide(GateConfig(drafts="skip"), draft).conclusion == "neutral"


def test_findings_outside_the_diff_never_fail() -> None:
    outside = finding("failure").model_copy(update={"in_diff": False})
    assert decide(GateConfig(), GateInput(AI, [outside])).conclusion == "success"
