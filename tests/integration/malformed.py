"""Webhook deliveries for the malformed-payload tests: real-shaped payloads of each event we
route (and a few we ignore), the mutations hypothesis draws to break them, and a sweep that
sets every field routing reads to each of a few values in turn. All signed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from app.web.signature import sign
from tests.integration.conftest import APP_ID, INSTALLATION_ID, SECRET
from tests.integration.scenarios import StagedPR, pull_request_payload

JSON = Any


# ---------------------------------------------------------------- real-shaped payloads


def _pull_summary(pr: StagedPR) -> JSON:
    """A PR as check suites and runs list it."""
    repo = {"id": 186853002, "url": f"https://api.github.com/repos/{pr.owner}/{pr.repo}"}
    return {
        "url": f"https://api.github.com/repos/{pr.owner}/{pr.repo}/pulls/{pr.number}",
        "id": 279147437 + pr.number,
        "number": pr.number,
        "head": {"ref": "feature", "sha": pr.head_sha, "repo": repo},
        "base": {"ref": "main", "sha": pr.base_sha, "repo": repo},
    }


def _common(pr: StagedPR) -> JSON:
    base = pull_request_payload(pr)
    return {k: base[k] for k in ("repository", "organization", "sender", "installation")}


def event_payloads(pr: StagedPR) -> list[tuple[str, JSON]]:
    """One delivery of each event and action we route (and a few we deliberately ignore),
    shaped like GitHub's."""
    out: list[tuple[str, JSON]] = []
    for action in ("opened", "synchronize", "reopened", "ready_for_review", "closed"):
        out.append(("pull_request", pull_request_payload(pr, action)))
    edited = pull_request_payload(pr, "edited") | {"changes": {"base": {"ref": {"from": "old"}}}}
    out.append(("pull_request", edited))
    label = {"id": 208045946, "name": "skip-ai-gate", "color": "ededed", "default": False}
    for action in ("labeled", "unlabeled"):
        out.append(("pull_request", pull_request_payload(pr, action) | {"label": label}))
    for action in ("submitted", "dismissed"):
        review = {
            "id": 80,
            "user": {"login": "reviewer", "id": 7, "type": "User"},
            "body": "Looks fine",
            "commit_id": pr.head_sha,
            "state": "approved" if action == "submitted" else "dismissed",
        }
        body = pull_request_payload(pr, action)
        out.append(("pull_request_review", body | {"review": review}))
    suite = {
        "id": 118578147,
        "head_branch": "feature",
        "head_sha": pr.head_sha,
        "status": "queued",
        "conclusion": None,
        "pull_requests": [_pull_summary(pr)],
        "app": {"id": APP_ID, "slug": "ai-gate-test"},
    }
    for action in ("requested", "rerequested"):
        out.append(("check_suite", _common(pr) | {"action": action, "check_suite": suite}))
    run = {
        "id": 128620228,
        "name": "ai-gate",
        "head_sha": pr.head_sha,
        "external_id": "",
        "status": "completed",
        "conclusion": "failure",
        "check_suite": {"id": 118578147, "head_sha": pr.head_sha},
        "pull_requests": [_pull_summary(pr)],
        "app": {"id": APP_ID, "slug": "ai-gate-test"},
    }
    out.append(("check_run", _common(pr) | {"action": "rerequested", "check_run": run}))
    out.append(
        (
            "check_run",
            _common(pr)
            | {
                "action": "requested_action",
                "check_run": run,
                "requested_action": {"identifier": "acknowledge"},
            },
        )
    )
    installation = {
        "id": INSTALLATION_ID,
        "account": {"login": pr.owner, "id": 21031067, "type": "Organization"},
        "repository_selection": "selected",
        "permissions": {"checks": "write", "pull_requests": "write", "contents": "read"},
        "events": ["pull_request", "check_suite", "check_run", "pull_request_review"],
    }
    listed = [{"id": 186853002, "full_name": f"{pr.owner}/{pr.repo}", "private": False}]
    sender = _common(pr)["sender"]
    out.append(
        (
            "installation",
            {
                "action": "created",
                "installation": installation,
                "repositories": listed,
                "sender": sender,
            },
        )
    )
    out.append(
        (
            "installation_repositories",
            {
                "action": "added",
                "installation": installation,
                "repositories_added": listed,
                "repositories_removed": [],
                "sender": sender,
            },
        )
    )
    out.append(("ping", {"zen": "Keep it logically awesome.", "hook_id": 1, "hook": {"id": 1}}))
    push = {
        "ref": "refs/heads/feature",
        "before": pr.base_sha,
        "after": pr.head_sha,
        "commits": [{"id": pr.head_sha, "message": "Change things", "distinct": True}],
    }
    out.append(("push", _common(pr) | push))
    return out


