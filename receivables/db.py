"""Engine and session factories. Nothing is created at import time.

`engine_for(url)` is how a process reaches its database: one engine (one connection pool)
per URL per process, made on first use and shared after; `dispose_engines()` closes them at
shutdown. `make_engine` builds a fresh one (engine_for's builder; tests that want a private
pool call it too)."""

from __future__ import annotations

import asyncio
import threading
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
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str = DEFAULT_DATABASE_URL) -> Engine:
    """This process's engine for `url`: built on first use, the same one every time after
    (a second engine would be a second connection pool to the same database)."""
    key = normalize_url(url)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = make_engine(key)
        return engine


def dispose_engines() -> None:
    """Close the pools engine_for made (at the end of a process, a command or an app's
    lifespan); a later engine_for builds a new engine."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Several processes (gateway, action server) share the file: WAL and a busy timeout
    # let them take turns instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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


def begin_transaction(session: Session) -> None:
    """Make sure the session is inside a real transaction before savepoints are used.

    The sqlite3 module begins a transaction only at the first write, so on SQLite a
    savepoint taken before that becomes the outermost transaction and its release commits:
    a dry run could not be rolled back. A write that changes nothing begins it now (and
    takes SQLite's write lock, which a unit of work that imports rows needs anyway). On
    other databases the transaction has already begun; nothing happens."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE audit_events SET id = id WHERE 1 = 0"))
