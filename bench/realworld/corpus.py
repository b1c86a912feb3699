"""The corpus files: ranges to run and judgements of their findings, as tab-separated text."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

Verdict = Literal["true", "look", "noise", "false"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
HERE = Path(__file__).parent
RANGES_FILE = HERE / "ranges.tsv"
JUDGEMENTS_FILE = HERE / "judgements.tsv"
JUDGEMENT_COLUMNS = ("repository", "range", "path", "line", "rule", "verdict", "reason")


@dataclass(frozen=True)
class Range:
    """One PR-sized range: the merge base side and the head of a pull request."""

    repository: str  # owner/name
    id: str
    base: str
    head: str
    why: str


@dataclass(frozen=True, order=True)
class Key:
    """What identifies a finding across versions of ai-gate: none of it is our code's."""

    repository: str
    range: str
    path: str
    line: int
    rule: str  # check/rule, e.g. ruff/S105, mypy/arg-type, secrets/aws-access-key


@dataclass(frozen=True)
class Judgement:
    key: Key
    verdict: Verdict
    reason: str


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != columns:
            raise ValueError(f"{path}: the header must be {' '.join(columns)}")
        return [row for row in reader if not row[columns[0]].startswith("#")]


def read_ranges(path: Path = RANGES_FILE) -> list[Range]:
    """The ranges in file order; ids are unique."""
    rows = _rows(path, ("repository", "id", "base", "head", "why"))
    ranges = [Range(r["repository"], r["id"], r["base"], r["head"], r["why"]) for r in rows]
    ids = [r.id for r in ranges]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: range ids repeat")
    return ranges


def read_judgements(path: Path = JUDGEMENTS_FILE) -> dict[Key, Judgement]:
    """Judgements by key; a repeated key or an unknown verdict is an error in the file."""
    judgements: dict[Key, Judgement] = {}
    for number, row in enumerate(_rows(path, JUDGEMENT_COLUMNS), start=2):
        key = Key(row["repository"], row["range"], row["path"], int(row["line"]), row["rule"])
        verdict = row["verdict"]
        if verdict not in VERDICTS:
            raise ValueError(f"{path}:{number}: verdict {verdict!r} is not one of {VERDICTS}")
        if key in judgements:
            raise ValueError(f"{path}:{number}: {key} is judged twice")
        judgements[key] = Judgement(key, verdict, row["reason"])
    return judgements


def write_template(path: Path, keys: list[Key]) -> None:
    """Unjudged keys with empty verdict and reason, ready to fill in and append."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writerow(JUDGEMENT_COLUMNS)
        for k in sorted(keys):
            writer.writerow([k.repository, k.range, k.path, k.line, k.rule, "", ""])
