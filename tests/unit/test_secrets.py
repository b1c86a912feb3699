"""Secrets in added lines: found by kind, never echoed, fingerprinted without the value."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.core.checks import secrets as secrets_module
from app.core.checks.secrets import RULES, secret_findings
from app.core.config.checks import SecretsConfig
from app.core.diff import parse_patch
from app.core.models import FileDiff, Finding, PullRequestSnapshot
from tests.builders import github_token, make_file, make_snapshot

# Built at run time so that secret scanners reading this file have nothing to match.
AWS_KEY_ID = "AKIA" + "Q7XV2LM9TC4RB8NW"
AWS_SECRET = "u8Kd2/Lq9ZxP4" + "vT7nR1sW3yB6hJ0mF5gC8eA2k9Q"
AWS_EXAMPLE_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documented example access key id
PEM_HEADER = "-----BEGIN " + "RSA PRIVATE KEY-----"
PEM_BODY = "MIIEowIBAAKCAQEAr4" + "Zq8v7LmP2wX9dT3kN6bH1yJ5cR0gF4sA8eU2iO7pQ"
PASSWORD = "Tr0ub4dor" + "-and-3-horses"
HEX_BLOB = "9f86d081884c7d659a2feaa0c55ad015" + "a3bf4f1b2b0b822cd15d6c15b0f00a08"
GITHUB_TOKEN = github_token()
SECRETS = (AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN, PASSWORD, HEX_BLOB)


def scan(
    added: list[str], path: str = "pkg/settings.py", config: SecretsConfig | None = None
) -> list[Finding]:
    f = make_file(path, added)
    snapshot = make_snapshot(files=[f])
    return secret_findings(snapshot, config or SecretsConfig(), {f.path: parse_patch(f.patch)})


def rules(findings: list[Finding]) -> list[tuple[int, str]]:
    return [(f.start_line, f.rule) for f in findings]


def test_aws_key_and_secret_are_failures_that_say_why() -> None:
    findings = scan(
        [
            "import boto3",
            f'aws_access_key_id = "{AWS_KEY_ID}"',
            f'aws_secret_access_key = "{AWS_SECRET}"',
        ]
    )
    assert rules(findings) == [(2, "aws-access-key"), (3, "aws-access-key")]
    assert all(f.check == "secrets" and f.level == "failure" and f.in_diff for f in findings)
    assert findings[0].message == (
        "AWS access key added: it has the AWS access key format. "
        "Rotate it and remove it from the history"
    )


def test_aws_documented_example_key_is_not_a_secret() -> None:
    assert scan([f'aws_access_key_id = "{AWS_EXAMPLE_KEY_ID}"']) == []


def test_key_passed_straight_to_a_call_is_still_found() -> None:
    # detect-secrets' "indirect reference" heuristic would drop this line; token-shaped
    # detectors do not use it.
    findings = scan([f'client = boto3.client("s3", aws_access_key_id="{AWS_KEY_ID}")'])
    assert rules(findings) == [(1, "aws-access-key")]


def test_github_token_private_key_and_password_assignment() -> None:
    findings = scan(
        [
            f'TOKEN = "{GITHUB_TOKEN}"',
            f'KEY = """{PEM_HEADER}',
            PEM_BODY,
            f'password = "{PASSWORD}"',
            'password = get_password("db")',  # computed, not a literal
            'password = "${DB_PASSWORD}"',  # a template, not a secret
        ]
    )
    assert rules(findings) == [(1, "github-token"), (2, "private-key"), (4, "secret-keyword")]
    assert {f.level for f in findings} == {"failure"}
    assert "prefix and checksum match the GitHub token format" in findings[0].message
    assert findings[1].message.startswith("Private key added: a private-key block with key data")
    assert "22-character value (3.8 bits per character) assigned to `password`" in (
        findings[2].message
    )


def test_secret_on_a_context_line_is_not_reported() -> None:
    patch = "\n".join(
        [
            "@@ -1,2 +1,3 @@",
            f' TOKEN = "{GITHUB_TOKEN}"',
            "+x = 1",
            " y = 2",
        ]
    )
    f = FileDiff(path="pkg/mod.py", patch=patch, additions=1)
    contents = {f.path: f'TOKEN = "{GITHUB_TOKEN}"\nx = 1\ny = 2\n'}
    snapshot = make_snapshot(files=[f], contents=contents)
    assert secret_findings(snapshot, SecretsConfig(), {f.path: parse_patch(patch)}) == []


def test_the_secret_is_never_echoed() -> None:
    findings = scan(
        [
            f'aws_access_key_id = "{AWS_KEY_ID}"',
            f'aws_secret_access_key = "{AWS_SECRET}"',
            f'TOKEN = "{GITHUB_TOKEN}"',
            f'password = "{PASSWORD}"',
            f'digest = "{HEX_BLOB}"',
        ],
        config=SecretsConfig(entropy=True),
    )
    assert len(findings) == 5
    assert "digest" not in {f.message for f in findings}
    dumped = repr(findings) + json.dumps([f.model_dump(mode="json") for f in findings])
    for secret in SECRETS:
        assert secret not in dumped
        assert secret[4:-4] not in dumped  # not even most of it


def test_allowlist_pragma_skips_the_line_and_the_next_line_form() -> None:
    findings = scan(
        [
            f'password = "{PASSWORD}"  # pragma: allowlist secret',
            "# pragma: allowlist nextline secret",
            f'TOKEN = "{GITHUB_TOKEN}"',
            f'OTHER = "{GITHUB_TOKEN}"',
        ]
    )
    assert rules(findings) == [(4, "github-token")]


