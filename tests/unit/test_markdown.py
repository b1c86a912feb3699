from app.core.models import Attribution, FileAttribution, Finding, Level, Report, Verdict
from app.publishers.markdown import LISTED_FINDINGS, render_summary


def finding(i: int, level: Level = "warning", message: str = "bare except") -> Finding:
    return Finding(
        check="ruff",
        rule="E722",
        level=level,
        path=f"pkg/m{i:02d}.py",
        start_line=i + 1,
        end_line=i + 1,
        message=message,
        fingerprint=f"f{i}",
    )


def report(findings: list[Finding], attribution: Attribution | None = None) -> Report:
    return Report(
        repository="octo/app",
        base_sha="b" * 40,
        head_sha="h" * 40,
        attribution=attribution or Attribution(),
        findings=tuple(findings),
        verdict=Verdict(conclusion="failure", reasons=("2 finding(s) at level failure.",)),
    )


def test_the_most_severe_findings_are_listed_first_and_the_rest_left_to_annotations() -> None:
    many = [finding(i) for i in range(LISTED_FINDINGS + 5)]
    many.append(finding(50, "failure", "value | with a pipe\nand a newline"))
    text = render_summary(report(many))
    rows = [line for line in text.splitlines() if line.startswith(("| warning", "| failure"))]
    assert len(rows) == LISTED_FINDINGS
    assert rows[0] == (
        "| failure | `pkg/m50.py:51` | human-written line | ruff `E722` "
        "| value \\| with a pipe and a newline |"
    )
    assert "<summary>Most severe</summary>" in text


def test_a_mixed_pr_shows_ai_lines_per_file_and_an_all_ai_pr_does_not() -> None:
    files = (
        FileAttribution(path="a.py", added_lines=10, ai_added_lines=8, ai_share=0.8),
        FileAttribution(path="b.py", added_lines=5, ai_added_lines=0, ai_share=0.0),
    )
    mixed = Attribution(
        ai=True, tools=("claude-code",), files=files, added_lines=15, ai_added_lines=8
    )
    text = render_summary(report([], mixed))
    assert "| `a.py` | 8 of 10 (80%) |" in text
    assert "b.py" not in text  # no AI lines there
    all_ai = mixed.model_copy(update={"ai_added_lines": 15})
    assert "AI-attributed lines per file" not in render_summary(report([], all_ai))


def test_the_summary_names_the_version_that_made_it() -> None:
    assert "<sub>ai-gate 1.2.3 · config: " in render_summary(report([]), "1.2.3")
    assert "<sub>ai-gate · config: " in render_summary(report([]))
