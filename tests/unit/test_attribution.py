import pytest
from pydantic import ValidationError

from app.core.attribution.catalogue import IDENTITIES, TOOL_IDS, match_identity, noreply_parts
from app.core.attribution.detection import detect, judge
from app.core.attribution.modelnames import model_from_text
from app.core.attribution.trailers import parse_trailers
from app.core.config.detection import DetectionConfig
from app.core.models import Commit, FileDiff, Identity, PullRequestInfo, PullRequestSnapshot, Signal
from tests.builders import HUMAN, make_commit, make_patch, make_snapshot

NOREPLY = "users.noreply.github.com"
CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def pr_snapshot(
    commits: list[Commit], pr: PullRequestInfo, files: tuple[FileDiff, ...] = ()
) -> PullRequestSnapshot:
    return PullRequestSnapshot(
        repository="octo/repo",
        base_sha="a" * 40,
        head_sha="f" * 40,
        pull_request=pr,
        commits=tuple(commits),
        files=files,
    )


@pytest.mark.parametrize(
    "key", ["Co-authored-by", "co-authored-by", "CO-AUTHORED-BY", "Assisted-by", "Generated-by"]
)
def test_agent_trailer_in_any_case_attributes_the_commit(key: str) -> None:
    commit = make_commit(trailers=[f"{key}: Claude <noreply@anthropic.com>"])
    att = detect(make_snapshot(commits=[commit]))
    assert att.ai
    assert att.tools == ("claude-code",)
    assert att.signals[0].evidence == f"{key}: Claude <noreply@anthropic.com>"
    assert att.signals[0].source == f"commit:{commit.sha}"


def test_human_co_author_is_not_a_signal() -> None:
    commit = make_commit(trailers=["Co-authored-by: Grace Hopper <grace@example.com>"])
    att = detect(make_snapshot(commits=[commit]))
    assert not att.ai
    assert att.signals == ()


def test_trailer_inside_prose_or_indented_is_not_a_trailer() -> None:
    prose = make_commit(
        message="Policy\n\nWe ask people to add Co-authored-by: Claude "
        "<noreply@anthropic.com> when an agent helped."
    )
    indented = make_commit(message="Fix\n\n   Co-Authored-By: Claude <noreply@anthropic.com>")
    assert not detect(make_snapshot(commits=[prose, indented])).ai


def test_copilot_noreply_is_matched_by_login_and_the_id_only_tells_products_apart() -> None:
    def tools(trailer: str) -> tuple[str, ...]:
        return detect(make_snapshot(commits=[make_commit(trailers=[trailer])])).tools

    assert tools("Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>") == (
        "copilot-cli",
    )
    assert tools("Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>") == (
        "copilot-review",
    )
    autofix = (
        "Co-authored-by: Copilot Autofix powered by AI <175728472+Copilot@users.noreply.github.com>"
    )
    assert tools(autofix) == ("copilot-autofix",)
    # An unknown id still names the Copilot account: the login decides, not the number.
    assert tools("Co-authored-by: Copilot <1+Copilot@users.noreply.github.com>") == (
        "copilot-agent",
    )


def test_claude_bot_with_the_github_actions_id_is_claude() -> None:
    bot = Identity(name="claude[bot]", email="41898282+claude[bot]@users.noreply.github.com")
    assert match_identity(bot.name, bot.email) is not None
    att = detect(make_snapshot(commits=[make_commit(author=bot)]))
    assert att.tools == ("claude-code",)
    assert {s.kind for s in att.signals} == {"commit_author", "commit_committer"}


def test_github_actions_noreply_is_not_an_agent() -> None:
    bot = Identity(
        name="github-actions[bot]", email="41898282+github-actions[bot]@users.noreply.github.com"
    )
    assert not detect(make_snapshot(commits=[make_commit(author=bot)])).ai


def test_subject_only_message_has_no_trailers() -> None:
    assert parse_trailers("Co-authored-by: Claude <noreply@anthropic.com>") == []


def test_mixed_commits_do_not_claim_every_line() -> None:
    ai = make_commit(sha="1" * 40, trailers=[CLAUDE])
    human = make_commit(sha="2" * 40)
    att = detect(make_snapshot(commits=[ai, human]))
    assert att.ai
    assert [c.ai for c in att.commits] == [True, False]


