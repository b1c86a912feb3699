"""Builds the long-lived collaborators from Settings, once per process."""

from __future__ import annotations

import redis

from app.adapters.blobs import BlobCache, MemoryBlobCache, RedisBlobCache
from app.adapters.github import GitHubApp
from app.adapters.linters import SubprocessLinters
from app.adapters.reports import MemoryReportStore, RedisReportStore
from app.adapters.state import JobState, MemoryJobState, RedisJobState
from app.jobs import Deps
from app.settings import Settings


def build_state(settings: Settings) -> JobState:
    """Redis-backed state when REDIS_URL is set, else in-process."""
    if settings.redis_url:
        return RedisJobState(redis.Redis.from_url(settings.redis_url))
    return MemoryJobState()


def build_deps(settings: Settings, state: JobState | None = None) -> Deps:
    """Deps for running jobs; needs the app credentials."""
    issuer, key = settings.require_app_credentials()
    blobs: BlobCache
    if settings.redis_url:
        blobs = RedisBlobCache(redis.Redis.from_url(settings.redis_url))
    else:
        blobs = MemoryBlobCache()
    return Deps(
        github=GitHubApp(
            issuer=issuer,
            private_key_pem=key.get_secret_value(),
            api_url=settings.github_api_url,
            timeout=settings.github_timeout_seconds,
            write_interval=settings.github_write_interval,
        ),
        blobs=blobs,
        linters=SubprocessLinters(),
        state=state or build_state(settings),
        reports=RedisReportStore(redis.Redis.from_url(settings.redis_url))
        if settings.redis_url
        else MemoryReportStore(),
    )
