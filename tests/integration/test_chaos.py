"""The chaos run, short: deliveries over a dozen PRs while GitHub fails, a worker is killed
and Redis restarts; nothing lost, stuck or duplicated (`python -m bench.chaos` is the long
run, and the one whose latency figures count)."""

from __future__ import annotations

from bench.chaos import report, run
from tests.integration.conftest import require_redis_server


def test_nothing_is_lost_stuck_or_duplicated_under_chaos() -> None:
    require_redis_server()
    figures = run(deliveries=150, prs=12, senders=4, seed=7, latency=0.02)
    report(figures)  # the figures, for the log; timings are not asserted here
    assert figures.lost == []
    assert figures.stuck == []
    assert figures.duplicated == []
    assert figures.contract == []
    assert figures.runs >= 12
