"""The registry resolver against a fake PyPI and npm served over real HTTP."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
import redis

from app.adapters.registry import (
    FOUND_TTL,
    MISSING_TTL,
    LicenceCache,
    MemoryLicenceCache,
    RedisLicenceCache,
    RegistryResolver,
)
from app.core.manifests import Dependency, Ecosystem
from app.core.ports import ResolvedLicence
from tests.fakes.registry_server import FakeRegistry, FakeRegistryServer
from tests.integration.conftest import redis_url


@pytest.fixture(scope="module")
def server() -> Iterator[FakeRegistryServer]:
    with FakeRegistryServer() as running:
        yield running


@pytest.fixture
def registry(server: FakeRegistryServer) -> Iterator[FakeRegistry]:
    fake = server.registry
    yield fake
    with fake.lock:
        fake.requests.clear()
        fake.pypi.clear()
        fake.npm.clear()
        fake._failures.clear()


def resolver(
    server: FakeRegistryServer, cache: LicenceCache | None = None, max_lookups: int = 50
) -> RegistryResolver:
    return RegistryResolver(
        pypi_url=server.url,
        npm_url=server.url,
        cache=cache if cache is not None else MemoryLicenceCache(),
        timeout=5.0,
        max_lookups=max_lookups,
    )


def dep(name: str, ecosystem: Ecosystem = "pypi") -> Dependency:
    path = "pyproject.toml" if ecosystem == "pypi" else "package.json"
    return Dependency(ecosystem=ecosystem, name=name, spec=None, path=path, line=3)


def resolve(
    server: FakeRegistryServer, d: Dependency, cache: LicenceCache | None = None
) -> ResolvedLicence:
    return resolver(server, cache).licences([d])[d]


def test_pypi_license_expression_comes_first(
    server: FakeRegistryServer, registry: FakeRegistry
) -> None:
    registry.add_pypi(
        "Flask_Login",
        license_expression="mit OR apache-2.0",
        license="BSD",
        classifiers=["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"],
    )
    result = resolve(server, dep("flask-login"))
    assert result.expression == "MIT OR Apache-2.0"
    assert result.error is None
    assert result.source == f"{server.url}/pypi/flask-login/json"
    assert registry.paths() == ["/pypi/flask-login/json"]


def test_pypi_short_license_field_then_classifiers(
    server: FakeRegistryServer, registry: FakeRegistry
) -> None:
    registry.add_pypi("shortlic", license="Apache-2.0")
    registry.add_pypi(
        "classified",
        license="Copyright (c) 2020 Someone\n\nPermission is granted ... (the whole text)",
        classifiers=[
            "Programming Language :: Python :: 3",
            "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
        ],
    )
    registry.add_pypi(
        "bsdish", license="BSD", classifiers=["License :: OSI Approved :: BSD License"]
    )
    registry.add_pypi("bare")
    assert resolve(server, dep("shortlic")).expression == "Apache-2.0"
    classified = resolve(server, dep("classified"))
    assert classified.expression == "GPL-3.0-or-later"
    assert "classifier" in (classified.detail or "")
    bsd = resolve(server, dep("bsdish"))
    assert bsd.expression is None
    assert bsd.detail == "its licence 'BSD' is not an SPDX expression"
    assert resolve(server, dep("bare")).detail == "PyPI lists no licence for it"


def test_npm_modern_and_legacy_shapes(server: FakeRegistryServer, registry: FakeRegistry) -> None:
    registry.add_npm("left-pad", license="WTFPL")
    registry.add_npm("old-object", license={"type": "MIT", "url": "https://x.example/MIT"})
    registry.add_npm("old-list", licenses=[{"type": "MIT"}, {"type": "GPL-2.0"}])
    registry.add_npm("@scope/pkg", top_level_license="ISC")
    registry.add_npm("private-thing", license="UNLICENSED")
    assert resolve(server, dep("left-pad", "npm")).expression == "WTFPL"
    assert resolve(server, dep("old-object", "npm")).expression == "MIT"
    assert resolve(server, dep("old-list", "npm")).expression == "MIT OR GPL-2.0-only"
    assert resolve(server, dep("@scope/pkg", "npm")).expression == "ISC"
    private = resolve(server, dep("private-thing", "npm"))
    assert private.expression is None
    assert "UNLICENSED" in (private.detail or "")
    assert "/@scope/pkg" in registry.paths()


@pytest.mark.usefixtures("registry")
def test_unknown_package_is_not_on_the_registry_and_cached_briefly(
    server: FakeRegistryServer,
) -> None:
    now = [0.0]
    cache = MemoryLicenceCache(clock=lambda: now[0])
    result = resolve(server, dep("no-such-package"), cache=cache)
    assert result.expression is None
    assert result.error is None
    assert result.detail == "it is not on PyPI"
    now[0] += MISSING_TTL - 1
    assert cache.get("pypi:no-such-package") == result
    now[0] += 2
    assert cache.get("pypi:no-such-package") is None
    assert resolve(server, dep("nope", "npm")).detail == "it is not on npm"


def test_server_error_is_a_note_not_an_exception_and_not_cached(
    server: FakeRegistryServer, registry: FakeRegistry
) -> None:
    registry.add_pypi("flaky", license_expression="MIT")
    cache = MemoryLicenceCache()
    registry.fail_next(500)
    failed = resolve(server, dep("flaky"), cache=cache)
    assert failed.expression is None
    assert failed.error == "PyPI answered 500"
    assert cache.get("pypi:flaky") is None
    assert resolve(server, dep("flaky"), cache=cache).expression == "MIT"


def test_unreachable_registry_is_an_error() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    d = dep("anything")
    result = RegistryResolver(pypi_url=f"http://127.0.0.1:{port}", timeout=2.0).licences([d])[d]
    assert result.error == "PyPI could not be reached (ConnectError)"


def test_second_lookup_is_served_from_the_cache(
    server: FakeRegistryServer, registry: FakeRegistry
) -> None:
    registry.add_pypi("requests", license_expression="Apache-2.0")
    cache = MemoryLicenceCache()
    first = resolve(server, dep("requests"), cache=cache)
    second = resolve(server, dep("requests"), cache=cache)
    assert first == second
    assert registry.paths() == ["/pypi/requests/json"]


def test_same_package_twice_in_one_call_is_fetched_once_and_limit_applies(
    server: FakeRegistryServer, registry: FakeRegistry
) -> None:
    for name in ("a", "b", "c"):
        registry.add_pypi(name, license_expression="MIT")
    a1, a2 = dep("a"), dep("a").model_copy(update={"path": "requirements.txt"})
    b, c = dep("b"), dep("c")
    result = resolver(server, max_lookups=2).licences([a1, a2, b, c])
    assert result[a1].expression == result[a2].expression == result[b].expression == "MIT"
    assert result[c].error == "more than 2 new dependencies; the rest were not looked up"
    assert registry.paths() == ["/pypi/a/json", "/pypi/b/json"]


def test_memory_cache_entries_expire() -> None:
    now = [1000.0]
    cache = MemoryLicenceCache(clock=lambda: now[0])
    cache.put("pypi:x", ResolvedLicence(expression="MIT"), ttl_seconds=60)
    now[0] += 59
    assert cache.get("pypi:x") == ResolvedLicence(expression="MIT")
    now[0] += 2
    assert cache.get("pypi:x") is None


def test_memory_cache_evicts_least_recently_used() -> None:
    cache = MemoryLicenceCache(max_entries=2)
    for key in ("a", "b"):
        cache.put(key, ResolvedLicence(expression="MIT"), 60)
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", ResolvedLicence(expression="MIT"), 60)
    assert cache.get("b") is None
    assert cache.get("a") is not None


def test_redis_cache_round_trip_with_ttl(
    server: FakeRegistryServer, registry: FakeRegistry
) -> None:
    client = redis.Redis.from_url(redis_url())
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"integration tests need Redis at {redis_url()}: {exc}")
    prefix = f"test-licence-{uuid.uuid4().hex}:"
    try:
        registry.add_pypi("numpy", license_expression="BSD-3-Clause")
        cache = RedisLicenceCache(client, prefix=prefix)
        assert resolve(server, dep("numpy"), cache=cache).expression == "BSD-3-Clause"
        ttl = client.ttl(prefix + "pypi:numpy")
        assert isinstance(ttl, int)
        assert FOUND_TTL - 60 < ttl <= FOUND_TTL
        again = RegistryResolver(pypi_url=server.url, cache=RedisLicenceCache(client, prefix))
        assert again.licences([dep("numpy")])[dep("numpy")].expression == "BSD-3-Clause"
        assert registry.paths() == ["/pypi/numpy/json"]
        client.set(prefix + "pypi:broken", b"not json")
        assert cache.get("pypi:broken") is None
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()
