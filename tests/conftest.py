"""Databases for the data-layer tests: SQLite and PostgreSQL, migrated with Alembic, every
test inside a transaction that is rolled back."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from receivables.db import make_engine
from receivables.migrate import upgrade
from receivables.settings import get_settings

# no property test fails for being slow: the machine may be busy (no timed assertions)
hypothesis_settings.register_profile("settle", deadline=None)
hypothesis_settings.load_profile("settle")
# the tests run the gateway as in development (the production guard has tests of its own);
# set before any Settings is made, and inherited by the processes the tests start
os.environ.setdefault("SETTLE_ENV", "development")

POSTGRES_URL = os.environ.get(
    "SETTLE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """The process's one settings object (get_settings) is read again for each test, from
    the environment the test set up (monkeypatch.setenv)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """A fresh schema on the test PostgreSQL, migrated to the newest version; its URL. It is
    dropped afterwards. No skip: an unreachable server fails the test."""
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'settle.db'}"
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    with postgres_schema("settle_test") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()
