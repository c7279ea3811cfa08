"""Databases for the storage tests: SQLite files, and PostgreSQL when a server is given.

``AUTOXAI_POSTGRES_URL`` names a server and database the tests may create databases on
(``.ci/run`` starts a throwaway server and sets it). Each test gets a fresh database,
dropped afterwards. Without the variable the PostgreSQL cases skip, unless
``AUTOXAI_REQUIRE_POSTGRES=1`` (set by CI) makes them fail instead.
"""

import os
import uuid

import pytest

from autoxai.storage import InMemoryStorage, SQLStorage


def _postgres_server() -> str:
    url = os.environ.get("AUTOXAI_POSTGRES_URL")
    if not url:
        if os.environ.get("AUTOXAI_REQUIRE_POSTGRES") == "1":
            pytest.fail("AUTOXAI_REQUIRE_POSTGRES=1 but AUTOXAI_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server: set AUTOXAI_POSTGRES_URL (see .ci/postgres.sh)")
    return url


@pytest.fixture
def postgres_url():
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    import sqlalchemy as sa

    server = sa.engine.make_url(_postgres_server())
    name = f"autoxai_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh database of each kind autoxai is tested on."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def storage(request, tmp_path):
    """Every storage: in memory, SQLite and PostgreSQL."""
    if request.param == "memory":
        return InMemoryStorage()
    if request.param == "sqlite":
        return SQLStorage(f"sqlite:///{tmp_path / 'study.db'}")
    return SQLStorage(request.getfixturevalue("postgres_url"))
