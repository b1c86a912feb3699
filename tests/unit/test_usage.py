"""Usage a pull request reports with `AI-Usage:` lines."""

from __future__ import annotations

import pytest

from app.core.cost.usage import ReportedUsage, UsageError, parse_usage, reported_usage
from app.core.models import PullRequestInfo
from tests.builders import make_commit, make_snapshot

FULL = "model=claude-sonnet-4-5 input=1200000 cached=1100000 output=45000 usd=3.10"


def test_reads_every_field_of_a_commit_trailer() -> None:
    snap = make_snapshot(commits=[make_commit("a" * 40, trailers=[f"AI-Usage: {FULL}"])])
    found, notes = reported_usage(snap)
    assert notes == []
    assert found == [
        ReportedUsage(
            source="commit:" + "a" * 40,
            line=f"AI-Usage: {FULL}",
            model="claude-sonnet-4-5",
            input_tokens=1_200_000,
            cached_tokens=1_100_000,
            output_tokens=45_000,
            usd=3.10,
        )
    ]


def test_usd_alone_is_enough() -> None:
    entry = parse_usage("usd=$0.42", "pull_request", "AI-Usage: usd=$0.42")
    assert entry.usd == pytest.approx(0.42)
    assert not entry.has_tokens


def test_numbers_take_separators_and_suffixes() -> None:
    entry = parse_usage("input=1.2M cached=1_100_000 output=45k", "pull_request", "")
    assert (entry.input_tokens, entry.cached_tokens, entry.output_tokens) == (
        1_200_000,
        1_100_000,
        45_000,
    )


def test_cached_above_input_means_input_excluded_the_cache_reads() -> None:
    # Anthropic's usage object counts input_tokens without cache reads.
    entry = parse_usage("input=5000 cached=900000", "pull_request", "")
    assert entry.input_tokens == 905_000
    assert entry.cached_tokens == 900_000


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("model=gpt-5.4", "no tokens and no usd"),
        ("input=lots", "`lots` is not a number"),
        ("input=5 colour=blue", "unknown field(s) colour"),
        ("input 5", "`input` is not `key=value`"),
    ],
)
def test_malformed_values_say_what_is_wrong(value: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_usage(value, "pull_request", "")


def test_commit_trailers_are_all_collected_and_bad_ones_noted() -> None:
    commits = [
        make_commit("a" * 40, trailers=["ai-usage: output=100 usd=1"]),
        make_commit("b" * 40, trailers=["AI-Usage: output=200"]),
        make_commit("c" * 40, trailers=["AI-Usage: bogus"]),
        make_commit("d" * 40, message="no trailers here"),
    ]
    found, notes = reported_usage(make_snapshot(commits=commits))
    assert [(e.source, e.output_tokens) for e in found] == [
        ("commit:" + "a" * 40, 100),
        ("commit:" + "b" * 40, 200),
    ]
    assert notes == [
        "`commit:" + "c" * 40 + "`: ignored `AI-Usage: bogus`: `bogus` is not `key=value`."
    ]


def test_the_pull_request_body_wins_over_commit_trailers() -> None:
    snap = make_snapshot(
        commits=[make_commit(trailers=["AI-Usage: usd=1.00"])],
    ).model_copy(
        update={
            "pull_request": PullRequestInfo(
                number=7, body="Adds a thing.\n\n  ai-usage: usd=2.50 model=gpt-5.4\nThanks"
            )
        }
    )
    found, _ = reported_usage(snap)
    assert [(e.source, e.usd, e.model) for e in found] == [("pull_request", 2.5, "gpt-5.4")]


def test_no_usage_lines_report_nothing() -> None:
    found, notes = reported_usage(make_snapshot(commits=[make_commit(trailers=["Foo: bar"])]))
    assert (found, notes) == ([], [])
