"""Whether a value a secrets detector matched is believed to be a real secret, and why.

A gate that fails pull requests on test tokens is switched off, so a finding reaches the
configured level only on evidence: a provider's format (with its checksum where the provider
has one), a private-key block with key data, a password in a URL that is not a placeholder, or a
random-looking value bound to a credential name outside test code. Everything weaker is a notice
at most, and nothing weak is reported in test code. Obvious fakes are never secrets.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from detect_secrets.filters.heuristic import is_sequential_string

from app.core.models import LEVEL_ORDER, Level

# How strong the evidence of a detector's match is:
# - checksum: the provider's format carries a checksum, and it matched;
# - format: a provider's prefix and layout (AWS, Slack, Stripe live keys, ...);
# - weak-format: a layout other strings share (JWT, Twilio ids, Discord, Telegram, Mailchimp);
# - key-block / url: checked here (key data after the header; the URL's password and host);
# - keyword: a literal assigned to a password/secret/token name;
# - entropy: a random-looking quoted string, with no name to say what it is.
Evidence = Literal["checksum", "format", "weak-format", "key-block", "url", "keyword", "entropy"]


# Words that mark a value as made up: test data, documentation, templates.
_FAKE = re.compile(
    r"test|mock|dummy|fake|example|sample|placeholder|changeme|change[-_]me|redacted|"
    r"your[-_]?|x{3,}|\*{3,}|\.{3}|…|<[^<>]*>|lorem|insert[-_]",
    re.IGNORECASE,
)
# For keyword values only (random tokens are long enough to hold these by chance).
_FAKE_KEYWORD_VALUE = re.compile(r"foo|bar|baz|qux|secret|passw|token|key", re.IGNORECASE)
# Whole values that stand for a password in documentation (`user:password@host`).
_PLACEHOLDER = re.compile(
    r"^(?:pass(?:word|wd)?|pwd|pw|secret|token|key|api[-_]?key|access[-_]?token|auth|"
    r"credentials?|changeme|change[-_]me|example|placeholder|redacted|dummy|x+|\*+|\.+|…)$",
    re.IGNORECASE,
)
# A comment beside a value that says it is not real.
_FAKE_COMMENT = re.compile(
    r"(?:#|//|/\*|<!--|--)\s*.*\b(?:placeholder|dummy|fake|example|sample|not\s+a\s+real|"
    r"not\s+(?:a\s+)?secret|for\s+tests?|test[-\s]only|replace(?:d)?\s+(?:me|this|it|at|by|with))\b",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_DIGIT_LETTER = re.compile(r"[A-Za-z]\d|\d[A-Za-z]")
_RUN = re.compile(r"(.)\1{5,}")
# Hosts whose credentials are local or illustrative, not a leak: one-label names (`localhost`,
# a compose service such as `db`), loopback, and reserved or internal domains.
_LOCAL_HOST = re.compile(
    r"^(?:[\w-]+|127(?:\.\d+){3}|0\.0\.0\.0|\[?::1\]?|host\.docker\.internal|"
    r"(?:[\w-]+\.)*(?:example|test|invalid|local|localhost|internal)(?:\.[a-z]+)?)$",
    re.IGNORECASE,
)
_CREDENTIAL_WORDS = frozenset(
    ("password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "apikey", "credential")
)
_KEY_PAIRS = frozenset(("api", "access", "private", "secret", "auth", "client", "account"))
# A name whose last word is one of these names something about a secret, not a secret.
_DESCRIBES = frozenset(
    (
        *("name", "names", "env", "environment", "path", "file", "filename", "dir", "url"),
        *("uri", "endpoint", "header", "type", "method", "field", "var", "variable", "prefix"),
        *("suffix", "length", "len", "count", "format", "pattern", "regex", "template", "label"),
        *("description", "kind", "mode", "id", "ids", "ref", "source", "store", "manager"),
        *("provider", "class", "cls", "flag", "enabled", "required", "expiry", "expires"),
        *("expiration", "ttl", "timeout", "hash", "hint", "policy", "scope", "scopes", "arn"),
        *("location", "schema", "setting", "settings", "option", "options", "param", "key_name"),
    )
)
_NAME_BEFORE = re.compile(
    r"""([A-Za-z_][\w.\-]*)["'\]]*\s*(?::=|=>|==|!=|[:=(,])\s*[rbuf]{0,2}["'`]?$"""
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# The random part of GitHub's (and npm's) tokens ends in a CRC32 of itself, in base 62:
# https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/
_CHECKSUMMED = re.compile(r"^(?:gh[pousr]|npm)_([A-Za-z0-9]{30})([A-Za-z0-9]{6})$")
_KEY_DATA = re.compile(r"[A-Za-z0-9+/=]{40,}")


@dataclass(frozen=True)
class Context:
    """Where a value was found."""

    path: str
    line: str
    previous: str = ""
    next: str = ""
    in_tests: bool = False
    # Documentation, a docstring or a doctest: examples, not configuration.
    in_prose: bool = False


@dataclass(frozen=True)
class Judgement:
    """The level a match deserves (None: not a secret) and why it is believed to be one."""

    level: Level | None
    why: str = ""


NOT_A_SECRET = Judgement(None)


def shannon(value: str) -> float:
    """Bits of entropy per character."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0


def checksum_ok(token: str) -> bool | None:
    """Whether a GitHub or npm token's checksum matches (None: not such a token)."""
    match = _CHECKSUMMED.match(token)
    if match is None:
        return None
    body, check = match.groups()
    value = 0
    for char in check:
        value = value * 62 + _BASE62.index(char)
    return zlib.crc32(body.encode("ascii")) == value


def is_fake(value: str) -> bool:
    """Made up: test words, placeholders, repeated or sequential characters."""
    core = re.sub(r"[^A-Za-z0-9]", "", value)
    return bool(
        _FAKE.search(value)
        or _PLACEHOLDER.match(value)
        or _RUN.search(value)
        or (len(core) >= 8 and len(set(core.lower())) <= 4)
        or any(is_sequential_string(part) for part in re.split(r"[-_.]", value) if len(part) >= 8)
    )


def random_looking(value: str) -> bool:
    """A value no one typed as words: long, varied, digits and letters interleaved."""
    return (
        len(value) >= 16
        and not any(c.isspace() for c in value)
        and shannon(value) >= 3.0
        and (len(_DIGIT_LETTER.findall(value)) >= 2 or (len(value) >= 32 and shannon(value) >= 3.5))
    )


def bound_name(line: str, value: str) -> str:
    """The name a literal is assigned or passed to (`password`, `client_secret`), or ''."""
    at = line.find(value)
    if at < 0:
        return ""
    match = _NAME_BEFORE.search(line[:at])
    return match.group(1).rsplit(".", 1)[-1] if match else ""


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(name)]