# ---------------------------------------------------------------- mutations

# Values no field of ours should ever be given, and values that are nearly right, by kind:
# each kind is as likely as any other, whatever its size.
HUGE_NUMBERS = [2**63 - 1, 2**63, 2**64, 2**70, -(2**70), 10**400]  # 10**400: beyond a double
SMALL_NUMBERS = [0, -1, 1, 2**31, 2**53 + 1]
FLOATS = [1.5, -0.0, 1e308, 1e-300, 100.0]
NUMERIC_TEXT = ["1", "-1", "1e3", "0x10", "\uff11\uff12", "12345678901234567890123", "NaN", "null"]
SHA_LIKE = ["a" * 39, "A" * 40, "g" * 40, "0" * 64, "-rf", "--upload-pack=touch /tmp/x"]
PATH_LIKE = ["..", "../../etc/passwd", "octo/../../app", "a/b/c", "/", "?x=1#y", "%2e%2e%2f"]
UNICODE = [
    "",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # right-to-left override
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "e\u0301\u0301\u0301",  # combining marks
    "\U0001f600" * 50,
    "\ufeff",  # byte order mark
    "\ud800",  # a lone surrogate: escaped in JSON, not encodable in UTF-8
    "\udfff\ud800",
    "a\nb",
]
LONG_TEXT = ["x" * 100_000, "\u00e9" * 50_000, "a/" * 20_000]

JUNK: st.SearchStrategy[JSON] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_HUGE = st.sampled_from(HUGE_NUMBERS)
_SMALL = st.sampled_from(SMALL_NUMBERS)
_NUMERIC_TEXT = st.sampled_from(NUMERIC_TEXT)
_CONTAINERS = JUNK.filter(lambda v: isinstance(v, list | dict))
_TEXTS: list[st.SearchStrategy[JSON]] = [
    st.sampled_from(SHA_LIKE),
    st.sampled_from(PATH_LIKE),
    st.sampled_from(UNICODE),
    st.sampled_from(LONG_TEXT),
    st.text(max_size=40),
]
# What replaces a number, a string, or anything else: each kind as likely as any other.
FOR_NUMBERS: list[st.SearchStrategy[JSON]] = [_HUGE, _HUGE, _SMALL, st.sampled_from(FLOATS)]
FOR_NUMBERS += [st.booleans(), st.none()]
FOR_NUMBERS += [_NUMERIC_TEXT, st.sampled_from(UNICODE), _CONTAINERS]
FOR_TEXT: list[st.SearchStrategy[JSON]] = [
    *_TEXTS,
    _NUMERIC_TEXT,
    _HUGE,
    _SMALL,
    st.booleans(),
    st.none(),
    _CONTAINERS,
]
ODD_VALUES = [*FOR_TEXT, st.sampled_from(FLOATS)]


def odd_values(current: JSON) -> list[st.SearchStrategy[JSON]]:
    if isinstance(current, int | float) and not isinstance(current, bool):
        return FOR_NUMBERS
    return FOR_TEXT if isinstance(current, str) else ODD_VALUES


