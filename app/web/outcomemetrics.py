"""`/metrics` series of what AI code cost and returned (README, Figures), read from the store at
scrape time like the per-repository series, at most every `STORE_TTL_SECONDS`.

Labels stay bounded: `tool` is a catalogue id (or one a repository's config names), and
`model` keeps the `MAX_MODELS` models with the most AI lines this month, the rest summed as
`other`; services are what repositories configure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.adapters.figures import Figures, Scope, Totals
from app.core.periods import month_start
from app.web.metrics import STORE_TTL_SECONDS

log = logging.getLogger(__name__)

MAX_MODELS = 20
REWORK_DAYS = 180


@dataclass(frozen=True)
class Snapshot:
    month: list[tuple[str, str, str, Totals]]
    rework: list[tuple[str, str, str, Totals]]
    services: list[tuple[str, str, float]]


def _bounded(rows: list[tuple[str, str, str, Totals]]) -> list[tuple[str, str, str, Totals]]:
    """Models beyond the most used `MAX_MODELS` are labelled `other`."""
    use: dict[str, int] = {}
    for _, _, model, totals in rows:
        use[model] = use.get(model, 0) + totals.merged_ai_lines + totals.merged_prs
    kept = set(sorted(use, key=lambda m: (-use[m], m))[:MAX_MODELS])
    return [(repo, tool, model if model in kept else "other", t) for repo, tool, model, t in rows]


class OutcomeCollector(Collector):
    def __init__(
        self,
        figures: Callable[[], Figures],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        ttl: float = STORE_TTL_SECONDS,
    ) -> None:
        self._figures = figures
        self._clock = clock
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, Snapshot] | None = None

    def _snapshot(self) -> Snapshot | None:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] >= self._ttl:
                try:
                    figures, at = self._figures(), self._clock()
                    self._cached = (
                        now,
                        Snapshot(
                            month=_bounded(figures.by_tool_and_model(Scope(since=month_start(at)))),
                            rework=_bounded(
                                figures.by_tool_and_model(
                                    Scope(since=at - timedelta(days=REWORK_DAYS))
                                )
                            ),
                            services=figures.service_month(Scope(), at),
                        ),
                    )
                except Exception:  # a scrape must answer even when the database does not
                    log.warning("could not read the outcome figures for /metrics", exc_info=True)
                    return None
            return self._cached[1]

    def collect(self) -> Iterator[Metric]:
        snapshot = self._snapshot()
        if snapshot is None:
            return
        labels = ["repository", "tool", "model"]
        families = {
            "merged_lines": GaugeMetricFamily(
                "ai_gate_merged_lines_month",
                "Added lines of PRs merged this UTC month",
                labels=labels,
            ),
            "merged_ai_lines": GaugeMetricFamily(
                "ai_gate_merged_ai_lines_month",
                "AI-attributed added lines of PRs merged this UTC month",
                labels=labels,
            ),
            "accepted_usd": GaugeMetricFamily(
                "ai_gate_accepted_usd_month",
                "Estimated LLM spend of PRs merged this UTC month",
                labels=labels,
            ),
            "discarded_usd": GaugeMetricFamily(
                "ai_gate_discarded_usd_month",
                "Estimated LLM spend of PRs closed unmerged this UTC month",
                labels=labels,
            ),
        }
        sums: dict[tuple[str, str, str], dict[str, float]] = {}
        for repo, tool, model, totals in snapshot.month:
            entry = sums.setdefault((repo, tool, model), dict.fromkeys(families, 0.0))
            for name in families:
                entry[name] += float(getattr(totals, name))
        for key, values in sorted(sums.items()):
            for name, family in families.items():
                family.add_metric(list(key), values[name])
        yield from families.values()
        yield _rework(snapshot)
        services = GaugeMetricFamily(
            "ai_gate_service_estimated_usd_month",
            "Estimated LLM spend booked this UTC month, by repository and service",
            labels=["repository", "service"],
        )
        for repo, service, usd in sorted(snapshot.services):
            services.add_metric([repo, service], usd)
        yield services


def _rework(snapshot: Snapshot) -> Metric:
    family = GaugeMetricFamily(
        "ai_gate_rework_lines",
        f"AI lines of PRs merged in the last {REWORK_DAYS} days whose window has closed: "
        "measured (kind=merged) and still there at the window's end (kind=kept)",
        labels=["repository", "tool", "window", "kind"],
    )
    sums: dict[tuple[str, str, str, str], float] = {}
    for repo, tool, _, totals in snapshot.rework:
        for window, lines, kept in (
            ("30d", totals.rework_lines_30, totals.kept_30),
            ("90d", totals.rework_lines_90, totals.kept_90),
        ):
            for kind, value in (("merged", lines), ("kept", kept)):
                key = (repo, tool, window, kind)
                sums[key] = sums.get(key, 0.0) + value
    for key, value in sorted(sums.items()):
        family.add_metric(list(key), value)
    return family
