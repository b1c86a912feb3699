"""Secrets in the lines a pull request added, found with Yelp's detect-secrets plugins.

The plugins are used in memory, one line at a time, without detect-secrets' global settings,
scanning entry points, logging or verification (which would call the provider's API): only
their patterns (`analyze_string`) and their pure false-positive heuristics are used. The secret
itself never leaves this module: findings name the kind of secret and the line, and the
fingerprint is taken over the line with the secret replaced by a short hash of it.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

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

from app.core.checks.check import Checked, CheckInput
from app.core.checks.secretvalues import Context, Evidence, Judgement, capped, judge, strongest
from app.core.config.checks import DEFAULT_TEST_PATHS, SecretsConfig
from app.core.diff import PatchLines, head_side, parse_patch
from app.core.fingerprint import fingerprint
from app.core.models import Finding, Level, PullRequestSnapshot

CHECK = "secrets"

# Longer lines (minified bundles, data blobs) are scanned only up to here: the keyword and
# entropy patterns are not meant for megabyte lines.
_MAX_LINE = 4000


class _AnthropicKeyDetector(RegexBasedDetector):
    """Anthropic API and admin keys (detect-secrets has no plugin for them)."""

    secret_type = "Anthropic API Key"
    denylist = (re.compile(r"sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA"),)


class _GitHubFineGrainedTokenDetector(RegexBasedDetector):
    """GitHub fine-grained personal access tokens (the plugin knows only the `gh?_` ones)."""

    secret_type = "GitHub Token"
    denylist = (re.compile(r"github_pat_[A-Za-z0-9_]{82}"),)


@dataclass(frozen=True)
class _Detector:
    rule: str
    label: str
    plugin: BasePlugin
    evidence: Evidence = "format"
    # The plugin's group captures only the token's prefix: the value is the whole match.
    whole_match: bool = False


_WEAK: Evidence = "weak-format"
# Token-shaped detectors: a match has that provider's format.
_PATTERNS: tuple[_Detector, ...] = (
    _Detector("aws-access-key", "AWS access key", AWSKeyDetector()),
    _Detector("github-token", "GitHub token", GitHubTokenDetector(), "checksum", True),
    _Detector("github-token", "GitHub token", _GitHubFineGrainedTokenDetector()),
    _Detector("gitlab-token", "GitLab token", GitLabTokenDetector(), whole_match=True),
    _Detector("private-key", "private key", PrivateKeyDetector(), "key-block"),
    _Detector("slack-token", "Slack token", SlackDetector()),
    _Detector("stripe-key", "Stripe key", StripeDetector()),
    _Detector("jwt", "JSON Web Token", JwtTokenDetector(), _WEAK),
    _Detector("basic-auth", "password in a URL", BasicAuthDetector(), "url"),
    _Detector("twilio-key", "Twilio API key", TwilioKeyDetector(), _WEAK),
    _Detector("sendgrid-key", "SendGrid API key", SendGridDetector()),
    _Detector("openai-key", "OpenAI API key", OpenAIDetector()),
    _Detector("anthropic-key", "Anthropic API key", _AnthropicKeyDetector()),
    _Detector("azure-storage-key", "Azure storage account key", AzureStorageKeyDetector()),
    _Detector("discord-token", "Discord bot token", DiscordBotTokenDetector(), _WEAK),
    _Detector("mailchimp-key", "Mailchimp API key", MailchimpDetector(), _WEAK),
    _Detector("npm-token", "npm token", NpmDetector()),
    _Detector("pypi-token", "PyPI token", PypiTokenDetector()),
    _Detector("square-oauth-secret", "Square OAuth secret", SquareOAuthDetector()),
    _Detector("telegram-token", "Telegram bot token", TelegramBotTokenDetector(), _WEAK),
)
# Generic detectors: reported only on a line no token-shaped detector matched.
_KEYWORD = _Detector("secret-keyword", "hard-coded secret", KeywordDetector(), "keyword")
_ENTROPY: tuple[_Detector, ...] = (
    _Detector("high-entropy-base64", "high-entropy string", Base64HighEntropyString(), "entropy"),
    _Detector("high-entropy-hex", "high-entropy hex string", HexHighEntropyString(), "entropy"),
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


def _matches(detector: _Detector, path: str, line: str) -> list[str]:
    """The secret values the detector finds in one line, after detect-secrets' heuristics."""
    plugin = detector.plugin
    if detector.evidence == "keyword" and isinstance(plugin, KeywordDetector):
        regexes = REGEX_BY_FILETYPE.get(
            determine_file_type(path), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
        )
        found = list(plugin.analyze_string(line, denylist_regex_to_group=regexes))
    elif detector.evidence == "entropy" and isinstance(plugin, HighEntropyStringsPlugin):
        found = [
            value
            for value in plugin.analyze_string(line)
            if plugin.calculate_shannon_entropy(value) > plugin.entropy_limit
        ]
    elif detector.whole_match and isinstance(plugin, RegexBasedDetector):
        found = [m.group(0) for p in plugin.denylist for m in p.finditer(line)]
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
    ]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _redact(line: str, secrets: list[str]) -> str:
    # Longest first, so a secret containing another is replaced whole.
    for value in sorted(secrets, key=len, reverse=True):
        line = line.replace(value, f"<redacted:{_digest(value)}>")
    return line


