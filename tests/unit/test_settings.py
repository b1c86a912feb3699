from pathlib import Path

import pytest

from app.errors import SettingsError
from app.settings import load_settings
from tests.fakes.keys import private_key_pem

ENV_NAMES = [
    "GITHUB_APP_ID",
    "APP_ID",
    "GITHUB_APP_PRIVATE_KEY",
    "PRIVATE_KEY",
    "GITHUB_APP_PRIVATE_KEY_PATH",
    "PRIVATE_KEY_PATH",
    "GITHUB_WEBHOOK_SECRET",
    "WEBHOOK_SECRET",
    "GITHUB_CLIENT_ID",
    "GITHUB_API_URL",
    "REDIS_URL",
    "DATABASE_URL",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_probot_names_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ID", "12")
    monkeypatch.setenv("PRIVATE_KEY", private_key_pem())
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    settings = load_settings()
    assert settings.github_app_id == 12
    assert settings.require_webhook_secret().get_secret_value() == "s3cret"
    assert settings.jwt_issuer == "12"
    assert settings.embedded


def test_client_id_is_the_preferred_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "12")
    monkeypatch.setenv("GITHUB_CLIENT_ID", "Iv23abc")
    assert load_settings().jwt_issuer == "Iv23abc"


def test_key_is_read_from_a_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "app.pem"
    key.write_text(private_key_pem())
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY_PATH", str(key))
    settings = load_settings()
    assert settings.github_app_private_key is not None
    assert "PRIVATE KEY" in settings.github_app_private_key.get_secret_value()


def test_unreadable_key_path_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY_PATH", "/nonexistent/key.pem")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert info.value.variable == "GITHUB_APP_PRIVATE_KEY_PATH"


def test_invalid_app_id_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "not-a-number")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert info.value.variable == "GITHUB_APP_ID"


def test_missing_webhook_secret_is_refused() -> None:
    with pytest.raises(SettingsError, match="GITHUB_WEBHOOK_SECRET"):
        load_settings().require_webhook_secret()


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "hunter2")
    assert "hunter2" not in repr(load_settings())
