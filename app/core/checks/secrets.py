"""Secrets in the lines a pull request added, found with Yelp's detect-secrets plugins.

The plugins are used in memory, one line at a time, without detect-secrets' global settings,
scanning entry points, logging or verification (which would call the provider's API): only
their patterns (`analyze_string`) and their pure false-positive heuristics are used. The secret
itself never leaves this module: findings name the kind of secret and the line, and the
fingerprint is taken over the line with the secret replaced by a short hash of it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from detect_secrets.filters.allowlist import is_line_allowlisted
from detect_secrets.filters.heuristic import (
    is_indirect_reference,
    is_likely_id_string,
    is_lock_file,
    is_non_text_file,
    is_not_alphanumeric_string,
    is_potential_uuid,
    is_prefixed_with_dollar_sign,
    is_sequential_string,
    is_swagger_file,
    is_templated_secret,
)
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
    HighEntropyStringsPlugin,
)
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import DENYLIST as KEYWORD_DENYLIST
from detect_secrets.plugins.keyword import (
    QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    REGEX_BY_FILETYPE,
    KeywordDetector,
)
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector
from detect_secrets.util.code_snippet import CodeSnippet
from detect_secrets.util.filetype import determine_file_type
from pydantic import Field

from app.core.diff import PatchLines, head_side, parse_patch
from app.core.fingerprint import fingerprint
from app.core.models import Finding, Level, PullRequestSnapshot
from app.core.section import Patterns, Section

CHECK = "secrets"

# Longer lines (minified bundles, data blobs) are scanned only up to here: the keyword and
# entropy patterns are not meant for megabyte lines.
_MAX_LINE = 4000


class SecretsConfig(Section):
    enabled: bool = Field(default=True, description="look for secrets in the added lines")
    level: Level = Field(default="failure", description="the level of a secret's finding")
    entropy: bool = Field(
        default=False,
        description="also report quoted high-entropy base64 and hex strings (noisy: hashes, "
        "ids and test data look the same)",
    )
    allow: Patterns = Field(
        default=(),
        description="regular expressions; an added line, or a file path, that one of them "
        "matches (re.search) is not scanned, e.g. '^tests/fixtures/'",
    )


class _AnthropicKeyDetector(RegexBasedDetector):
    """Anthropic API and admin keys (detect-secrets has no plugin for them)."""

    secret_type = "Anthropic API Key"
    denylist = (re.compile(r"sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA"),)


class _GitHubFineGrainedTokenDetector(RegexBasedDetector):
    """GitHub fine-grained personal access tokens (the plugin knows only the `gh?_` ones)."""

    secret_type = "GitHub Token"
    denylist = (re.compile(r"github_pat_[A-Za-z0-9_]{82}"),)


_Kind = Literal["pattern", "keyword", "entropy"]


@dataclass(frozen=True)
class _Detector:
    rule: str
    label: str
    plugin: BasePlugin
    kind: _Kind = "pattern"


# Token-shaped detectors: a match is a secret of that provider's format.
_PATTERNS: tuple[_Detector, ...] = (
    _Detector("aws-access-key", "AWS access key", AWSKeyDetector()),
    _Detector("github-token", "GitHub token", GitHubTokenDetector()),
    _Detector("github-token", "GitHub token", _GitHubFineGrainedTokenDetector()),
    _Detector("gitlab-token", "GitLab token", GitLabTokenDetector()),
    _Detector("private-key", "private key", PrivateKeyDetector()),
    _Detector("slack-token", "Slack token", SlackDetector()),
    _Detector("stripe-key", "Stripe key", StripeDetector()),
    _Detector("jwt", "JSON Web Token", JwtTokenDetector()),
    _Detector("basic-auth", "password in a URL (basic auth)", BasicAuthDetector()),
    _Detector("twilio-key", "Twilio API key", TwilioKeyDetector()),
    _Detector("sendgrid-key", "SendGrid API key", SendGridDetector()),
    _Detector("openai-key", "OpenAI API key", OpenAIDetector()),
    _Detector("anthropic-key", "Anthropic API key", _AnthropicKeyDetector()),
    _Detector("azure-storage-key", "Azure storage account key", AzureStorageKeyDetector()),
    _Detector("discord-token", "Discord bot token", DiscordBotTokenDetector()),
    _Detector("mailchimp-key", "Mailchimp API key", MailchimpDetector()),
    _Detector("npm-token", "npm token", NpmDetector()),
    _Detector("pypi-token", "PyPI token", PypiTokenDetector()),
    _Detector("square-oauth-secret", "Square OAuth secret", SquareOAuthDetector()),
    _Detector("telegram-token", "Telegram bot token", TelegramBotTokenDetector()),
)
# Generic detectors: reported only on a line no token-shaped detector matched.
_KEYWORD = _Detector(
    "secret-keyword",
    "hard-coded secret (a literal assigned to a password, key or token)",
    KeywordDetector(),
    "keyword",
)
_ENTROPY: tuple[_Detector, ...] = (
    _Detector(
        "high-entropy-base64", "secret (high-entropy string)", Base64HighEntropyString(), "entropy"
    ),
    _Detector(
        "high-entropy-hex", "secret (high-entropy hex string)", HexHighEntropyString(), "entropy"
    ),
)


def _gate(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One regex that matches wherever any of `patterns` could: a cheap first look at a line,
    so the detectors themselves run only on the few lines that might hold a secret."""
    parts = [f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})" for p in patterns]
    return re.compile("|".join(parts))


