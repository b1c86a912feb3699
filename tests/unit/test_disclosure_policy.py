from typing import Any

from app.core.config.model import Config, GateConfig
from app.core.models import Commit, Identity, PullRequestInfo, Report
from app.core.pipeline import analyse
from app.publishers.markdown import render_summary
from tests.builders import FakeLinters, make_commit, make_file, make_snapshot

DEVIN = Identity(
    name="devin-ai-integration[bot]",
    email="158243242+devin-ai-integration[bot]@users.noreply.github.com",
    login="devin-ai-integration[bot]",
)
CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def _report(commits: list[Commit], body: str = "", **gate: Any) -> Report:
    snapshot = make_snapshot(commits=commits, files=[make_file("a.py", ["x = 1"])])
    pr = PullRequestInfo(number=7, body=body)
    snapshot = snapshot.model_copy(update={"pull_request": pr})
    return analyse(snapshot, Config(gate=GateConfig(**gate)), FakeLinters())


def test_off_by_default_nothing_is_asked() -> None:
    report = _report([make_commit(author=DEVIN)])
    assert report.disclosure is None
    assert report.verdict.conclusion == "success"


def test_require_fails_an_agent_commit_without_disclosure_naming_the_evidence() -> None:
    report = _report([make_commit(author=DEVIN)], disclosure="require")
    assert report.verdict.conclusion == "failure"
    [reason] = [r for r in report.verdict.reasons if "disclosure" in r]
    assert "devin-ai-integration[bot]" in reason
    assert "`Assisted-by: AGENT:MODEL`" in reason
    assert report.disclosure is not None
    assert report.disclosure.commits[0].disclosure is None


def test_warn_keeps_the_conclusion_and_says_what_is_missing() -> None:
    report = _report([make_commit(author=DEVIN)], disclosure="warn")
    assert report.verdict.conclusion == "success"
    assert any(r.startswith("`gate.disclosure: warn`: Commit") for r in report.verdict.reasons)


def test_accepted_forms_a_trailer_in_the_commit_or_the_body_or_a_ticked_box() -> None:
    trailer = make_commit(author=DEVIN, trailers=["Assisted-by: Devin:claude-sonnet-4.5"])
    assert _report([trailer], disclosure="require").verdict.conclusion == "success"
    box = "## Checklist\n- [x] This PR was AI-assisted\n"
    assert (
        _report([make_commit(author=DEVIN)], box, disclosure="require").verdict.conclusion
        == "success"
    )
    unticked = "- [ ] This PR was AI-assisted\n"
    assert (
        _report([make_commit(author=DEVIN)], unticked, disclosure="require").verdict.conclusion
        == "failure"
    )
    body_trailer = "Fixes the bug.\n\nAssisted-by: Devin\n"
    assert (
        _report([make_commit(author=DEVIN)], body_trailer, disclosure="require").verdict.conclusion
        == "success"
    )
    # A negative or a person is no disclosure.
    negative = make_commit(author=DEVIN, trailers=["Assisted-by: none"])
    assert _report([negative], disclosure="require").verdict.conclusion == "failure"


def test_accepted_keys_are_configurable() -> None:
    # The agent's own co-author trailer discloses by default; a project that accepts only
    # Assisted-by asks for that.
    coauthored = make_commit(trailers=[CLAUDE])
    assert _report([coauthored], disclosure="require").verdict.conclusion == "success"
    strict = _report(
        [coauthored],
        disclosure="require",
        disclosure_trailers=("Assisted-by",),
        disclosure_checkbox=None,
    )
    assert strict.verdict.conclusion == "failure"
    assert "accepted keys: `Assisted-by:`" in strict.verdict.reasons[0]
    assert "checkbox" not in strict.verdict.reasons[0]


def test_human_commits_need_no_disclosure() -> None:
    report = _report([make_commit()], disclosure="require", applies_to="all")
    assert report.verdict.conclusion == "success"


def test_an_agent_sign_off_fails_when_forbidden() -> None:
    signed = make_commit(trailers=[CLAUDE, "Signed-off-by: Claude <noreply@anthropic.com>"])
    report = _report([signed], forbid_agent_signoff=True)
    assert report.verdict.conclusion == "failure"
    assert "Signed-off-by: Claude <noreply@anthropic.com>" in report.verdict.reasons[0]
    assert _report([signed]).verdict.conclusion == "success"
    person = make_commit(trailers=[CLAUDE, "Signed-off-by: Ada Lovelace <ada@example.com>"])
    assert _report([person], forbid_agent_signoff=True).verdict.conclusion == "success"


def test_the_summary_shows_what_was_disclosed_and_what_was_not() -> None:
    disclosed = make_commit("1" * 40, author=DEVIN, trailers=["Assisted-by: Devin"])
    silent = make_commit("2" * 40, author=DEVIN)
    summary = render_summary(_report([disclosed, silent], disclosure="warn"))
    assert "### Disclosure" in summary
    assert "| `111111111111` |" in summary
    assert "`Assisted-by: Devin` |" in summary
    assert "| `222222222222` |" in summary
    assert "**not disclosed** |" in summary


def test_org_floor_on_disclosure() -> None:
    from app.core.config.load import load_config

    org = ("octo/.github", ".ai-gate.yml", None)
    repo = ("octo/app", ".ai-gate.yml", "base")
    floor = "_floor:\n  gate:\n    disclosure: require\n    disclosure_trailers: [Assisted-by]\n"
    files = {
        org: floor,
        repo: "gate:\n  disclosure: warn\n  disclosure_trailers: [Assisted-by, Co-authored-by]\n",
    }
    effective = load_config(lambda r, p, ref: files.get((r, p, ref)), "octo/app", "base")
    assert effective.config.gate.disclosure == "require"
    assert effective.config.gate.disclosure_trailers == ("Assisted-by",)
    files[repo] = "gate:\n  disclosure_trailers: []\n  forbid_agent_signoff: true\n"
    tightened = load_config(lambda r, p, ref: files.get((r, p, ref)), "octo/app", "base")
    assert tightened.config.gate.disclosure_trailers == ()
    assert tightened.config.gate.forbid_agent_signoff is True
