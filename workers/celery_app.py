"""The Celery application; configured from Settings by `configure` at start-up, not at import."""

from __future__ import annotations

from celery import Celery

from app.settings import Settings
from workers.health import Heartbeat

celery = Celery("ai_gate")

TASK_NAME = "ai_gate.analyse_pull_request"
RESTORE_SWEEP_SECONDS = 5


def configure(settings: Settings) -> Celery:
    """Point Celery at Redis with the delivery guarantees jobs rely on."""
    # A running job gives up at its limit (app/deadline.py); the visibility timeout outlasts
    # that by a margin for publishing its failure.
    longest = settings.job_time_limit + 15
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
        # An unacknowledged job comes back once it is older than the visibility timeout (which
        # must outlast a running job) at the next sweep for such jobs. kombu sweeps every
        # interval * throttle seconds, 100 by default; every 5 s here, so a dead worker's job
        # runs again within limit + 15 + 5 + 5 s (175 s with the default limit).
        broker_transport_options={
            "visibility_timeout": longest + RESTORE_SWEEP_SECONDS,
            "unacked_restore_interval": RESTORE_SWEEP_SECONDS,
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_default_queue="ai-gate",
        ai_gate_heartbeat_file=str(settings.worker_heartbeat_file),
    )
    if Heartbeat not in celery.steps["consumer"]:
        celery.steps["consumer"].add(Heartbeat)
    return celery
