"""One analysis job: fetch the PR, analyse it, publish the check run. Shared by every queue."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.adapters.blobs import BlobCache
from app.adapters.github import GitHubApp, PullRequestSource
from app.adapters.state import JobState
from app.configload import load_config
from app.core.checks.ruff import python_files
from app.core.config import Config
from app.core.configmerge import config_info
from app.core.models import ConfigInfo
from app.core.pipeline import analyse, needs_contents, needs_line_history, patch_lines
from app.core.ports import Linters
from app.errors import ConfigError, Superseded
from app.publishers.checkrun import CheckRunPublisher, ErrorConclusion
from app.publishers.review import ReviewPublisher

log = logging.getLogger(__name__)

Outcome = Literal["published", "superseded", "config-error"]


class Job(BaseModel):
    """What a job needs to find its work again: ids, never objects."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    installation_id: int
    repository: str  # owner/name
    pull_number: int
    head_sha: str
    delivery_id: str = ""
    event: str = ""
    # A re-run request asks for a fresh check run even when one exists for the sha.
    rerun: bool = False

    @property
    def pr_key(self) -> str:
        return f"{self.installation_id}:{self.repository}:{self.pull_number}"

    @property
    def key(self) -> str:
        return f"{self.pr_key}:{self.head_sha}"


@dataclass(frozen=True)
class Deps:
    """Long-lived collaborators, built once per process from Settings."""

    github: GitHubApp
    blobs: BlobCache
    linters: Linters
    state: JobState


def run_job(job: Job, deps: Deps) -> Outcome:
    """Analyse one head sha and publish it, unless a newer head has superseded it."""
    latest = deps.state.head(job.pr_key)
    if latest is not None and latest != job.head_sha:
        log.info("job %s superseded by %s before start", job.key, latest[:12])
        return "superseded"
    api = deps.github.installation(job.installation_id)
    source = PullRequestSource(api, deps.blobs)
    publisher = CheckRunPublisher(api, job.repository)
    run_id = publisher.start(job.head_sha, external_id=job.key, fresh=job.rerun)
    try:
        snapshot = source.snapshot(job.repository, job.pull_number, needs_contents)
        if snapshot.head_sha != job.head_sha:
            raise Superseded(job.head_sha, snapshot.head_sha)
        try:
            config, info = _load_config(source, job.repository, snapshot.base_sha)
        except ConfigError as exc:
            publisher.fail(run_id, "failure", f"Invalid {exc.path}", _config_message(exc))
            return "config-error"
        if needs_line_history(snapshot, config):
            # Mixed AI and human commits: each line's commit of origin needs every commit's patch.
            snapshot = snapshot.model_copy(
                update={
                    "commit_files": {
                        c.sha: source.commit_files(job.repository, c.sha) for c in snapshot.commits
                    }
                }
            )
        report = analyse(snapshot, config, deps.linters, info)
        current = source.head_sha(job.repository, job.pull_number)
        if current != job.head_sha:
            raise Superseded(job.head_sha, current)
        publisher.complete(run_id, report)
        ReviewPublisher(api, job.repository, job.pull_number).publish(
            report, patch_lines(snapshot), config.comments
        )
    except Superseded as exc:
        publisher.fail(
            run_id,
            "cancelled",
            "Superseded by a newer push",
            f"The head moved to `{exc.current_sha}`; that commit is analysed instead.",
        )
        return "superseded"
    log.info("job %s published (%d python files)", job.key, len(python_files(snapshot)))
    return "published"


def _load_config(source: PullRequestSource, repo: str, base_sha: str) -> tuple[Config, ConfigInfo]:
    effective = load_config(lambda r, path, ref: source.config_text(r, ref, path), repo, base_sha)
    return effective.config, config_info(effective)


def _config_message(exc: ConfigError) -> str:
    where = f"line {exc.line}, column {exc.column}" if exc.line else "the file"
    return (
        f"`{exc.path}` on the base branch could not be used ({where}):\n\n"
        f"```\n{exc.message}\n```\n\nHow to fix: {exc.hint or 'correct the file'}; "
        "`ai-gate config validate` checks a file locally."
    )


def fail_job(job: Job, deps: Deps, conclusion: ErrorConclusion, message: str) -> None:
    """Complete the job's check run with a message after it failed for good."""
    api = deps.github.installation(job.installation_id)
    publisher = CheckRunPublisher(api, job.repository)
    run_id = publisher.start(job.head_sha, external_id=job.key)
    publisher.fail(run_id, conclusion, "ai-gate could not analyse this commit", message)
