"""Evidence split into what made the attribution and what was only seen."""

from __future__ import annotations

from app.core.config.detection import DetectionConfig
from app.core.config.model import Config
from app.core.models import Identity, PullRequestInfo
from app.core.pipeline import analyse
from tests.builders import FakeLinters, make_commit, make_file, make_snapshot

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def counted(config: Config | None = None, **snapshot_parts: object) -> dict[str, bool]:
    snapshot = make_snapshot(files=[make_file("pkg/a.py")]).model_copy(update=snapshot_parts)
    report = analyse(snapshot, config or Config(), FakeLinters())
    return {s.evidence: s.counted for s in report.attribution.signals}


def test_a_trailer_counts_and_a_weak_committer_suffix_is_only_seen() -> None:
    aider = Identity(name="Ada (aider)", email="ada@example.com")
    weak = make_commit("1" * 40, "Tweak", author=Identity(name="Ada", email="ada@example.com"))
    weak = weak.model_copy(update={"committer": aider})
    strong = make_commit("2" * 40, "Add", trailers=[CLAUDE])
    assert counted(commits=(weak, strong)) == {
        "Ada (aider) <ada@example.com>": False,
        CLAUDE: True,
    }


def test_pull_request_evidence_counts_when_it_decides_and_a_lower_threshold_counts_more() -> None:
    aider = Identity(name="Ada (aider)", email="ada@example.com")
    weak = make_commit("1" * 40, "Tweak").model_copy(update={"committer": aider})
    pr = PullRequestInfo(number=7, author_login="Copilot", author_type="Bot")
    result = counted(commits=(weak,), pull_request=pr)
    assert result["Copilot"] is True
    assert result["Ada (aider) <ada@example.com>"] is False
    eager = Config(detection=DetectionConfig(min_confidence=0.3))
    assert counted(eager, commits=(weak,))["Ada (aider) <ada@example.com>"] is True
