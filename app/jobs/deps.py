"""The long-lived collaborators of the job layer (`Deps`), built from Settings once per process."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from app.adapters.alertlog import AlertLog
from app.adapters.gitcache import GitCache
from app.adapters.github.client import GitHubApp
from app.adapters.outcomes import Outcomes
from app.adapters.registry import (
    LicenceCache,
    MemoryLicenceCache,
    RedisLicenceCache,
    RegistryResolver,
)
from app.adapters.reports import ReportStore
from app.adapters.state import JobState, MemoryJobState, RedisJobState
from app.adapters.store import CostLedger, JobLog, SqlStore
from app.alerts import Alerts, Target
from app.core.ports import LicenceResolver
from app.settings import Settings


@dataclass(frozen=True)
class Deps:
    """Long-lived collaborators, built once per process from Settings."""

    github: GitHubApp
    gitcache: GitCache
    licences: LicenceResolver
    state: JobState
    reports: ReportStore
    ledger: CostLedger
    runs: JobLog
    # Seconds one attempt of a job may take (AI_GATE_JOB_TIME_LIMIT).
    time_limit: float = 150.0
    # Seconds a head's lock outlives a job that stopped renewing it (AI_GATE_LEASE_SECONDS).
    lease: float = 30.0
    # Figures per service and outcome, and budget alerts (app/tracking.py); None: not kept.
    outcomes: Outcomes | None = None
    alerts: Alerts | None = None


def build_state(settings: Settings) -> JobState:
    """Redis-backed state when REDIS_URL is set, else in-process."""
    if settings.redis_url:
        return RedisJobState(redis.Redis.from_url(settings.redis_url))
    return MemoryJobState()


def build_licences(settings: Settings) -> RegistryResolver:
    """The registry lookups of the licence check, cached in Redis when there is one."""
    cache: LicenceCache
    if settings.redis_url:
        cache = RedisLicenceCache(redis.Redis.from_url(settings.redis_url))
    else:
        cache = MemoryLicenceCache()
    return RegistryResolver(settings.pypi_url, settings.npm_url, cache=cache)


def alert_targets(settings: Settings) -> list[Target]:
    """Where budget alerts go: the operator's webhooks, from the environment."""
    targets = []
    if settings.alert_slack_url is not None:
        targets.append(Target("slack", settings.alert_slack_url.get_secret_value()))
    if settings.alert_webhook_url is not None:
        targets.append(Target("webhook", settings.alert_webhook_url.get_secret_value()))
    return targets


def build_deps(
    settings: Settings, state: JobState | None = None, store: SqlStore | None = None
) -> Deps:
    """Deps for running jobs; needs the app credentials."""
    issuer, key = settings.require_app_credentials()
    # Reports, acknowledgements, the cost ledger and job runs, durable across restarts and
    # shared by every worker (SQLite by default, PostgreSQL in deployment).
    store = store or SqlStore(settings.database_url)
    outcomes = Outcomes(store)
    return Deps(
        github=GitHubApp(
            issuer=issuer,
            private_key_pem=key.get_secret_value(),
            api_url=settings.github_api_url,
            timeout=settings.github_timeout_seconds,
            write_interval=settings.github_write_interval,
        ),
        gitcache=GitCache(settings.cache_dir, settings.cache_max_mb * 1024 * 1024),
        licences=build_licences(settings),
        state=state or build_state(settings),
        reports=store,
        ledger=store,
        runs=store,
        time_limit=settings.job_time_limit,
        lease=settings.lease_seconds,
        outcomes=outcomes,
        alerts=Alerts(AlertLog(store), outcomes, alert_targets(settings)),
    )
