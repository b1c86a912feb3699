"""ruff levels calibrated on real code, rules that repeat another check reported once, and the
verdict's deciding findings marked."""

from __future__ import annotations

import pytest

from app.core.config.model import Config
from app.core.config.ruffrules import CURATED, LEFT_OUT, RECOMMENDED_RUFF_RULES, level_for
from app.core.models import Finding, Level, PullRequestSnapshot
from app.core.pipeline import analyse
from app.core.ports import LintDiagnostic
from tests.builders import FakeLinters, make_commit, make_file, make_snapshot

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def diag(path: str, line: int, rule: str, message: str = "") -> LintDiagnostic:
    return LintDiagnostic(
        path=path, line=line, end_line=line, rule=rule, message=message or f"{rule} here"
    )


def ai_snapshot(path: str = "pkg/a.py", lines: int = 5) -> PullRequestSnapshot:
    f = make_file(path, [f"x{i} = {i}" for i in range(lines)])
    return make_snapshot(files=[f], commits=[make_commit(trailers=[CLAUDE])])


def found(
    diagnostics: list[LintDiagnostic],
    path: str = "pkg/a.py",
    config: Config | None = None,
    mypy: list[LintDiagnostic] | None = None,
) -> list[Finding]:
    linters = FakeLinters(diagnostics, mypy or [])
    return list(analyse(ai_snapshot(path), config or Config(), linters).findings)


@pytest.mark.parametrize(
    ("rule", "message", "level"),
    [
        ("F821", "Undefined name `e`", "failure"),
        ("F821", "Undefined name `ExceptionGroup`", "warning"),  # newer than ruff's target
        ("invalid-syntax", "Expected `,`, found `]`", "failure"),
        (
            "invalid-syntax",
            "Cannot use `match` statement on Python 3.9 (syntax was added in Python 3.10)",
            "notice",
        ),
        ("F632", "Use `==` to compare constant literals", "failure"),
        ("S301", "`pickle` and modules that wrap it can be unsafe", "warning"),
        ("S608", "Possible SQL injection vector", "notice"),  # left out: a notice if selected
        ("E722", "Do not use bare `except`", "warning"),
        ("F401", "`os` imported but unused", "notice"),
        ("S603", "`subprocess` call: check for execution of untrusted input", "notice"),
        ("D103", "Missing docstring in public function", "notice"),  # the repository's own rule
    ],
)
def test_level_for(rule: str, message: str, level: str) -> None:
    assert level_for(rule, message) == level


def test_configured_levels_win_by_longest_prefix() -> None:
    levels: dict[str, Level] = {"S": "warning", "S608": "failure", "PERF": "warning"}
    assert level_for("S608", "", levels) == "failure"
    assert level_for("S301", "", levels) == "warning"
    assert level_for("PERF401", "", levels) == "warning"
    assert level_for("F821", "Undefined name `x`", levels) == "failure"


def test_failure_level_is_kept_for_code_that_cannot_run_or_always_fails() -> None:
    failures = {r.code for r in CURATED if r.level == "failure"}
    assert "F821" in failures
    assert all(code.startswith(("F", "B")) for code in failures)
    # Security rules are worth a look, never a failure by default: their precision on real
    # code is far from "almost always a real defect".
    assert not any(code.startswith(("S", "ASYNC", "E")) for code in failures)
    assert len(set(RECOMMENDED_RUFF_RULES)) == len(RECOMMENDED_RUFF_RULES)
    assert all(r.reason for r in CURATED)


def test_rules_mostly_wrong_on_real_code_left_the_default_set() -> None:
    for rule in ("S603", "S607", "S604", "S310", "S311", "S104", "S108", "S701", "BLE001", "S608"):
        assert rule not in RECOMMENDED_RUFF_RULES
        assert any(rule in codes for codes in LEFT_OUT), rule
    for rule in ("S105", "S106", "S107"):
        assert rule not in RECOMMENDED_RUFF_RULES


def test_fastapi_dependency_markers_are_not_b008_findings() -> None:
    message = "Do not perform function call `{}` in argument defaults; instead, perform the call"
    results = found(
        [
            diag("pkg/a.py", 1, "B008", message.format("Depends")),
            diag("pkg/a.py", 2, "B008", message.format("fastapi.Query")),
            diag("pkg/a.py", 3, "B008", message.format("typer.Option")),
            diag("pkg/a.py", 4, "B008", message.format("datetime.datetime.now")),
        ]
    )
    assert [(f.start_line, f.rule, f.level) for f in results] == [(4, "B008", "warning")]


