"""How a delivery is taken in: recorded, its PR's newest head noted, its jobs claimed and
queued — in one Redis round trip for the bookkeeping (a Lua script) and one for the queue,
on an async client, so the web's event loop never waits on a blocking call.

The queue is Celery's on Redis: the message a worker consumes is built here with Celery's
own task-message API (`app.amqp.as_task_v2`) in the envelope kombu's Redis transport puts
on the list (base64 body, delivery info naming the queue's exchange and routing key, which
kombu uses to put back the message of a worker that died), and pushed with LPUSH.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import redis.asyncio as aioredis
from celery import Celery
from kombu.serialization import dumps
from redis.exceptions import RedisError

from app.adapters.state import JobState
from app.errors import Unavailable
from app.jobs import Job
from app.queue import JobQueue, QueueFull

log = logging.getLogger(__name__)

# check_suite.requested and pull_request.synchronize announce the same push: one job a head.
JOB_CLAIM_TTL = 600
HEAD_TTL = 7 * 24 * 3600
CLOSED = "closed"

# ARGV: prefix, delivery id, delivery ttl, closed PR key, head ttl, claim ttl, then five
# values a job: PR key, head sha, set the head (1/0), claim once (1/0), job key.
# Returns {-1} for a repeated delivery, {-2} for a closed PR, else 1 or 0 a job (queue it?).
_INTAKE = """
local prefix = ARGV[1]
if ARGV[2] ~= '' then
  if not redis.call('SET', prefix .. 'delivery:' .. ARGV[2], 1, 'NX', 'EX', ARGV[3]) then
    return {-1}
  end
end
if ARGV[4] ~= '' then
  redis.call('SET', prefix .. 'head:' .. ARGV[4], 'closed', 'EX', ARGV[5])
  return {-2}
end
local out = {}
for i = 7, #ARGV, 5 do
  if ARGV[i + 2] == '1' then
    redis.call('SET', prefix .. 'head:' .. ARGV[i], ARGV[i + 1], 'EX', ARGV[5])
  end
  local claimed = 1
  if ARGV[i + 3] == '1' then
    if not redis.call('SET', prefix .. 'claim:' .. ARGV[i + 4], 1, 'NX', 'EX', ARGV[6]) then
      claimed = 0
    end
  end
  table.insert(out, claimed)
end
return out
"""


@dataclass(frozen=True)
class Taken:
    """What became of a delivery."""

    outcome: Literal["duplicate", "closed", "queued", "already-queued", "ignored"]
    queued: int = 0


class Intake(Protocol):
    async def take(self, delivery: str, closed: str | None, jobs: Sequence[Job]) -> Taken:
        """Record the delivery, note heads, claim and queue its jobs; Unavailable when the
        broker does not answer (then nothing is recorded)."""
        ...

    async def ready(self) -> bool: ...


def set_head_for(job: Job) -> bool:
    """Only a pull_request event announces a newer head (a review or a re-run does not)."""
    return job.event.startswith("pull_request.")


def claimed_once(job: Job) -> bool:
    """An analysis runs once a head, unless someone asked for a fresh run."""
    return job.kind == "analyse" and not job.rerun


def celery_message(celery: Celery, task: str, queue: str, job: Job) -> str:
    """The message kombu's Redis transport would LPUSH for `send_task(task, args=[job])`."""
    task_id = str(uuid.uuid4())
    message = celery.amqp.as_task_v2(task_id, task, args=[job.model_dump(mode="json")], kwargs={})
    content_type, encoding, body = dumps(message.body, serializer="json")  # type: ignore[no-untyped-call]
    raw = body if isinstance(body, bytes) else str(body).encode(encoding or "utf-8")
    properties: dict[str, Any] = dict(message.properties)
    properties |= {
        "body_encoding": "base64",
        "delivery_info": {"exchange": queue, "routing_key": queue},
        "delivery_mode": 2,
        "delivery_tag": str(uuid.uuid4()),
        "priority": 0,
    }
    return json.dumps(
        {
            "body": base64.b64encode(raw).decode("ascii"),
            "content-encoding": encoding,
            "content-type": content_type,
            "headers": message.headers,
            "properties": properties,
        }
    )


