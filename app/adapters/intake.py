"""How a delivery is taken in: recorded, its PR's newest head noted, its jobs claimed and
queued — in one Redis round trip (a Lua script, atomic: a job is never claimed without being
queued), on an async client, so the web's event loop never waits on a blocking call.

Concurrent deliveries share round trips: the scripts of every request that arrives within
one turn of the event loop go to Redis in one pipeline (`ScriptBatch`).

The queue is Celery's on Redis: the message a worker consumes is built from a template made
once with Celery's own task-message API (`app.amqp.as_task_v2`), in the envelope kombu's
Redis transport puts on the list (base64 body; delivery info naming the queue's exchange and
routing key, which kombu uses to put back the message of a worker that died).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import orjson
import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError

from app.adapters.state import JobState
from app.errors import Unavailable
from app.jobs.model import Job
from app.jobs.queue import JobQueue, QueueFull

if TYPE_CHECKING:  # the web builds messages with a Celery app it configured; no import here
    from celery import Celery

log = logging.getLogger(__name__)

# check_suite.requested and pull_request.synchronize announce the same push: one job a head.
JOB_CLAIM_TTL = 600
# The starter's list (workers/starter.py), kept short: a lost entry only delays a run's display.
STARTS = "starts"
HEAD_TTL = 7 * 24 * 3600
CLOSED = "closed"

# ARGV: prefix, delivery id, delivery ttl, closed PR key, head ttl, claim ttl, queue, then seven
# values a job: PR key, head sha, set the head (1/0), claim once (1/0), job key, message, and
# the job for the starter's list ('' for none; workers/starter.py shows its run queued).
# Returns {-1} for a repeated delivery, else 1 or 0 a job (queued?), after a -2 for a closed PR
# (whose jobs only record its outcome).
_INTAKE = """
local prefix = ARGV[1]
if ARGV[2] ~= '' then
  if not redis.call('SET', prefix .. 'delivery:' .. ARGV[2], 1, 'NX', 'EX', ARGV[3]) then
    return {-1}
  end
end
local out = {}
if ARGV[4] ~= '' then
  redis.call('SET', prefix .. 'head:' .. ARGV[4], 'closed', 'EX', ARGV[5])
  table.insert(out, -2)
end
for i = 8, #ARGV, 7 do
  if ARGV[i + 2] == '1' then
    redis.call('SET', prefix .. 'head:' .. ARGV[i], ARGV[i + 1], 'EX', ARGV[5])
  end
  local queued = 1
  if ARGV[i + 3] == '1' then
    if not redis.call('SET', prefix .. 'claim:' .. ARGV[i + 4], 1, 'NX', 'EX', ARGV[6]) then
      queued = 0
    end
  end
  if queued == 1 then
    redis.call('LPUSH', ARGV[7], ARGV[i + 5])
    if ARGV[i + 6] ~= '' then
      redis.call('LPUSH', prefix .. 'starts', ARGV[i + 6])
      redis.call('LTRIM', prefix .. 'starts', 0, 9999)
    end
  end
  table.insert(out, queued)
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
    """Only a pull_request event's analysis announces a newer head (a review, a re-run or
    the record of a PR's outcome does not)."""
    return job.kind == "analyse" and job.event.startswith("pull_request.")


def claimed_once(job: Job) -> bool:
    """An analysis runs once a head, unless someone asked for a fresh run."""
    return job.kind == "analyse" and not job.rerun


def shown_queued(job: Job) -> bool:
    """A new head's run is created queued at once by the starter; a re-run makes its own."""
    return claimed_once(job)


def starter_entry(job: Job) -> bytes:
    """The starter's entry for a job: the job, and when the delivery was taken."""
    return orjson.dumps({"at": time.time(), "job": job.model_dump(mode="json")})


