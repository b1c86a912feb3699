"""Secrets a maintainer can trust: failures only on secrets by their shape, none on test data,
placeholders, names or documentation examples (the false findings seen on real repositories)."""

from __future__ import annotations

import pytest

from app.core.checks.secrets import secret_findings
from app.core.checks.secretvalues import bound_name, checksum_ok, names_a_credential
from app.core.config.checks import SecretsConfig
from app.core.diff import parse_patch
from app.core.models import Finding
from tests.builders import github_token, make_file, make_snapshot
from tests.unit.test_secrets import GITHUB_TOKEN, PASSWORD, PEM_HEADER, scan

RANDOM = "aB3dE5gH7jK9mN1pQ3xY"  # random-looking, as a real key is
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJ1c2VyIjoiYWRhIiwicm9sZSI6ImFkbWluIn0"
    + ".k3Jw8ZpQ2mN5vT7xR1sW4yB6hJ0mF9gC8eA2uL3"
)


def levels(findings: list[Finding]) -> list[tuple[int, str, str]]:
    return [(f.start_line, f.rule, f.level) for f in findings]


@pytest.mark.parametrize(
    "line",
    [
        'api_key = "test-api-key"',
        'client = Client(api_key="mock-anthropic-key")',
        'OPENAI_API_KEY = "sk-..."',
        'password = "dummy-password-1"',
        'client_secret = "my-secret"',  # the name echoed as its value
        'api_key="my-anthropic-api-key"',
        'DB_PASSWORD = "xxxxxxxxxxxx"',
        'password = "aaaaaaaaaaaaaaaa"',  # repeated characters
        "secret_environment_name = 'staging'",  # a secret's name, not a secret
        'token_endpoint_auth_method = "client_secret_basic"',  # an OAuth method name
        'auth_methods = {"client_secret": "client_secret_post"}',
        'DEFAULT_PASSWORD = "Zq8v7LmP2wX9dT3k"  # placeholder, replaced at deploy time',
        "# e.g. https://user:token@github.com/owner/repo.git",  # a URL's shape
        'url = "postgresql://postgres:postgres@db.acme.io/app"',  # user name echoed
        f'aws_access_key_id = "AKIA{"X" * 16}"',
        f'TOKEN = "ghp_{"a" * 36}"',
        f'KEY = "{PEM_HEADER}"',  # code that reads keys: a header, no key data
    ],
)
def test_fakes_placeholders_and_names_are_not_secrets(line: str) -> None:
    assert scan([line]) == []


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_client.py",
        "pkg/tests/helpers.py",
        "test_settings.py",
        "pkg/client_test.py",
        "conftest.py",
        "tests/cassettes/test_login.yaml",
        "src/fixtures/users.json",
    ],
)
def test_keyword_hits_in_test_code_and_data_are_not_reported(path: str) -> None:
    lines = [f'password = "{PASSWORD}"', f'api_key = "{RANDOM}"', "  password: hunter2"]
    assert scan(lines, path=path) == []


def test_test_paths_can_be_configured_to_scan_tests_like_any_code() -> None:
    f = make_file("tests/test_db.py", [f'password = "{PASSWORD}"'])
    snapshot = make_snapshot(files=[f])
    lines = {f.path: parse_patch(f.patch)}
    found = secret_findings(snapshot, SecretsConfig(), lines, test_paths=())
    assert levels(found) == [(1, "secret-keyword", "failure")]


def test_a_literal_that_is_not_random_is_a_notice_at_most() -> None:
    found = scan(['    self.api_key = "sk-refreshed"', 'db_password = "hunter2"'])
    assert levels(found) == [(1, "secret-keyword", "notice"), (2, "secret-keyword", "notice")]
    assert found[0].message == (
        "Possibly a hard-coded secret: a literal assigned to `api_key`. If it is a real "
        "secret, load it from the environment or a secret store instead"
    )


def test_random_value_bound_to_a_credential_name_fails_outside_tests_only() -> None:
    line = f'STRIPE_API_KEY = "{RANDOM}"'
    [found] = scan([line])
    assert (found.level, found.rule) == ("failure", "secret-keyword")
    assert "assigned to `STRIPE_API_KEY`" in found.message
    assert scan([line], path="tests/test_billing.py") == []


def test_documentation_and_docstring_examples_are_notices() -> None:
    readme = scan([f'client = Client(api_key="{RANDOM}")'], path="README.md")
    doctest = scan([f'    >>> client = Client(api_key="{RANDOM}")'])
    docstring = scan(
        ["def connect():", '    """Connect.', "", f'    password = "{PASSWORD}"', '    """']
    )
    assert [f.level for f in readme + doctest + docstring] == ["notice"] * 3


def test_a_real_token_shape_in_docs_is_still_a_failure() -> None:
    [found] = scan([f"export GITHUB_TOKEN={GITHUB_TOKEN}"], path="docs/setup.md")
    assert found.level == "failure"


