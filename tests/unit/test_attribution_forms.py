"""Every disclosure form seen on real histories, through `detect`: the tool, the model and the
confidence each gets, and the near misses that must stay human."""

import pytest

from app.core.attribution.catalogue import HIGH, MEDIUM
from app.core.attribution.detection import detect
from app.core.models import Attribution, Commit, Identity
from tests.builders import HUMAN, make_snapshot

NOREPLY = "users.noreply.github.com"


def judge(message: str, author: Identity = HUMAN) -> Attribution:
    commit = Commit(sha="1" * 40, message=message, author=author, committer=author)
    return detect(make_snapshot(commits=[commit]))


@pytest.mark.parametrize(
    ("message", "tool", "model", "confidence"),
    [
        # Name-only co-authors: the whole name is an agent's.
        ("Fix\n\nCo-Authored-By: Claude Opus 4.6", "claude-code", "claude-opus-4-6", MEDIUM),
        ("Fix\n\nCo-Authored-By: Codex (GPT-5.5)", "codex", "gpt-5.5", MEDIUM),
        ("Fix\n\nCo-authored-by: Gemini", "gemini", None, MEDIUM),
        # An address in any shape a tool's own address takes.
        (
            "Fix\n\nCo-authored-by: OpenHands-GPT-5 openhands@all-hands.dev",
            "openhands",
            "gpt-5",
            HIGH,
        ),
        (
            "Fix\n\nCo-Authored-By: Ann <ann@example.org> & Claude Sonnet 4.6"
            " <noreply@anthropic.com>",
            "claude-code",
            "claude-sonnet-4-6",
            HIGH,
        ),
        (
            "Fix\n\nCo-authored-by: Claude 3.5 Sonnet <claude-3-5-sonnet@anthropic.com>",
            "claude-code",
            "claude-3-5-sonnet",
            MEDIUM,
        ),
        ("Fix\n\nHelped-by: Codex <codex@openai.com>", "codex", None, HIGH),
        # Disclosure values: bracketed, provider/model, dated ids, tool via.
        (
            "Fix\n\nAssisted-by: <anthropic/claude-opus-4.6>",
            "claude-code",
            "claude-opus-4-6",
            MEDIUM,
        ),
        (
            "Fix\n\nAssisted-by: Claude Code (claude-opus-4-5-20251101)",
            "claude-code",
            "claude-opus-4-5-20251101",
            MEDIUM,
        ),
        ("Fix\n\nAssisted-By: openai/gpt-5.5 via Crush", "crush", "gpt-5.5", MEDIUM),
        ("Fix\n\nGenerated-by: AI (with only a few tweaks)", "other", None, MEDIUM),
        ("Fix\n\nAI-Assisted: yes\nAI-Tools: GitLab Duo, OpenCode", "opencode", None, MEDIUM),
        # Tools' own keys and task links.
        (
            "Fix\n\nCopilot-Session: 95b8432c-f280-472e-a242-d3ca6dc31f19",
            "copilot-cli",
            None,
            HIGH,
        ),
        (
            "Add docs (#814)\n\n## Summary\n- docs\n\n------\n"
            "https://chatgpt.com/codex/tasks/task_i_68409d25afdc83218ad362d10c8a80a1",
            "codex",
            None,
            HIGH,
        ),
        (
            "Fix\n\nhttps://app.devin.ai/sessions/0123456789abcdef0123456789abcdef",
            "devin",
            None,
            HIGH,
        ),
        ("Fix\n\nGenerated with [Continue](https://continue.dev)", "continue", None, HIGH),
        # Prose forms.
        ("Fix\n\nCo-authored by Claude Code.", "claude-code", None, MEDIUM),
        ("Fix\n\nThis PR was authored with Claude Code.", "claude-code", None, MEDIUM),
        # A one-line message with escaped line breaks, as an agent's shell left it.
        (
            "Fix lint\\n\\nCo-authored-by: openhands <openhands@all-hands.dev>",
            "openhands",
            None,
            HIGH,
        ),
        # A trailer glued under the subject, no blank line.
        (
            "debug: log the value\nCo-Authored-By: Claude <noreply@anthropic.com>",
            "claude-code",
            None,
            HIGH,
        ),
    ],
)
def test_each_real_form_names_its_tool_model_and_confidence(
    message: str, tool: str, model: str | None, confidence: float
) -> None:
    att = judge(message)
    assert att.ai, [(s.kind, s.tool, s.evidence) for s in att.signals]
    assert att.tools == (tool,)
    assert att.models == ((model,) if model else ())
    assert max(s.confidence for s in att.signals) == confidence


def test_copilot_autofix_as_the_advanced_security_app_is_copilot_autofix() -> None:
    autofix = (
        "Copilot Autofix powered by AI <62310815+github-advanced-security[bot]@users.noreply."
        "github.com>"
    )
    att = judge(f"Fix diff escaping (#2694)\n\nCo-authored-by: {autofix}")
    assert att.tools == ("copilot-autofix",)
    codeql = "github-advanced-security[bot] <62310815+github-advanced-security[bot]@" + NOREPLY
    assert not judge(f"Fix\n\nCo-authored-by: {codeql}>").ai


@pytest.mark.parametrize(
    "message",
    [
        "Fix\n\nCo-authored-by: Claudia Schmidt",
        "Fix\n\nCo-authored-by: Claude <claude.monet@example.org>",
        "Fix\n\nCo-authored-by: Devin Gould <djgould@example.org>",
        "Fix\n\nCo-authored-by: sh4shii",
        "Fix\n\nCo-Authored: Attila Dulovics <attila@example.org>",
        "Fix\n\nReviewed-by: Copilot <175728472+Copilot@users.noreply.github.com>",
        "Fix\n\nReported-by: Claude <noreply@anthropic.com>",
        "Fix\n\nAssisted-by: Grace Hopper",
        "Fix\n\nAssisted-by: AGENT_NAME:MODEL_VERSION",
        "Fix\n\nGenerated-by: protoc-gen-go",
        "Fix\n\nAI: fix the summariser prompt",
        "Fix\n\nThis PR was made without AI.",
        "Fix\n\nCo-authored by: Kieran Klukas <kieran@example.org>",
        "Address Devin Review comments\n\n- keep the cache warm",
        "Policy\n\nDisclose AI help with a trailer like:\n"
        "Co-authored-by: Claude <noreply@anthropic.com>",
        "Policy\n\nAdd a trailer such as\n\nAssisted-by: Claude:claude-3-opus\n\nThanks.",
    ],
)
def test_people_reviewers_templates_and_mentions_stay_human(message: str) -> None:
    att = judge(message)
    assert not att.ai, [(s.kind, s.tool, s.evidence) for s in att.signals]


def test_a_person_named_like_an_agent_is_a_person() -> None:
    devin = Identity(name="Devin", email="devin@example.org")
    claude = Identity(name="Claude", email="claude@example.org")
    assert not judge("Fix", devin).ai
    assert not judge("Fix", claude).ai


def test_ai_in_general_gives_way_only_to_a_tool_named_with_some_confidence() -> None:
    aider_committer = Identity(name="Ada Lovelace (aider)", email="ada@example.com")
    commit = Commit(
        sha="1" * 40, message="Fix\n\nAssisted-by: AI", author=HUMAN, committer=aider_committer
    )
    att = detect(make_snapshot(commits=[commit]))
    # The weak committer suffix names aider; the disclosure still decides, as `other`.
    assert att.tools == ("other",)
    assert judge("Fix\n\nAI-Assisted: yes\nAI-Tools: OpenCode").tools == ("opencode",)
