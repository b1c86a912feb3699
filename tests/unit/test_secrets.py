"""Secrets in added lines: found by kind, never echoed, fingerprinted without the value."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.core.checks import secrets as secrets_module
from app.core.checks.secrets import RULES, SecretsConfig, secret_findings
from app.core.diff import parse_patch
from app.core.models import FileDiff, Finding, PullRequestSnapshot
from tests.builders import make_file, make_snapshot

# Built at run time so that secret scanners reading this file have nothing to match.
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documented example access key id
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"  # and its example secret
GITHUB_TOKEN = "ghp" + "_" + "q7Xv2Lm9Tc4Rb8Nw1Kd6Hy3Zp5Fs0Gj" + "Ue2Aw"
PEM_HEADER = "-----BEGIN " + "RSA PRIVATE KEY-----"
PASSWORD = "Tr0ub4dor" + "-and-3-horses"
HEX_BLOB = "9f86d081884c7d659a2feaa0c55ad015" + "a3bf4f1b2b0b822cd15d6c15b0f00a08"
SECRETS = (AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN, PASSWORD, HEX_BLOB)


def scan(
    added: list[str], path: str = "pkg/settings.py", config: SecretsConfig | None = None
) -> list[Finding]:
    f = make_file(path, added)
    snapshot = make_snapshot(files=[f])
    return secret_findings(snapshot, config or SecretsConfig(), {f.path: parse_patch(f.patch)})


def rules(findings: list[Finding]) -> list[tuple[int, str]]:
    return [(f.start_line, f.rule) for f in findings]


def test_aws_example_key_and_secret_are_found() -> None:
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
        "Possible AWS access key added; rotate it and remove it from the history"
    )


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
            f'password = "{PASSWORD}"',
            'password = get_password("db")',  # computed, not a literal
            'password = "${DB_PASSWORD}"',  # a template, not a secret
        ]
    )
    assert rules(findings) == [(1, "github-token"), (2, "private-key"), (3, "secret-keyword")]
    assert findings[1].message.startswith("Possible private key added")


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
    other = scan([line.replace("q7Xv", "r8Yw")])
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


def test_level_follows_config_and_rules_are_slugs() -> None:
    findings = scan([f'TOKEN = "{GITHUB_TOKEN}"'], config=SecretsConfig(level="warning"))
    assert findings[0].level == "warning"
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
    f"url = 'https://admin:{PASSWORD}@db.example.com/x'",
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
    assert [r for _, r in rules(scan(_SECRET_LINES[:5]))] == [
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