def _gated(detector: _Detector) -> bool:
    plugin = detector.plugin
    # A pattern with a back-reference cannot be joined into one alternation.
    return isinstance(plugin, RegexBasedDetector) and not any(
        re.search(r"\\[1-9]", p.pattern) for p in plugin.denylist
    )


_PATTERN_GATE = _gate(
    [p for d in _PATTERNS if _gated(d) for p in d.plugin.denylist]  # type: ignore[attr-defined]
)
_UNGATED = tuple(d for d in _PATTERNS if not _gated(d))
_KEYWORD_GATE = re.compile("|".join(KEYWORD_DENYLIST), re.IGNORECASE)

# Every rule this check can report.
RULES: tuple[str, ...] = tuple(dict.fromkeys(d.rule for d in (*_PATTERNS, _KEYWORD, *_ENTROPY)))


# Values that stand for a secret in documentation and examples (`postgresql://user:password@host`,
# `password = "changeme"`); detect-secrets' own heuristics catch `<...>`, `${...}` and the like.
_PLACEHOLDER = re.compile(
    r"^(?:pass(?:word|wd)?|pwd|secret|changeme|change[-_]me|example|placeholder|redacted|"
    r"dummy|x{3,}|\*{3,}|\.{3,})$",
    re.IGNORECASE,
)


def _matches(detector: _Detector, path: str, line: str) -> list[str]:
    """The secret values the detector finds in one line, after detect-secrets' heuristics."""
    plugin = detector.plugin
    if detector.kind == "keyword" and isinstance(plugin, KeywordDetector):
        regexes = REGEX_BY_FILETYPE.get(
            determine_file_type(path), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
        )
        found = list(plugin.analyze_string(line, denylist_regex_to_group=regexes))
    elif detector.kind == "entropy" and isinstance(plugin, HighEntropyStringsPlugin):
        found = [
            value
            for value in plugin.analyze_string(line)
            if plugin.calculate_shannon_entropy(value) > plugin.entropy_limit
        ]
    else:
        found = list(plugin.analyze_string(line))
    return [
        value
        for value in dict.fromkeys(found)
        if value
        and not is_templated_secret(value)
        and not is_prefixed_with_dollar_sign(value)
        and not is_sequential_string(value)
        and not is_potential_uuid(value)
        and not is_not_alphanumeric_string(value)
        and not is_likely_id_string(value, line, plugin)
        and not _PLACEHOLDER.match(value)
    ]