def test_constant_shell_commands_are_not_reported() -> None:
    results = found(
        [
            diag(
                "pkg/a.py",
                1,
                "S602",
                "`subprocess` call with `shell=True` seems safe, but may "
                "be changed in the future; consider rewriting without `shell`",
            ),
            diag(
                "pkg/a.py",
                2,
                "S602",
                "`subprocess` call with `shell=True` identified, security issue",
            ),
        ]
    )
    assert [(f.start_line, f.level) for f in results] == [(2, "warning")]


def test_security_rules_are_not_reported_in_test_code_unless_configured() -> None:
    diagnostics = [
        diag("tests/test_a.py", 1, "S301"),
        diag("tests/test_a.py", 2, "F821"),
        diag("tests/test_a.py", 3, "ASYNC251"),
    ]
    assert [f.rule for f in found(diagnostics, "tests/test_a.py")] == ["F821"]
    everywhere = Config.model_validate({"checks": {"test_paths": []}})
    assert [f.rule for f in found(diagnostics, "tests/test_a.py", everywhere)] == [
        "S301",
        "F821",
        "ASYNC251",
    ]


def test_hard_coded_password_rules_are_left_to_the_secrets_check() -> None:
    diagnostics = [diag("pkg/a.py", 1, "S105"), diag("pkg/a.py", 2, "S106")]
    assert found(diagnostics) == []
    off = Config.model_validate({"checks": {"secrets": {"enabled": False}}})
    assert [f.rule for f in found(diagnostics, config=off)] == ["S105", "S106"]


def test_mypy_does_not_repeat_ruff_on_the_same_line() -> None:
    mypy_on = Config.model_validate({"checks": {"mypy": {"enabled": True}}})
    results = found(
        [diag("pkg/a.py", 1, "F821"), diag("pkg/a.py", 3, "F811")],
        config=mypy_on,
        mypy=[
            diag("pkg/a.py", 1, "name-defined"),
            diag("pkg/a.py", 2, "name-defined"),  # ruff said nothing here
            diag("pkg/a.py", 3, "no-redef"),
        ],
    )
    assert [(f.check, f.start_line, f.rule) for f in results] == [
        ("ruff", 1, "F821"),
        ("mypy", 2, "name-defined"),
        ("ruff", 3, "F811"),
    ]


def test_the_findings_the_verdict_fails_on_are_marked_decisive() -> None:
    results = found([diag("pkg/a.py", 1, "E722"), diag("pkg/a.py", 2, "F821")])
    assert [(f.rule, f.decisive) for f in results] == [("E722", False), ("F821", True)]
    human = make_snapshot(files=[make_file("pkg/a.py", ["x = y"])])
    report = analyse(human, Config(), FakeLinters([diag("pkg/a.py", 1, "F821")]))
    assert report.verdict.conclusion == "neutral"
    assert not report.findings[0].decisive  # not gated: nothing decides


def test_a_file_with_a_syntax_error_gets_one_finding_not_one_per_recovery() -> None:
    newer = "Cannot use `match` statement on Python 3.9 (syntax was added in Python 3.10)"
    results = found(
        [
            diag("pkg/a.py", 4, "invalid-syntax", "Expected `,`, found `]`"),
            diag("pkg/a.py", 2, "invalid-syntax", "Expected `,`, found newline"),
            diag("pkg/a.py", 5, "invalid-syntax", "Expected an expression"),
            diag("pkg/a.py", 3, "invalid-syntax", newer),
            diag("pkg/a.py", 1, "E722"),
        ]
    )
    assert [(f.start_line, f.rule, f.level) for f in results] == [
        (1, "E722", "warning"),
        (2, "invalid-syntax", "failure"),
        (3, "invalid-syntax", "notice"),
    ]
    assert results[1].message == (
        "Expected `,`, found newline (the first of 3 syntax errors in this file)"
    )


def test_measured_precision_is_given_for_curated_rules_only_with_its_corpus() -> None:
    from app.core.config.ruffrules import MEASURED_PRECISION

    curated = {r.code for r in CURATED}
    assert set(MEASURED_PRECISION) <= curated
    for figure in MEASURED_PRECISION.values():
        judged, _, rest = figure.partition(" true or look (corpus at ")
        good, _, of = judged.partition(" of ")
        assert 0 <= int(good) <= int(of), figure
        assert rest.endswith(")"), figure
