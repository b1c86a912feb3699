"""SPDX licence ids and expressions, as the license-expression library reads them."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Protocol, cast

from license_expression import get_spdx_licensing


class Licensing(Protocol):
    """The part of `license_expression.Licensing` used here (the library ships no types)."""

    known_symbols: Mapping[str, object]

    def parse(self, expression: str, validate: bool = False) -> object: ...

    def license_keys(self, expression: object, unique: bool = True) -> list[str]: ...


@functools.cache
def licensing() -> Licensing:
    # Loading the SPDX index takes a few tens of milliseconds: once per process.
    return cast(Licensing, get_spdx_licensing())


@functools.cache
def _known_keys() -> frozenset[str]:
    return frozenset(str(k) for k in licensing().known_symbols)


def is_known(key: str) -> bool:
    """A licence id of the SPDX list (custom `LicenseRef-` ids are not)."""
    return key in _known_keys() and not is_custom(key)


def is_custom(key: str) -> bool:
    """A custom id (`LicenseRef-…`, `DocumentRef-…`), which SPDX allows but cannot judge."""
    return key.startswith(("LicenseRef-", "DocumentRef-"))
