"""Re-judging a head's completed run without analysing it again: after a review, the
Acknowledge button or the skip label, from the stored report and what GitHub says now; a label
that detection reads analyses the head afresh instead."""

from __future__ import annotations

from datetime import UTC, datetime

from app.adapters.github.source import PullRequestSource
from app.core.cost.budget import budget_status
from app.core.gate import decide
from app.core.models import (
    WRITE_PERMISSIONS,
    Acknowledgement,
    PullRequestSnapshot,
)
from app.core.pipeline import gate_input
from app.deadline import Deadline
from app.errors import ConfigError
from app.jobs.analyse import (
    Outcome,
    analyse_job,
    attempt_key,
    effective_config,
    month_without,
    stale,
)
from app.jobs.deps import Deps
from app.jobs.heads import holding
from app.jobs.labels import label_effect
from app.jobs.model import Job
from app.publishers.checkrun import ACKNOWLEDGE, CheckRunPublisher


def reevaluate_job(job: Job, deps: Deps, deadline: Deadline) -> Outcome:
    """Re-judge a head sha after a review or an Acknowledge, from its stored report; with
    nothing to re-judge yet (or a store that lost it), the full analysis does it all."""
    with holding(deps.state, job.key, deps.lease):
        outcome = _reevaluate_held(job, deps, deadline)
    if outcome is None:
        return analyse_job(job.model_copy(update={"kind": "analyse"}), deps, deadline)
    return outcome


def label_job(job: Job, deps: Deps, deadline: Deadline) -> Outcome:
    """A label added or removed (app/jobs/labels.py says what it asks): the head's completed
    run re-judged for `gate.skip_label`, the head analysed afresh for a label detection
    reads, nothing for any other. Only reads before it knows which: the PR and the config."""
    if stale(job, deps) is not None:
        return "superseded"
    source = PullRequestSource(deps.github.installation(job.installation_id, deadline))
    pr = source.pull_request(job.repository, job.pull_number)
    if pr.head_sha != job.head_sha:
        return "superseded"
    try:
        config, _ = effective_config(source, job.repository, pr.base_sha, None)
    except ConfigError:
        return "config-error"  # the analysis job reports it
    effect = label_effect(config, job.label)
    if effect == "none":
        return "ignored"
    fresh = fresh_analysis(job)
    # Under the head's lock: an analysis under way may have read the labels before this
    # change, so the job waits for it (Busy) and then judges its run. With no completed run
    # once the lock is had, no analysis has read them yet: the one to come reads them.
    with holding(deps.state, job.key, deps.lease):
        if effect == "rejudge":
            return _reevaluate_held(job, deps, deadline) or "ignored"
        publisher = CheckRunPublisher(source.api, job.repository)
        if not rerun_begun(fresh, deps) and _completed_run(job, deps, publisher) is None:
            return "ignored"
    return analyse_job(fresh, deps, deadline)


def fresh_analysis(job: Job) -> Job:
    """The fresh analysis a label's job becomes (the same across its retries)."""
    return job.model_copy(update={"kind": "analyse", "rerun": True})


def rerun_begun(job: Job, deps: Deps) -> bool:
    """Whether an earlier attempt of this re-run made its run (`_fresh_run`): its retry
    carries on whatever the head's run now is."""
    return deps.state.run_of(f"{attempt_key(job) or job.key}:fresh") is not None


def _completed_run(job: Job, deps: Deps, publisher: CheckRunPublisher) -> int | None:
    """The head's completed run: as recorded, or (a state that forgot it) as GitHub says."""
    record = deps.state.run_of(job.key)
    if record is not None:
        return record.run_id if record.done else None
    run = publisher.latest(job.head_sha)
    return run.id if run is not None and run.completed else None


def _reevaluate_held(job: Job, deps: Deps, deadline: Deadline) -> Outcome | None:
    api = deps.github.installation(job.installation_id, deadline)
    source = PullRequestSource(api)
    publisher = CheckRunPublisher(api, job.repository)
    stored = deps.reports.load_report(job.repository, job.head_sha)
    if stored is None or (run_id := _completed_run(job, deps, publisher)) is None:
        return None
    pr = source.pull_request(job.repository, job.pull_number)
    if pr.head_sha != job.head_sha:
        return "superseded"
    try:
        config, _ = effective_config(source, job.repository, stored.base_sha, None)
    except ConfigError:
        return "config-error"  # the analysis job reports it
    notes = list(stored.notes)
    if job.kind == "action" and job.action == ACKNOWLEDGE["identifier"]:
        notes.append(_acknowledge(job, deps, source))
    budget = budget_status(stored.cost, month_without(job, deps), config.cost.budget)
    info_pr = pr.info()
    # The gate's input made as the analysis makes it, from what re-judging has at hand.
    judged = PullRequestSnapshot(
        repository=job.repository,
        base_sha=stored.base_sha,
        head_sha=job.head_sha,
        pull_request=info_pr,
        reviews=tuple(source.reviews(job.repository, job.pull_number)),
        acknowledgements=tuple(deps.reports.acknowledgements(job.repository, job.head_sha)),
        label_grants=source.label_grants(
            job.repository, job.pull_number, info_pr.labels, config.gate.skip_label
        ),
    )
    gate_data = gate_input(
        judged, stored.attribution, stored.findings, budget.failures, config, stored.disclosure
    )
    report = stored.model_copy(
        update={"verdict": decide(config.gate, gate_data), "notes": tuple(notes)}
    )
    publisher.update_verdict(run_id, report)
    deps.reports.save_report(report)
    return "published"


def _acknowledge(job: Job, deps: Deps, source: PullRequestSource) -> str:
    """Record the button press if the user may merge; the note says what happened."""
    permission = source.permission(job.repository, job.actor)
    if permission not in WRITE_PERMISSIONS:
        return (
            f"@{job.actor} pressed Acknowledge: refused, it needs write access "
            f"(they have `{permission}`)."
        )
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ack = Acknowledgement(login=job.actor, permission=permission, at=when)
    deps.reports.add_acknowledgement(job.repository, job.head_sha, ack)
    return f"@{job.actor} ({permission}) acknowledged the AI part at {when}."
