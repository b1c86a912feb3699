"""One analysis job: fetch the PR, analyse it, publish the check run. Shared by every queue;
re-judging a head without analysing it again is `reevaluate.py`."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, suppress
from datetime import UTC, datetime
from typing import Literal

from app.adapters.configfiles import base_reader
from app.adapters.git import Git
from app.adapters.gitcache import PullRef
from app.adapters.github.client import Installation
from app.adapters.github.models import PullRequest
from app.adapters.github.source import PullRequestSource
from app.adapters.localgit import changed_files, merge_base
from app.adapters.tokencount import Counting
from app.core.config.file import CONFIG_PATH
from app.core.config.load import load_config
from app.core.config.merge import config_info
from app.core.config.model import Config
from app.core.diff import PatchLines
from app.core.models import (
    ConfigInfo,
    PullRequestSnapshot,
    Report,
    Verdict,
)
from app.core.pipeline import patch_lines
from app.deadline import Deadline
from app.engine import analyse_range
from app.errors import Busy, ConfigError, Superseded
from app.jobs.deps import Deps
from app.jobs.heads import holding
from app.jobs.model import CLOSED, Job
from app.publishers.checkrun import CheckRunPublisher
from app.publishers.codescanning import CodeScanningPublisher
from app.publishers.labels import LabelPublisher
from app.publishers.review import ReviewPublisher
from app.tracking import after_booking, deliver_alerts

log = logging.getLogger(__name__)

Outcome = Literal[
    "published", "superseded", "config-error", "already-analysed", "recorded", "ignored"
]
# How long a job remembers that it completed its run (retries come within minutes).
PUBLISHED_TTL = 3600


def stale(job: Job, deps: Deps) -> str | None:
    """The newer head (or `closed`) that makes this job pointless, if any."""
    latest = deps.state.head(job.pr_key)
    return latest if latest is not None and latest != job.head_sha else None


def analyse_job(job: Job, deps: Deps, deadline: Deadline) -> Outcome:
    """Analyse one head sha and publish it, unless a newer head has superseded it."""
    if (newer := stale(job, deps)) is not None:
        log.info("job %s superseded by %s before start", job.key, newer[:12])
        _cancel_recorded(job, deps, newer, deadline)
        return "superseded"
    with holding(deps.state, job.key, deps.lease):
        return _analyse_held(job, deps, deadline)


def _analyse_held(job: Job, deps: Deps, deadline: Deadline) -> Outcome:
    api = deps.github.installation(job.installation_id, deadline)
    source = PullRequestSource(api)
    attempt = attempt_key(job)
    if attempt is not None and deps.state.published(attempt):
        # A retry after this job completed its run: only what follows the run is left to do.
        return _finish_published(job, deps, api, source, deadline)
    publisher = CheckRunPublisher(api, job.repository)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="ai-gate-rest") as rest:
        # The run is found or created while the PR is read and fetched: it shows in progress
        # within a request or two, and the analysis never waits for it.
        run = rest.submit(_claim_run, job, deps, publisher)
        try:
            return _analyse_and_publish(job, deps, deadline, source, publisher, run, rest)
        except Superseded as exc:
            if (run_id := run.result()) is not None:
                _cancel(publisher, run_id, exc)
                deps.state.forget_run(job.key, run_id)
            return "superseded"


# How long the run's creator may take before a job that found it busy makes the run itself.
CREATE_CLAIM_TTL = 30


def _claim_run(job: Job, deps: Deps, publisher: CheckRunPublisher) -> int | None:
    """The run this job completes, holding its head: the one recorded for the head (created
    queued by the starter, or by an earlier attempt) or a new one; None when the head was
    analysed and no re-run is asked for. A re-run gets a new run and cancels any left open."""
    state = deps.state
    if job.rerun:
        return _fresh_run(job, deps, publisher)
    claim = f"create:{job.key}"
    claimed = False
    record = state.run_of(job.key)
    # One creator: while the starter holds the claim it is making the run, recorded in a
    # moment; a starter that died lets the claim lapse.
    give_up = time.monotonic() + CREATE_CLAIM_TTL + 1
    while record is None and not (claimed := state.claim(claim, CREATE_CLAIM_TTL)):
        if time.monotonic() > give_up:
            break
        time.sleep(0.1)
        record = state.run_of(job.key)
    try:
        if record is not None:
            if record.done:
                return None
            publisher.begin(record.run_id)
            return record.run_id
        # GitHub is asked too: the shared state may have lost what it knew (a Redis restart).
        created = publisher.start(job.head_sha, external_id=job.key)
    finally:
        if claimed:
            state.release(claim)
    if created is not None:
        state.record_run(job.key, created, done=False)
    return created


def _fresh_run(job: Job, deps: Deps, publisher: CheckRunPublisher) -> int:
    """A re-run's own run: made by its first attempt (which cancels any run left open), found
    again by its retries."""
    state = deps.state
    mine = f"{attempt_key(job) or job.key}:fresh"
    earlier = state.run_of(mine)
    current = state.run_of(job.key)
    if earlier is not None and current is not None and current.run_id == earlier.run_id:
        if not current.done:
            publisher.begin(earlier.run_id)
        return earlier.run_id
    for stale_run in publisher.open_runs(job.head_sha):
        publisher.fail(stale_run, "cancelled", "Replaced by a re-run", "A re-run was requested.")
    run_id = publisher.create(job.head_sha, job.key)
    state.record_run(mine, run_id, done=False)
    state.record_run(job.key, run_id, done=False)
    return run_id


def show_queued(job: Job, deps: Deps) -> bool:
    """The starter's step (workers/starter.py): the head's run, created queued as soon as the
    delivery is taken, long before a worker is free to analyse it; whether it made one. Best
    effort: the job creates the run itself when this did not."""
    state = deps.state
    if stale(job, deps) is not None or state.run_of(job.key) is not None:
        return False
    claim = f"create:{job.key}"
    if not state.claim(claim, CREATE_CLAIM_TTL):
        return False  # the job is creating it
    try:
        # The state is trusted here, GitHub not asked: one request fewer before the run
        # shows. (Were the state lost, a head analysed before would get a second run.)
        publisher = CheckRunPublisher(deps.github.installation(job.installation_id), job.repository)
        run_id = publisher.create(job.head_sha, job.key, status="queued")
        if not state.record_run(job.key, run_id, done=False, if_absent=True):
            # A job recorded the head's run meanwhile (one it found on GitHub): this one goes.
            publisher.fail(run_id, "cancelled", "Duplicate", "The head's analysis has a run.")
            return False
    finally:
        state.release(claim)
    # The head may have moved on while the run was made, and its job found nothing to cancel
    # then: whoever reads the head after the other's write cancels it.
    if (newer := stale(job, deps)) is not None:
        with suppress(Busy):  # the job holding the head cancels it
            _cancel_recorded(job, deps, newer, Deadline.never())
    return True


def _cancel_recorded(job: Job, deps: Deps, newer: str, deadline: Deadline) -> None:
    """Cancel the runs the head got before it was superseded (queued by the starter, or left
    open by an earlier attempt of this job, perhaps on a worker that died), rather than leave
    them open for good. Busy while another job holds the head: this job then tries again
    once the holder is done or its lock has lapsed."""
    if (record := deps.state.run_of(job.key)) is not None and record.done:
        return
    with holding(deps.state, job.key, deps.lease):
        record = deps.state.run_of(job.key)
        api = deps.github.installation(job.installation_id, deadline)
        publisher = CheckRunPublisher(api, job.repository)
        if record is None:
            # Not recorded (the state was down when the starter made it): GitHub knows.
            open_runs = publisher.open_runs(job.head_sha)
        else:
            open_runs = [] if record.done else [record.run_id]
        for run_id in open_runs:
            _cancel(publisher, run_id, Superseded(job.head_sha, newer))
            deps.state.forget_run(job.key, run_id)


def _analyse_and_publish(
    job: Job,
    deps: Deps,
    deadline: Deadline,
    source: PullRequestSource,
    publisher: CheckRunPublisher,
    run: Future[int | None],
    rest: ThreadPoolExecutor,
) -> Outcome:
    """Fetch, analyse, and complete the job's run (`run`, being created meanwhile)."""
    pr = source.pull_request(job.repository, job.pull_number)
    _ensure_head(job, pr.head_sha)
    if run.result() is None:
        log.info("job %s: the head was analysed already", job.key)
        return "already-analysed"
    # What only REST tells, asked while git fetches: neither waits on the other.
    org = rest.submit(source.config_text, _org_defaults(job), None, CONFIG_PATH)
    logins = rest.submit(source.commit_logins, job.repository, job.pull_number)
    known: dict[tuple[str, str, str | None], Future[str | None]] = {
        (_org_defaults(job), CONFIG_PATH, None): org
    }
    # The token counter loads its vocabulary while git fetches (app/adapters/tokencount.py).
    with Counting() as counting, _fetched(job, deps, pr, deadline) as git:
        try:
            config, info = effective_config(source, job.repository, pr.base_sha, git, known)
        except ConfigError as exc:
            publisher.fail(_run_id(run), "failure", f"Invalid {exc.path}", config_message(exc))
            _done(job, deps, run)
            return "config-error"
        if pr.draft and config.gate.drafts == "skip":
            publisher.complete(_run_id(run), _draft_report(job, pr, info))
            _done(job, deps, run)
            return "published"
        reviews = (
            source.reviews(job.repository, job.pull_number)
            if config.gate.require_human_review
            else ()
        )
        info_pr = pr.info()
        analysis = analyse_range(
            git,
            pr.base_sha,
            job.head_sha,
            repository=job.repository,
            config=config,
            info=info,
            pull_request=info_pr,
            logins=logins.result(),
            reviews=reviews,
            label_grants=source.label_grants(
                job.repository, job.pull_number, info_pr.labels, config.gate.skip_label
            ),
            month_to_date_usd=month_without(job, deps),
            licences=deps.licences,
            deadline=deadline,
            counting=counting,
        )
    report = analysis.report
    _ensure_head(job, source.head_sha(job.repository, job.pull_number))
    if (newer := stale(job, deps)) is not None:
        raise Superseded(job.head_sha, newer)
    # Stored before publishing: a database failure retries the job before GitHub shows
    # anything, rather than completing the run and then completing a second one.
    deps.reports.save_report(report)
    # Booked once per head; a new head replaces the PR's amount (see app/adapters/store.py).
    deps.ledger.record_cost(
        job.repository,
        job.pull_number,
        job.head_sha,
        report.cost.usd if report.cost else None,
        datetime.now(UTC),
    )
    report = after_booking(job, deps, pr, report, config, datetime.now(UTC))
    publisher.complete(_run_id(run), report, config.comments.max_annotations)
    _done(job, deps, run)
    if (attempt := attempt_key(job)) is not None:
        deps.state.mark_published(attempt, PUBLISHED_TTL)
    _publish_extras(source.api, job, report, analysis.lines, info_pr.labels, config)
    deliver_alerts(deps, deadline)
    log.info("job %s published: %s", job.key, report.verdict.conclusion)
    return "published"


