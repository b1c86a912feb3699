"""The real-world bench's scorer and corpus files, on data written here (no mirrors needed)."""

from pathlib import Path

import pytest

from bench.realworld.corpus import (
    JUDGEMENT_COLUMNS,
    Judgement,
    Key,
    Verdict,
    read_judgements,
    read_ranges,
    write_template,
)
from bench.realworld.score import Observed, score


def key(line: int, rule: str = "ruff/S105", rng: str = "r1", path: str = "a.py") -> Key:
    return Key("o/repo", rng, path, line, rule)


def judged(k: Key, verdict: Verdict) -> Judgement:
    return Judgement(k, verdict, "because")


def test_findings_match_judgements_by_the_whole_key() -> None:
    judgements = {key(1): judged(key(1), "true")}
    moved = Observed(key(2), "warning", "m")  # same rule, another line
    other_rule = Observed(key(1, "ruff/S106"), "warning", "m")
    other_range = Observed(key(1, rng="r2"), "warning", "m")
    result = score(
        [Observed(key(1), "warning", "m"), moved, other_rule, other_range], judgements, {"r1"}
    )
    assert result.overall.counts["true"] == 1
    assert result.unjudged == [moved, other_rule, other_range]
    assert result.overall.total == 4


def test_precision_and_useful_share_count_judged_findings_only() -> None:
    verdicts: list[Verdict] = ["true", "true", "look", "noise", "false"]
    judgements = {key(n): judged(key(n), v) for n, v in enumerate(verdicts, start=1)}
    findings = [Observed(key(n), "warning", "m") for n in range(1, 7)]  # line 6 is unjudged
    result = score(findings, judgements, {"r1"})
    assert result.overall.judged == 5
    assert result.overall.precision == pytest.approx(2 / 5)
    assert result.overall.useful == pytest.approx(3 / 5)
    assert result.by_check["ruff"].counts["unjudged"] == 1


def test_nothing_judged_has_no_precision() -> None:
    result = score([Observed(key(1), "notice", "m")], {}, {"r1"})
    assert result.overall.precision is None
    assert result.by_level["notice"].useful is None


def test_tallies_split_by_check_and_by_level() -> None:
    secret, mypy = key(1, "secrets/secret-keyword"), key(2, "mypy/arg-type")
    judgements = {secret: judged(secret, "false"), mypy: judged(mypy, "true")}
    findings = [Observed(secret, "failure", "m"), Observed(mypy, "warning", "m")]
    result = score(findings, judgements, {"r1"})
    assert result.by_check["secrets"].counts["false"] == 1
    assert result.by_check["mypy"].counts["true"] == 1
    assert result.by_level["failure"].counts["false"] == 1
    assert result.by_level["warning"].counts["true"] == 1
    assert [f.key for f, _ in result.false_failures] == [secret]


def test_a_false_warning_is_not_a_false_failure() -> None:
    result = score([Observed(key(1), "warning", "m")], {key(1): judged(key(1), "false")}, {"r1"})
    assert result.false_failures == []


def test_judgements_of_vanished_findings_count_only_for_ranges_that_ran() -> None:
    judgements = {
        key(1): judged(key(1), "false"),
        key(2): judged(key(2), "true"),
        key(3, rng="skipped"): judged(key(3, rng="skipped"), "false"),
    }
    result = score([], judgements, {"r1"})
    assert [j.key for j in result.gone] == [key(1), key(2)]


def test_targets() -> None:
    good = {key(n): judged(key(n), "true") for n in range(1, 11)}
    good[key(11)] = judged(key(11), "look")
    findings = [Observed(k, "failure" if k.line <= 10 else "warning", "m") for k in good]
    assert all(met for _, met in score(findings, good, {"r1"}).targets())

    # One false failure in ten: the share of true failures (9/10) still meets 90%.
    one_false = {**good, key(10): judged(key(10), "false")}
    met = dict(score(findings, one_false, {"r1"}).targets())
    assert met == {
        "no false finding at failure level": False,
        "at least 90% of failure-level findings true": True,
        "at least 70% of all findings true or look": True,
    }

    # Unjudged failures count against the claims (10 true of 12 failures is 83%), and
    # noise drags the useful share below 70% (11 of 23).
    noisy = {k: judged(k, "noise") for k in (key(n) for n in range(20, 30))}
    unjudged = [Observed(key(n), "failure", "m") for n in (40, 41)]
    extra = [Observed(k, "warning", "m") for k in noisy] + unjudged
    met = dict(score(findings + extra, {**good, **noisy}, {"r1"}).targets())
    assert not any(met.values())


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_judgement_file_round_trip_and_template(tmp_path: Path) -> None:
    header = "\t".join(JUDGEMENT_COLUMNS)
    path = write(
        tmp_path / "j.tsv",
        [header, "o/repo\tr1\ta.py\t3\truff/S105\tnoise\ta reason", "# o/repo\tr1\tb.py"],
    )
    assert read_judgements(path) == {key(3): Judgement(key(3), "noise", "a reason")}

    template = tmp_path / "template.tsv"
    write_template(template, [key(9), key(3)])
    lines = template.read_text(encoding="utf-8").splitlines()
    assert lines == [
        header,
        "o/repo\tr1\ta.py\t3\truff/S105\t\t",
        "o/repo\tr1\ta.py\t9\truff/S105\t\t",
    ]


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (["o/repo\tr1\ta.py\t3\truff/S105\tmaybe\tx"], "verdict"),
        (["o/repo\tr1\ta.py\t3\truff/S105\ttrue\tx"] * 2, "judged twice"),
    ],
)
def test_bad_judgement_files_are_refused(tmp_path: Path, rows: list[str], error: str) -> None:
    path = write(tmp_path / "j.tsv", ["\t".join(JUDGEMENT_COLUMNS), *rows])
    with pytest.raises(ValueError, match=error):
        read_judgements(path)


def test_the_committed_corpus_is_consistent() -> None:
    ranges = read_ranges()
    judgements = read_judgements()
    ids = {(r.repository, r.id) for r in ranges}
    assert len({r.repository for r in ranges}) >= 10
    assert len(ranges) >= 30
    assert all(len(r.base) == 40 and len(r.head) == 40 for r in ranges)
    assert {(k.repository, k.range) for k in judgements} <= ids
    assert all(j.reason for j in judgements.values())


def test_findings_listing_shows_each_verdict_and_reason_and_counts_per_rule() -> None:
    from bench.realworld.__main__ import finding_lines, rule_lines

    secret = key(7, "secrets/secret-keyword", path="t.py")
    judgements = {key(1): judged(key(1), "noise"), secret: judged(secret, "true")}
    findings = [
        Observed(key(1), "warning", "m"),
        Observed(secret, "failure", "m"),
        Observed(key(2), "notice", "m"),
    ]
    result = score(findings, judgements, {"r1"})
    assert finding_lines(result) == [
        "  r1       a.py:1 ruff/S105 [warning] noise — because",
        "  r1       t.py:7 secrets/secret-keyword [failure] true — because",
        "  r1       a.py:2 ruff/S105 [notice] unjudged",
    ]
    rows = rule_lines(result)
    assert [row.split()[:2] for row in rows] == [
        ["ruff/S105", "2"],
        ["secrets/secret-keyword", "1"],
    ]
    assert rows[1].split()[-2:] == ["100%", "100%"]