def test_trailer_naming_a_model_gives_its_canonical_id() -> None:
    att = detect(make_snapshot(commits=[make_commit(trailers=[CLAUDE])]))
    assert att.models == ("claude-opus-4-5",)


def test_pr_level_signal_spreads_only_when_no_commit_has_its_own() -> None:
    human1, human2 = make_commit(sha="1" * 40), make_commit(sha="2" * 40)
    merge = Commit(
        sha="3" * 40, message="Merge branch 'main' into codex/x", author=HUMAN, parents=("a", "b")
    )
    pr = PullRequestInfo(number=1, head_ref="codex/add-retries", body="Done.")
    att = detect(pr_snapshot([human1, human2, merge], pr))
    assert att.tools == ("codex",)
    assert [(c.ai, c.inherited) for c in att.commits] == [
        (True, True),
        (True, True),
        (False, False),
    ]

    agent = make_commit(sha="4" * 40, trailers=["Co-authored-by: Codex <codex@openai.com>"])
    mixed = detect(pr_snapshot([agent, human1], pr))
    assert [(c.ai, c.inherited) for c in mixed.commits] == [(True, False), (False, False)]


def test_non_ai_bot_commits_do_not_inherit_pr_signals() -> None:
    bot = Identity(
        name="pre-commit-ci[bot]", email="66853113+pre-commit-ci[bot]@users.noreply.github.com"
    )
    pr = PullRequestInfo(number=1, head_ref="cursor/fix-login-1a2b")
    att = detect(
        pr_snapshot([make_commit(sha="1" * 40), make_commit(sha="2" * 40, author=bot)], pr)
    )
    assert [c.ai for c in att.commits] == [True, False]


def test_weak_signal_alone_is_evidence_but_not_a_verdict() -> None:
    committer = Identity(name="Ada Lovelace (aider)", email="ada@example.com")
    commit = Commit(sha="1" * 40, message="Tidy", author=HUMAN, committer=committer)
    att = detect(make_snapshot(commits=[commit]))
    assert not att.ai
    assert [(s.kind, s.tool, s.confidence) for s in att.signals] == [
        ("commit_committer", "aider", 0.3)
    ]
    assert att.confidence == 0.3
    # A lower threshold (an org that wants every hint) makes the same evidence decide.
    assert detect(make_snapshot(commits=[commit]), DetectionConfig(min_confidence=0.3)).ai


def test_noisy_or_combines_signals_of_one_tool_only() -> None:
    def sig(tool: str, confidence: float) -> Signal:
        return Signal(kind="x", tool=tool, source="s", evidence="e", confidence=confidence)

    assert judge([sig("aider", 0.3), sig("aider", 0.3)], 0.5).tools == ("aider",)
    verdict = judge([sig("aider", 0.3), sig("amazon-q", 0.3)], 0.5)
    assert verdict.tools == ()
    assert verdict.confidence == 0.3


def test_file_header_identity_is_a_signal_but_a_generator_header_is_not() -> None:
    patch = make_patch(["#!/bin/sh", "# Co-Authored-By: ForgeCode <noreply@forgecode.dev>", "echo"])
    generated = make_patch(["// Code generated by protoc-gen-go. DO NOT EDIT.", "// @generated"])
    files = (
        FileDiff(path="run.sh", status="added", patch=patch),
        FileDiff(path="gen.pb.go", status="added", patch=generated),
    )
    att = detect(pr_snapshot([make_commit()], PullRequestInfo(number=1), files))
    assert [(s.kind, s.tool, s.source) for s in att.signals] == [
        ("file_header", "forgecode", "file:run.sh:2")
    ]
    assert att.signals[0].evidence == "# Co-Authored-By: ForgeCode <noreply@forgecode.dev>"


