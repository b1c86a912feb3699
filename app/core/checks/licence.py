"""Licences in what a pull request adds: SPDX tags, licence notices, pasted licence texts, and the
licences of new dependencies, judged against an allow/deny policy.

Policy semantics (documented in the README through the field descriptions):
- An SPDX expression is parsed with `license-expression`. Each licence in it is *denied* when the
  deny list names it, *allowed* when the allow list names it or (with an empty allow list) when it
  is a recognised SPDX licence, and *unknown* otherwise (not on a non-empty allow list, a custom
  `LicenseRef-`, an unrecognised name). An exact id beats a `*` pattern; otherwise deny wins.
- `A OR B` is the licensee's choice: allowed when some branch is allowed, denied only when every
  branch is denied (no choice avoids a denied licence), otherwise unknown. `A AND B` needs both:
  denied when either is denied, allowed when both are allowed, otherwise unknown.
- `L WITH exception` is judged as `L` (an exception only adds permissions) unless the whole
  `L WITH exception` is listed, which then decides.
- `L-or-later` (or `L+`) may also be taken as `L-only`: the better of the two counts.
- An expression that does not parse is unknown, with the parser's message.
Only added lines are read; a licence file (LICENSE, COPYING, ...) is judged as a whole but is never
reported as copied text.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from license_expression import (
    AND,
    OR,
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
)

from app.core.config.checks import LicenceConfig
from app.core.diff import PatchLines, parse_patch
from app.core.fingerprint import fingerprint
from app.core.manifests import Dependency, head_view, new_dependencies
from app.core.models import FileDiff, Finding, Level, PullRequestSnapshot
from app.core.ports import LicenceResolver, ResolvedLicence
from app.core.spdx import is_custom, is_known, licensing

CHECK = "licence"
Status = Literal["allowed", "denied", "unknown"]


# Added lines read per file, and characters per line: a generated or vendored file of that size
# is reported as too large to read rather than slowing the job.
MAX_LINES = 10_000
MAX_LINE_CHARS = 500


# --- Policy ---------------------------------------------------------------------------------


def canonical(licence_id: str) -> str:
    """The SPDX spelling of a licence id (`gpl-2.0+` -> `GPL-2.0-or-later`), as given if unknown."""
    try:
        parsed = licensing().parse(licence_id, validate=False)
    except ExpressionError:
        return licence_id
    return str(parsed) if parsed is not None else licence_id


def normalise(expression: str) -> str | None:
    """The expression in SPDX spelling when every licence in it is recognised, else None."""
    try:
        parsed = licensing().parse(expression, validate=False)
    except ExpressionError:
        return None
    if parsed is None:
        return None
    if not all(is_known(str(k)) for k in licensing().license_keys(parsed)):
        return None
    return str(parsed)


@dataclass(frozen=True)
class _Matcher:
    exact: frozenset[str]
    globs: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, entries: Sequence[str]) -> _Matcher:
        exact = frozenset(canonical(e).lower() for e in entries if "*" not in e)
        globs = tuple(re.compile(fnmatch.translate(e), re.IGNORECASE) for e in entries if "*" in e)
        return cls(exact, globs)

    def exactly(self, key: str) -> bool:
        return key.lower() in self.exact

    def by_glob(self, key: str) -> bool:
        return any(g.match(key) for g in self.globs)


@dataclass(frozen=True)
class Decision:
    """How the policy judges one expression, and which licences made it so."""

    status: Status
    expression: str
    # The licences behind a denial, or each unknown licence with why it is unknown.
    because: tuple[str, ...] = ()

    def describe(self) -> str:
        why = "; ".join(self.because)
        if self.status == "denied":
            return f"`{self.expression}` is denied by the licence policy ({why})"
        if self.status == "unknown":
            return f"`{self.expression}` cannot be judged by the licence policy: {why}"
        return f"`{self.expression}` is allowed"


class Policy:
    """The allow/deny lists, ready to judge SPDX expressions."""

    def __init__(self, config: LicenceConfig, own: Sequence[str] = ()) -> None:
        self.allow = _Matcher.of(config.allow)
        self.deny = _Matcher.of(config.deny)
        self.open = not config.allow  # no allow list: every recognised licence not denied
        # The project's own licences, whatever their version's `-only`/`-or-later`.
        self.own = frozenset(_unversioned(canonical(o)) for o in own)

    def _one(self, key: str) -> tuple[Status, str]:
        if _unversioned(key) in self.own:
            return "allowed", key
        if self.deny.exactly(key):
            return "denied", key
        if self.allow.exactly(key):
            return "allowed", key
        if self.deny.by_glob(key):
            return "denied", key
        if self.allow.by_glob(key):
            return "allowed", key
        if is_custom(key):
            return "unknown", f"`{key}` is a custom licence"
        if not is_known(key):
            return "unknown", f"`{key}` is not a recognised SPDX licence"
        if self.open:
            return "allowed", key
        return "unknown", f"`{key}` is not on the allow list"

    def _licence(self, key: str) -> tuple[Status, tuple[str, ...]]:
        # `-or-later` lets the licensee take the named version alone: the better choice counts.
        choices = [key]
        if key.endswith("-or-later"):
            choices.append(key.removesuffix("-or-later") + "-only")
        status, because = _any_of([(s, (why,)) for s, why in map(self._one, choices)])
        return status, (key,) if status == "denied" else because

    def _node(self, node: object) -> tuple[Status, tuple[str, ...]]:
        if isinstance(node, OR):
            return _any_of([self._node(arg) for arg in node.args])
        if isinstance(node, AND):
            return _all_of([self._node(arg) for arg in node.args])
        if isinstance(node, LicenseWithExceptionSymbol):
            whole = f"{node.license_symbol.key} WITH {node.exception_symbol.key}"
            if not node.exception_symbol.is_exception:
                return "unknown", (f"`{node.exception_symbol.key}` is not a licence exception",)
            if self.deny.exactly(whole):
                return "denied", (whole,)
            if self.allow.exactly(whole):
                return "allowed", ()
            return self._licence(str(node.license_symbol.key))
        if isinstance(node, LicenseSymbol):
            if node.is_exception:
                return "unknown", (f"`{node.key}` is an exception, not a licence",)
            return self._licence(str(node.key))
        return "unknown", (f"`{node}` is not a licence",)

    def judge(self, expression: str) -> Decision:
        """Allowed, denied or unknown under this policy, with the licences that decided it."""
        text = " ".join(expression.split())
        try:
            parsed = licensing().parse(text, validate=False)
        except ExpressionError as exc:
            return Decision("unknown", text, (f"not a valid SPDX expression ({exc})",))
        if parsed is None:
            return Decision("unknown", text, ("the licence is empty",))
        status, because = self._node(parsed)
        return Decision(status, str(parsed), tuple(dict.fromkeys(because)))


def _unversioned(key: str) -> str:
    return key.removesuffix("-only").removesuffix("-or-later").lower()


def _any_of(parts: Sequence[tuple[Status, tuple[str, ...]]]) -> tuple[Status, tuple[str, ...]]:
    if any(s == "allowed" for s, _ in parts):
        return "allowed", ()
    if all(s == "denied" for s, _ in parts):
        return "denied", tuple(w for _, why in parts for w in why)
    return "unknown", tuple(w for s, why in parts if s == "unknown" for w in why)


def _all_of(parts: Sequence[tuple[Status, tuple[str, ...]]]) -> tuple[Status, tuple[str, ...]]:
    if any(s == "denied" for s, _ in parts):
        return "denied", tuple(w for s, why in parts if s == "denied" for w in why)
    if all(s == "allowed" for s, _ in parts):
        return "allowed", ()
    return "unknown", tuple(w for s, why in parts if s == "unknown" for w in why)


# --- Detection in added text ----------------------------------------------------------------
# Patterns are written with `\s` between words so that this file does not match itself.

# The expression is what SPDX's grammar allows (ids, `+`, `:`, parentheses, spaces): it stops at
# a comment closer, a quote, or an escape such as the `\n` of a tag inside a string literal.
_SPDX_TAG = re.compile(r"SPDX-License-Identifier\s*:\s*([A-Za-z0-9.+:()\s-]+)")

# Long sentences of licence texts and headers; one is enough to recognise the text.
_TEXTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (licence, re.compile(pattern))
    for licence, pattern in (
        ("MIT", r"permission\sis\shereby\sgranted\sfree\sof\scharge\sto\sany\sperson"),
        ("MIT", r"above\scopyright\snotice\sand\sthis\spermission\snotice\sshall\sbe\sincluded"),
        ("BSD", r"redistribution\sand\suse\sin\ssource\sand\sbinary\sforms\swith\sor\swithout"),
        ("BSD", r"redistributions\sof\ssource\scode\smust\sretain\sthe\sabove\scopyright"),
        ("Apache-2.0", r"you\smay\snot\suse\sthis\sfile\sexcept\sin\scompliance\swith\sthe"),
        ("Apache-2.0", r"terms\sand\sconditions\sfor\suse\sreproduction\sand\sdistribution"),
        ("GPL-3.0-only", r"gnu\sgeneral\spublic\slicen[cs]e\sis\sa\sfree\scopyleft\slicen[cs]e"),
        ("GPL-2.0-only", r"by\scontrast\sthe\sgnu\sgeneral\spublic\slicen[cs]e\sis\sintended"),
        ("AGPL-3.0-only", r"gnu\saffero\sgeneral\spublic\slicen[cs]e\sis\sa\sfree\scopyleft"),
        ("LGPL-3.0-only", r"version\sof\sthe\sgnu\slesser\sgeneral\spublic\slicen[cs]e\sincorp"),
        ("LGPL-2.1-only", r"this\slicen[cs]e\sthe\slesser\sgeneral\spublic\slicen[cs]e\sapplies"),
        ("MPL-2.0", r"source\scode\sform\sis\ssubject\sto\sthe\sterms\sof\sthe\smozilla\spublic"),
        ("MPL-2.0", r"mozilla\spublic\slicen[cs]e\sversion\s2\s0\s1\sdefinitions"),
    )
)
_BSD_THIRD_CLAUSE = re.compile(r"used\sto\sendorse\sor\spromote\sproducts\sderived")

# A notice says the code is under a licence; a bare mention of a licence's name (a trove
# classifier, a comparison table) is not one.
_UNDER = r"\b(?:under|subject\sto)\s(?:the\s)?(?:terms\sof\s(?:the\s)?)?"
_GNU = re.compile(_UNDER + r"gnu\s(?:(affero|lesser|library)\s)?general\spublic\slicen[cs]e\b")
# The short names (GPL, GNU LGPLv2, AGPL-3.0, read as the words "agpl 3 0") after `_UNDER`.
_GNU_SHORT = re.compile(
    _UNDER + r"(?:gnu\s)?(a|l)?gpl(?:\s?v\s?|\sversion\s|\s)?([123])?(?:\s([01]))?\b"
)
_VERSION = re.compile(r"\bversion\s([123])(?:\s([01]))?\b")
_LATER = re.compile(r"\bany\slater\sversion\b|\bor\slater\b|\bor\sany\slater\b")
_NOTICES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (licence, re.compile(_UNDER + pattern))
    for licence, pattern in (
        ("MIT", r"mit\b"),
        ("Apache-2.0", r"apache\slicen[cs]e\b"),
        ("MPL-2.0", r"mozilla\spublic\slicen[cs]e\s(?:v|version)?\s?2\s0\b"),
        ("MPL-1.1", r"mozilla\spublic\slicen[cs]e\s(?:v|version)?\s?1\s1\b"),
        ("EPL-2.0", r"eclipse\spublic\slicen[cs]e\s(?:v|version)?\s?2\s0\b"),
        ("EPL-1.0", r"eclipse\spublic\slicen[cs]e\s(?:v|version)?\s?1\s0\b"),
        ("SSPL-1.0", r"server\sside\spublic\slicen[cs]e\b"),
        ("BUSL-1.1", r"business\ssource\slicen[cs]e\b"),
    )
)
# One word each pattern above cannot match without (`_UNDER` for the notices): added lines that
# hold none of them name no licence, so most code skips the scan. A word of the normalised text
# is a substring of the lower-cased raw text, so the gate never hides a match.
_GATE_WORDS = (
    *("under", "subject", "spdx", "permission", "copyright", "redistribution"),
    *("compliance", "reproduction", "gnu", "lesser", "mozilla"),
)
_COMMENT_LEAD = re.compile(r"^\s*(?:#+!?|//+!?|/\*+!?|\*+/?|--+|;+|%+|<!--|\"\"\"|'''|rem\b)\s*")

_LICENCE_FILE = re.compile(r"^(?:licen[cs]e|copying|unlicen[cs]e)(?:[.-][^/]*)?$", re.IGNORECASE)
_SOURCE = frozenset(
    (
        *(".py", ".pyi", ".pyx", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".vue", ".svelte"),
        *(".go", ".rs", ".java", ".kt", ".kts", ".scala", ".groovy", ".c", ".h", ".cc", ".cpp"),
        *(".cxx", ".hpp", ".hh", ".hxx", ".cs", ".fs", ".rb", ".php", ".swift", ".m", ".mm"),
        *(".sh", ".bash", ".zsh", ".ps1", ".pl", ".pm", ".lua", ".r", ".jl", ".dart", ".ex"),
        *(".exs", ".erl", ".hrl", ".hs", ".ml", ".mli", ".clj", ".sql", ".zig", ".nim"),
    )
)


def is_licence_file(path: str) -> bool:
    """LICENSE, LICENCE.md, COPYING, LICENSE-MIT, ...: a project's own licence text."""
    return bool(_LICENCE_FILE.match(path.rsplit("/", 1)[-1])) and not _is_source(path)