class RedisIntake:
    """The intake of Redis mode: a Lua script for the bookkeeping, LPUSH for the queue."""

    def __init__(
        self,
        client: aioredis.Redis,
        message: Callable[[Job], str],
        queue: str,
        delivery_ttl: int,
        prefix: str = "ai-gate:",
    ) -> None:
        self._redis = client
        self._message = message
        self._queue = queue
        self._delivery_ttl = delivery_ttl
        self._prefix = prefix
        self._script = client.register_script(_INTAKE)

    async def take(self, delivery: str, closed: str | None, jobs: Sequence[Job]) -> Taken:
        argv: list[str | int] = [
            self._prefix,
            delivery,
            self._delivery_ttl,
            closed or "",
            HEAD_TTL,
            JOB_CLAIM_TTL,
        ]
        for job in jobs:
            argv += [
                job.pr_key,
                job.head_sha,
                int(set_head_for(job)),
                int(claimed_once(job)),
                job.key,
            ]
        try:
            answer = await self._script(keys=[], args=argv)
        except RedisError as exc:
            raise Unavailable(f"Redis does not answer ({type(exc).__name__})") from exc
        if answer == [-1]:
            return Taken("duplicate")
        if answer == [-2]:
            return Taken("closed")
        claimed = [job for job, flag in zip(jobs, answer, strict=True) if flag == 1]
        if not claimed:
            return Taken("already-queued" if jobs else "ignored")
        try:
            pushed = self._redis.lpush(self._queue, *(self._message(job) for job in claimed))
            await pushed  # type: ignore[misc]  # redis' stubs join the sync and async clients
        except RedisError as exc:
            await self._undo(delivery, claimed)
            raise Unavailable(f"the broker does not answer ({type(exc).__name__})") from exc
        return Taken("queued", len(claimed))

    async def _undo(self, delivery: str, claimed: Sequence[Job]) -> None:
        """Let GitHub's redelivery be taken in again: it must not look like a duplicate."""
        keys = [f"{self._prefix}claim:{job.key}" for job in claimed if claimed_once(job)]
        if delivery:
            keys.append(f"{self._prefix}delivery:{delivery}")
        try:
            if keys:
                await self._redis.delete(*keys)
        except RedisError as exc:
            # Redis is down: the keys expire, and GitHub's redelivery is answered 503 till then.
            log.warning("could not release %d intake keys: %s", len(keys), exc)

    async def ready(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False


class MemoryIntake:
    """Embedded mode's intake: the in-process state and queue (nothing to wait on)."""

    def __init__(self, state: JobState, queue: JobQueue, delivery_ttl: int) -> None:
        self._state = state
        self._queue = queue
        self._delivery_ttl = delivery_ttl

    async def take(self, delivery: str, closed: str | None, jobs: Sequence[Job]) -> Taken:
        state = self._state
        if delivery and not state.first_delivery(delivery, self._delivery_ttl):
            return Taken("duplicate")
        if closed is not None:
            state.set_head(closed, CLOSED)
            return Taken("closed")
        queued = 0
        for job in jobs:
            if set_head_for(job):
                state.set_head(job.pr_key, job.head_sha)
            if claimed_once(job) and not state.claim(job.key, JOB_CLAIM_TTL):
                continue
            try:
                self._queue.enqueue(job)
            except QueueFull as exc:
                state.release(job.key)
                if delivery:
                    state.forget_delivery(delivery)
                raise Unavailable(str(exc)) from exc
            queued += 1
        if queued:
            return Taken("queued", queued)
        return Taken("already-queued" if jobs else "ignored")

    async def ready(self) -> bool:
        return self._queue.ready()
