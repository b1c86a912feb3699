"""Prometheus metrics of the web process, and per-repository figures from the durable store.

The store is shared with the workers, so the per-repository figures cover every job wherever it
ran and survive restarts; they are read at scrape time, at most once per `STORE_TTL_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # the store (SQLAlchemy) loads only where a scrape reads it
    from app.adapters.store import Activity

log = logging.getLogger(__name__)

# Upper bounds of the job duration histogram: a small PR takes seconds, a large one minutes.
JOB_BUCKETS: tuple[float, ...] = (1, 2.5, 5, 10, 30, 60, 120, 300, 600)
STORE_TTL_SECONDS = 5.0


class ActivitySource(Protocol):
    """What the store collector reads; `SqlStore` is one."""

    def activity(self, buckets: Sequence[float]) -> Activity: ...


class LazyStore:
    """Opens the store at its first use, and again at the next use after opening failed."""

    def __init__(self, open_store: Callable[[], ActivitySource]) -> None:
        self._open = open_store
        self._store: ActivitySource | None = None
        self._lock = threading.Lock()

    def activity(self, buckets: Sequence[float]) -> Activity:
        with self._lock:
            if self._store is None:
                self._store = self._open()
        return self._store.activity(buckets)


class StoreCollector(Collector):
    """Per-repository spend, AI lines, PRs by conclusion and job durations."""

    def __init__(
        self,
        read: Callable[[Sequence[float]], Activity],
        ttl: float = STORE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, Activity] | None = None

    def _activity(self) -> Activity | None:
        with self._lock:
            now = self._clock()
            if self._cached is None or now - self._cached[0] >= self._ttl:
                try:
                    self._cached = (now, self._read(JOB_BUCKETS))
                except Exception:  # a scrape must answer even when the database does not
                    log.warning("could not read the store for /metrics", exc_info=True)
                    return None
            return self._cached[1]

    def collect(self) -> Iterator[Metric]:
        activity = self._activity()
        up = GaugeMetricFamily("ai_gate_store_up", "Whether the durable store could be read")
        up.add_metric([], 0.0 if activity is None else 1.0)
        yield up
        if activity is None:
            return
        yield from _repository_metrics(activity)
        yield _durations(activity)


def _repository_metrics(activity: Activity) -> Iterator[Metric]:
    usd = GaugeMetricFamily(
        "ai_gate_repository_estimated_usd_month",
        "Estimated LLM spend booked this calendar month (UTC), by repository",
        labels=["repository"],
    )
    prs = GaugeMetricFamily(
        "ai_gate_repository_pull_requests",
        "Pull requests by the conclusion of their latest analysed head",
        labels=["repository", "conclusion"],
    )
    added = GaugeMetricFamily(
        "ai_gate_repository_added_lines",
        "Added lines over each pull request's latest analysed head",
        labels=["repository"],
    )
    ai = GaugeMetricFamily(
        "ai_gate_repository_ai_added_lines",
        "AI-attributed added lines over each pull request's latest analysed head",
        labels=["repository"],
    )
    for repo in activity.repositories:
        usd.add_metric([repo.repository], repo.month_usd)
        added.add_metric([repo.repository], float(repo.added_lines))
        ai.add_metric([repo.repository], float(repo.ai_added_lines))
        for conclusion, count in sorted(repo.pull_requests.items()):
            prs.add_metric([repo.repository, conclusion], float(count))
    yield from (usd, prs, added, ai)


def _durations(activity: Activity) -> Metric:
    family = HistogramMetricFamily(
        "ai_gate_job_duration_seconds",
        "Time of each job attempt, by repository, kind and outcome",
        labels=["repository", "kind", "outcome"],
    )
    for jobs in activity.jobs:
        buckets = [
            (repr(float(b)), float(n)) for b, n in zip(JOB_BUCKETS, jobs.cumulative, strict=True)
        ]
        buckets.append(("+Inf", float(jobs.count)))
        family.add_metric(
            [jobs.repository, jobs.kind, jobs.outcome], buckets, sum_value=jobs.total_seconds
        )
    return family


class WebMetrics:
    """Counters for deliveries and jobs, in a registry of their own (one per app)."""

    def __init__(
        self, store: ActivitySource | None = None, outcomes: Collector | None = None
    ) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "ai_gate_webhook_deliveries",
            "Webhook deliveries by event and result",
            ["event", "result"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "ai_gate_jobs_enqueued", "Analysis jobs enqueued", ["event"], registry=self.registry
        )
        self.latency = Histogram(
            "ai_gate_webhook_seconds",
            "Time to answer a webhook delivery",
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
        )
        if store is not None:
            self.registry.register(StoreCollector(store.activity))
        if outcomes is not None:
            self.registry.register(outcomes)
