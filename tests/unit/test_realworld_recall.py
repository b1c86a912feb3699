"""The recall bench's matching of findings to known defects, on data written here."""

from pathlib import Path

import pytest

from bench.realworld.corpus import Key
from bench.realworld.recall import (
    DEFECT_COLUMNS,
    Defect,
    Outcome,
    covering,
    outcome,
    read_defects,
    recall,
    report_lines,
    rule_matches,
)
from bench.realworld.run import RangeRun
from bench.realworld.score import Observed


def defect(
    line: int = 10,
    expect: tuple[str, ...] = ("ruff/F821", "mypy/name-defined"),
    path: str = "pkg/a.py",
    id: str = "d1",
) -> Defect:
    return Defect("o/repo", id, "b" * 40, "h" * 40, path, line, expect, "f" * 40, "because")


def found(
    line: int, rule: str = "ruff/F821", level: str = "failure", path: str = "pkg/a.py"
) -> Observed:
    return Observed(Key("o/repo", "d1", path, line, rule), level, "m")


def test_a_finding_covers_a_defect_on_its_path_near_its_line_with_an_expected_rule() -> None:
    d = defect(line=10)
    assert covering(d, [found(10)]) == found(10)
    assert covering(d, [found(13)]) == found(13)  # within the window
    assert covering(d, [found(14)]) is None  # past it
    assert covering(d, [found(14)], window=4) == found(14)
    assert covering(d, [found(10, path="pkg/b.py")]) is None
    assert covering(d, [found(10, rule="ruff/F841")]) is None


def test_any_expected_alternative_counts_and_a_wildcard_takes_any_rule_of_its_check() -> None:
    assert covering(defect(), [found(10, "mypy/name-defined", "warning")]) is not None
    assert rule_matches("mypy/*", "mypy/attr-defined")
    assert not rule_matches("mypy/*", "ruff/F821")
    assert not rule_matches("ruff/F8", "ruff/F821")  # no prefix match without a wildcard


def test_the_highest_level_wins_then_the_nearest_line() -> None:
    d = defect(line=10, expect=("ruff/F821", "mypy/name-defined"))
    notice_here = found(10, "mypy/name-defined", "notice")
    failure_further = found(12, "ruff/F821", "failure")
    assert covering(d, [notice_here, failure_further]) == failure_further
    assert covering(d, [found(12), found(9)]) == found(9)


def test_recall_counts_ranges_that_ran_per_rule_and_level() -> None:
    f821, s113, b006 = defect(), defect(expect=("ruff/S113",)), defect(expect=("ruff/B006",))
    outcomes = [
        Outcome(f821, found(10), ai=True),
        Outcome(s113, found(10, "ruff/S113", "warning")),
        Outcome(b006, None),
        Outcome(defect(id="d9"), None, error="git clone failed"),
    ]
    result = recall(outcomes)
    assert (result.caught, result.measured) == (2, 3)
    assert result.share == pytest.approx(2 / 3)
    assert result.by_family == {"ruff/B006": (0, 1), "ruff/F821": (1, 1), "ruff/S113": (1, 1)}
    assert result.levels == {"failure": 1, "warning": 1}
    assert result.failing == 1  # the failure is on an AI-attributed range
    lines = report_lines(outcomes)
    assert "recall: 2 of 3 (67%)" in lines
    assert "not measured (range did not run or not fetched): 1" in lines


def test_a_failure_on_a_human_range_does_not_fail_the_default_gate() -> None:
    assert recall([Outcome(defect(), found(10), ai=False)]).failing == 0


def test_an_outcome_names_the_other_findings_on_the_file_when_it_misses() -> None:
    d = defect(expect=("ruff/S113",))
    run = RangeRun(d.range, [found(10, "ruff/F401", "notice"), found(2, path="pkg/b.py")])
    missed = outcome(d, run)
    assert missed.finding is None
    assert [f.key.rule for f in missed.near] == ["ruff/F401"]
    [line] = report_lines([missed])[:1]
    assert line.lstrip().startswith("missed")
    assert "ruff/F401:10" in line
    assert outcome(d, RangeRun(d.range, [], error="boom")).error == "boom"
    assert recall([outcome(d, RangeRun(d.range, [], error="boom"))]).measured == 0


def test_nothing_measured_has_no_recall() -> None:
    assert recall([]).share is None


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\t".join(DEFECT_COLUMNS) + "\n" + "".join(r + "\n" for r in rows))
    return path


def test_defect_file_round_trip(tmp_path: Path) -> None:
    row = "o/repo\td1\tbase\thead\tpkg/a.py\t7\truff/F821|mypy/name-defined\tfix\tundefined"
    [d] = read_defects(write(tmp_path / "d.tsv", [row, "# o/repo\tcommented out"]))
    assert d.expect == ("ruff/F821", "mypy/name-defined")
    assert (d.line, d.family, d.range.head) == (7, "ruff/F821", "head")


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (["o/r\td1\tb\th\ta.py\t1\tF821\tf\tw"], "check/rule"),
        (["o/r\td1\tb\th\ta.py\t1\truff/F821\tf\tw"] * 2, "ids repeat"),
    ],
)
def test_bad_defect_files_are_refused(tmp_path: Path, rows: list[str], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        read_defects(write(tmp_path / "d.tsv", rows))


def test_the_committed_defects_are_consistent() -> None:
    defects = read_defects()
    assert 10 <= len(defects) <= 20
    for d in defects:
        assert len(d.base) == len(d.head) == len(d.fixed_by) == 40
        assert d.line > 0
        assert d.why
