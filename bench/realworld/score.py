"""Findings matched to judgements, counted per check and per level, against the targets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bench.realworld.corpus import VERDICTS, Judgement, Key, Verdict

UNJUDGED = "unjudged"
# The bars: no false failure, 90% of failures true, 70% of all findings true or look.
TRUE_FAILURE_SHARE = 0.9
USEFUL_SHARE = 0.7


@dataclass(frozen=True)
class Observed:
    """One finding of a run, with what the report says beside its key."""

    key: Key
    level: str
    message: str


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: str) -> None:
        self.counts[verdict] += 1

    @property
    def judged(self) -> int:
        return sum(self.counts[v] for v in VERDICTS)

    @property
    def total(self) -> int:
        return self.judged + self.counts[UNJUDGED]

    def share(self, *verdicts: Verdict) -> float | None:
        """The share of judged findings with one of these verdicts; None when none is judged."""
        if not self.judged:
            return None
        return sum(self.counts[v] for v in verdicts) / self.judged

    @property
    def precision(self) -> float | None:
        return self.share("true")

    @property
    def useful(self) -> float | None:
        return self.share("true", "look")


@dataclass(frozen=True)
class Score:
    overall: Tally
    by_check: dict[str, Tally]
    by_level: dict[str, Tally]
    by_rule: dict[str, Tally]  # check/rule, e.g. ruff/S113
    # Every finding with its judgement (None: unjudged), in the order the runs gave them.
    judged: list[tuple[Observed, Judgement | None]]
    false_failures: list[tuple[Observed, Judgement]]
    unjudged: list[Observed]
    # Judgements of ranges that ran whose finding is gone (fixed, or a true one lost).
    gone: list[Judgement]

    def targets(self) -> list[tuple[str, bool]]:
        """Each target with whether it is met; an unjudged finding counts against each."""
        failures = self.by_level.get("failure", Tally())
        useful = self.overall.counts["true"] + self.overall.counts["look"]
        return [
            (
                "no false finding at failure level",
                failures.counts["false"] + failures.counts[UNJUDGED] == 0,
            ),
            (
                f"at least {TRUE_FAILURE_SHARE:.0%} of failure-level findings true",
                failures.counts["true"] >= TRUE_FAILURE_SHARE * failures.total,
            ),
            (
                f"at least {USEFUL_SHARE:.0%} of all findings true or look",
                useful >= USEFUL_SHARE * self.overall.total,
            ),
        ]


def check_of(rule: str) -> str:
    """The check part of a `check/rule` rule."""
    return rule.partition("/")[0]


def score(
    findings: Iterable[Observed], judgements: Mapping[Key, Judgement], ran: set[str]
) -> Score:
    """Match findings to judgements by key; `ran` names the ranges that ran (for `gone`)."""
    overall, by_check, by_level = Tally(), dict[str, Tally](), dict[str, Tally]()
    by_rule: dict[str, Tally] = {}
    judged: list[tuple[Observed, Judgement | None]] = []
    false_failures: list[tuple[Observed, Judgement]] = []
    unjudged: list[Observed] = []
    seen: set[Key] = set()
    for finding in findings:
        judgement = judgements.get(finding.key)
        seen.add(finding.key)
        verdict = judgement.verdict if judgement else UNJUDGED
        overall.add(verdict)
        by_check.setdefault(check_of(finding.key.rule), Tally()).add(verdict)
        by_level.setdefault(finding.level, Tally()).add(verdict)
        by_rule.setdefault(finding.key.rule, Tally()).add(verdict)
        judged.append((finding, judgement))
        if judgement is None:
            unjudged.append(finding)
        elif verdict == "false" and finding.level == "failure":
            false_failures.append((finding, judgement))
    gone = [j for key, j in sorted(judgements.items()) if key.range in ran and key not in seen]
    return Score(overall, by_check, by_level, by_rule, judged, false_failures, unjudged, gone)