def _is_source(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return "." in name and name[name.rindex(".") :] in _SOURCE


@dataclass(frozen=True)
class _Run:
    """Consecutive added lines as lower-case words, with where each line starts."""

    text: str
    starts: tuple[int, ...]
    line_numbers: tuple[int, ...]
    raw: tuple[str, ...]

    def line_at(self, offset: int) -> tuple[int, str]:
        i = max(0, bisect.bisect_right(self.starts, offset) - 1)
        return self.line_numbers[i], self.raw[i]


def _words(line: str) -> str:
    line = _COMMENT_LEAD.sub("", line, count=1)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", line.lower()).split())


def may_name_a_licence(added_lines: Sequence[tuple[int, str]]) -> bool:
    """False when no licence pattern can match these lines (a cheap gate before the scan)."""
    text = "\n".join(t for _, t in added_lines).lower()
    return any(word in text for word in _GATE_WORDS)


def _runs(added_lines: Sequence[tuple[int, str]]) -> Iterator[_Run]:
    group: list[tuple[int, str]] = []
    for n, text in added_lines:
        if group and n != group[-1][0] + 1:
            yield _run(group)
            group = []
        group.append((n, text))
    if group:
        yield _run(group)


def _run(group: Sequence[tuple[int, str]]) -> _Run:
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for _, text in group:
        words = _words(text)
        starts.append(offset)
        parts.append(words)
        offset += len(words) + 1
    return _Run(
        " ".join(parts), tuple(starts), tuple(n for n, _ in group), tuple(t for _, t in group)
    )


@dataclass(frozen=True)
class _Hit:
    kind: Literal["tag", "notice", "text"]
    expression: str
    line: int
    line_text: str


_GNU_NAMES = {"affero": "AGPL", "a": "AGPL", "lesser": "LGPL", "library": "LGPL", "l": "LGPL"}
# A GNU licence named without a version may be used under any version (GPL v3 section 14).
_GNU_FIRST = {"AGPL": "3.0", "LGPL": "2.0", "GPL": "1.0"}


def _gnu_id(family: str | None, version: tuple[str, str] | None, window: str) -> str:
    name = _GNU_NAMES.get(family or "", "GPL")
    if version is None:
        return f"{name}-{_GNU_FIRST[name]}-or-later"
    later = "-or-later" if _LATER.search(window) else "-only"
    return f"{name}-{version[0]}.{version[1] or '0'}{later}"


def _gnu_hits(run: _Run) -> Iterator[tuple[_Hit, bool]]:
    """GNU licence mentions, each with whether it named a version."""
    for match in _GNU.finditer(run.text):
        window = run.text[match.end() : match.end() + 160]
        found = _VERSION.search(window)
        version = (found.group(1), found.group(2)) if found else None
        hit = _Hit("notice", _gnu_id(match.group(1), version, window), *run.line_at(match.start()))
        yield hit, version is not None
    for match in _GNU_SHORT.finditer(run.text):
        window = run.text[match.end() : match.end() + 40]
        version = (match.group(2), match.group(3)) if match.group(2) else None
        hit = _Hit("notice", _gnu_id(match.group(1), version, window), *run.line_at(match.start()))
        yield hit, version is not None


def _notice_hits(run: _Run) -> Iterator[_Hit]:
    for licence, pattern in _NOTICES:
        for match in pattern.finditer(run.text):
            yield _Hit("notice", licence, *run.line_at(match.start()))
    gnu = list(_gnu_hits(run))
    # A header names its version once and the licence again ("You should have received a copy
    # of the GNU General Public License"): the versioned mention speaks for the run.
    versioned = {h.expression.split("-")[0] for h, has_version in gnu if has_version}
    for hit, has_version in gnu:
        if has_version or hit.expression.split("-")[0] not in versioned:
            yield hit


def _text_hits(run: _Run) -> Iterator[_Hit]:
    for licence, pattern in _TEXTS:
        match = pattern.search(run.text)
        if match is None:
            continue
        if licence == "BSD":
            licence = "BSD-3-Clause" if _BSD_THIRD_CLAUSE.search(run.text) else "BSD-2-Clause"
        yield _Hit("text", licence, *run.line_at(match.start()))


def _tag_hits(run: _Run) -> Iterator[_Hit]:
    for n, raw in zip(run.line_numbers, run.raw, strict=True):
        match = _SPDX_TAG.search(raw)
        if match:
            # A licence id never ends in `-`: trailing ones open a closer such as `-->`.
            yield _Hit("tag", match.group(1).rstrip(" \t-"), n, raw)


def _hits(run: _Run) -> list[_Hit]:
    """Tags, texts, and notices not already explained by a text, once per licence per run."""
    texts = list({h.expression: h for h in reversed(list(_text_hits(run)))}.values())
    explained = {canonical(h.expression) for h in texts} | {h.expression for h in texts}
    notices: dict[str, _Hit] = {}
    for hit in sorted(_notice_hits(run), key=lambda h: h.line):
        family = hit.expression.split("-")[0]
        if hit.expression in explained or any(e.startswith(family + "-") for e in explained):
            continue
        notices.setdefault(hit.expression, hit)
    return [*_tag_hits(run), *sorted(texts, key=lambda h: h.line), *notices.values()]


# --- Findings -------------------------------------------------------------------------------


def _finding(rule: str, level: Level, path: str, line: int, text: str, message: str) -> Finding:
    return Finding(
        check=CHECK,
        rule=rule,
        level=level,
        path=path,
        start_line=line,
        end_line=line,
        message=message,
        fingerprint=fingerprint(CHECK, rule, path, text),
    )


def _judged(
    rule: str, what: str, decision: Decision, config: LicenceConfig, where: tuple[str, int, str]
) -> list[Finding]:
    if decision.status == "allowed":
        return []
    level: Level = "failure" if decision.status == "denied" else config.unknown
    path, line, text = where
    return [
        _finding(
            f"{rule}-{decision.status}", level, path, line, text, f"{what} {decision.describe()}"
        )
    ]


def _added(
    f: FileDiff, content: str | None, added: frozenset[int]
) -> tuple[list[tuple[int, str]], bool]:
    view = head_view(f, content, limit=max(added, default=0))
    lines = [(n, t[:MAX_LINE_CHARS]) for n, t in view.lines if n in added]
    return lines[:MAX_LINES], len(lines) > MAX_LINES


def _copied_level(config: LicenceConfig) -> Level | None:
    level = config.copied_text
    return None if level == "off" else level


def _source_findings(
    f: FileDiff, runs: Sequence[_Run], policy: Policy, config: LicenceConfig
) -> list[Finding]:
    own = {_unversioned(canonical(o)) for o in config.own_licences or ()}
    found: list[Finding] = []
    for run in runs:
        for hit in _hits(run):
            where = (f.path, hit.line, hit.line_text)
            decision = policy.judge(hit.expression)
            if hit.kind == "tag":
                found += _judged("spdx", "SPDX licence tag", decision, config, where)
                continue
            found += _judged("notice", f"Licence {hit.kind}", decision, config, where)
            level = _copied_level(config)
            copied = hit.kind == "text" and level is not None and _is_source(f.path)
            if copied and level is not None and _unversioned(canonical(hit.expression)) not in own:
                found.append(
                    _finding(
                        "copied-licence-text",
                        level,
                        *where,
                        f"Possible copied code: a {hit.expression} licence text was pasted "
                        f"into {f.path}",
                    )
                )
    return found


def _licence_file_findings(
    f: FileDiff, runs: Sequence[_Run], policy: Policy, config: LicenceConfig
) -> list[Finding]:
    hits = [h for run in runs for h in _hits(run)]
    named = [h for h in hits if h.kind in ("tag", "text")] or hits
    if not named:
        if f.status != "added" or not runs:
            return []
        first = runs[0]
        decision = Decision("unknown", f.path, ("its text is not one ai-gate recognises",))
        where = (f.path, first.line_numbers[0], first.raw[0])
        return _judged("licence-file", "New licence file", decision, config, where)
    found: list[Finding] = []
    for hit in {h.expression: h for h in reversed(named)}.values():
        where = (f.path, hit.line, hit.line_text)
        found += _judged(
            "licence-file", "Licence file", policy.judge(hit.expression), config, where
        )
    return found


def text_findings(
    snapshot: PullRequestSnapshot,
    config: LicenceConfig,
    lines: Mapping[str, PatchLines],
) -> tuple[list[Finding], list[str]]:
    """Licence tags, notices and pasted texts in the added lines of every changed file."""
    policy = Policy(config, config.own_licences or ())
    ignore = [re.compile(p) for p in config.ignore]
    found: list[Finding] = []
    notes: list[str] = []
    for f in snapshot.files:
        if f.status == "removed" or any(p.search(f.path) for p in ignore):
            continue
        added = (lines.get(f.path) or parse_patch(f.patch)).added
        if not added:
            continue
        text, cut = _added(f, snapshot.contents.get(f.path), added)
        if cut:
            notes.append(
                f"`{f.path}`: only its first {MAX_LINES} added lines were read for licences."
            )
        if is_licence_file(f.path):
            found += _licence_file_findings(f, list(_runs(text)), policy, config)
        elif may_name_a_licence(text):
            found += _source_findings(f, list(_runs(text)), policy, config)
    return found, notes


def named_licences(text: str) -> list[str]:
    """The licences a licence file's text names: its tags and full texts, else its notices."""
    numbered = list(enumerate(text.split("\n")[:MAX_LINES], start=1))
    hits = [h for run in _runs(numbered) for h in _hits(run)]
    named = [h for h in hits if h.kind in ("tag", "text")] or hits
    return list(dict.fromkeys(canonical(h.expression) for h in named))


def dependency_findings(
    deps: Sequence[Dependency],
    resolved: Mapping[Dependency, ResolvedLicence],
    config: LicenceConfig,
) -> tuple[list[Finding], list[str]]:
    """Denied and unknown licences of new dependencies; failed look-ups become notes."""
    policy = Policy(config)
    found: list[Finding] = []
    notes: list[str] = []
    for dep in deps:
        what = f"New dependency `{dep.name}` ({'PyPI' if dep.ecosystem == 'pypi' else 'npm'}):"
        result = resolved.get(dep)
        if result is None or result.error:
            why = result.error if result is not None else "no answer from the resolver"
            notes.append(f"Licence of `{dep.name}` ({dep.ecosystem}) not checked: {why}.")
            continue
        if result.expression is None:
            decision = Decision("unknown", dep.name, (result.detail or "no licence is declared",))
        else:
            decision = policy.judge(result.expression)
        where = (dep.path, dep.line, f"{dep.ecosystem}:{dep.name}")
        for finding in _judged("dependency", what, decision, config, where):
            found.append(finding.model_copy(update={"url": result.source}))
    return found, notes


def licence_findings(
    snapshot: PullRequestSnapshot,
    config: LicenceConfig,
    lines: Mapping[str, PatchLines],
    resolver: LicenceResolver | None,
) -> tuple[list[Finding], list[str]]:
    """Every licence finding of the pull request, and notes on what could not be checked."""
    if not config.enabled:
        return [], []
    found, notes = text_findings(snapshot, config, lines)
    if not config.dependencies:
        return found, notes
    deps, dep_notes = new_dependencies(snapshot, lines)
    notes += dep_notes
    if deps and resolver is None:
        notes.append(
            f"Licences of {len(deps)} new dependenc{'y' if len(deps) == 1 else 'ies'} were not "
            "checked: no package registry is configured."
        )
    elif deps and resolver is not None:
        dep_found, lookup_notes = dependency_findings(deps, resolver.licences(deps), config)
        found += dep_found
        notes += lookup_notes
    return found, notes
