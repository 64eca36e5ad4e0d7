"""Shared fixtures: real SQLite and PostgreSQL databases, a real Redis, settings built per test.

PostgreSQL and Redis come from COOLPAPERS_TEST_DATABASE_URL / COOLPAPERS_TEST_REDIS_URL.
Without them the tests that need them skip with the reason, unless
COOLPAPERS_REQUIRE_SERVICES=1 (CI), where a missing service is a failure.
Every test gets its own database (cloned from a migrated template) and its own
Redis key prefix, so test runs never see each other's data.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.settings import Settings
from coolpapers.app.store.db import make_engine, make_session_factory
from coolpapers.app.store.migrate import upgrade

PG_ENV = "COOLPAPERS_TEST_DATABASE_URL"
REDIS_ENV = "COOLPAPERS_TEST_REDIS_URL"
REQUIRE = os.environ.get("COOLPAPERS_REQUIRE_SERVICES") == "1"


def missing_service(reason: str) -> None:
    """Skip the test, or fail it when the run requires every service (CI)."""
    if REQUIRE:
        pytest.fail(f"{reason} (COOLPAPERS_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own Settings: a developer's COOLPAPERS_* variables must not leak in."""
    for key in list(os.environ):
        if key.startswith("COOLPAPERS_") and not key.startswith(("COOLPAPERS_TEST_", "COOLPAPERS_REQUIRE")):
            monkeypatch.delenv(key)


def make_settings(**overrides: Any) -> Settings:
    # Outside services point at a closed local port: a test reaches arXiv only through a fake server.
    closed = "http://127.0.0.1:9"
    base: dict[str, Any] = {
        "database_url": "sqlite:///:memory:", "categories": "all", "arxiv_rss_url": closed,
        "arxiv_api_url": f"{closed}/api/query", "arxiv_pdf_url": f"{closed}/pdf",
    }  # fmt: skip
    base.update(overrides)
    return Settings(_env_file=None, **base)


# ---------------------------------------------------------------- PostgreSQL


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV, "").strip()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url or None


def _pg_exec(admin_url: str, sql: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A migrated template database, cloned per test (CREATE DATABASE … TEMPLATE is fast)."""
    admin = _pg_admin_url()
    if admin is None:
        yield None
        return
    name = f"cp_tmpl_{uuid.uuid4().hex[:10]}"
    try:
        _pg_exec(admin, f'CREATE DATABASE "{name}"')
    except Exception as exc:  # unreachable server: reported per test by pg_url
        yield f"error:{exc}"
        return
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    _pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_template: str | None) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    admin = _pg_admin_url()
    if admin is None or pg_template is None:
        missing_service(f"PostgreSQL not configured: set {PG_ENV}")
    assert admin is not None and pg_template is not None
    if pg_template.startswith("error:"):
        missing_service(f"PostgreSQL at {make_url(admin).render_as_string()} unreachable: {pg_template[6:]}")
    name = f"cp_test_{uuid.uuid4().hex[:10]}"
    template = make_url(pg_template).database
    _pg_exec(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    _pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def blank_pg_url() -> Iterator[str]:
    """An empty PostgreSQL database (no schema), for migration tests."""
    admin = _pg_admin_url()
    if admin is None:
        missing_service(f"PostgreSQL not configured: set {PG_ENV}")
    assert admin is not None
    name = f"cp_blank_{uuid.uuid4().hex[:10]}"
    try:
        _pg_exec(admin, f'CREATE DATABASE "{name}"')
    except Exception as exc:
        missing_service(f"PostgreSQL unreachable: {exc}")
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    _pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- SQLite


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database file for one test."""
    path = tmp_path / "coolpapers.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


# ---------------------------------------------------------------- either backend


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def session_factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url=database_url)


# ---------------------------------------------------------------- Redis


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis; the test's keys live under its own prefix (see `redis_prefix`)."""
    url = os.environ.get(REDIS_ENV, "").strip()
    if not url:
        missing_service(f"Redis not configured: set {REDIS_ENV}")
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except RedisError as exc:
        missing_service(f"Redis at {url} unreachable: {exc}")
    finally:
        client.close()
    yield url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    from redis import Redis

    prefix = f"cptest-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# ---------------------------------------------------------------- fake arXiv


@pytest.fixture
def fake_arxiv() -> Iterator[Any]:
    """A fake arXiv (RSS, API, PDFs) on a free 127.0.0.1 port; see tests/fake_arxiv/server.py."""
    from tests.fake_arxiv.server import FakeArxiv

    with FakeArxiv() as server:
        yield server
