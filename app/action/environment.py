"""What a GitHub Actions runner tells a step: its `GITHUB_*` variables and the event that
started the workflow (https://docs.github.com/en/actions/reference/workflows-and-actions/variables)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.adapters.github.models import PullRequest, pull_request
from app.errors import SettingsError, SourceError, UsageError

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


def _env(name: str) -> Any:
    return Field(validation_alias=AliasChoices(name))


class RunnerEnvironment(BaseSettings):
    """The runner's variables the Action reads (the App's own settings are `Settings`)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    event_name: str = _env("GITHUB_EVENT_NAME")
    event_path: Path = _env("GITHUB_EVENT_PATH")
    repository: str = _env("GITHUB_REPOSITORY")
    # The action passes its `github-token` input here.
    token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("GITHUB_TOKEN"))
    output: Path | None = Field(default=None, validation_alias=AliasChoices("GITHUB_OUTPUT"))
    step_summary: Path | None = Field(
        default=None, validation_alias=AliasChoices("GITHUB_STEP_SUMMARY")
    )
    runner_temp: Path = Field(
        default_factory=lambda: Path(tempfile.gettempdir()),
        validation_alias=AliasChoices("RUNNER_TEMP"),
    )
    run_id: str = Field(default="", validation_alias=AliasChoices("GITHUB_RUN_ID"))
    run_attempt: str = Field(default="1", validation_alias=AliasChoices("GITHUB_RUN_ATTEMPT"))


def load_runner_environment() -> RunnerEnvironment:
    """The runner's variables, or a SettingsError naming the one that is missing."""
    try:
        return RunnerEnvironment()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SettingsError(
            str(first["loc"][0]) if first["loc"] else "GITHUB_*",
            f"{first['msg']} (is this step running in a GitHub Actions workflow?)",
        ) from exc


class PullRequestEvent(BaseModel):
    """The pull request a `pull_request` (or `pull_request_target`) workflow runs for."""

    model_config = ConfigDict(frozen=True)

    number: int
    base_sha: str
    head_sha: str
    clone_url: str
    commits: int
    pull_request: PullRequest


def read_event(env: RunnerEnvironment) -> PullRequestEvent:
    """The event's pull request; a usage error for any other event."""
    if env.event_name not in PULL_REQUEST_EVENTS:
        raise UsageError(
            f"ai-gate analyses pull requests, and this workflow runs on `{env.event_name}`: "
            "run the action in a workflow `on: pull_request`"
        )
    try:
        event = json.loads(env.event_path.read_text(encoding="utf-8"))
        pr = pull_request(event["pull_request"], "the event's pull request")
    except (OSError, ValueError, KeyError, TypeError, SourceError) as exc:
        raise UsageError(f"cannot read the pull request from {env.event_path}: {exc!r}") from exc
    if pr.clone_url is None:
        raise UsageError(f"cannot read the pull request from {env.event_path}: no clone URL")
    return PullRequestEvent(
        number=pr.number,
        base_sha=pr.base_sha,
        head_sha=pr.head_sha,
        clone_url=pr.clone_url,
        commits=pr.commits_total or 1,
        pull_request=pr,
    )
