"""The signals a change carries: agents' identities as authors, committers and co-authors,
trailers and prose disclosures in commit messages, markers, branch names and labels of the pull
request, and agents named in added comment lines. Each names its kind, tool, source and the
exact text matched; how they combine into verdicts is `detection`'s."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from app.core.attribution import catalogue
from app.core.attribution.catalogue import HIGH, MEDIUM, Marker, match_identity, noreply_login
from app.core.attribution.disclosures import (
    OTHER,
    agent_name,
    disclosed,
    identities,
    prose_disclosures,
)
from app.core.attribution.modelnames import model_from_text
from app.core.attribution.trailers import Trailer, parse_trailers
from app.core.config.detection import DetectionConfig
from app.core.models import (
    Commit,
    FileDiff,
    Identity,
    PullRequestInfo,
    Signal,
)

PULL_REQUEST = "pull_request"
_IDENTITY_IN_TEXT = re.compile(r"(?P<name>[^<>:]*?)\s*<(?P<email>[^<>\s@]+@[^<>\s]+)>")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_COMMENT_PREFIXES = ("#", "//", "/*", "*", "--", ";", "<!--", "%", '"""', "'''")
_GENERATED_BLOCK_START = "<!-- This is an auto-generated comment"
_GENERATED_BLOCK_END = "<!-- end of auto-generated comment"
_MAX_EVIDENCE = 300


@dataclass(frozen=True)
class Scope:
    """Where signals are being looked for, and the config that adds to the catalogue."""

    source: str
    config: DetectionConfig

    def signal(
        self, kind: str, tool: str, evidence: str, confidence: float, model: str | None = None
    ) -> Signal:
        return Signal(
            kind=kind,
            tool=tool,
            source=self.source,
            evidence=_clip(evidence),
            confidence=confidence,
            model=model,
        )


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _MAX_EVIDENCE else text[: _MAX_EVIDENCE - 1] + "…"


def lowered(values: Iterable[str]) -> set[str]:
    """The values stripped and lower-cased, to compare without case."""
    return {v.strip().lower() for v in values}


def ignored_person(config: DetectionConfig, email: str, login: str | None) -> bool:
    """Whether the repository's `detection.ignore_*` rules say this person is never AI."""
    logins = {x.lower() for x in (login, noreply_login(email)) if x}
    return email.strip().lower() in lowered(config.ignore_emails) or bool(
        logins & lowered(config.ignore_logins)
    )


def _config_identity(config: DetectionConfig, email: str, login: str | None) -> str | None:
    emails = {k.lower(): v for k, v in config.emails.items()}
    logins = {k.lower(): v for k, v in config.logins.items()}
    if (tool := emails.get(email.strip().lower())) is not None:
        return tool
    for candidate in (login, noreply_login(email)):
        if candidate and (tool := logins.get(candidate.lower())) is not None:
            return tool
    return None


def identity_signal(
    kind: str, scope: Scope, name: str, email: str, login: str | None, evidence: str
) -> Signal | None:
    """A signal when this exact identity belongs to an AI tool (catalogue or config)."""
    if ignored_person(scope.config, email, login):
        return None
    model = model_from_text(name) if name else None
    if (tool := _config_identity(scope.config, email, login)) is not None:
        return scope.signal("config", tool, evidence, HIGH, model)
    rule = match_identity(name, email, login)
    if rule is None:
        return None
    return scope.signal(kind, rule.tool, evidence, rule.confidence, model)


def _identity_text(identity: Identity) -> str:
    return f"{identity.name} <{identity.email}>" if identity.email else identity.name


def person_signals(kind: str, scope: Scope, identity: Identity, author: bool) -> list[Signal]:
    """Signals from a commit's author or committer: its identity, or a tool's name suffix."""
    text = _identity_text(identity) or (identity.login or "")
    found = identity_signal(kind, scope, identity.name, identity.email, identity.login, text)
    if found is not None:
        return [found]
    if ignored_person(scope.config, identity.email, identity.login):
        return []
    return [
        scope.signal(
            kind, rule.tool, text, rule.author_confidence if author else rule.committer_confidence
        )
        for rule in catalogue.NAME_SUFFIXES
        if identity.name.lower().endswith(rule.suffix)
    ]


