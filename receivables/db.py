"""Engine and session factories. Nothing is created at import time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

DEFAULT_DATABASE_URL = "sqlite:///var/settle.db"


def normalize_url(url: str) -> str:
    """Let users write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Several processes (gateway, action server) share the file: WAL and a busy timeout
    # let them take turns instead of failing with "database is locked".
    # The sqlite3 module's own transaction handling begins a transaction only before a write
    # and lets RELEASE SAVEPOINT commit it: a savepoint (one row of an import, one delivery)
    # would commit the caller's work. So SQLAlchemy begins transactions itself (_sqlite_begin),
    # as SQLAlchemy's documentation of the pysqlite driver advises.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start: a transaction that reads and then writes
    # never fails halfway because another process wrote in between (it waits its turn,
    # up to the busy timeout, instead)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def run_in_session(
    factory: sessionmaker[Session], work: Callable[..., T], /, **arguments: Any
) -> T:
    """`work(session=..., **arguments)` in its own unit of work, in a worker thread, so that
    database work never blocks the event loop (the gateway, the action server). The one
    way async code reaches the database."""

    def scoped() -> T:
        with session_scope(factory) as session:
            return work(session=session, **arguments)

    return await asyncio.to_thread(scoped)


def check_database(*, session: Session) -> None:
    """Raises when the database cannot answer a trivial query."""
    session.execute(text("SELECT 1"))