def test_allow_patterns_skip_paths_and_lines() -> None:
    line = f'TOKEN = "{GITHUB_TOKEN}"'
    fixture = "tests/fixtures/tokens.py"
    assert scan([line], path=fixture, config=SecretsConfig(allow=("^tests/",))) == []
    assert scan([line], path=fixture, config=SecretsConfig()) != []
    assert scan([line], config=SecretsConfig(allow=(r"^TOKEN =",))) == []
    assert scan([line], path="src/x.py", config=SecretsConfig(allow=("^tests/",))) != []


def test_invalid_allow_pattern_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match="not a regular expression"):
        SecretsConfig(allow=("([unclosed",))


def test_fingerprint_survives_the_line_moving_and_differs_per_secret() -> None:
    line = f'TOKEN = "{GITHUB_TOKEN}"'
    first = scan([line])
    moved = scan(["import os", "", line])
    other = scan([f'TOKEN = "{github_token("r8Yw2Lm9Tc4Rb8Nw1Kd6Hy3Zp5Fs0G")}"'])
    assert first[0].start_line == 1
    assert moved[0].start_line == 3
    assert first[0].fingerprint == moved[0].fingerprint
    assert first[0].fingerprint != other[0].fingerprint
    assert first[0].fingerprint != scan([line], path="pkg/other.py")[0].fingerprint


def test_entropy_is_off_by_default() -> None:
    line = f'digest = "{HEX_BLOB}"'
    assert scan([line]) == []
    assert rules(scan([line], config=SecretsConfig(entropy=True))) == [(1, "high-entropy-hex")]


def test_patch_text_is_used_when_contents_were_not_fetched() -> None:
    f = make_file("config/app.py", ["x = 1", f'TOKEN = "{GITHUB_TOKEN}"'])
    snapshot = PullRequestSnapshot(
        repository="octo/repo", base_sha="a" * 40, head_sha="f" * 40, files=(f,)
    )
    # No `lines` entry either: the patch is parsed.
    assert rules(secret_findings(snapshot, SecretsConfig(), {})) == [(2, "github-token")]


def test_removed_files_and_disabled_check_report_nothing() -> None:
    line = f'TOKEN = "{GITHUB_TOKEN}"'
    assert scan([line], config=SecretsConfig(enabled=False)) == []
    f = make_file("pkg/gone.py", [line]).model_copy(update={"status": "removed"})
    snapshot = make_snapshot(files=[f])
    assert secret_findings(snapshot, SecretsConfig(), {f.path: parse_patch(f.patch)}) == []


def test_configured_level_caps_every_finding_and_rules_are_slugs() -> None:
    lines = [f'TOKEN = "{GITHUB_TOKEN}"', 'DB_PASSWORD = "not-so-random"']
    findings = scan(lines, config=SecretsConfig(level="warning"))
    assert [(f.rule, f.level) for f in findings] == [
        ("github-token", "warning"),
        ("secret-keyword", "notice"),  # below the cap already
    ]
    assert all(rule == rule.lower() and " " not in rule for rule in RULES)


def test_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        scan([f'password = "{PASSWORD}"', "password = '${X}'", f'TOKEN = "{GITHUB_TOKEN}"'])
    assert caplog.records == []


_SECRET_LINES = [
    f'key = "{AWS_KEY_ID}"',
    f"aws_secret_access_key = '{AWS_SECRET}'",
    f"token = {GITHUB_TOKEN}",
    PEM_HEADER,
    f'password = "{PASSWORD}"',
    f'DB_PASS = "{PASSWORD}"',
    f"url = 'https://admin:{PASSWORD}@db.acme.io/x'",
    f'digest = "{HEX_BLOB}"',
]


@given(
    st.lists(st.sampled_from(_SECRET_LINES), max_size=2).map(" ".join)
    | st.text(alphabet=st.characters(codec="ascii"), max_size=120)
)
@settings(max_examples=300, deadline=None)
def test_the_cheap_gates_never_hide_a_detector_match(line: str) -> None:
    """The one-regex gate is a superset of every token detector, and the keyword gate of the
    keyword detector: skipping a line the gates reject can never lose a finding."""
    for detector in secrets_module._PATTERNS:
        if secrets_module._matches(detector, "a.py", line):
            assert secrets_module._PATTERN_GATE.search(line), (detector.rule, line)
    if secrets_module._matches(secrets_module._KEYWORD, "a.py", line):
        assert secrets_module._KEYWORD_GATE.search(line), line


def test_the_gates_let_every_known_secret_through() -> None:
    lines = [*_SECRET_LINES[:4], PEM_BODY, _SECRET_LINES[4]]
    assert [r for _, r in rules(scan(lines))] == [
        "aws-access-key",
        "aws-access-key",
        "github-token",
        "private-key",
        "secret-keyword",
    ]


def test_placeholders_in_examples_are_not_secrets() -> None:
    findings = scan(
        [
            "# DATABASE_URL=postgresql://user:password@host/db",
            'password = "changeme"',
            'url = "https://admin:xxxx@example.com"',
            "DATABASE_URL=postgresql://app:Zq8-v7LmP2w@db.internal/app",  # a real-looking one
        ],
        path="docs/setup.md",
    )
    assert rules(findings) == [(4, "basic-auth")]
