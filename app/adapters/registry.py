"""Licences of PyPI and npm packages, from the registries' JSON APIs, cached by package name.

PyPI: `GET {pypi}/pypi/{name}/json` (https://docs.pypi.org/api/json/). The licence is read from
`info.license_expression` (PEP 639), then `info.license` when it is a short SPDX expression
(older uploads often hold the whole licence text there), then the `License ::` trove
classifiers (several classifiers are read as a choice, `A OR B`, as dual-licensed packages use
them). npm: `GET {npm}/{name}` (https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md):
the `license` of the version the `latest` dist-tag points at (the PR's version range is not
resolved: the newest release is what a fresh install gets), else the document's own `license`,
else the legacy `{type}` object or `licenses` list.

A package the registry does not know is unknown ("not on the registry"); a registry that fails
(5xx, time-out, malformed answer) gives a note and no finding, and is never raised out of
`licences`. Answers are cached per package for a week (a licence rarely changes between
releases), "not on the registry" for an hour (the package may be published soon).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol
from urllib.parse import quote

import httpx
import redis

from app.core.checks.licence.policy import normalise
from app.core.manifests import Dependency
from app.core.ports import ResolvedLicence

FOUND_TTL = 7 * 24 * 3600
MISSING_TTL = 3600
# Licence fields longer than this are licence texts, not expressions.
_SHORT = 100

# Trove classifiers (https://pypi.org/classifiers/) that name one SPDX licence.
CLASSIFIERS: Mapping[str, str] = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": (
        "GPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": (
        "GPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License (GPL)": "GPL-1.0-or-later",
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": (
        "LGPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": (
        "LGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)": (
        "LGPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": (
        "AGPL-3.0-or-later"
    ),
}


class LicenceCache(Protocol):
    def get(self, key: str) -> ResolvedLicence | None: ...

    def put(self, key: str, value: ResolvedLicence, ttl_seconds: int) -> None: ...


class MemoryLicenceCache:
    """An in-process LRU of licences, each entry expiring after its own TTL."""

    def __init__(
        self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_entries
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, ResolvedLicence]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> ResolvedLicence | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= self._clock():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, value: ResolvedLicence, ttl_seconds: int) -> None:
        with self._lock:
            self._items[key] = (self._clock() + ttl_seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)


class RedisLicenceCache:
    """Licences shared by every worker."""

    def __init__(self, client: redis.Redis, prefix: str = "ai-gate:licence:") -> None:
        self._redis = client
        self._prefix = prefix

    def get(self, key: str) -> ResolvedLicence | None:
        data = self._redis.get(self._prefix + key)
        if not isinstance(data, bytes):
            return None
        try:
            return ResolvedLicence.model_validate_json(data)
        except ValueError:  # written by another version of ai-gate: look it up again
            return None

    def put(self, key: str, value: ResolvedLicence, ttl_seconds: int) -> None:
        self._redis.set(self._prefix + key, value.model_dump_json(), ex=ttl_seconds)


class _Missing(Exception):
    """The registry does not know the package (404)."""


def _spdx(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip() or len(text) > _SHORT or "\n" in text:
        return None
    return normalise(text.strip())


def _from_classifiers(classifiers: object) -> tuple[str | None, str]:
    names = [c for c in classifiers if isinstance(c, str)] if isinstance(classifiers, list) else []
    licences = [c for c in names if c.startswith("License ::")]
    ids = list(dict.fromkeys(CLASSIFIERS[c] for c in licences if c in CLASSIFIERS))
    if ids:
        return " OR ".join(ids), "from the classifier(s) " + ", ".join(
            c for c in licences if c in CLASSIFIERS
        )
    if licences:
        return None, "its licence classifier(s) name no single SPDX licence: " + ", ".join(licences)
    return None, "PyPI lists no licence for it"


def pypi_licence(document: object) -> tuple[str | None, str | None]:
    """(SPDX expression, how it was found or why there is none) from a PyPI JSON document."""
    info = document.get("info") if isinstance(document, dict) else None
    if not isinstance(info, dict):
        return None, "PyPI's answer has no `info`"
    expression = _spdx(info.get("license_expression"))
    if expression:
        return expression, None
    expression = _spdx(info.get("license"))
    if expression:
        return expression, None
    expression, detail = _from_classifiers(info.get("classifiers"))
    raw = info.get("license_expression") or info.get("license")
    if expression is None and isinstance(raw, str) and raw.strip() and len(raw) <= _SHORT:
        detail = f"its licence {raw.strip()!r} is not an SPDX expression"
    return expression, detail


def _npm_field(value: object) -> str | None:
    """An npm `license` string, a legacy `{type}` object, or a legacy `licenses` list."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _npm_field(value.get("type"))
    if isinstance(value, list):
        types = [t for t in (_npm_field(v) for v in value) if t]
        return " OR ".join(f"({t})" if " " in t else t for t in types) or None
    return None