def _disclosure_signal(trailer: Trailer, scope: Scope) -> Signal | None:
    if trailer.key in catalogue.DISCLOSURE_TRAILER_KEYS:
        named = disclosed(trailer.value, named_only=False)
    elif trailer.key in catalogue.NAMED_DISCLOSURE_TRAILER_KEYS:
        named = disclosed(trailer.value, named_only=True, leading=trailer.key == "ai")
    else:
        return None
    if named is None:
        return None
    return scope.signal("trailer", named.tool, trailer.line, MEDIUM, named.model)


def _key_signal(trailer: Trailer, scope: Scope) -> Signal | None:
    keys = {k.lower(): v for k, v in scope.config.trailer_keys.items()}
    if (tool := keys.get(trailer.key)) is not None:
        return scope.signal("config", tool, trailer.line, HIGH)
    for rule in catalogue.TRAILERS:
        if rule.key == trailer.key and (rule.value is None or rule.value.match(trailer.value)):
            return scope.signal("trailer", rule.tool, trailer.line, rule.confidence)
    return None


def _person_signal(trailer: Trailer, scope: Scope, name: str, email: str) -> Signal | None:
    """A known agent identity; or, as a co-author, an agent's name with its model at an address
    no tool uses (`Claude 3.5 Sonnet <claude-3-5-sonnet@anthropic.com>`): no person is called
    that. An agent's bare name at an unknown address may be a person (`Claude <c@example.org>`).
    """
    found = identity_signal("trailer", scope, name, email, None, trailer.line)
    if found is not None or trailer.key not in catalogue.CO_AUTHOR_TRAILER_KEYS:
        return found
    if ignored_person(scope.config, email, None):
        return None
    named = agent_name(name)
    if named is None or named.model is None:
        return None
    return scope.signal("trailer", named.tool, trailer.line, MEDIUM, named.model)


def trailer_signals(trailer: Trailer, scope: Scope) -> list[Signal]:
    """What one trailer gives: a tool's own key, agent identities, an agent named alone, or a
    disclosure. An unknown identity is a human co-author: never a signal."""
    if (found := _key_signal(trailer, scope)) is not None:
        return [found]
    people = identities(trailer.value)
    if people:
        if trailer.key in catalogue.NON_AUTHOR_TRAILER_KEYS:
            return []
        return [
            signal
            for name, email in people
            if (signal := _person_signal(trailer, scope, name, email)) is not None
        ]
    if trailer.key in catalogue.CO_AUTHOR_TRAILER_KEYS:
        named = agent_name(trailer.value)
        if named is None:
            return []
        return [scope.signal("trailer", named.tool, trailer.line, MEDIUM, named.model)]
    found = _disclosure_signal(trailer, scope)
    return [found] if found is not None else []


def prose_lines(text: str) -> Iterator[str]:
    """Lines that are the author's own words: not quoted, fenced, inline code or bot summaries."""
    fenced = generated = False
    for raw in text.replace("\r\n", "\n").split("\n"):
        stripped = raw.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if stripped.startswith(_GENERATED_BLOCK_START):
            generated = True
        elif stripped.startswith(_GENERATED_BLOCK_END):
            generated = False
            continue
        if fenced or generated or stripped.startswith(">"):
            continue
        yield _INLINE_CODE.sub("", raw)


def _marker_applies(marker: Marker, pull_request: bool) -> bool:
    return marker.pull_request if pull_request else marker.commit


def marker_signals(
    kind: str, scope: Scope, subject: str, text: str, skip: frozenset[str] = frozenset()
) -> list[Signal]:
    """Catalogue and config markers: subject markers on `subject`, others on any prose line."""
    pull_request = kind == "pr_marker"
    found: list[Signal] = []
    lines = [line for line in prose_lines(text) if line.strip() and line not in skip]
    for marker in catalogue.MARKERS:
        if not _marker_applies(marker, pull_request):
            continue
        candidates = [subject] if marker.subject else lines
        for line in candidates:
            if marker.pattern.search(line):
                found.append(scope.signal(kind, marker.tool, line, marker.confidence))
                break
    for phrase, tool in scope.config.markers.items():
        for line in lines:
            if phrase in line:
                found.append(scope.signal("config", tool, line, HIGH))
                break
    return found


