"""Which webhook deliveries become analysis jobs. Pure: payload dict in, jobs out."""

from __future__ import annotations

from typing import Any

from app.jobs.model import Job, pr_key
from app.version import CHECK_NAME
from app.web.payloads import (
    CheckRunEvent,
    CheckSuiteEvent,
    LabelEvent,
    PullRequestEvent,
    PullRequestRef,
    ReviewEvent,
    Target,
)
from app.web.trackrouting import tracking_jobs

PULL_REQUEST_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
# A fresh analysis even of a head analysed before: reopening (how people ask CI to run
# again), a change of base branch (another diff, another policy), ready for review (a draft
# may have been skipped).
FRESH_ACTIONS = frozenset({"reopened", "edited", "ready_for_review"})
# A label added or removed: the head's verdict follows `gate.skip_label`, its attribution the
# labels detection reads (app/jobs/labels.py says which a label is).
LABEL_ACTIONS = frozenset({"labeled", "unlabeled"})


def _base_changed(payload: dict[str, Any]) -> bool:
    """`pull_request.edited` moving the PR to another base branch (not a title edit)."""
    changes = payload.get("changes")
    return payload.get("action") == "edited" and isinstance(changes, dict) and "base" in changes


def closed_pull_request(event: str, payload: dict[str, Any]) -> str | None:
    """The PR key of a `pull_request.closed` delivery, whose pending work should stop."""
    if event != "pull_request" or payload.get("action") != "closed":
        return None
    target = _target(payload)
    if target is None:
        return None
    number = PullRequestEvent.model_validate(payload).pull_request.number
    return pr_key(target.installation.id, target.repository.full_name, number)


def _target(payload: dict[str, Any]) -> Target | None:
    """The installation and repository, or None for a delivery without them (not an
    installation's); ValidationError when they are there but malformed."""
    if payload.get("installation") is None or payload.get("repository") is None:
        return None
    return Target.model_validate(payload)


def jobs_for(event: str, payload: dict[str, Any], delivery_id: str) -> list[Job]:
    """The jobs a delivery asks for; an empty list means the event is deliberately ignored.
    Raises pydantic's ValidationError (a ValueError) when what it routes on is malformed."""
    return _analysis_jobs(event, payload, delivery_id) + tracking_jobs(event, payload, delivery_id)


def _analysis_jobs(event: str, payload: dict[str, Any], delivery_id: str) -> list[Job]:
    action = payload.get("action")
    if not isinstance(action, str) or not _routed(event, action, payload):
        return []
    target = _target(payload)
    if target is None:
        return []
    common = {
        "installation_id": target.installation.id,
        "repository": target.repository.full_name,
        "delivery_id": delivery_id,
        "event": f"{event}.{action}",
    }
    if event == "pull_request" and action in LABEL_ACTIONS:
        return _label_jobs(common, LabelEvent.model_validate(payload))
    if event == "pull_request":
        pr = PullRequestEvent.model_validate(payload).pull_request
        if pr.state != "open":
            return []
        # Closing and reopening is how people ask CI to run again, and a new base changes
        # the diff and the policy: both get a fresh analysis of the head.
        rerun = action in FRESH_ACTIONS
        return [Job(**common, pull_number=pr.number, head_sha=pr.head.sha, rerun=rerun)]
    if event == "pull_request_review":
        review = ReviewEvent.model_validate(payload)
        if review.pull_request.state != "open":
            return []
        user = review.review.user if review.review else None
        return [
            Job(
                **common,
                pull_number=review.pull_request.number,
                head_sha=review.pull_request.head.sha,
                kind="review",
                actor=user.login if user else "",
            )
        ]
    if event == "check_suite":
        suite = CheckSuiteEvent.model_validate(payload).check_suite
        return _for_pull_requests(
            common, suite.pull_requests or [], suite.head_sha, rerun=action == "rerequested"
        )
    checked = CheckRunEvent.model_validate(payload)
    run = checked.check_run
    if action == "rerequested":
        return _for_pull_requests(common, run.pull_requests or [], run.head_sha, rerun=True)
    if run.name != CHECK_NAME:
        return []
    identifier = checked.requested_action.identifier if checked.requested_action else ""
    actor = checked.sender.login if checked.sender else ""
    return [
        Job(
            **common,
            pull_number=pr.number,
            head_sha=run.head_sha,
            kind="action",
            action=identifier,
            actor=actor,
        )
        for pr in run.pull_requests or []
    ]


def _label_jobs(common: dict[str, Any], labelled: LabelEvent) -> list[Job]:
    """The open PR's head judged again for the label (app/jobs/labels.py says how)."""
    pr = labelled.pull_request
    if pr.state != "open":
        return []
    name = labelled.label.name if labelled.label else ""
    return [Job(**common, pull_number=pr.number, head_sha=pr.head.sha, kind="label", label=name)]


def _routed(event: str, action: str, payload: dict[str, Any]) -> bool:
    """Whether this event and action make jobs at all."""
    if event == "pull_request":
        return action in PULL_REQUEST_ACTIONS | LABEL_ACTIONS or _base_changed(payload)
    if event == "pull_request_review":
        return action in ("submitted", "dismissed")
    if event == "check_suite":
        return action in ("requested", "rerequested")
    return event == "check_run" and action in ("requested_action", "rerequested")


def _for_pull_requests(
    common: dict[str, Any], prs: list[PullRequestRef], head_sha: str, *, rerun: bool
) -> list[Job]:
    # Pushes to fork branches carry no pull_requests; their pull_request events cover them.
    return [
        Job(**common, pull_number=pr.number, head_sha=head_sha, rerun=rerun)
        for pr in prs
        if pr.head is None or pr.head.sha in (None, head_sha)
    ]