def _split(text: str) -> list[str]:
    # Split as git does (on "\n" only); `str.splitlines` also splits on form feeds and the like.
    return [line.removesuffix("\r") for line in text.split("\n")]


@dataclass(frozen=True)
class _Added:
    path: str
    number: int
    text: str
    previous: str
    next: str
    # Inside a multi-line string of a Python file (a docstring, usually).
    in_string: bool


# Documentation and example files: they show how to configure, not the configuration.
_PROSE_SUFFIXES = (
    *(".md", ".mdx", ".rst", ".txt", ".adoc", ".ipynb"),
    *(".example", ".sample", ".template", ".tmpl", ".dist"),
)


def _string_lines(path: str, content: str | None) -> frozenset[int]:
    """Lines inside multi-line string literals of a Python file (docstrings, text blocks)."""
    if content is None or not path.endswith((".py", ".pyi")):
        return frozenset()
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(content).readline):
            (start, _), (end, _) = token.start, token.end
            if token.type == tokenize.STRING and end > start:
                inside.update(range(start, end + 1))
    except (tokenize.TokenError, SyntaxError):
        return frozenset(inside)
    return frozenset(inside)


def _added_lines(
    snapshot: PullRequestSnapshot, lines: Mapping[str, PatchLines]
) -> Iterator[_Added]:
    """Every added line with its neighbours."""
    for f in snapshot.files:
        if f.status == "removed":
            continue
        added = (lines.get(f.path) or parse_patch(f.patch)).added
        if not added:
            continue
        content = snapshot.contents.get(f.path)
        head = _split(content) if content is not None else []
        from_patch = head_side(f.patch)
        strings = _string_lines(f.path, content) if _may_hold_secrets(added, head) else ()

        def text_at(n: int, head: list[str] = head, from_patch: dict[int, str] = from_patch) -> str:
            if 0 < n <= len(head):
                return head[n - 1]
            return from_patch.get(n, "")

        for n in sorted(added):
            neighbours = text_at(n - 1)[:_MAX_LINE], text_at(n + 1)[:_MAX_LINE]
            yield _Added(f.path, n, text_at(n), *neighbours, n in strings)


def _may_hold_secrets(added: frozenset[int], head: list[str]) -> bool:
    """A cheap look before tokenizing a file: does any added line pass a detector's gate?"""
    return any(
        0 < n <= len(head)
        and (_PATTERN_GATE.search(head[n - 1]) or _KEYWORD_GATE.search(head[n - 1]))
        for n in added
    )


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
        if detector.evidence == "keyword" and not _KEYWORD_GATE.search(line):
            continue
        if detector.evidence == "entropy" and "'" not in line and '"' not in line:
            continue  # the entropy plugins look only at quoted strings
        # A quoted literal is a value even when passed to a call (`Client(api_key="...")`).
        values = [
            v
            for v in _matches(detector, path, line)
            if f'"{v}"' in line or f"'{v}'" in line or not is_indirect_reference(line)
        ]
        if values:
            hits[detector.rule] = (detector, values)
    return hits


