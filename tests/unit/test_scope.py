from collections.abc import Mapping

import pytest

from app.core.config.file import read_document, validate
from app.core.config.load import load_config
from app.core.config.model import Config
from app.core.gate import GateInput, decide
from app.core.models import Attribution, LabelGrant, PullRequestInfo
from app.core.pipeline import analyse
from app.core.ports import LintDiagnostic
from app.errors import ConfigError
from tests.builders import FakeLinters, make_commit, make_file, make_finding, make_snapshot

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
REPO = "octo/app"
ORG = ("octo/.github", ".ai-gate.yml", None)


def _diag(path: str, rule: str = "E722") -> LintDiagnostic:
    return LintDiagnostic(path=path, line=1, end_line=1, rule=rule, message=f"{rule} here")


def _config(text: str) -> Config:
    doc = read_document(text, ".ai-gate.yml")
    return validate(doc.data, doc.node, ".ai-gate.yml")


def _ai_snapshot(*paths: str, pr: PullRequestInfo | None = None):  # type: ignore[no-untyped-def]
    snapshot = make_snapshot(
        commits=[make_commit(trailers=[CLAUDE])], files=[make_file(p, ["x = 1"]) for p in paths]
    )
    return snapshot.model_copy(update={"pull_request": pr}) if pr else snapshot


def _load(files: Mapping[tuple[str, str, str | None], str]) -> Config:
    return load_config(lambda r, p, ref: files.get((r, p, ref)), REPO, "base").config


def test_paths_and_exclude_leave_files_out_of_checks_and_counts() -> None:
    snapshot = _ai_snapshot("src/a.py", "docs/b.py", "src/gen/c.py")
    linters = FakeLinters([_diag("src/a.py"), _diag("docs/b.py"), _diag("src/gen/c.py")])
    report = analyse(snapshot, _config("paths: [src/**]\nexclude: [src/gen]\n"), linters)
    assert [f.path for f in report.findings] == ["src/a.py"]
    assert linters.seen == [["src/a.py"]]
    assert report.attribution.added_lines == 1
    assert [(a.path, a.reason) for a in report.set_aside] == [
        ("docs/b.py", "outside `paths`"),
        ("src/gen/c.py", "in `exclude`"),
    ]
    # By default every file is analysed.
    assert len(analyse(snapshot, Config(), FakeLinters()).attribution.files) == 3


def test_overrides_apply_their_checks_and_gate_per_file() -> None:
    config = _config(
        "overrides:\n"
        "  - paths: [docs/**]\n    checks:\n      ruff:\n        enabled: false\n"
        "  - paths: [src/payments/**]\n    checks:\n      ruff:\n        levels: {F401: warning}\n"
        "    gate:\n      fail_on: warning\n"
    )
    snapshot = _ai_snapshot("docs/conf.py", "src/payments/pay.py", "src/other.py")
    diags = [
        _diag("docs/conf.py"),
        _diag("src/payments/pay.py", "F401"),
        _diag("src/other.py", "F401"),
    ]
    linters = FakeLinters(diags)
    report = analyse(snapshot, config, linters)
    found = [(f.path, f.rule, f.level) for f in report.findings]
    # docs: ruff off; payments: F401 a warning, which fails there; other: the top level.
    assert found == [
        ("src/other.py", "F401", "notice"),
        ("src/payments/pay.py", "F401", "warning"),
    ]
    assert sorted(map(sorted, linters.seen)) == [["src/other.py"], ["src/payments/pay.py"]]
    assert report.verdict.conclusion == "failure"
    assert [f.path for f in report.findings if f.decisive] == ["src/payments/pay.py"]
    assert "or an override's for its path" in report.verdict.reasons[0]


def test_an_override_must_name_paths_and_globs_may_not_be_empty() -> None:
    with pytest.raises(ConfigError):
        _config("overrides:\n  - checks:\n      ruff:\n        enabled: false\n")
    with pytest.raises(ConfigError):
        _config("paths: ['']\n")
    with pytest.raises(ConfigError):
        _config("overrides:\n  - paths: [a]\n    gate:\n      max_ai_lines: 3\n")


def _gate(config: Config, **data: object) -> tuple[str, tuple[str, ...]]:
    base = {
        "attribution": Attribution(ai=True),
        "findings": [make_finding(level="failure")],
    }
    verdict = decide(config.gate, GateInput(**{**base, **data}))  # type: ignore[arg-type]
    return verdict.conclusion, verdict.reasons


def test_gate_branches_judge_only_prs_into_those_branches() -> None:
    config = _config("gate:\n  branches: [main, release/*]\n")
    assert _gate(config, base_ref="main")[0] == "failure"
    assert _gate(config, base_ref="release/1.2")[0] == "failure"
    conclusion, reasons = _gate(config, base_ref="feature/x")
    assert conclusion == "neutral"
    assert "targets `feature/x`" in reasons[0]
    # A range without a PR (ai-gate check) is judged.
    assert _gate(config, base_ref=None)[0] == "failure"


