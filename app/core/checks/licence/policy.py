"""The allow/deny policy over SPDX expressions (how it judges: the package's docstring)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
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
from app.core.spdx import is_custom, is_known, licensing

Status = Literal["allowed", "denied", "unknown"]


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
        self.own = frozenset(unversioned(canonical(o)) for o in own)

    def _one(self, key: str) -> tuple[Status, str]:
        if unversioned(key) in self.own:
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


def unversioned(key: str) -> str:
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