def _context(added: _Added, line: str, tests: Sequence[re.Pattern[str]]) -> Context:
    stripped = line.lstrip()
    return Context(
        path=added.path,
        line=line,
        previous=added.previous,
        next=added.next,
        in_tests=any(p.search(added.path) for p in tests),
        in_prose=added.in_string
        or added.path.lower().endswith(_PROSE_SUFFIXES)
        or stripped.startswith((">>>", "... ")),
    )


def _message(detector: _Detector, judgement: Judgement) -> str:
    label = detector.label[0].upper() + detector.label[1:]
    if judgement.level == "notice":
        return (
            f"Possibly a {detector.label}: {judgement.why}. If it is a real secret, "
            "load it from the environment or a secret store instead"
        )
    return f"{label} added: {judgement.why}. Rotate it and remove it from the history"


def _judged(hits: _Hits, context: Context, cap: Level) -> dict[str, tuple[_Detector, Judgement]]:
    """Each rule's strongest judgement over its values; rules with no secret left out."""
    out: dict[str, tuple[_Detector, Judgement]] = {}
    for rule, (detector, values) in hits.items():
        best = strongest([judge(detector.evidence, v, context, detector.label) for v in values])
        if best.level is not None:
            out[rule] = (detector, capped(best, cap))
    return out


def secret_findings(
    snapshot: PullRequestSnapshot,
    config: SecretsConfig,
    lines: Mapping[str, PatchLines],
    test_paths: Sequence[str] = DEFAULT_TEST_PATHS,
) -> list[Finding]:
    """Secrets in the added lines of the changed files, one finding per line and kind.

    `test_paths` (regular expressions) say where test code and data live: weaker evidence is
    not reported there.
    """
    if not config.enabled:
        return []
    allow = [re.compile(p) for p in config.allow]
    tests = [re.compile(p) for p in test_paths]
    generic = (_KEYWORD, *_ENTROPY) if config.entropy else (_KEYWORD,)
    findings: list[Finding] = []
    seen: set[tuple[str, ...]] = set()
    for added in _added_lines(snapshot, lines):
        path, line_no, text = added.path, added.number, added.text
        if is_lock_file(path) or is_swagger_file(path) or is_non_text_file(path):
            continue
        line = text[:_MAX_LINE].rstrip()
        if not line.strip() or any(p.search(path) or p.search(line) for p in allow):
            continue
        hits = _line_hits(path, line, generic)
        if not hits:
            continue
        # Checked last: most lines hold nothing, and a pragma only ever removes a hit.
        snippet = CodeSnippet(
            snippet=[added.previous, line], start_line=line_no - 1, target_index=1
        )
        if is_line_allowlisted(path, line, snippet):
            continue
        judged = _judged(hits, _context(added, line, tests), config.level)
        every_secret = [v for _, values in hits.values() for v in values]
        redacted = _redact(text, every_secret)
        for rule, (detector, judgement) in judged.items():
            # The same value again in the same file (a test's fixture, repeated) is one finding.
            key = (path, rule, str(judgement.level), *sorted(map(_digest, hits[rule][1])))
            if key in seen:
                continue
            seen.add(key)
            findings.append(
                Finding(
                    check=CHECK,
                    rule=rule,
                    level=judgement.level or "notice",
                    path=path,
                    start_line=line_no,
                    end_line=line_no,
                    message=_message(detector, judgement),
                    in_diff=True,
                    fingerprint=fingerprint(CHECK, rule, path, redacted),
                )
            )
    return findings


class SecretsCheck:
    """Secrets in the added lines, judged by their value and where they are."""

    name = CHECK
    apart = False

    def run(self, given: CheckInput) -> Checked:
        checks = given.checks
        return Checked(
            secret_findings(given.snapshot, checks.secrets, given.lines, checks.test_paths)
        )
