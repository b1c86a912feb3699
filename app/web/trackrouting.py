"""Which deliveries become tracking jobs (app/tracking.py). Pure: payload dict in, jobs out.

- `pull_request.closed` and `.reopened`: record the PR merged, closed unmerged, or open again.
- `push` to the repository's default branch: measure the rework of recently merged AI lines.
  This is why app.yml subscribes to `push`: merges and later commits land on the default
  branch through pushes, and no other event says when lines were rewritten or deleted.
"""

from __future__ import annotations

import re
from typing import Any

from app.jobs.model import Job
from app.web.payloads import SHA_PATTERN, PullRequestEvent, Target

OUTCOME_ACTIONS = frozenset({"closed", "reopened"})
ZERO_SHA = "0" * 40
SHA = re.compile(SHA_PATTERN)


class PushEvent(Target):
    """What routing reads of a `push`: the ref and the commit it moved to."""

    ref: str = ""
    after: str = ""
    deleted: bool = False


def tracking_jobs(event: str, payload: dict[str, Any], delivery_id: str) -> list[Job]:
    """The outcome or rework job a delivery asks for, if any; pydantic's ValidationError
    when what it routes on is malformed (as `jobs_for`)."""
    action = payload.get("action")
    if event == "pull_request" and isinstance(action, str) and action in OUTCOME_ACTIONS:
        if payload.get("installation") is None or payload.get("repository") is None:
            return []
        target = Target.model_validate(payload)
        pr = PullRequestEvent.model_validate(payload).pull_request
        return [
            Job(
                **_common(target, delivery_id),
                pull_number=pr.number,
                head_sha=pr.head.sha,
                event=f"{event}.{action}",
                kind="outcome",
            )
        ]
    if event == "push":
        if payload.get("installation") is None or payload.get("repository") is None:
            return []
        push = PushEvent.model_validate(payload)
        default = (payload.get("repository") or {}).get("default_branch")
        if (
            not isinstance(default, str)
            or not default
            or push.ref != f"refs/heads/{default}"
            or push.deleted
            or not SHA.fullmatch(push.after)
            or push.after == ZERO_SHA
        ):
            return []
        return [
            Job(
                **_common(push, delivery_id),
                pull_number=0,
                head_sha=push.after,
                event=event,
                kind="rework",
            )
        ]
    return []


def _common(target: Target, delivery_id: str) -> dict[str, Any]:
    return {
        "installation_id": target.installation.id,
        "repository": target.repository.full_name,
        "delivery_id": delivery_id,
    }
