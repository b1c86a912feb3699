"""Recall of `ai-gate check` on real defects: ranges that introduced one a maintainer later fixed.

    .venv/bin/python -m bench.realworld.recall [--mirrors DIR] [--only OWNER/NAME] [--jobs N]
                                               [--window N]

`defects.tsv` holds one defect a line: the repository, the range that introduced it (the
introducing commit's parent and the commit, as a pull request would have shown it), the path
and line of the defect at that head, the findings that would report it (`check/rule`
alternatives joined by `|`, `check/*` for any rule of a check), the commit that later fixed
it and why it is a defect. Only this metadata is stored, never the repositories' code. Each
range is run exactly as the precision bench runs it (`run.run_range`: a throw-away checkout,
the base's `.ai-gate.yml`, registries off); a defect is caught when a finding of an expected
rule lies on its path within `--window` lines of its line.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.realworld.corpus import HERE, Range, _rows
from bench.realworld.run import RangeRun, mirror_of, run_range
from bench.realworld.score import Observed

DEFECTS_FILE = HERE / "defects.tsv"
DEFECT_COLUMNS = (
    "repository",
    "id",
    "base",
    "head",
    "path",
    "line",
    "expect",
    "fixed_by",
    "why",
)
DEFAULT_MIRRORS = Path("/work/.mirror")
# Lines either side of the defect's: a finding may sit on the statement's first line, the
# defect's line on a continuation of it.
WINDOW = 3
LEVELS = ("failure", "warning", "notice")
_RANK = {level: n for n, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class Defect:
    repository: str
    id: str
    base: str
    head: str
    path: str
    line: int
    expect: tuple[str, ...]  # check/rule alternatives, e.g. ("ruff/F821", "mypy/name-defined")
    fixed_by: str
    why: str

    @property
    def range(self) -> Range:
        return Range(self.repository, self.id, self.base, self.head, self.why)

    @property
    def family(self) -> str:
        """The first expected rule, what the figures are grouped by."""
        return self.expect[0]


@dataclass(frozen=True)
class Outcome:
    defect: Defect
    finding: Observed | None  # the finding that covers the defect, if any
    error: str | None = None  # the range did not run: the defect is not measured
    ai: bool = False  # whether ai-gate attributed the range to an AI tool (the gate's default)
    near: tuple[Observed, ...] = ()  # other findings on the defect's path, for a miss


def read_defects(path: Path = DEFECTS_FILE) -> list[Defect]:
    """The defects in file order; ids are unique and every row names an expected rule."""
    defects = []
    for number, row in enumerate(_rows(path, DEFECT_COLUMNS), start=2):
        expect = tuple(e.strip() for e in row["expect"].split("|") if e.strip())
        if not expect or not all("/" in e for e in expect):
            raise ValueError(f"{path}:{number}: expect must be check/rule alternatives")
        defects.append(
            Defect(
                row["repository"],
                row["id"],
                row["base"],
                row["head"],
                row["path"],
                int(row["line"]),
                expect,
                row["fixed_by"],
                row["why"],
            )
        )
    ids = [d.id for d in defects]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: defect ids repeat")
    return defects


def rule_matches(expect: str, rule: str) -> bool:
    """Whether a finding's `check/rule` is the expected one (`check/*`: any rule of it)."""
    check, _, name = expect.partition("/")
    return rule == expect or (name == "*" and rule.partition("/")[0] == check)


def covering(defect: Defect, findings: Iterable[Observed], window: int = WINDOW) -> Observed | None:
    """The finding that reports the defect: the highest level first, then the nearest line."""
    hits = [
        f
        for f in findings
        if f.key.path == defect.path
        and abs(f.key.line - defect.line) <= window
        and any(rule_matches(e, f.key.rule) for e in defect.expect)
    ]
    if not hits:
        return None
    return min(hits, key=lambda f: (_RANK.get(f.level, len(LEVELS)), abs(f.key.line - defect.line)))


def outcome(defect: Defect, run: RangeRun, window: int = WINDOW) -> Outcome:
    if run.error:
        return Outcome(defect, None, run.error)
    found = covering(defect, run.findings, window)
    near = () if found else tuple(f for f in run.findings if f.key.path == defect.path)
    return Outcome(defect, found, ai=bool(run.ai_tools), near=near)


@dataclass(frozen=True)
class Recall:
    caught: int
    measured: int  # defects whose range ran
    by_family: dict[str, tuple[int, int]]  # family -> (caught, measured)
    levels: Counter[str]  # the level each caught defect was reported at
    failing: int  # caught at failure level on an AI-attributed range: the default gate fails

    @property
    def share(self) -> float | None:
        return self.caught / self.measured if self.measured else None


def recall(outcomes: Sequence[Outcome]) -> Recall:
    """Caught of measured, overall and per expected rule, with the levels reached."""
    ran = [o for o in outcomes if o.error is None]
    families: dict[str, list[int]] = {}
    for o in ran:
        counts = families.setdefault(o.defect.family, [0, 0])
        counts[0] += o.finding is not None
        counts[1] += 1
    levels = Counter(o.finding.level for o in ran if o.finding)
    failing = sum(1 for o in ran if o.finding and o.finding.level == "failure" and o.ai)
    return Recall(
        caught=sum(1 for o in ran if o.finding),
        measured=len(ran),
        by_family={k: (v[0], v[1]) for k, v in sorted(families.items())},
        levels=levels,
        failing=failing,
    )


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def outcome_line(o: Outcome) -> str:
    d = o.defect
    where = f"{d.repository} {d.id} {d.path}:{d.line} ({'|'.join(d.expect)})"
    if o.error:
        return f"  not run  {where}: {o.error}"
    if o.finding:
        f = o.finding
        who = "AI" if o.ai else "human"
        return f"  caught   {where}: {f.key.rule} [{f.level}] at line {f.key.line}, {who} range"
    near = ", ".join(f"{f.key.rule}:{f.key.line}" for f in o.near) or "no finding on the file"
    return f"  missed   {where}: {near}"


def report_lines(outcomes: Sequence[Outcome]) -> list[str]:
    """Each defect with what covered it, then recall overall, per rule and per level."""
    result = recall(outcomes)
    lines = [outcome_line(o) for o in outcomes]
    lines.append("")
    lines.append(f"recall: {result.caught} of {result.measured} ({_pct(result.share)})")
    for family, (caught, measured) in result.by_family.items():
        lines.append(f"  {family:<12} {caught} of {measured} ({_pct(caught / measured)})")
    reached = ", ".join(f"{result.levels[lv]} {lv}" for lv in LEVELS if result.levels[lv])
    lines.append(f"levels reached: {reached or 'none'}")
    lines.append(
        f"caught at failure level on an AI-attributed range (the default gate fails): "
        f"{result.failing}"
    )
    not_run = len(outcomes) - result.measured
    if not_run:
        lines.append(f"not measured (range did not run or not fetched): {not_run}")
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.realworld.recall", description=__doc__)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="fetched repos")
    parser.add_argument("--only", action="append", default=[], help="owner/name (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="ranges run at once")
    parser.add_argument("--window", type=int, default=WINDOW, help="lines either side")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    defects = [d for d in read_defects() if not args.only or d.repository in args.only]

    def run(defect: Defect) -> Outcome:
        mirror = mirror_of(args.mirrors, defect.repository)
        if not mirror.is_dir():
            return Outcome(defect, None, f"not fetched ({mirror})")
        return outcome(defect, run_range(mirror, defect.range), args.window)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(run, defects))
    print("\n".join(report_lines(outcomes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