def _run_id(run: Future[int | None]) -> int:
    run_id = run.result()
    if run_id is None:  # checked before the analysis started
        raise AssertionError("the job has no run to complete")
    return run_id


def _done(job: Job, deps: Deps, run: Future[int | None]) -> None:
    """The head's run is completed: later jobs for the head (without a re-run) stop at once."""
    deps.state.record_run(job.key, _run_id(run), done=True)


def _org_defaults(job: Job) -> str:
    """The repository an organisation keeps its defaults in."""
    return f"{job.repository.split('/', 1)[0]}/.github"


def _fetched(
    job: Job, deps: Deps, pr: PullRequest, deadline: Deadline
) -> AbstractContextManager[Git]:
    """The PR's commits in the worker's git cache, fetched with the installation's token."""
    pull = PullRef(
        clone_url=pr.fetch_url(),
        number=job.pull_number,
        base_sha=pr.base_sha,
        head_sha=job.head_sha,
        commits=pr.commits_total or 1,
    )
    return deps.gitcache.open(pull, deps.github.token(job.installation_id), deadline)


def attempt_key(job: Job) -> str | None:
    """One event's job for one head: the same across its retries, new for the next event."""
    return f"{job.key}:{job.delivery_id}:{job.kind}" if job.delivery_id else None


