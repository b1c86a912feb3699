"""The one settings object: ai-gate's environment contract (see README, Environment)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.errors import SettingsError

DEFAULT_API_URL = "https://api.github.com"


class Settings(BaseSettings):
    """Environment variables; Probot's names (APP_ID, PRIVATE_KEY, …) are accepted too."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    github_app_id: int | None = Field(
        default=None, validation_alias=AliasChoices("GITHUB_APP_ID", "APP_ID")
    )
    github_app_private_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GITHUB_APP_PRIVATE_KEY", "PRIVATE_KEY")
    )
    github_app_private_key_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("GITHUB_APP_PRIVATE_KEY_PATH", "PRIVATE_KEY_PATH"),
    )
    github_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GITHUB_WEBHOOK_SECRET", "WEBHOOK_SECRET")
    )
    github_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("GITHUB_CLIENT_ID", "CLIENT_ID")
    )
    # The OAuth client secret of the App: signs in the dashboard's users (with GITHUB_CLIENT_ID).
    github_client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GITHUB_CLIENT_SECRET", "CLIENT_SECRET")
    )
    github_api_url: str = Field(
        default=DEFAULT_API_URL, validation_alias=AliasChoices("GITHUB_API_URL")
    )
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL"))
    database_url: str = Field(
        default="sqlite:///ai-gate.db", validation_alias=AliasChoices("DATABASE_URL")
    )
    # How long a delivery id is remembered for deduplication (GitHub redelivers up to 3 days).
    delivery_ttl_seconds: int = Field(
        default=3 * 24 * 3600, validation_alias=AliasChoices("AI_GATE_DELIVERY_TTL")
    )
    # Embedded mode: how many jobs run at once and how many may wait.
    embedded_workers: int = Field(default=2, validation_alias=AliasChoices("AI_GATE_WORKERS"))
    embedded_queue_size: int = Field(
        default=100, validation_alias=AliasChoices("AI_GATE_QUEUE_SIZE")
    )
    # One attempt of a job ends `timed_out` after this many seconds. Short enough that a job
    # whose worker died is redelivered within 3 minutes (the broker's visibility timeout must
    # outlast it, see workers/celery_app.py).
    job_time_limit: int = Field(
        default=150, ge=10, validation_alias=AliasChoices("AI_GATE_JOB_TIME_LIMIT")
    )
    # How long a job a worker holds may go unrenewed before another worker takes it: a live
    # worker renews its jobs' leases every third of it, so only a dead one's jobs come back.
    lease_seconds: int = Field(
        default=30, ge=5, validation_alias=AliasChoices("AI_GATE_LEASE_SECONDS")
    )
    github_write_interval: float = Field(
        default=1.0, ge=0, validation_alias=AliasChoices("AI_GATE_WRITE_INTERVAL")
    )
    github_timeout_seconds: float = Field(
        default=30.0, validation_alias=AliasChoices("AI_GATE_GITHUB_TIMEOUT")
    )
    # The address GitHub reaches this server at (the setup page puts it in the manifest);
    # unset: the address the setup page was opened at.
    public_url: str | None = Field(
        default=None, validation_alias=AliasChoices("AI_GATE_PUBLIC_URL")
    )
    # Where the setup page writes the registered app's credentials (never overwritten).
    setup_env_file: Path = Field(
        default=Path("ai-gate.env"), validation_alias=AliasChoices("AI_GATE_SETUP_FILE")
    )
    # Where budget alerts go (the operator's, never a repository's): a Slack-compatible incoming
    # webhook ({"text": …}) and/or a generic JSON webhook. Secret: such URLs carry a token.
    alert_slack_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AI_GATE_ALERT_SLACK_URL")
    )
    alert_webhook_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AI_GATE_ALERT_WEBHOOK_URL")
    )
    # Package registries the licence check looks new dependencies up in; empty switches one off.
    pypi_url: str = Field(
        default="https://pypi.org", validation_alias=AliasChoices("AI_GATE_PYPI_URL")
    )
    npm_url: str = Field(
        default="https://registry.npmjs.org", validation_alias=AliasChoices("AI_GATE_NPM_URL")
    )

    # The worker's cache of partial clones (one per repository), bounded in size with the
    # least recently used repositories removed first.
    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "ai-gate" / "git",
        validation_alias=AliasChoices("AI_GATE_CACHE_DIR"),
    )
    # The worker's liveness file, touched by its consumer loop (`ai-gate health worker`).
    worker_heartbeat_file: Path = Field(
        default=Path("/tmp/ai-gate-worker.alive"),
        validation_alias=AliasChoices("AI_GATE_HEARTBEAT_FILE"),
    )
    # The index git hands a hook when it commits from another one (`git commit -a`, or with
    # paths): what `ai-gate check --staged` reads instead of the repository's own index.
    git_index_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("GIT_INDEX_FILE")
    )
    cache_max_mb: int = Field(
        default=2048, ge=16, validation_alias=AliasChoices("AI_GATE_CACHE_MAX_MB")
    )

    @model_validator(mode="after")
    def _read_key_file(self) -> Self:
        if self.github_app_private_key is None and self.github_app_private_key_path is not None:
            try:
                text = self.github_app_private_key_path.read_text()
            except OSError as exc:
                raise ValueError(
                    f"GITHUB_APP_PRIVATE_KEY_PATH: cannot read {self.github_app_private_key_path}: "
                    f"{exc.strerror}"
                ) from exc
            self.github_app_private_key = SecretStr(text)
        key = self.github_app_private_key
        if key is not None and "PRIVATE KEY-----" not in key.get_secret_value():
            raise ValueError("GITHUB_APP_PRIVATE_KEY: not a PEM private key")
        if not self.github_api_url.startswith(("http://", "https://")):
            raise ValueError("GITHUB_API_URL: must start with http:// or https://")
        for name, url in (("AI_GATE_PYPI_URL", self.pypi_url), ("AI_GATE_NPM_URL", self.npm_url)):
            if url and not url.startswith(("http://", "https://")):
                raise ValueError(f"{name}: must start with http:// or https://, or be empty")
        for name, secret in (
            ("AI_GATE_ALERT_SLACK_URL", self.alert_slack_url),
            ("AI_GATE_ALERT_WEBHOOK_URL", self.alert_webhook_url),
        ):
            if secret is not None and not secret.get_secret_value().startswith(
                ("http://", "https://")
            ):
                raise ValueError(f"{name}: must start with http:// or https://")
        return self

    @property
    def embedded(self) -> bool:
        """True when jobs run inside the web process (no REDIS_URL)."""
        return not self.redis_url

    @property
    def has_app_credentials(self) -> bool:
        """True when jobs can authenticate as the app."""
        has_issuer = self.github_app_id is not None or bool(self.github_client_id)
        return has_issuer and self.github_app_private_key is not None

    @property
    def jwt_issuer(self) -> str:
        """The app JWT's `iss`: the client id when set (GitHub's preference), else the app id."""
        if self.github_client_id:
            return self.github_client_id
        if self.github_app_id is None:
            raise SettingsError("GITHUB_APP_ID", "is not set")
        return str(self.github_app_id)

    def require_app_credentials(self) -> tuple[str, SecretStr]:
        """The JWT issuer and private key, or a SettingsError naming what is missing."""
        if self.github_app_id is None and not self.github_client_id:
            raise SettingsError("GITHUB_APP_ID", "is not set (or set GITHUB_CLIENT_ID)")
        if self.github_app_private_key is None:
            raise SettingsError(
                "GITHUB_APP_PRIVATE_KEY", "is not set (or set GITHUB_APP_PRIVATE_KEY_PATH)"
            )
        return self.jwt_issuer, self.github_app_private_key

    @property
    def dashboard_enabled(self) -> bool:
        """True when users can sign in to the dashboard (the App's OAuth client is set)."""
        return bool(self.github_client_id) and self.github_client_secret is not None

    def require_webhook_secret(self) -> SecretStr:
        """The webhook secret, which the server refuses to run without."""
        if self.github_webhook_secret is None or not self.github_webhook_secret.get_secret_value():
            raise SettingsError("GITHUB_WEBHOOK_SECRET", "is not set; the server will not start")
        return self.github_webhook_secret


def load_settings(**overrides: object) -> Settings:
    """Read the environment into Settings, turning validation errors into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"][0] if first["loc"] else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        variable = str(loc).upper() if loc else message.split(":", 1)[0]
        raise SettingsError(variable, message.split(": ", 1)[-1]) from exc
