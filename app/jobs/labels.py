"""What a label added to or removed from a pull request asks of its head (a `label` job).

A label matters to us in two ways: detection may read it as a sign of AI work (then the
attribution, and everything after it, changes: the head is analysed afresh), and
`gate.skip_label` decides the verdict (re-judged from the stored report, in seconds). Any
other label asks nothing, our own `labels.ai_generated` above all: the app adds it after an
analysis, and answering it would go round in a loop.
"""

from __future__ import annotations

from typing import Literal

from app.core.attribution import catalogue
from app.core.config.model import Config

LabelEffect = Literal["analyse", "rejudge", "none"]


def label_effect(config: Config, label: str) -> LabelEffect:
    """What the change of `label` asks for under `config` (labels compare in any case, as
    detection and the gate compare them); "" is a delivery that named no label, re-judged
    when a skip label is set."""
    name = label.lower()
    own = config.labels.ai_generated
    if own and name == own.lower():
        return "none"
    if name and name in detection_labels(config):
        return "analyse"
    skip = config.gate.skip_label
    if skip is not None and name in ("", skip.lower()):
        return "rejudge"
    return "none"


def detection_labels(config: Config) -> frozenset[str]:
    """The labels attribution reads, lower-cased: the config's and the catalogue's."""
    named = [*config.detection.labels, *(rule[0] for rule in catalogue.LABELS)]
    return frozenset(name.lower() for name in named)