def _redact(line: str, secrets: list[str]) -> str:
    # Longest first, so a secret containing another is replaced whole.
    for value in sorted(secrets, key=len, reverse=True):
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        line = line.replace(value, f"<redacted:{digest}>")
    return line


def _split(text: str) -> list[str]:
    # Split as git does (on "\n" only); `str.splitlines` also splits on form feeds and the like.
    return [line.removesuffix("\r") for line in text.split("\n")]


def _added_lines(
    snapshot: PullRequestSnapshot, lines: Mapping[str, PatchLines]
) -> Iterator[tuple[str, int, str, str]]:
    """(path, head line number, text, previous line's text) of every added line."""
    for f in snapshot.files:
        if f.status == "removed":
            continue
        added = (lines.get(f.path) or parse_patch(f.patch)).added
        if not added:
            continue
        content = snapshot.contents.get(f.path)
        head = _split(content) if content is not None else []
        from_patch = head_side(f.patch)

        def text_at(n: int, head: list[str] = head, from_patch: dict[int, str] = from_patch) -> str:
            if 0 < n <= len(head):
                return head[n - 1]
            return from_patch.get(n, "")

        for n in sorted(added):
            yield f.path, n, text_at(n), text_at(n - 1)


_Hits = dict[str, tuple[_Detector, list[str]]]


def _line_hits(path: str, line: str, generic: tuple[_Detector, ...]) -> _Hits:
    """What each detector finds in one line, by rule."""
    hits: _Hits = {}
    candidates = _PATTERNS if _PATTERN_GATE.search(line) else _UNGATED
    for detector in candidates:
        values = _matches(detector, path, line)
        if values:
            known = hits.get(detector.rule, (detector, []))[1]
            hits[detector.rule] = (detector, known + values)
    if hits:
        return hits
    # Keyword and entropy matches are guesses: only where no token-shaped secret was found,
    # and not where the value is computed (`secret = vault.get("x")`).
    for detector in generic:
        if detector.kind == "keyword" and not _KEYWORD_GATE.search(line):
            continue
        if detector.kind == "entropy" and "'" not in line and '"' not in line:
            continue  # the entropy plugins look only at quoted strings
        if is_indirect_reference(line):
            break
        values = _matches(detector, path, line)
        if values:
            hits[detector.rule] = (detector, values)
    return hits


def secret_findings(
    snapshot: PullRequestSnapshot,
    config: SecretsConfig,
    lines: Mapping[str, PatchLines],
) -> list[Finding]:
    """Secrets in the added lines of the changed files, one finding per line and kind."""
    if not config.enabled:
        return []
    allow = [re.compile(p) for p in config.allow]
    generic = (_KEYWORD, *_ENTROPY) if config.entropy else (_KEYWORD,)
    findings: list[Finding] = []
    for path, line_no, text, previous in _added_lines(snapshot, lines):
        if is_lock_file(path) or is_swagger_file(path) or is_non_text_file(path):
            continue
        line = text[:_MAX_LINE].rstrip()
        if not line.strip() or any(p.search(path) or p.search(line) for p in allow):
            continue
        hits = _line_hits(path, line, generic)
        if not hits:
            continue
        # Checked last: most lines hold nothing, and a pragma only ever removes a hit.
        snippet = CodeSnippet(snippet=[previous, line], start_line=line_no - 1, target_index=1)
        if is_line_allowlisted(path, line, snippet):
            continue
        every_secret = [v for _, values in hits.values() for v in values]
        redacted = _redact(text, every_secret)
        for rule, (detector, _values) in hits.items():
            findings.append(
                Finding(
                    check=CHECK,
                    rule=rule,
                    level=config.level,
                    path=path,
                    start_line=line_no,
                    end_line=line_no,
                    message=f"Possible {detector.label} added; "
                    "rotate it and remove it from the history",
                    in_diff=True,
                    fingerprint=fingerprint(CHECK, rule, path, redacted),
                )
            )
    return findings
