"""What each kind of job does (`run_job`), and how one that failed for good ends
(`fail_job`): the runner's two entry points into the job layer."""

from __future__ import annotations

import logging
from contextlib import suppress

from app.deadline import Deadline
from app.errors import Busy, Unavailable
from app.jobs.analyse import (
    Outcome,
    analyse_job,
)
from app.jobs.deps import Deps
from app.jobs.heads import holding
from app.jobs.model import Job
from app.jobs.reevaluate import fresh_analysis, label_job, reevaluate_job, rerun_begun
from app.publishers.checkrun import CheckRunPublisher, ErrorConclusion
from app.tracking import outcome_job, rework_job

log = logging.getLogger(__name__)


def run_job(job: Job, deps: Deps, deadline: Deadline | None = None) -> Outcome:
    """Do what the job asks: analyse a head sha, or re-judge it after a review, a button or
    a label."""
    deadline = deadline or Deadline.never()
    if job.kind == "analyse":
        return analyse_job(job, deps, deadline)
    if job.kind == "label":
        return label_job(job, deps, deadline)
    if job.kind == "outcome":
        return outcome_job(job, deps, deadline)
    if job.kind == "rework":
        return rework_job(job, deps, deadline)
    return reevaluate_job(job, deps, deadline)


def fail_job(job: Job, deps: Deps, conclusion: ErrorConclusion, message: str) -> None:
    """Complete the job's check run with a message after it failed for good."""
    if job.kind in ("outcome", "rework"):
        return  # no check run of its own: the next event records it again
    if job.kind == "label" and not rerun_begun(fresh_analysis(job), deps):
        # A label's job owns no run but the one its fresh analysis made: a head's open run is
        # its analysis's, which may still come and complete it.
        return
    try:
        with holding(deps.state, job.key, deps.lease):
            _fail_run(job, deps, conclusion, message)
    except Busy:
        log.info("job %s: another job holds the head and completes its run", job.key)
    except Unavailable:  # Redis is down: GitHub alone says which run is open
        _fail_run(job, deps, conclusion, message)


def _fail_run(job: Job, deps: Deps, conclusion: ErrorConclusion, message: str) -> None:
    api = deps.github.installation(job.installation_id)
    publisher = CheckRunPublisher(api, job.repository)
    try:
        record = deps.state.run_of(job.key)
    except Unavailable:
        record = None
    if record is not None and record.done:
        return  # the head's run is completed already: nothing to say
    run_id = record.run_id if record else publisher.start(job.head_sha, external_id=job.key)
    if run_id is None:
        return
    publisher.fail(run_id, conclusion, "ai-gate could not analyse this commit", message)
    with suppress(Unavailable):
        deps.state.record_run(job.key, run_id, done=True)