def test_config_rules_add_tools_and_ignores_remove_them() -> None:
    config = DetectionConfig.model_validate(
        {
            "logins": ["acme-agent[bot]"],
            "trailer_keys": {"X-Acme-Run": "acme"},
            "markers": {"Written by AcmeBot": "acme"},
            "branch_prefixes": {"acme/": "acme"},
            "labels": {"AI-Generated": None},
            "ignore_tools": ["coderabbit"],
            "ignore_emails": ["noreply@anthropic.com"],
        }
    )
    assert config.logins == {"acme-agent[bot]": "custom"}
    bot = Identity(name="acme", email="9+acme-agent[bot]@users.noreply.github.com")
    commits = [
        make_commit(sha="1" * 40, author=bot),
        make_commit(sha="2" * 40, message="Fix\n\nWritten by AcmeBot today."),
        make_commit(sha="3" * 40, trailers=["x-acme-run: 42"]),
        make_commit(sha="4" * 40, trailers=[CLAUDE]),
        make_commit(
            sha="5" * 40,
            trailers=[f"Co-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@{NOREPLY}>"],
        ),
    ]
    pr = PullRequestInfo(number=1, head_ref="acme/task-1", labels=("ai-generated",))
    att = detect(pr_snapshot(commits, pr), config)
    assert [c.ai for c in att.commits] == [True, True, True, False, False]
    assert att.tools == ("acme", "custom")
    assert {s.kind for s in att.signals} == {"config"}


def test_detection_config_rejects_unknown_keys_and_bad_thresholds() -> None:
    with pytest.raises(ValidationError):
        DetectionConfig.model_validate({"login": ["x"]})
    with pytest.raises(ValidationError):
        DetectionConfig(min_confidence=0)
    fields = DetectionConfig.model_fields
    assert all(f.description for f in fields.values())
    assert fields["min_confidence"].json_schema_extra == {"stricter": "lower"}


def test_catalogue_rules_are_exact_and_named_by_stable_ids() -> None:
    assert {"claude-code", "copilot-agent", "cursor", "codex", "aider", "devin"} <= TOOL_IDS
    for rule in IDENTITIES:  # a name alone never identifies a tool
        assert rule.email or rule.login
        assert rule.email is None or rule.email == rule.email.lower()
    assert noreply_parts("41898282+claude[bot]@users.noreply.github.com") == (
        "41898282",
        "claude[bot]",
    )
    assert noreply_parts("octocat@users.noreply.github.com") == (None, "octocat")
    assert noreply_parts("someone@anthropic.com") is None
    assert match_identity("Jane", "jane@anthropic.com") is None


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("Claude Opus 4.5", "claude-opus-4-5"),
        ("Claude Sonnet 4.5", "claude-sonnet-4-5"),
        ("Claude Opus 4.8 (1M context)", "claude-opus-4-8"),
        ("Claude (claude-sonnet-4-6)", "claude-sonnet-4-6"),
        ("aider (gpt-4o)", "gpt-4o"),
        ("Codex (gpt-5.3-codex high)", "gpt-5.3-codex"),
        ("Claude Code:claude-opus-4.6", "claude-opus-4-6"),
        ("Cursor/Claude Opus 4.6", "claude-opus-4-6"),
        ("Codex (GPT-5.4, reasoning: high)", "gpt-5.4"),
        ("Crush:glm-5.3", "glm-5.3"),
        ("<anthropic/claude-opus-4.6>", "claude-opus-4-6"),
        ("Claude:claude-3-opus coccinelle sparse", "claude-3-opus"),
        ("Claude 3.5 Sonnet", "claude-3-5-sonnet"),
        ("aider (anthropic/claude-3-5-sonnet-20241022)", "claude-3-5-sonnet-20241022"),
        ("Gemini 2.5 Pro", "gemini-2.5-pro"),
        ("Codex (o3) <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>", "o3"),
        ("Claude", None),
        ("Claude Code", None),
        ("generic LLM chatbot", None),
        ("chatgpt-codex-connector[bot]", None),
        ("gemini-code-assist[bot]", None),
        ("https://claude.ai/code/session_01ABC", None),
        ("claude-opus-4-6[1m]", "claude-opus-4-6"),
        ("aider (openrouter/deepseek/deepseek-chat)", "deepseek-chat"),
    ],
)
def test_model_names_become_provider_api_ids(text: str, model: str | None) -> None:
    assert model_from_text(text) == model
