import ast
from pathlib import Path

from app.core.config.model import Config, GateConfig
from app.core.pipeline import analyse
from app.core.ports import LintDiagnostic
from tests.builders import FakeLinters, make_commit, make_file, make_snapshot

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def diag(path: str, line: int, rule: str = "E722") -> LintDiagnostic:
    return LintDiagnostic(path=path, line=line, end_line=line, rule=rule, message=f"{rule} here")


def test_core_imports_no_io_frameworks() -> None:
    forbidden = ("fastapi", "githubkit", "httpx", "redis", "celery", "app.adapters", "subprocess")
    for path in Path("app/core").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                assert not name.startswith(forbidden), f"{path} imports {name}"


def test_findings_kept_only_on_added_lines() -> None:
    f = make_file("pkg/a.py", ["x = 1", "try:", "    pass", "except:", "    pass"])
    snapshot = make_snapshot(
        commits=[make_commit(trailers=[CLAUDE])], files=[f], contents={"pkg/a.py": "old = 0\n" * 10}
    )
    # Patch adds lines 1-5; line 8 is outside the diff.
    linters = FakeLinters([diag("pkg/a.py", 4), diag("pkg/a.py", 8, "F401")])
    report = analyse(snapshot, Config(), linters)
    assert [(x.path, x.start_line, x.rule) for x in report.findings] == [("pkg/a.py", 4, "E722")]
    assert report.findings[0].ai_attributed
    assert report.findings[0].fingerprint


def test_fingerprint_survives_the_line_moving() -> None:
    def report_for(prefix_lines: int) -> str:
        added = ["# pad"] * prefix_lines + ["except:"]
        f = make_file("a.py", added)
        snapshot = make_snapshot(files=[f])
        r = analyse(snapshot, Config(), FakeLinters([diag("a.py", prefix_lines + 1)]))
        return r.findings[0].fingerprint

    assert report_for(1) == report_for(5)


def test_verdict_neutral_for_human_pr_failure_for_ai_pr_with_failing_finding() -> None:
    f = make_file("a.py", ["x = y"])
    linters = FakeLinters([diag("a.py", 1, "F821")])
    human = analyse(make_snapshot(files=[f]), Config(), linters)
    assert human.verdict.conclusion == "neutral"
    ai = analyse(
        make_snapshot(files=[f], commits=[make_commit(trailers=[CLAUDE])]), Config(), linters
    )
    assert ai.verdict.conclusion == "failure"
    everyone = Config(gate=GateConfig(applies_to="all", fail_on="failure"))
    assert analyse(make_snapshot(files=[f]), everyone, linters).verdict.conclusion == "failure"


def test_only_python_files_are_linted_and_removed_files_skipped() -> None:
    linters = FakeLinters()
    files = [
        make_file("a.py"),
        make_file("README.md"),
        make_file("gone.py").model_copy(update={"status": "removed"}),
    ]
    analyse(make_snapshot(files=files), Config(), linters)
    assert list(linters.seen[0]) == ["a.py"]


def test_repository_detection_rules_decide_what_the_analysis_calls_ai() -> None:
    from app.core.config.file import parse_config
    from app.core.models import Identity

    bot = Identity(name="acme-coder", email="coder@agents.acme.test")
    f = make_file("pkg/a.py", ["x = 1"])
    snapshot = make_snapshot(commits=[make_commit(author=bot)], files=[f])
    assert not analyse(snapshot, Config(), FakeLinters([])).attribution.ai

    config = parse_config(
        "detection:\n  emails:\n    coder@agents.acme.test: acme-coder\n", ".ai-gate.yml"
    )
    report = analyse(snapshot, config, FakeLinters([]))
    assert report.attribution.tools == ("acme-coder",)
    assert report.attribution.ai_added_lines == 1
    # and a catalogue tool can be switched off
    claude = make_snapshot(commits=[make_commit(trailers=[CLAUDE])], files=[f])
    ignored = parse_config("detection:\n  ignore_tools: [claude-code]\n", ".ai-gate.yml")
    assert not analyse(claude, ignored, FakeLinters([])).attribution.ai
