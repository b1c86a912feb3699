"""Usage a pull request reports itself, which replaces our estimate.

The form is one line, as a git trailer in a commit message or on its own line in the PR body:

    AI-Usage: model=claude-sonnet-4-5 input=1200000 cached=1100000 output=45000 usd=3.10

Every field is optional (`usd=3.10` alone is enough). `input` counts all input tokens with the
cached ones included, as OpenAI and genai-prices count them; when `cached` is larger than `input`
the writer used Anthropic's convention (input excludes cache reads) and the two are added.
`cache_write` counts tokens written to the prompt cache, `requests` how many API calls the totals
span (it decides whether long-context rates apply). Numbers may use `_` or `,` separators and a
`k` or `M` suffix; `usd` may start with `$`.

Commit trailers are summed over the PR's commits. When the PR body carries the line it wins and
the trailers are ignored: an agent that writes a total into the body has usually also stamped the
commits it made on the way, and adding both would count the same work twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.attribution.trailers import parse_trailers
from app.core.models import PullRequestSnapshot

KEY = "ai-usage"
_BODY_LINE = re.compile(r"^[ \t]*AI-Usage[ \t]*:[ \t]*(?P<value>\S.*?)[ \t]*$", re.I | re.M)
_NUMBER = re.compile(r"^(?P<num>\d[\d_,]*(?:\.\d+)?)(?P<suffix>[kKmM]?)$")
_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000}
_TOKEN_KEYS = {
    "input": "input",
    "cached": "cached",
    "cache_read": "cached",
    "cache_write": "cache_write",
    "output": "output",
    "requests": "requests",
}


@dataclass(frozen=True)
class ReportedUsage:
    """One `AI-Usage` line; token counts are None where the line does not give them."""

    source: str  # `commit:<sha>` or `pull_request`
    line: str
    model: str | None = None
    input_tokens: int | None = None  # all input, cached included
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    output_tokens: int | None = None
    requests: int | None = None
    usd: float | None = None

    @property
    def has_tokens(self) -> bool:
        return self.input_tokens is not None or self.output_tokens is not None


class UsageError(ValueError):
    """An `AI-Usage` value we cannot read; the message says which part and why."""


def _number(text: str) -> float:
    match = _NUMBER.match(text.strip())
    if match is None:
        raise UsageError(f"`{text}` is not a number")
    value = float(match["num"].replace("_", "").replace(",", ""))
    return value * _SUFFIX[match["suffix"].lower()]


def _fields(value: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in value.replace(";", " ").split():
        key, sep, raw = part.partition("=")
        if not sep or not raw:
            raise UsageError(f"`{part}` is not `key=value`")
        fields[key.strip().lower().replace("-", "_")] = raw.strip().rstrip(",")
    return fields


def parse_usage(value: str, source: str, line: str) -> ReportedUsage:
    """Read the value of one `AI-Usage` line."""
    fields = _fields(value)
    unknown = sorted(set(fields) - {*_TOKEN_KEYS, "model", "usd", "cost"})
    if unknown:
        raise UsageError(f"unknown field(s) {', '.join(unknown)}")
    tokens: dict[str, int] = {}
    for key, name in _TOKEN_KEYS.items():
        if key in fields:
            tokens[name] = round(_number(fields[key]))
    usd_text = fields.get("usd", fields.get("cost"))
    usd = _number(usd_text.removeprefix("$")) if usd_text is not None else None
    if not tokens and usd is None:
        raise UsageError("it names no tokens and no usd")
    cached = tokens.get("cached")
    total = tokens.get("input")
    if total is not None and cached is not None and cached > total:
        total += cached  # Anthropic's convention: input_tokens excludes cache reads
    return ReportedUsage(
        source=source,
        line=line,
        model=fields.get("model"),
        input_tokens=total if total is not None else cached,
        cached_tokens=cached,
        cache_write_tokens=tokens.get("cache_write"),
        output_tokens=tokens.get("output"),
        requests=tokens.get("requests") or None,
        usd=usd,
    )


def _collect(
    lines: Sequence[tuple[str, str, str]],
) -> tuple[list[ReportedUsage], list[str]]:
    found: list[ReportedUsage] = []
    notes: list[str] = []
    for source, value, line in lines:
        try:
            found.append(parse_usage(value, source, line))
        except UsageError as err:
            notes.append(f"`{source}`: ignored `{line.strip()}`: {err}.")
    return found, notes


def body_lines(body: str) -> list[tuple[str, str, str]]:
    """`AI-Usage:` lines of a PR body as (source, value, line)."""
    return [("pull_request", m["value"], m[0].strip()) for m in _BODY_LINE.finditer(body)]


def reported_usage(snapshot: PullRequestSnapshot) -> tuple[list[ReportedUsage], list[str]]:
    """The PR body's usage lines when it has any, else every commit's trailers; and notes."""
    body = snapshot.pull_request.body if snapshot.pull_request else ""
    found, notes = _collect(body_lines(body))
    if found:
        return found, notes
    trailers = [
        (f"commit:{commit.sha}", t.value, t.line)
        for commit in snapshot.commits
        for t in parse_trailers(commit.message)
        if t.key == KEY
    ]
    commit_found, commit_notes = _collect(trailers)
    return commit_found, notes + commit_notes