def _publish_extras(
    api: Installation,
    job: Job,
    report: Report,
    lines: Mapping[str, PatchLines],
    labels: Sequence[str],
    config: Config,
) -> None:
    """What follows the check run: the review (idempotent per head) on the change's `lines`,
    the code-scanning upload (opt-in) and the label (unless the PR's `labels` have it)."""
    ReviewPublisher(api, job.repository, job.pull_number).publish(report, lines, config.comments)
    if config.sarif.upload:
        ref = f"refs/pull/{job.pull_number}/head"
        CodeScanningPublisher(api, job.repository).upload(report, config, ref)
    LabelPublisher(api, job.repository, job.pull_number).publish(
        report, config.labels.ai_generated, labels
    )


def _finish_published(
    job: Job, deps: Deps, api: Installation, source: PullRequestSource, deadline: Deadline
) -> Outcome:
    """The review and label of a run already completed, from its stored report."""
    pr = source.pull_request(job.repository, job.pull_number)
    if pr.head_sha != job.head_sha:
        return "superseded"  # a newer head has its own job
    report = deps.reports.load_report(job.repository, job.head_sha)
    if report is None:  # stored before the run was completed, so only a lost database
        log.warning("job %s: no stored report to review from", job.key)
        return "published"
    with _fetched(job, deps, pr, deadline) as git:
        try:
            config, _ = effective_config(source, job.repository, report.base_sha, git)
        except ConfigError:
            return "config-error"
        files = changed_files(git, merge_base(git, report.base_sha, job.head_sha), job.head_sha)
    snapshot = PullRequestSnapshot(
        repository=job.repository, base_sha=report.base_sha, head_sha=job.head_sha, files=files
    )
    _publish_extras(api, job, report, patch_lines(snapshot), pr.labels, config)
    return "published"


