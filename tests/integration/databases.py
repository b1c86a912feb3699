"""Databases for the store tests: a new SQLite file, or a new schema on the test PostgreSQL
(`AI_GATE_TEST_POSTGRES_URL`), skipped with a reason when none answers. The fixtures are
registered by conftest.py for every integration test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from app.adapters.store import SqlStore

OpenStore = Callable[..., SqlStore]


def postgres_base_url() -> str:
    return os.environ.get("AI_GATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres() -> str:
    """The test server's URL, or a skip saying why there is none."""
    url = postgres_base_url()
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            pass
    except psycopg.Error as exc:
        where = make_url(url).render_as_string(hide_password=True)
        pytest.skip(f"PostgreSQL not reachable at {where} (set AI_GATE_TEST_POSTGRES_URL): {exc}")
    return url


@pytest.fixture(params=["sqlite", "postgresql"], name="url")
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody else uses: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'ai-gate.db'}"
        return
    base: str = request.getfixturevalue("postgres")
    schema = f"test_store_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(base), autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    options = {"options": f"-csearch_path={schema}"}
    yield make_url(base).update_query_dict(options).render_as_string(hide_password=False)
    with psycopg.connect(_libpq(base), autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def open_store(url: str) -> Iterator[OpenStore]:
    """Open stores on the test database (each one is a process start); all closed after."""
    stores: list[SqlStore] = []

    def open_(now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> SqlStore:
        store = SqlStore(url, now=now)
        stores.append(store)
        return store

    yield open_
    for store in stores:
        store.close()


@pytest.fixture(name="store")
def sql_store(open_store: OpenStore) -> SqlStore:
    return open_store()
