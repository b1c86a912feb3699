"""The Action's run: the workflow's pull request fetched through git into a partial clone (as the
App's worker does, whatever depth the workflow checked out), the same engine, and the App's
publishing where the token allows it.

- A check run with annotations when the token may write checks; otherwise (a fork's read-only
  token, or `permissions` without `checks: write`) workflow annotations, within what GitHub
  shows of a step.
- Always: the job summary, a SARIF file and the step's outputs.
- `.ai-gate.yml` from the base commit (the organisation's `.github` too, when the token can
  read it), never from the PR's head.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TextIO

from app.action.environment import PullRequestEvent, RunnerEnvironment, read_event
from app.adapters.configfiles import base_reader
from app.adapters.gitcache import GitCache, PullRef
from app.adapters.github.client import Installation, token_client
from app.adapters.github.source import PullRequestSource
from app.adapters.registry import RegistryResolver
from app.core.config.load import Reader, load_config
from app.core.config.merge import config_info
from app.core.config.model import Config
from app.core.models import Report
from app.deadline import Deadline
from app.engine import analyse_range
from app.errors import ConfigError, SourceError, TimeLimitExceeded, UsageError
from app.publishers import workflow
from app.publishers.checkrun import CheckRunPublisher, ErrorConclusion
from app.publishers.markdown import render_summary
from app.publishers.sarif import render_sarif
from app.settings import Settings
from app.version import installed_version

log = logging.getLogger(__name__)
# GitHub's answers to a token that may not write checks (403), or to an API without them.
NO_CHECKS = (403, 404)


class CheckRun:
    """Our check run, when the token may write one."""

    def __init__(self, publisher: CheckRunPublisher, run_id: int) -> None:
        self.publisher = publisher
        self.run_id = run_id


def run_action(
    env: RunnerEnvironment,
    settings: Settings,
    *,
    sarif_file: Path | None,
    time_limit: float,
    out: TextIO,
) -> Report:
    """Analyse and publish the workflow's pull request; its report (ConfigError after a
    broken base config has been published)."""
    event = read_event(env)
    if env.token is None or not env.token.get_secret_value():
        raise UsageError("GITHUB_TOKEN is not set: pass the action's `github-token` input")
    token = env.token.get_secret_value()
    deadline = Deadline.after(time_limit)
    api = token_client(
        token,
        settings.github_api_url,
        timeout=settings.github_timeout_seconds,
        write_interval=settings.github_write_interval,
        deadline=deadline,
    )
    run = _start_check_run(api, env, event)
    try:
        report, config = _analyse(env, settings, event, token, PullRequestSource(api), deadline)
    except ConfigError as exc:
        _publish_config_error(env, run, exc, out)
        raise
    except Exception as exc:
        # Whatever stopped the analysis, the run it started must not stay in progress.
        if run is not None:
            conclusion: ErrorConclusion = (
                "timed_out" if isinstance(exc, TimeLimitExceeded) else "failure"
            )
            run.publisher.fail(
                run.run_id, conclusion, "ai-gate could not analyse this commit", str(exc)
            )
        raise
    _publish(env, report, run, config.comments.max_annotations, sarif_file, out)
    return report


def _analyse(
    env: RunnerEnvironment,
    settings: Settings,
    event: PullRequestEvent,
    token: str,
    source: PullRequestSource,
    deadline: Deadline,
) -> tuple[Report, Config]:
    """The PR fetched into a partial clone in the runner's temp directory, and analysed."""
    cache = GitCache(env.runner_temp / "ai-gate-git", settings.cache_max_mb * 1024 * 1024)
    pull = PullRef(event.clone_url, event.number, event.base_sha, event.head_sha, event.commits)
    with cache.open(pull, token, deadline) as git:
        read = base_reader(git, env.repository, event.base_sha, _api_reader(source))
        effective = load_config(read, env.repository, event.base_sha)
        config = effective.config
        reviews = (
            source.reviews(env.repository, event.number) if config.gate.require_human_review else ()
        )
        report = analyse_range(
            git,
            event.base_sha,
            event.head_sha,
            repository=env.repository,
            config=config,
            info=config_info(effective),
            pull_request=event.pull_request.info(),
            logins=source.commit_logins(env.repository, event.number),
            reviews=reviews,
            label_grants=source.label_grants(
                env.repository,
                event.number,
                event.pull_request.labels,
                config.gate.skip_label,
            ),
            licences=RegistryResolver(settings.pypi_url, settings.npm_url),
            deadline=deadline,
        ).report
    return report, config


def _publish(
    env: RunnerEnvironment,
    report: Report,
    run: CheckRun | None,
    max_annotations: int,
    sarif_file: Path | None,
    out: TextIO,
) -> None:
    """The check run or workflow annotations, and always SARIF, the summary and outputs."""
    version = installed_version()
    sarif_path = sarif_file or env.runner_temp / "ai-gate.sarif"
    sarif_path.parent.mkdir(parents=True, exist_ok=True)
    sarif_path.write_text(json.dumps(render_sarif(report, version), indent=2) + "\n")
    if run is not None:
        run.publisher.complete(run.run_id, report, max_annotations)
    else:
        out.writelines(line + "\n" for line in workflow.annotation_commands(report.findings))
    summary = render_summary(report, version)
    if env.step_summary is not None:
        workflow.append_file(env.step_summary, workflow.job_summary(summary, report, run is None))
    if env.output is not None:
        outputs = workflow.outputs_text(workflow.step_outputs(report, sarif_path))
        workflow.append_file(env.output, outputs)


def _api_reader(source: PullRequestSource) -> Reader:
    """Other repositories' files (the org's `.github`, `_extends`) through the API: a token
    that cannot read them reads them as absent."""

    def read(name: str, path: str, ref: str | None) -> str | None:
        return source.config_text(name, ref, path)

    return read


def _start_check_run(
    api: Installation, env: RunnerEnvironment, event: PullRequestEvent
) -> CheckRun | None:
    """Our in-progress check run on the head, or None when the token may not write checks."""
    publisher = CheckRunPublisher(api, env.repository)
    external_id = f"action:{env.run_id}:{env.run_attempt}"
    try:
        # Each workflow run is a run of its own (a re-run of the workflow asks for a fresh one).
        return CheckRun(publisher, publisher.create(event.head_sha, external_id))
    except SourceError as exc:
        if exc.status not in NO_CHECKS:
            raise
        log.info("no check run (the token may not write checks): %s", exc)
        return None


def _publish_config_error(
    env: RunnerEnvironment, run: CheckRun | None, exc: ConfigError, out: TextIO
) -> None:
    """A broken `.ai-gate.yml` on the base: said where the workflow's readers will look."""
    title = f"Invalid {exc.path}"
    message = (
        f"`{exc.path}` on the base branch could not be used:\n\n```\n{exc}\n```\n\n"
        "`ai-gate config validate` checks a file locally."
    )
    if run is not None:
        run.publisher.fail(run.run_id, "failure", title, message)
    else:
        out.write(
            f"::error title={workflow.escape_property(title)}::{workflow.escape_data(str(exc))}\n"
        )
    if env.step_summary is not None:
        workflow.append_file(env.step_summary, f"### {title}\n\n{message}\n")