def commit_signals(commit: Commit, config: DetectionConfig | None = None) -> list[Signal]:
    """Signals in one commit: author, committer, trailers and message markers."""
    scope = Scope(f"commit:{commit.sha}", config or DetectionConfig())
    found = person_signals("commit_author", scope, commit.author, author=True)
    found += person_signals("commit_committer", scope, commit.committer, author=False)
    trailers = parse_trailers(commit.message)
    by_trailer = [(t, trailer_signals(t, scope)) for t in trailers]
    found += [s for _, signals in by_trailer for s in signals]
    subject = commit.message.strip().split("\n", 1)[0].strip()
    trailer_lines = frozenset(line for t in trailers for line in t.line.split("\n"))
    # A trailer that decided nothing may still be a disclosure in prose (`Disclosure: …`).
    decided = frozenset(line for t, sig in by_trailer if sig for line in t.line.split("\n"))
    found += marker_signals("commit_marker", scope, subject, commit.message, trailer_lines)
    body = commit.message.strip().partition("\n")[2]
    lines = (line for line in prose_lines(body) if line not in decided)
    found += [
        scope.signal("commit_marker", named.tool, line, MEDIUM, named.model)
        for line, named in prose_disclosures(lines)
    ]
    # AI in general (`AI-Assisted: yes`) stands for a tool only when nothing names one.
    if any(s.tool != OTHER and s.confidence >= MEDIUM for s in found):
        found = [s for s in found if s.tool != OTHER]
    return found


def _branch_signals(pr: PullRequestInfo, scope: Scope) -> list[Signal]:
    found: list[Signal] = []
    seen: set[str] = set()
    for rule in catalogue.BRANCHES:
        if rule.tool not in seen and rule.pattern.match(pr.head_ref):
            seen.add(rule.tool)  # the most specific rule of a tool is listed first
            found.append(scope.signal("branch", rule.tool, pr.head_ref, rule.confidence))
    found += [
        scope.signal("config", tool, pr.head_ref, HIGH)
        for prefix, tool in scope.config.branch_prefixes.items()
        if prefix and pr.head_ref.startswith(prefix)
    ]
    return found


def _label_signals(pr: PullRequestInfo, scope: Scope) -> list[Signal]:
    rules = {k.lower(): (v, HIGH, "config") for k, v in scope.config.labels.items()}
    rules |= {k.lower(): (v, c, "label") for k, v, c in catalogue.LABELS if k.lower() not in rules}
    return [
        scope.signal(kind, tool, label, conf)
        for label in pr.labels
        if (hit := rules.get(label.lower())) is not None
        for tool, conf, kind in [hit]
    ]


def pull_request_signals(pr: PullRequestInfo, config: DetectionConfig) -> list[Signal]:
    """Signals of the pull request itself: author, title and body markers, branch, labels."""
    scope = Scope(PULL_REQUEST, config)
    found: list[Signal] = []
    if pr.author_login:
        author = identity_signal("pr_author", scope, "", "", pr.author_login, pr.author_login)
        found += [author] if author is not None else []
    found += marker_signals("pr_marker", scope, pr.title.strip(), f"{pr.title}\n{pr.body}")
    return found + _branch_signals(pr, scope) + _label_signals(pr, scope)


def added_line_texts(patch: str | None) -> Iterator[tuple[int, str]]:
    """(head line number, text) of every added line of a GitHub patch."""
    line_no = 0
    for raw in (patch or "").removesuffix("\n").split("\n"):
        if raw.startswith("@@"):
            match = re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)", raw)
            line_no = int(match.group(1)) if match else line_no
        elif raw.startswith("+"):
            yield line_no, raw[1:]
            line_no += 1
        elif not raw.startswith(("-", "\\")):
            line_no += 1


def file_signals(files: Sequence[FileDiff], config: DetectionConfig) -> list[Signal]:
    """Agent identities in added comment lines (`# Co-Authored-By: ForgeCode <…>`).

    Only exact identities count: a generator header (`DO NOT EDIT`, `@generated`) names none.
    """
    found: list[Signal] = []
    for f in files:
        if f.status == "removed":
            continue
        for line_no, text in added_line_texts(f.patch):
            stripped = text.strip()
            if "@" not in stripped or not stripped.startswith(_COMMENT_PREFIXES):
                continue
            scope = Scope(f"file:{f.path}:{line_no}", config)
            for match in _IDENTITY_IN_TEXT.finditer(stripped):
                signal = identity_signal(
                    "file_header", scope, match["name"], match["email"], None, stripped
                )
                if signal is not None:
                    found.append(signal)
                    break
    return found