def test_github_token_with_a_wrong_checksum_is_a_notice_and_nothing_in_tests() -> None:
    wrong = GITHUB_TOKEN[:-1] + ("B" if GITHUB_TOKEN[-1] != "B" else "C")
    assert checksum_ok(wrong) is False
    [found] = scan([f'TOKEN = "{wrong}"'])
    assert found.level == "notice"
    assert "checksum does not match" in found.message
    assert scan([f'TOKEN = "{wrong}"'], path="tests/test_api.py") == []


def test_in_tests_even_a_checksummed_token_is_a_warning() -> None:
    # Tests of redaction code hold well-formed tokens on purpose (seen on real repositories).
    found = scan(
        [
            f'TOKEN = "{github_token(prefix="ghs")}"',
            'url = "https://svc:Zq8v7LmP2wX9dT3kN6b@db.acme.io"',
        ],
        path="tests/test_sync.py",
    )
    assert levels(found) == [(1, "github-token", "warning"), (2, "basic-auth", "warning")]


def test_a_value_repeated_in_a_file_is_reported_once() -> None:
    line = f'assert redact("{GITHUB_TOKEN}") == "[REDACTED]"'
    found = scan([line, "x = 1", line, line])
    assert levels(found) == [(1, "github-token", "failure")]
    assert len(scan([line], path="a.py") + scan([line], path="b.py")) == 2


def test_passwords_in_urls_by_host_and_placeholder() -> None:
    found = scan(
        [
            'DSN = "postgresql://app:Zq8v7LmP2wX9@db.acme.io/app"',
            'DSN = "postgresql://app:Zq8v7LmP2wX9@localhost/app"',
            'DSN = "postgresql://app:changeme@db.acme.io/app"',
            'DSN = "postgresql://app:%(password)s@db.acme.io/app"',
        ]
    )
    assert levels(found) == [(1, "basic-auth", "failure"), (2, "basic-auth", "notice")]
    assert "a URL with a password that is not a placeholder" in found[0].message


def test_jwt_is_a_warning_outside_tests_and_nothing_in_tests() -> None:
    assert levels(scan([f'AUTH = "{JWT}"'])) == [(1, "jwt", "warning")]
    assert scan([f'AUTH = "{JWT}"'], path="tests/test_auth.py") == []


def test_private_key_with_key_data_on_the_same_line() -> None:
    line = f'KEY = "{PEM_HEADER}\\nMIIEowIBAAKCAQEAr4Zq8v7LmP2wX9dT3kN6bH1yJ5cR0gF4sA8eU2iO7pQ"'
    assert levels(scan([line])) == [(1, "private-key", "failure")]


def test_entropy_hits_never_fail_and_are_not_reported_in_tests() -> None:
    line = 'digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"'
    config = SecretsConfig(entropy=True)
    assert levels(scan([line], config=config)) == [(1, "high-entropy-hex", "warning")]
    assert scan([line], path="tests/test_hash.py", config=config) == []


@pytest.mark.parametrize(
    ("line", "value", "name"),
    [
        ('password = "x1"', "x1", "password"),
        ('self.api_key = "x1"', "x1", "api_key"),
        ('{"EXA_API_KEY": "x1"}', "x1", "EXA_API_KEY"),
        ('os.environ["DB_PASS"] = "x1"', "x1", "DB_PASS"),
        ('connect(password="x1")', "x1", "password"),
        ('assert info.client_secret == "x1"', "x1", "client_secret"),
        ("print('x1')", "x1", "print"),
    ],
)
def test_bound_name(line: str, value: str, name: str) -> None:
    assert bound_name(line, value) == name


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("password", True),
        ("DB_PASSWORD", True),
        ("clientSecret", True),
        ("STRIPE_API_KEY", True),
        ("private_key", True),
        ("secret_environment_name", False),
        ("token_url", False),
        ("password_field", False),
        ("key", False),
        ("", False),
    ],
)
def test_names_a_credential(name: str, credential: bool) -> None:
    assert names_a_credential(name) is credential


@pytest.mark.parametrize(
    "line",
    [
        'BROKER = "amqp://guest:guest@rabbitmq:5672//"',
        'CACHE = "redis://admin:admin123@cache.acme.io:6379"',
        'DB = "postgresql://app:Zq8v7LmP2wX9@db:5432/app"',  # a compose service
    ],
)
def test_service_and_echoed_url_passwords_never_fail(line: str) -> None:
    assert all(f.level == "notice" for f in scan([line]))


def test_example_configuration_files_hold_examples() -> None:
    found = scan([f'STRIPE_API_KEY="{RANDOM}"', "DB_PASSWORD=postgres"], path=".env.example")
    assert [f.level for f in found] == ["notice"]
