"""The action server's settings, database and policy: built on first use, never at import
time, and one database session per action call, off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from receivables import db
from receivables.policy.model import Policy, load_policy
from receivables.settings import Settings

T = TypeVar("T")


def settings() -> Settings:
    """Read afresh on each call (cheap): the database and policy are what is cached."""
    return Settings()


@lru_cache(maxsize=1)
def _factory() -> sessionmaker[Session]:
    return db.make_session_factory(db.make_engine(settings().database_url))


@lru_cache(maxsize=1)
def get_policy() -> Policy:
    return load_policy(settings().policy_file)


async def run_in_session(work: Callable[[Session], T]) -> T:
    """Run work(session) in a worker thread, in one transaction."""
    return await db.run_in_session(_factory(), lambda session: work(session))