def month_without(job: Job, deps: Deps) -> float:
    """The repository's spend this month without this pull request's current amount."""
    now = datetime.now(UTC)
    month = deps.ledger.month_to_date(job.repository, now)
    return month - deps.ledger.pull_request_cost(job.repository, job.pull_number)


def _ensure_head(job: Job, current: str) -> None:
    if current != job.head_sha:
        raise Superseded(job.head_sha, current)


def _cancel(publisher: CheckRunPublisher, run_id: int, exc: Superseded) -> None:
    if exc.current_sha == CLOSED:
        title, text = "Pull request closed", "The pull request was closed before the analysis."
    else:
        title = "Superseded by a newer push"
        text = f"The head moved to `{exc.current_sha}`; that commit is analysed instead."
    publisher.fail(run_id, "cancelled", title, text)


def _draft_report(job: Job, pr: PullRequest, info: ConfigInfo) -> Report:
    return Report(
        repository=job.repository,
        base_sha=pr.base_sha,
        head_sha=job.head_sha,
        pull_request=job.pull_number,
        verdict=Verdict(
            conclusion="neutral",
            reasons=("Draft: not analysed until it is ready for review (`gate.drafts: skip`).",),
        ),
        config=info,
    )


def effective_config(
    source: PullRequestSource,
    repo: str,
    base_sha: str,
    git: Git | None,
    known: Mapping[tuple[str, str, str | None], Future[str | None]] | None = None,
) -> tuple[Config, ConfigInfo]:
    """The effective config: the repository's own file from the fetched base (when the job has
    fetched it), other repositories' (the org's `.github`, `_extends`) through the API, or
    from `known` where it was asked for already."""

    def others(name: str, path: str, ref: str | None) -> str | None:
        if known and (name, path, ref) in known:
            return known[(name, path, ref)].result()
        return source.config_text(name, ref, path)

    read = others if git is None else base_reader(git, repo, base_sha, others)
    effective = load_config(read, repo, base_sha)
    return effective.config, config_info(effective)


def config_message(exc: ConfigError) -> str:
    where = f"line {exc.line}, column {exc.column}" if exc.line else "the file"
    return (
        f"`{exc.path}` on the base branch could not be used ({where}):\n\n"
        f"```\n{exc.message}\n```\n\nHow to fix: {exc.hint or 'correct the file'}; "
        "`ai-gate config validate` checks a file locally."
    )
