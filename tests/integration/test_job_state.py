"""The shared job state, in memory (embedded mode) and on a real Redis: the same answers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from app.adapters.state import JobState, MemoryJobState, RedisJobState, RunRecord


@pytest.fixture(params=["memory", "redis"])
def state(request: pytest.FixtureRequest) -> Iterator[JobState]:
    if request.param == "memory":
        yield MemoryJobState()
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    # A prefix of its own: nothing another test keeps in the database is touched.
    yield RedisJobState(client, prefix=f"test-{uuid.uuid4().hex}:")


def test_a_lock_has_one_holder_until_it_is_released(state: JobState) -> None:
    first = state.lock("head", 10)
    assert first is not None
    assert state.lock("head", 10) is None
    assert state.lock("other-head", 10) is not None
    assert first.renew()
    first.release()
    second = state.lock("head", 10)
    assert second is not None
    first.release()  # a former holder's release leaves the new holder's lock alone
    assert state.lock("head", 10) is None
    assert second.renew()


def test_a_lock_nobody_renews_lapses_and_its_holder_learns_it(state: JobState) -> None:
    first = state.lock("head", 0.3)
    assert first is not None
    time.sleep(0.5)
    second = state.lock("head", 10)
    assert second is not None
    assert not first.renew()  # it lost the head to the second
    assert second.renew()


def test_a_head_run_is_recorded_open_then_done_and_forgotten_only_by_its_id(
    state: JobState,
) -> None:
    assert state.run_of("pr:sha") is None
    state.record_run("pr:sha", 41, done=False)
    assert state.run_of("pr:sha") == RunRecord(41, done=False)
    state.forget_run("pr:sha", 40)  # another run's cancellation forgets nothing
    assert state.run_of("pr:sha") == RunRecord(41, done=False)
    state.record_run("pr:sha", 41, done=True)
    assert state.run_of("pr:sha") == RunRecord(41, done=True)
    state.forget_run("pr:sha", 41)
    assert state.run_of("pr:sha") is None
