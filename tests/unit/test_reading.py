"""The result reads right: what decides the verdict first, each finding's author, the evidence
split into counted and seen, and reasons worded as the policy says."""

from __future__ import annotations

from app.core.config.model import CommentsConfig, GateConfig
from app.core.diff import parse_patch
from app.core.gate import GateInput, decide
from app.core.models import (
    Attribution,
    CommitAttribution,
    Finding,
    Level,
    Report,
    SetAside,
    Signal,
    Verdict,
)
from app.publishers.checkrun import annotation
from app.publishers.markdown import render_summary, render_title
from app.publishers.reading import ordered
from app.publishers.review import choose, comment_body
from app.publishers.text import render_text
from tests.builders import make_patch

SHA = "a" * 40


def finding(
    line: int,
    level: Level = "warning",
    *,
    decisive: bool = False,
    ai: bool = False,
    rule: str = "E722",
) -> Finding:
    return Finding(
        check="ruff",
        rule=rule,
        level=level,
        path="pkg/a.py",
        start_line=line,
        end_line=line,
        message=f"finding on line {line}",
        fingerprint=f"fp{line}",
        decisive=decisive,
        ai_attributed=ai,
    )


SIGNALS = (
    Signal(
        kind="trailer",
        tool="claude-code",
        source=f"commit:{SHA}",
        evidence="Co-Authored-By: Claude <noreply@anthropic.com>",
    ),
    Signal(
        kind="commit_committer",
        tool="aider",
        source=f"commit:{SHA}",
        evidence="Ada (aider) <ada@example.com>",
        confidence=0.3,
        counted=False,
    ),
    Signal(kind="pr_marker", tool="codex", source="pull_request", evidence="Made by Codex"),
)
ATTRIBUTION = Attribution(
    ai=True,
    tools=("claude-code",),
    signals=SIGNALS,
    commits=(CommitAttribution(sha=SHA, ai=True, tools=("claude-code",)),),
    added_lines=100,
    ai_added_lines=1,
    ai_share=0.01,
)
# The one finding that decides the verdict sorts last by place: it must still come first.
FINDINGS = (
    finding(1, "warning"),
    finding(2, "notice"),
    finding(3, "warning", ai=True),
    finding(90, "failure", decisive=True, ai=True, rule="F821"),
)


def report(
    findings: tuple[Finding, ...] = FINDINGS,
    reasons: tuple[str, ...] = ("1 finding on added lines reaches `gate.fail_on: failure`.",),
) -> Report:
    return Report(
        repository="octo/app",
        base_sha="b" * 40,
        head_sha="h" * 40,
        attribution=ATTRIBUTION,
        findings=findings,
        verdict=Verdict(conclusion="failure", reasons=reasons),
        set_aside=(SetAside(path="poetry.lock", reason="lock file", added_lines=6540),),
    )


def test_text_lists_the_deciding_finding_first_with_who_wrote_each_line() -> None:
    text = render_text(report())
    lines = text.splitlines()
    start = lines.index("findings that decide the verdict:")
    assert lines[start + 1] == (
        "  pkg/a.py:90: failure: [ruff F821] finding on line 90 (AI-written line)"
    )
    assert lines[start + 2] == "other findings:"
    assert lines[start + 3] == (
        "  pkg/a.py:1: warning: [ruff E722] finding on line 1 (human-written line)"
    )
    assert lines[start + 4].endswith("finding on line 3 (AI-written line)")
    assert lines[start + 5].startswith("  pkg/a.py:2: notice:")
    assert lines.index("findings that decide the verdict:") < lines.index("other findings:")
    assert text.index("findings that decide") < text.index("attribution:")


def test_text_splits_evidence_into_counted_and_seen_with_labels() -> None:
    text = render_text(report())
    counted = text.index("evidence that counted:")
    seen = text.index("evidence seen, not counted:")
    assert counted < seen
    assert f"    co-author trailer (commit:{SHA}): Co-Authored-By: Claude" in text[counted:seen]
    assert "    PR title or body (pull_request): Made by Codex" in text[counted:seen]
    assert f"    committer (commit:{SHA}): Ada (aider) <ada@example.com>" in text[seen:]


def test_text_and_summary_say_how_many_lines_were_set_aside() -> None:
    expected = "6,540 added lines in 1 file set aside"
    assert expected in render_text(report())
    summary = render_summary(report())
    assert expected in summary
    assert "| `poetry.lock` | lock file | 6,540 |" in summary


def test_summary_puts_the_deciding_findings_right_after_the_verdict() -> None:
    summary = render_summary(report())
    deciding = summary.index("#### Findings that decide the verdict")
    assert summary.index("### Verdict") < deciding < summary.index("### Attribution")
    row = "| failure | `pkg/a.py:90` | AI-written line | ruff `F821` | finding on line 90 |"
    assert summary.index(row) > deciding
    assert "<summary>All findings of the others</summary>" in summary
    assert "Evidence that counted:" in summary
    assert "<summary>Evidence seen, not counted (1)</summary>" in summary
    assert f"- committer (`commit:{SHA}`): `Ada (aider) <ada@example.com>`" in summary
    assert "2 on AI-written lines" in summary


def test_title_says_why_it_failed_and_does_not_read_as_if_the_ai_part_failed() -> None:
    assert render_title(report()) == (
        "Failed: 1 finding fails the gate (4 findings; 1% of added lines AI-attributed)"
    )
    size = report(
        findings=(), reasons=("AI share 1% of added lines is above `gate.max_ai_share` 0%.",)
    )
    assert render_title(size) == (
        "Failed: AI share 1% of added lines is above gate.max_ai_share 0% "
        "(0 findings; 1% of added lines AI-attributed)"
    )


def test_review_comments_the_deciding_finding_first_even_when_comments_are_few() -> None:
    patch = make_patch([f"x{i} = {i}" for i in range(100)])
    lines = {"pkg/a.py": parse_patch(patch)}
    config = CommentsConfig(max_comments=1, min_level="failure")
    [comment] = choose(FINDINGS, lines, set(), config)
    assert comment["line"] == 90
    assert comment["body"].startswith(
        "**ruff F821** (failure, AI-written line): finding on line 90\nThis finding fails the gate."
    )
    assert "(warning, human-written line)" in comment_body(FINDINGS[0])


def test_verdict_reasons_name_the_policy_setting() -> None:
    ai = Attribution(ai=True, added_lines=300, ai_added_lines=4, ai_share=0.0133)
    gate = GateConfig(max_ai_share=0.0, max_ai_lines=3)
    verdict = decide(gate, GateInput(ai, [finding(1, "failure")]))
    assert verdict.reasons == (
        "1 finding on added lines reaches `gate.fail_on: failure`.",
        "4 AI-attributed added lines are above `gate.max_ai_lines` 3.",
        "AI share 1% of added lines is above `gate.max_ai_share` 0%.",
    )
    tiny = ai.model_copy(update={"ai_share": 0.004, "ai_added_lines": 1})
    assert decide(GateConfig(max_ai_share=0.0), GateInput(tiny, [])).reasons == (
        "AI share 0.4% of added lines is above `gate.max_ai_share` 0%.",
    )


def test_annotations_put_the_deciding_finding_first_and_say_who_wrote_the_line() -> None:
    first = annotation(ordered(FINDINGS)[0])
    assert (first["start_line"], first["annotation_level"]) == (90, "failure")
    assert first["message"] == "finding on line 90 (AI-written line)"
