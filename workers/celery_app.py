"""The Celery application; configured from Settings by `configure` at start-up, not at import."""

from __future__ import annotations

from celery import Celery

from app.settings import Settings
from workers.health import Heartbeat, Lease
from workers.starter import Starter

celery = Celery("ai_gate")

TASK_NAME = "ai_gate.analyse_pull_request"
QUEUE = "ai-gate"
RESTORE_SWEEP_SECONDS = 5


def configure(settings: Settings) -> Celery:
    """Point Celery at Redis with the delivery guarantees jobs rely on."""
    celery.conf.update(
        broker_url=settings.redis_url,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        # Acknowledge after the job, and requeue it if its worker dies mid-job.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # An unacknowledged job comes back once its lease is older than the visibility timeout,
        # at the next sweep for such jobs (kombu sweeps every interval * throttle seconds, 100
        # by default; every 5 s here). A live worker renews the leases of the jobs it holds
        # (workers/health.py), so a long job is never taken for a dead one; a dead worker's
        # job runs again within lease + 5 s.
        broker_transport_options={
            "visibility_timeout": settings.lease_seconds,
            "unacked_restore_interval": RESTORE_SWEEP_SECONDS,
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_default_queue=QUEUE,
        ai_gate_heartbeat_file=str(settings.worker_heartbeat_file),
    )
    for step in (Heartbeat, Lease, Starter):
        if step not in celery.steps["consumer"]:
            celery.steps["consumer"].add(step)
    return celery