def npm_licence(document: object) -> tuple[str | None, str | None]:
    """(SPDX expression, why there is none) from an npm registry package document."""
    if not isinstance(document, dict):
        return None, "npm's answer is not a package document"
    tags = document.get("dist-tags")
    versions = document.get("versions")
    latest = tags.get("latest") if isinstance(tags, dict) else None
    manifest = versions.get(latest) if isinstance(versions, dict) and latest else None
    sources = [manifest, document] if isinstance(manifest, dict) else [document]
    raw: str | None = None
    for source in sources:
        raw = _npm_field(source.get("license")) or _npm_field(source.get("licenses"))
        if raw:
            break
    if raw is None:
        return None, "npm lists no licence for it"
    if raw.upper() == "UNLICENSED":
        return None, "it is UNLICENSED (not licensed for use by others)"
    if raw.upper().startswith("SEE LICENSE IN"):
        return None, f"its licence is a custom file ({raw})"
    expression = normalise(raw)
    if expression is None:
        return None, f"its licence {raw!r} is not an SPDX expression"
    return expression, None


class RegistryResolver:
    """Looks up licences on PyPI and npm, through a cache, at most `max_lookups` per call."""

    def __init__(
        self,
        pypi_url: str = "https://pypi.org",
        npm_url: str = "https://registry.npmjs.org",
        cache: LicenceCache | None = None,
        timeout: float = 10.0,
        max_lookups: int = 50,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._pypi = pypi_url.rstrip("/")
        self._npm = npm_url.rstrip("/")
        self._cache: LicenceCache = cache if cache is not None else MemoryLicenceCache()
        self._timeout = timeout
        self._max = max_lookups
        self._transport = transport

    def _url(self, dep: Dependency) -> str:
        if dep.ecosystem == "pypi":
            return f"{self._pypi}/pypi/{quote(dep.name, safe='')}/json"
        # Scoped packages are one path segment: `@scope%2Fname`.
        return f"{self._npm}/{quote(dep.name, safe='@')}"

    def _fetch(self, client: httpx.Client, url: str) -> object:
        response = client.get(url, headers={"Accept": "application/json"})
        if response.status_code == 404:
            raise _Missing
        response.raise_for_status()
        return response.json()

    def _lookup(self, client: httpx.Client, dep: Dependency) -> tuple[ResolvedLicence, int]:
        """The licence and how long to cache it (0: not at all)."""
        registry = "PyPI" if dep.ecosystem == "pypi" else "npm"
        if not (self._pypi if dep.ecosystem == "pypi" else self._npm):
            # An empty registry URL switches lookups off (an offline or air-gapped install).
            return ResolvedLicence(error=f"lookups on {registry} are switched off"), 0
        url = self._url(dep)
        try:
            document = self._fetch(client, url)
        except _Missing:
            return ResolvedLicence(source=url, detail=f"it is not on {registry}"), MISSING_TTL
        except httpx.HTTPStatusError as exc:
            error = f"{registry} answered {exc.response.status_code}"
            return ResolvedLicence(source=url, error=error), 0
        except httpx.HTTPError as exc:
            error = f"{registry} could not be reached ({type(exc).__name__})"
            return ResolvedLicence(source=url, error=error), 0
        except ValueError:
            return ResolvedLicence(source=url, error=f"{registry} answered with bad JSON"), 0
        read = pypi_licence if dep.ecosystem == "pypi" else npm_licence
        expression, detail = read(document)
        return ResolvedLicence(expression=expression, source=url, detail=detail), FOUND_TTL

    def licences(self, deps: Sequence[Dependency]) -> Mapping[Dependency, ResolvedLicence]:
        """Each dependency's licence; failures and the lookup limit are reported as errors."""
        out: dict[Dependency, ResolvedLicence] = {}
        looked_up: dict[str, ResolvedLicence] = {}
        with httpx.Client(
            timeout=self._timeout, transport=self._transport, headers={"User-Agent": "ai-gate"}
        ) as client:
            for dep in deps:
                key = f"{dep.ecosystem}:{dep.name}"
                known = looked_up.get(key) or self._cache.get(key)
                if known is None and len(looked_up) >= self._max:
                    known = ResolvedLicence(
                        error=f"more than {self._max} new dependencies; the rest were not looked up"
                    )
                elif known is None:
                    known, ttl = self._lookup(client, dep)
                    looked_up[key] = known
                    if ttl:
                        self._cache.put(key, known, ttl)
                out[dep] = known
        return out
