"""Prometheus metrics of the web process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class WebMetrics:
    """Counters for deliveries and jobs, in a registry of their own (one per app)."""

    def __init__(self) -> None:
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