class CeleryMessages:
    """Messages for one Celery task on one Redis queue, as kombu's transport would push them
    for `send_task(task, args=[job])`: Celery builds the headers once, each message gets its
    own ids and body."""

    def __init__(self, celery: Celery, task: str, queue: str) -> None:
        template = celery.amqp.as_task_v2("template", task, args=[], kwargs={})
        self._headers: dict[str, Any] = dict(template.headers)
        self._properties: dict[str, Any] = dict(template.properties)
        self._embed = template.body[2]
        self._delivery_info = {"exchange": queue, "routing_key": queue}
        self.queue = queue

    def build(self, job: Job) -> bytes:
        task_id = uuid.uuid4().hex
        body = orjson.dumps([[job.model_dump(mode="json")], {}, self._embed])
        headers = self._headers | {
            "id": task_id,
            "root_id": task_id,
            # Shown by Celery's logs and monitors; the ids say what the job is.
            "argsrepr": f"[{job.key}]",
        }
        properties = self._properties | {
            "correlation_id": task_id,
            "body_encoding": "base64",
            "delivery_info": self._delivery_info,
            "delivery_mode": 2,
            "delivery_tag": uuid.uuid4().hex,
            "priority": 0,
        }
        return orjson.dumps(
            {
                "body": base64.b64encode(body).decode("ascii"),
                "content-encoding": "utf-8",
                "content-type": "application/json",
                "headers": headers,
                "properties": properties,
            }
        )


class ScriptBatch:
    """Runs one Lua script for many concurrent callers: the calls made within one turn of the
    event loop go to Redis together in one pipeline."""

    def __init__(self, client: aioredis.Redis, source: str) -> None:
        self._redis = client
        self._source = source
        self._sha: str | None = None
        self._pending: list[tuple[list[str | int | bytes], asyncio.Future[Any]]] = []

    async def call(self, args: list[str | int | bytes]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((args, future))
        if len(self._pending) == 1:
            loop.call_soon(lambda: asyncio.ensure_future(self._flush()))
        return await future

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        try:
            results = await self._run([args for args, _ in batch])
        except RedisError as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _run(self, calls: list[list[str | int | bytes]]) -> list[Any]:
        for attempt in range(2):
            if self._sha is None:
                self._sha = str(await self._redis.script_load(self._source))
            pipe = self._redis.pipeline(transaction=False)
            for args in calls:
                pipe.evalsha(self._sha, 0, *args)  # type: ignore[arg-type]  # bytes are sent as-is
            results: list[Any] = await pipe.execute(raise_on_error=False)
            if attempt == 0 and any(isinstance(r, NoScriptError) for r in results):
                # Redis restarted and forgot the script: load it again, run them again (a
                # script that failed this way did nothing).
                self._sha = None
                continue
            return results
        return results


class RedisIntake:
    """The intake of Redis mode: one Lua script a delivery, batched across deliveries."""

    def __init__(
        self,
        client: aioredis.Redis,
        messages: CeleryMessages,
        delivery_ttl: int,
        prefix: str = "ai-gate:",
    ) -> None:
        self._redis = client
        self._messages = messages
        self._delivery_ttl = delivery_ttl
        self._prefix = prefix
        self._script = ScriptBatch(client, _INTAKE)

    async def take(self, delivery: str, closed: str | None, jobs: Sequence[Job]) -> Taken:
        argv: list[str | int | bytes] = [
            self._prefix,
            delivery,
            self._delivery_ttl,
            closed or "",
            HEAD_TTL,
            JOB_CLAIM_TTL,
            self._messages.queue,
        ]
        for job in jobs:
            argv += [
                job.pr_key,
                job.head_sha,
                int(set_head_for(job)),
                int(claimed_once(job)),
                job.key,
                self._messages.build(job),
                starter_entry(job) if shown_queued(job) else b"",
            ]
        try:
            answer = await self._script.call(argv)
        except RedisError as exc:
            raise Unavailable(f"Redis does not answer ({type(exc).__name__})") from exc
        if answer == [-1]:
            return Taken("duplicate")
        queued = sum(1 for flag in answer if flag == 1)
        if answer[:1] == [-2] and not queued:
            return Taken("closed")
        if queued:
            return Taken("queued", queued)
        return Taken("already-queued" if jobs else "ignored")

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
        if closed is not None:
            return Taken("closed")
        return Taken("already-queued" if jobs else "ignored")

    async def ready(self) -> bool:
        return self._queue.ready()
