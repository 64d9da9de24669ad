"""One database session per action call, off the event loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from receivables.db import DEFAULT_DATABASE_URL, make_engine, make_session_factory, session_scope
from receivables.policy.model import Policy, load_policy

T = TypeVar("T")


@lru_cache(maxsize=1)
def _factory() -> sessionmaker[Session]:
    url = os.environ.get("SETTLE_DATABASE_URL", DEFAULT_DATABASE_URL)
    return make_session_factory(make_engine(url))


@lru_cache(maxsize=1)
def get_policy() -> Policy:
    return load_policy(os.environ.get("SETTLE_POLICY_FILE") or None)


def _in_session(work: Callable[[Session], T]) -> T:
    with session_scope(_factory()) as session:
        return work(session)


async def run_in_session(work: Callable[[Session], T]) -> T:
    """Run work(session) in a worker thread, in one transaction."""
    return await asyncio.to_thread(_in_session, work)
