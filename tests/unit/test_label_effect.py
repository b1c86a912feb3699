"""What a label added to or removed from a pull request asks of its head."""

import pytest

from app.core.config.model import Config
from app.jobs.labels import label_effect

CONFIG = Config.model_validate(
    {
        "gate": {"skip_label": "Skip-AI-Gate"},
        "detection": {"labels": {"Agent-Made": "claude-code"}},
        "labels": {"ai_generated": "ai-generated"},
    }
)


@pytest.mark.parametrize(
    ("label", "effect"),
    [
        ("skip-ai-gate", "rejudge"),  # any case, as the gate compares
        ("SKIP-AI-GATE", "rejudge"),
        ("agent-made", "analyse"),  # any case, as detection compares
        ("ai-generated", "none"),  # ours: the app adds it itself
        ("AI-Generated", "none"),
        ("bug", "none"),
        ("", "rejudge"),  # a delivery that named no label: the verdict is re-judged
    ],
)
def test_each_label_asks_for_what_it_changes(label: str, effect: str) -> None:
    assert label_effect(CONFIG, label) == effect


def test_without_a_skip_label_only_detection_labels_matter() -> None:
    config = Config()
    assert [label_effect(config, name) for name in ("skip-ai-gate", "", "ai-generated")] == [
        "none",
        "none",
        "none",
    ]


def test_our_own_label_is_never_answered_even_when_detection_reads_it() -> None:
    config = Config.model_validate(
        {
            "detection": {"labels": {"ai-generated": "copilot"}},
            "labels": {"ai_generated": "ai-generated"},
        }
    )
    assert label_effect(config, "ai-generated") == "none"