def names_a_credential(name: str) -> bool:
    """`db_password`, `clientSecret`, `API_KEY`; not `secret_environment_name` or `token_url`."""
    words = _words(name)
    if not words or words[-1] in _DESCRIBES:
        return False
    if any(w in _CREDENTIAL_WORDS or w.startswith("password") for w in words):
        return True
    return any(a in _KEY_PAIRS and b == "key" for a, b in itertools.pairwise(words))


def _echoes(name: str, value: str) -> bool:
    """The value repeats its own name (`api_key="my-api-key"`)."""
    letters = re.sub(r"[^a-z]", "", value.lower())
    return any(len(w) >= 3 and w in letters for w in _words(name))


def _fake_comment(context: Context) -> bool:
    previous = context.previous.strip()
    return bool(
        _FAKE_COMMENT.search(context.line)
        or (previous.startswith(("#", "//")) and _FAKE_COMMENT.search(previous))
    )


def _cap(level: Level, cap: Level) -> Level:
    return level if LEVEL_ORDER[level] <= LEVEL_ORDER[cap] else cap


def _shaped(evidence: Evidence, value: str, context: Context, label: str) -> Judgement:
    if evidence == "checksum":
        if checksum_ok(value):
            # Tests of redaction and scanning code use well-formed tokens on purpose.
            level: Level = "warning" if context.in_tests else "failure"
            return Judgement(level, f"its prefix and checksum match the {label} format")
        # The provider makes every real token with a valid checksum: this one is made up.
        if context.in_tests or is_fake(value):
            return NOT_A_SECRET
        return Judgement("notice", f"shaped like a {label}, but its checksum does not match")
    if is_fake(value) or _fake_comment(context):
        return NOT_A_SECRET
    if evidence == "weak-format":
        if context.in_tests:
            return NOT_A_SECRET
        return Judgement("warning", f"it has the {label} format, which other strings share")
    return Judgement("warning" if context.in_tests else "failure", f"it has the {label} format")


