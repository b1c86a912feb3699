"""Which webhook deliveries become analysis jobs. Pure: payload dict in, jobs out."""

from __future__ import annotations

from typing import Any

from app.jobs import Job
from app.publishers.checkrun import CHECK_NAME
from app.web.trackrouting import tracking_jobs

PULL_REQUEST_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
# A fresh analysis even of a head analysed before: reopening (how people ask CI to run
# again), a change of base branch (another diff, another policy), ready for review (a draft
# may have been skipped).
FRESH_ACTIONS = frozenset({"reopened", "edited", "ready_for_review"})


def _base_changed(payload: dict[str, Any]) -> bool:
    """`pull_request.edited` moving the PR to another base branch (not a title edit)."""
    changes = payload.get("changes")
    return payload.get("action") == "edited" and isinstance(changes, dict) and "base" in changes


def closed_pull_request(event: str, payload: dict[str, Any]) -> str | None:
    """The PR key of a `pull_request.closed` delivery, whose pending work should stop."""
    if event != "pull_request" or payload.get("action") != "closed":
        return None
    installation = (payload.get("installation") or {}).get("id")
    repo = (payload.get("repository") or {}).get("full_name")
    number = (payload.get("pull_request") or {}).get("number")
    if not isinstance(installation, int) or not isinstance(repo, str) or number is None:
        return None
    return f"{installation}:{repo}:{number}"


def jobs_for(event: str, payload: dict[str, Any], delivery_id: str) -> list[Job]:
    """The jobs a delivery asks for; an empty list means the event is deliberately ignored."""
    return _analysis_jobs(event, payload, delivery_id) + tracking_jobs(event, payload, delivery_id)


def _analysis_jobs(event: str, payload: dict[str, Any], delivery_id: str) -> list[Job]:
    action = payload.get("action")
    installation = (payload.get("installation") or {}).get("id")
    repo = (payload.get("repository") or {}).get("full_name")
    if not isinstance(installation, int) or not isinstance(repo, str):
        return []
    common = {"installation_id": installation, "repository": repo, "delivery_id": delivery_id}
    if event == "pull_request" and (action in PULL_REQUEST_ACTIONS or _base_changed(payload)):
        pr = payload["pull_request"]
        if pr.get("state", "open") != "open":
            return []
        return [
            Job(
                **common,
                pull_number=int(pr["number"]),
                head_sha=str(pr["head"]["sha"]),
                event=f"{event}.{action}",
                # Closing and reopening is how people ask CI to run again, and a new base
                # changes the diff and the policy: both get a fresh analysis of the head.
                rerun=action in FRESH_ACTIONS,
            )
        ]
    if event == "pull_request_review" and action in ("submitted", "dismissed"):
        pr = payload["pull_request"]
        if pr.get("state", "open") != "open":
            return []
        actor = str(((payload.get("review") or {}).get("user") or {}).get("login") or "")
        return [
            Job(
                **common,
                pull_number=int(pr["number"]),
                head_sha=str(pr["head"]["sha"]),
                event=f"{event}.{action}",
                kind="review",
                actor=actor,
            )
        ]
    if event == "check_run" and action == "requested_action":
        run = payload["check_run"]
        if run.get("name") != CHECK_NAME:
            return []
        identifier = str((payload.get("requested_action") or {}).get("identifier") or "")
        actor = str((payload.get("sender") or {}).get("login") or "")
        return [
            Job(
                **common,
                pull_number=int(pr["number"]),
                head_sha=str(run["head_sha"]),
                event=f"{event}.{action}",
                kind="action",
                action=identifier,
                actor=actor,
            )
            for pr in run.get("pull_requests") or []
        ]
    if event == "check_suite" and action in ("requested", "rerequested"):
        suite = payload["check_suite"]
        return _for_pull_requests(
            common,
            suite.get("pull_requests") or [],
            str(suite["head_sha"]),
            f"{event}.{action}",
            rerun=action == "rerequested",
        )
    if event == "check_run" and action == "rerequested":
        run = payload["check_run"]
        return _for_pull_requests(
            common,
            run.get("pull_requests") or [],
            str(run["head_sha"]),
            f"{event}.{action}",
            rerun=True,
        )
    return []


def _for_pull_requests(
    common: dict[str, Any], prs: list[dict[str, Any]], head_sha: str, event: str, *, rerun: bool
) -> list[Job]:
    # Pushes to fork branches carry no pull_requests; their pull_request events cover them.
    return [
        Job(**common, pull_number=int(pr["number"]), head_sha=head_sha, event=event, rerun=rerun)
        for pr in prs
        if (pr.get("head") or {}).get("sha", head_sha) == head_sha
    ]
