"""The disclosure policy: AI work shown by other evidence (an agent identity, a marker, an agent
branch or label) must carry a disclosure in a form the project accepts (`gate.disclosure`), and
no agent may sign off a commit (`gate.forbid_agent_signoff`).

A disclosure is a trailer with an accepted key whose value names AI (`Assisted-by: Claude
Code:claude-opus-4.6`; not `Assisted-by: none`), in the commit or in the PR body, or a ticked
checkbox of the PR template matching `gate.disclosure_checkbox`. A disclosure in the PR body
covers every commit of the PR.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.core.attribution.catalogue import match_identity
from app.core.attribution.disclosures import agent_name, disclosed, identities
from app.core.attribution.trailers import parse_trailers
from app.core.config.model import GateConfig
from app.core.models import (
    Attribution,
    CommitDisclosure,
    Disclosure,
    PullRequestSnapshot,
    Signal,
)

_BODY_TRAILER = re.compile(r"^\s*(?P<key>[A-Za-z][\w-]*)\s*:\s*(?P<value>\S.*)$", re.M)


def _accepted(gate: GateConfig) -> frozenset[str]:
    return frozenset(k.lower() for k in gate.disclosure_trailers)


def _trailer_disclosure(message: str, accepted: frozenset[str]) -> str | None:
    for t in parse_trailers(message):
        if t.key in accepted and disclosed(t.value, named_only=True) is not None:
            return t.line.strip()
    return None


def _body_disclosure(body: str, gate: GateConfig) -> str | None:
    if gate.disclosure_checkbox and (box := re.search(gate.disclosure_checkbox, body, re.M)):
        return box.group(0).strip()
    accepted = _accepted(gate)
    for m in _BODY_TRAILER.finditer(body):
        if m["key"].lower() in accepted and disclosed(m["value"], named_only=True) is not None:
            return m.group(0).strip()
    return None


def _is_agent(value: str) -> bool:
    return any(
        match_identity(name, email) is not None or agent_name(name) is not None
        for name, email in identities(value)
    )


def agent_signoffs(snapshot: PullRequestSnapshot) -> list[str]:
    """`sha: Signed-off-by: …` for every sign-off naming an agent identity."""
    return [
        f"{c.sha[:12]}: {t.line.strip()}"
        for c in snapshot.commits
        for t in parse_trailers(c.message)
        if t.key == "signed-off-by" and _is_agent(t.value)
    ]


def _evidence(signals: Sequence[Signal], sha: str, inherited: bool) -> tuple[str, ...]:
    source = "pull_request" if inherited else f"commit:{sha}"
    return tuple(
        dict.fromkeys(
            f"{s.kind}: {s.evidence}" for s in signals if s.source == source and s.counted
        )
    )


def disclosure_status(
    snapshot: PullRequestSnapshot, attribution: Attribution, gate: GateConfig
) -> Disclosure | None:
    """What was disclosed and what was not; None when neither policy is on."""
    if gate.disclosure == "off" and not gate.forbid_agent_signoff:
        return None
    pr = snapshot.pull_request
    body = _body_disclosure(pr.body, gate) if pr else None
    accepted = _accepted(gate)
    messages = {c.sha: c.message for c in snapshot.commits}
    commits = []
    for c in attribution.commits:
        if not c.ai:
            continue
        own = _trailer_disclosure(messages.get(c.sha, ""), accepted)
        commits.append(
            CommitDisclosure(
                sha=c.sha,
                disclosure=own or body,
                evidence=_evidence(attribution.signals, c.sha, c.inherited),
            )
        )
    pr_evidence = _evidence(attribution.signals, "", True) if attribution.ai else ()
    return Disclosure(
        mode=gate.disclosure,
        pull_request=body,
        commits=tuple(commits),
        undisclosed_pull_request=bool(pr_evidence) and body is None and not commits,
        pull_request_evidence=pr_evidence,
        agent_signoffs=tuple(agent_signoffs(snapshot)) if gate.forbid_agent_signoff else (),
    )


def _expected(gate: GateConfig) -> str:
    keys = ", ".join(f"`{k}:`" for k in gate.disclosure_trailers) or "none"
    box = " or tick the PR template's AI checkbox" if gate.disclosure_checkbox else ""
    return f"add a trailer such as `Assisted-by: AGENT:MODEL` (accepted keys: {keys}){box}"


def disclosure_reasons(gate: GateConfig, status: Disclosure | None) -> tuple[list[str], list[str]]:
    """(failures, warnings) the policy gives: undisclosed AI work fails under `require` and is
    a warning under `warn`; an agent's sign-off fails under `forbid_agent_signoff`."""
    if status is None:
        return [], []
    problems = [
        f"Commit `{c.sha[:12]}` is AI-attributed ({'; '.join(c.evidence) or 'PR evidence'}) "
        f"but carries no disclosure: {_expected(gate)}."
        for c in status.commits
        if c.disclosure is None
    ]
    if status.undisclosed_pull_request:
        problems.append(
            f"The PR is AI-attributed ({'; '.join(status.pull_request_evidence)}) but carries "
            f"no disclosure: {_expected(gate)}."
        )
    signoffs = [
        f"An agent signed off a commit (`{s}`): only a person can certify the Developer "
        "Certificate of Origin (`gate.forbid_agent_signoff`)."
        for s in status.agent_signoffs
    ]
    if status.mode == "require":
        return [*problems, *signoffs], []
    return signoffs, problems if status.mode == "warn" else []