def test_skip_label_is_honoured_only_from_someone_with_write_access() -> None:
    config = _config("gate:\n  skip_label: skip-gate\n")
    writer = LabelGrant(label="skip-gate", login="maint", permission="write")
    reader = LabelGrant(label="skip-gate", login="bob", permission="read")
    conclusion, reasons = _gate(config, labels=["Skip-Gate"], label_grants=[writer])
    assert conclusion == "neutral"
    assert reasons == ("Gate skipped: label `skip-gate` added by @maint (`write`).",)
    conclusion, reasons = _gate(config, labels=["skip-gate"], label_grants=[reader])
    assert conclusion == "failure"
    assert reasons[-1].startswith("Label `skip-gate` not honoured: @bob added it with `read`")
    conclusion, reasons = _gate(config, labels=["skip-gate"], label_grants=[])
    assert conclusion == "failure"
    assert "GitHub did not say who added it" in reasons[-1]
    # A grant for a label the PR no longer carries skips nothing.
    assert _gate(config, labels=[], label_grants=[writer])[0] == "failure"
    # Without `skip_label` no label skips anything.
    assert _gate(Config(), labels=["skip-gate"], label_grants=[writer])[0] == "failure"


def test_skip_label_reaches_the_gate_through_the_snapshot() -> None:
    pr = PullRequestInfo(number=7, labels=("skip-gate",), base_ref="main")
    snapshot = _ai_snapshot("a.py", pr=pr).model_copy(
        update={"label_grants": (LabelGrant(label="skip-gate", login="m", permission="admin"),)}
    )
    config = _config("gate:\n  skip_label: skip-gate\n  max_ai_lines: 0\n")
    report = analyse(snapshot, config, FakeLinters())
    assert report.verdict.conclusion == "neutral"


def test_org_floor_on_paths_exclude_and_branches() -> None:
    floor = "_floor:\n  paths: [src/**]\n  exclude: [vendor/**]\n  gate:\n    branches: [main]\n"
    loose = "paths: [src/app/**]\nexclude: [vendor/**, src/**]\ngate:\n  branches: [dev]\n"
    config = _load({ORG: floor, (REPO, ".ai-gate.yml", "base"): loose})
    assert config.paths == ("src/**",)
    assert config.exclude == ("vendor/**",)
    assert config.gate.branches == ("main",)
    # Analysing more, excluding less and gating more branches tighten the floor.
    tight = "paths: []\nexclude: []\ngate:\n  branches: [main, dev]\n"
    config = _load({ORG: floor, (REPO, ".ai-gate.yml", "base"): tight})
    assert (config.paths, config.exclude, config.gate.branches) == ((), (), ("main", "dev"))


def test_org_floor_holds_inside_overrides_and_keeps_its_own_blocks() -> None:
    floor = (
        "_floor:\n  checks:\n    secrets:\n      enabled: true\n  gate:\n    fail_on: warning\n"
        "  overrides:\n    - paths: [src/payments/**]\n      gate:\n        fail_on: notice\n"
    )
    repo = (
        "overrides:\n  - paths: ['**']\n    checks:\n      secrets:\n        enabled: false\n"
        "      ruff:\n        enabled: false\n    gate:\n      fail_on: failure\n"
    )
    effective = load_config(
        lambda r, p, ref: {ORG: floor, (REPO, ".ai-gate.yml", "base"): repo}.get((r, p, ref)),
        REPO,
        "base",
    )
    first, org_block = effective.config.overrides
    # secrets and fail_on are held at the floor; ruff, which the floor leaves alone, is off.
    assert first.checks.secrets.enabled is True
    assert first.checks.ruff.enabled is False
    assert first.gate.fail_on == "warning"
    assert org_block.paths == ("src/payments/**",)
    assert any("overrides[1].checks.secrets.enabled" in n for n in effective.notes)
    snapshot = _ai_snapshot("src/payments/pay.py")
    report = analyse(snapshot, effective.config, FakeLinters())
    assert report.verdict.conclusion == "success"
    notice = make_finding(level="notice", path="src/payments/pay.py")
    from app.core.scope import path_gates

    gates = path_gates(effective.config, ["src/payments/pay.py", "src/x.py"])
    assert gates["src/payments/pay.py"].fail_on == "notice"
    # The repository's `**` block, held at the floor's warning, is the top-level gate there.
    assert "src/x.py" not in gates
    assert _gate(effective.config, findings=[notice], path_gates=gates)[0] == "failure"
