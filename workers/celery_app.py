"""The Celery application; configured from Settings by `configure` at start-up, not at import."""

from __future__ import annotations

from celery import Celery

from app.settings import Settings

celery = Celery("ai_gate")

TASK_NAME = "ai_gate.analyse_pull_request"


def configure(settings: Settings) -> Celery:
    """Point Celery at Redis with the delivery guarantees jobs rely on."""
    hard = settings.job_soft_time_limit + 15
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
        task_soft_time_limit=settings.job_soft_time_limit,
        task_time_limit=hard,
        # An unacknowledged job comes back after this long; it must outlast the hard limit,
        # and it bounds how soon a dead worker's job runs again.
        broker_transport_options={"visibility_timeout": hard + 10},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_default_queue="ai-gate",
    )
    return celery