Path_ = tuple[str | int, ...]


def paths_of(value: JSON, prefix: Path_ = ()) -> list[Path_]:
    """Every place in a JSON value, parents before children."""
    found: list[Path_] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths_of(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths_of(child, (*prefix, index))
    return found


def _retype(value: JSON) -> JSON:
    """The same value as another JSON type: numbers as strings and back, objects as lists."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        try:
            return int(value, 16) if len(value) >= 40 else float(value)
        except ValueError:
            return [value]
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return 0


@dataclass(frozen=True)
class Mutation:
    path: Path_
    op: str  # drop | replace | retype | wrap
    value: JSON = None

    def apply(self, payload: JSON) -> JSON:
        if not self.path:
            return payload
        parent = payload
        for step in self.path[:-1]:
            try:
                parent = parent[step]
            except (KeyError, IndexError, TypeError):
                return payload  # an earlier mutation removed the way here
        last = self.path[-1]
        try:
            current = parent[last]
        except (KeyError, IndexError, TypeError):
            return payload
        if self.op == "drop":
            del parent[last]
        elif self.op == "replace":
            parent[last] = self.value
        elif self.op == "retype":
            parent[last] = _retype(current)
        else:
            parent[last] = [current] if isinstance(self.value, list) else {"value": current}
        return payload


@dataclass(frozen=True)
class Delivery:
    event: str
    body: bytes
    delivery_id: str
    what: str  # for the failure message

    def headers(self) -> list[tuple[bytes, bytes]]:
        """As GitHub sends them; odd values go out as their UTF-8 bytes."""
        return [
            (b"X-GitHub-Event", self.event.encode("utf-8", errors="surrogatepass")),
            (b"X-GitHub-Delivery", self.delivery_id.encode()),
            (b"X-Hub-Signature-256", sign(SECRET, self.body).encode()),
            (b"Content-Type", b"application/json"),
            (b"User-Agent", b"GitHub-Hookshot/abc123"),
        ]


def _encode(payload: JSON, ascii_only: bool) -> bytes:
    text = json.dumps(payload, ensure_ascii=ascii_only)
    # A lone surrogate, unescaped, is not UTF-8: it goes out as the bytes Python would write.
    return text.encode("utf-8", errors="surrogatepass")


# Bodies that are not (usable) JSON objects, signed all the same.
ODD_BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b"[{}]",
    b"42",
    b'"pull_request"',
    b"true",
    b"\xef\xbb\xbf{}",  # a byte order mark before the object
    b'{"action": "opened", "action": "closed"}',
    b'{"a": "\xff\xfe"}',  # not UTF-8
    b'{"installation": {"id": 1' + b"0" * 400 + b"}}",
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b"{}",
]
# The keys on the way to what routing reads (app/web/routing.py).
ROUTED = frozenset(
    {
        *("action", "installation", "id", "repository", "full_name", "pull_request", "number"),
        *("head", "sha", "state", "check_suite", "head_sha", "pull_requests", "check_run"),
        *("name", "requested_action", "identifier", "review", "user", "login", "sender"),
        *("changes", "base", "label"),
    }
)
# What routing reads, exactly.
_PR_LIST = ("pull_requests", 0)
READ = frozenset(
    {
        *[("action",), ("installation",), ("installation", "id"), ("repository",)],
        *[("repository", "full_name"), ("sender",), ("sender", "login"), ("changes",)],
        *[("changes", "base"), ("pull_request",), ("pull_request", "number")],
        *[("label",), ("label", "name")],
        *[("pull_request", "state"), ("pull_request", "head"), ("pull_request", "head", "sha")],
        *[("review",), ("review", "user"), ("review", "user", "login"), ("requested_action",)],
        *[("requested_action", "identifier"), ("check_run", "name")],
        *[(kind,) for kind in ("check_suite", "check_run")],
        *[(kind, "head_sha") for kind in ("check_suite", "check_run")],
        *[(kind, "pull_requests") for kind in ("check_suite", "check_run")],
        *[(kind, *_PR_LIST) for kind in ("check_suite", "check_run")],
        *[(kind, *_PR_LIST, "number") for kind in ("check_suite", "check_run")],
        *[(kind, *_PR_LIST, "head") for kind in ("check_suite", "check_run")],
        *[(kind, *_PR_LIST, "head", "sha") for kind in ("check_suite", "check_run")],
    }
)
EVENT_NAMES = [
    "pull_request",
    "pull_request_review",
    "check_suite",
    "check_run",
    "installation",
    "ping",
    "push",
    "",
    "PULL_REQUEST",
    "pull-request",
    "x" * 300,
    "\u202e",
]


def _at(payload: JSON, path: Path_) -> JSON:
    for step in path:
        payload = payload[step]
    return payload


@st.composite
def mutations_of(draw: st.DrawFn, payload: JSON) -> Mutation:
    """One change to the payload: mostly to a field routing reads, now and then to any."""
    paths = paths_of(payload)
    if not paths:
        return Mutation((), "drop")
    read = [p for p in paths if p in READ] or paths
    # The values routing reads (ids, numbers, shas, names) most of all.
    leaves = [p for p in read if not isinstance(_at(payload, p), dict | list)] or read
    routed = [p for p in paths if all(isinstance(k, int) or k in ROUTED for k in p)] or paths
    choices = (leaves, leaves, leaves, read, routed, paths)
    path = draw(st.sampled_from(choices[draw(st.integers(0, len(choices) - 1))]))
    op = draw(st.sampled_from(["drop", "replace", "replace", "replace", "retype", "wrap"]))
    value = draw(draw(st.sampled_from(odd_values(_at(payload, path))))) if op == "replace" else None
    return Mutation(path, op, value)


@st.composite
def deliveries(draw: st.DrawFn, bases: list[tuple[str, JSON]]) -> Delivery:
    """A signed delivery: a real-shaped payload with a few mutations, or an odd body."""
    delivery_id = draw(
        st.one_of(
            st.uuids().map(str),
            st.sampled_from(["", "x" * 2000, "é", "../../x", "delivery id with spaces"]),
        )
    )
    if draw(st.integers(0, 9)) == 0:
        event = draw(st.sampled_from(EVENT_NAMES))
        body = draw(st.sampled_from(ODD_BODIES))
        return Delivery(event, body, delivery_id, f"{event!r} {body[:60]!r}")
    event, base = draw(st.sampled_from(bases))
    payload = json.loads(json.dumps(base))
    mutations = []
    for _ in range(draw(st.sampled_from([1, 1, 1, 1, 2, 3, 4]))):
        mutation = draw(mutations_of(payload))
        payload = mutation.apply(payload)
        mutations.append(mutation)
    if draw(st.integers(0, 19)) == 0:
        event = draw(st.sampled_from(EVENT_NAMES))
    body = _encode(payload, ascii_only=draw(st.booleans()))
    return Delivery(event, body, delivery_id, f"{event} {mutations}")


# Every field routing reads, in every event, set to each of these in turn (the sweep that
# complements the examples above: a field and value found wrong once are always tried).
SWEEP_VALUES: list[JSON] = [2**64, -(2**70), 0, True, "7", None, "../x\x00", {}]


def sweep(bases: list[tuple[str, JSON]], values: list[JSON]) -> Iterator[Delivery]:
    for event, base in bases:
        for path in paths_of(base):
            if path not in READ or isinstance(_at(base, path), dict | list):
                continue
            for value in values:
                payload = Mutation(path, "replace", value).apply(json.loads(json.dumps(base)))
                body = _encode(payload, ascii_only=True)
                yield Delivery(event, body, str(uuid.uuid4()), f"{event} {path} = {value!r}")
