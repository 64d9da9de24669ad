"""The action server's settings, database and policy: built on first use, never at import
time, and one database session per action call, off the event loop.

Rasa SDK's server is the entry point here (`settle` does not start it), so the settings are
the process's one (get_settings()) and the engine the process's one for that URL."""

from __future__ import annotations

import atexit
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from receivables import db
from receivables.policy.model import Policy, load_policy
from receivables.settings import get_settings

T = TypeVar("T")


@lru_cache(maxsize=1)
def _factory() -> sessionmaker[Session]:
    # the server has no shutdown hook for us: the pool closes when the process ends
    atexit.register(db.dispose_engines)
    return db.make_session_factory(db.engine_for(get_settings().database_url))


@lru_cache(maxsize=1)
def get_policy() -> Policy:
    return load_policy(get_settings().policy_file)


async def run_in_session(work: Callable[[Session], T]) -> T:
    """Run work(session) in a worker thread, in one transaction."""
    return await db.run_in_session(_factory(), lambda session: work(session))
