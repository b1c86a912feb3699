"""Which deliveries become tracking jobs (app/tracking.py). Pure: payload dict in, jobs out.

- `pull_request.closed` and `.reopened`: record the PR merged, closed unmerged, or open again.
- `push` to the repository's default branch: measure the rework of recently merged AI lines.
  This is why app.yml subscribes to `push`: merges and later commits land on the default
  branch through pushes, and no other event says when lines were rewritten or deleted.
"""

from __future__ import annotations

from typing import Any

from app.jobs import Job

OUTCOME_ACTIONS = frozenset({"closed", "reopened"})
ZERO_SHA = "0" * 40


def tracking_jobs(event: str, payload: dict[str, Any], delivery_id: str) -> list[Job]:
    """The outcome or rework job a delivery asks for, if any."""
    installation = (payload.get("installation") or {}).get("id")
    repository = payload.get("repository") or {}
    repo = repository.get("full_name")
    if not isinstance(installation, int) or not isinstance(repo, str):
        return []
    common = {"installation_id": installation, "repository": repo, "delivery_id": delivery_id}
    action = payload.get("action")
    if event == "pull_request" and action in OUTCOME_ACTIONS:
        pr = payload["pull_request"]
        return [
            Job(
                **common,
                pull_number=int(pr["number"]),
                head_sha=str(pr["head"]["sha"]),
                event=f"{event}.{action}",
                kind="outcome",
            )
        ]
    if event == "push":
        default = repository.get("default_branch")
        after = str(payload.get("after") or "")
        if (
            not default
            or payload.get("ref") != f"refs/heads/{default}"
            or payload.get("deleted")
            or len(after) not in (40, 64)
            or after == ZERO_SHA
        ):
            return []
        return [Job(**common, pull_number=0, head_sha=after, event=event, kind="rework")]
    return []