def _key_block(context: Context) -> Judgement:
    after = context.line.split("PRIVATE KEY", 1)[-1] + " " + context.next
    if not _KEY_DATA.search(after.replace("\\n", " ")):
        return NOT_A_SECRET  # a header alone: code that reads keys, or an elided example
    if is_fake(after) or _fake_comment(context):
        return NOT_A_SECRET
    return Judgement(
        "warning" if context.in_tests else "failure", "a private-key block with key data"
    )


_URL_WHY = "a URL with a password that is not a placeholder"
_URL = re.compile(r"://([^:/@\s'\"]*):([^@\s'\"]+)@([^/\s:'\"?#]+)")


def _url(value: str, context: Context) -> Judgement:
    for user, password, host in _URL.findall(context.line):
        if password != value:
            continue
        templated = password.startswith(("%", "$", "{")) or "{{" in password
        echoed = len(user) >= 3 and user.lower() in password.lower()
        if templated or echoed or is_fake(password) or password.lower() == user.lower():
            return NOT_A_SECRET
        if context.in_tests:
            # Test services' passwords; only a random-looking one may be a real credential.
            random = random_looking(password) and not _LOCAL_HOST.match(host)
            return Judgement("warning", _URL_WHY) if random else NOT_A_SECRET
        if _LOCAL_HOST.match(host):
            return Judgement("notice", "a password for a local or example host")
        if context.in_prose and not random_looking(password):
            return Judgement("notice", "a password in an example URL")
        return Judgement("failure", _URL_WHY)
    return NOT_A_SECRET


def _keyword(value: str, context: Context) -> Judgement:
    if context.in_tests:
        return NOT_A_SECRET
    name = bound_name(context.line, value)
    if name and _words(name) and _words(name)[-1] in _DESCRIBES:
        return NOT_A_SECRET  # `secret_environment_name = "staging"`: a name, not a secret
    if (
        is_fake(value)
        or _FAKE_KEYWORD_VALUE.search(value)
        or _IDENTIFIER.match(value)
        or _echoes(name, value)
        or _fake_comment(context)
    ):
        return NOT_A_SECRET
    if names_a_credential(name) and random_looking(value) and not context.in_prose:
        return Judgement(
            "failure",
            f"a random-looking {len(value)}-character value "
            f"({shannon(value):.1f} bits per character) assigned to `{name}`",
        )
    target = f"`{name}`" if name else "a password, key or token name"
    return Judgement("notice", f"a literal assigned to {target}")


def judge(evidence: Evidence, value: str, context: Context, label: str) -> Judgement:
    """How strongly `value` is believed to be a secret, as the level it deserves."""
    if evidence in ("checksum", "format", "weak-format"):
        return _shaped(evidence, value, context, label)
    if evidence == "key-block":
        return _key_block(context)
    if evidence == "url":
        return _url(value, context)
    if evidence == "keyword":
        return _keyword(value, context)
    if context.in_tests or is_fake(value) or _fake_comment(context):
        return NOT_A_SECRET
    return Judgement("notice" if context.in_prose else "warning", "a random-looking string")


def capped(judgement: Judgement, cap: Level) -> Judgement:
    """The judgement with its level at most `cap` (the configured level of a secret)."""
    if judgement.level is None:
        return judgement
    return Judgement(_cap(judgement.level, cap), judgement.why)


def strongest(judgements: Sequence[Judgement]) -> Judgement:
    """The judgement with the highest level (not-a-secret when there is none)."""
    found = [j for j in judgements if j.level is not None]
    if not found:
        return NOT_A_SECRET
    return max(found, key=lambda j: LEVEL_ORDER[j.level or "notice"])
