"""Workflow commands, the job summary and step outputs, within what GitHub shows of a step."""

from __future__ import annotations

from app.publishers.workflow import (
    MAX_SUMMARY_BYTES,
    PER_LEVEL,
    annotation_commands,
    job_summary,
    outputs_text,
)
from tests.builders import make_finding, make_report


def test_at_most_ten_annotations_per_level_the_most_severe_first() -> None:
    findings = [make_finding(i, level="warning") for i in range(15)]
    findings += [make_finding(100 + i, level="failure") for i in range(12)]
    findings.append(make_finding(200, level="notice"))

    commands = annotation_commands(findings)

    kinds = [c.split(" ", 1)[0] for c in commands]
    assert kinds == ["::error"] * PER_LEVEL + ["::warning"] * PER_LEVEL + ["::notice"]
    assert commands[0].startswith("::error file=pkg/m100.py,line=101,endLine=101,")


def test_the_findings_that_decide_the_verdict_are_annotated_before_the_others() -> None:
    """Twelve warnings and `fail_on: warning`: the one marked decisive (placed last by path)
    is among the ten GitHub shows, first."""
    findings = [make_finding(i, level="warning") for i in range(12)]
    findings.append(make_finding(300, level="warning").model_copy(update={"decisive": True}))

    commands = annotation_commands(findings)

    assert len(commands) == PER_LEVEL
    assert commands[0].startswith("::warning file=pkg/m300.py,")


def test_messages_and_properties_are_escaped_so_a_finding_cannot_forge_a_command() -> None:
    finding = make_finding(0, path="a,b:c.py", message="50% done\n::error::forged")

    [command] = annotation_commands([finding])

    assert command.startswith("::warning file=a%2Cb%3Ac.py,line=1,")
    assert command.endswith("::50%25 done%0A::error::forged")
    assert "\n" not in command


def test_findings_off_the_diff_are_not_annotated() -> None:
    finding = make_finding(0).model_copy(update={"in_diff": False})
    assert annotation_commands([finding]) == []


def test_the_summary_lists_every_finding_when_annotations_show_few_within_a_mib() -> None:
    findings = [make_finding(i, message="x" * 250) for i in range(9000)]
    report = make_report(findings)

    text = job_summary("### Verdict: failure", report, with_annotations=True)

    assert text.startswith("### Verdict: failure\n")
    assert "### All 9000 findings" in text
    assert len(text.encode()) <= MAX_SUMMARY_BYTES
    assert "more." in text  # cut with a count of what was left out
    assert "All 9000" not in job_summary("s", report, with_annotations=False)


def test_outputs_survive_any_value() -> None:
    text = outputs_text({"conclusion": "failure", "usd": "", "note": "two\nlines"})

    blocks = text.split("\n")
    assert blocks[0].startswith("conclusion<<ai_gate_")
    assert blocks[1] == "failure"
    assert blocks[2] == blocks[0].split("<<")[1]
    assert "two\nlines" in text
