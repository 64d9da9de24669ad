"""Live updates for the console: a Server-Sent Events stream that says "change" whenever
the queue or a conversation may look different.

The gateway wakes it at once (`Outbound.notify`); what other processes write (a handoff
made by the action server, a debtor's message) is noticed by a cheap look at the newest ids
every couple of seconds. A stream ends after a while and the browser reconnects by itself,
so no connection outlives a restart by long.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.outbound import Outbound
from receivables.db import session_scope
from receivables.models import Handoff, Message

CHECK_EVERY = 2.0  # seconds between looks at the database
STREAM_FOR = 25.0  # seconds before the browser is asked to reconnect


def change_stamp(session: Session) -> tuple[Any, ...]:
    """Changes whenever a message or handoff is added or a handoff is claimed or resolved."""
    handoffs = session.execute(
        select(
            func.max(Handoff.id),
            func.count(Handoff.id),
            func.max(Handoff.claimed_at),
            func.max(Handoff.resolved_at),
        )
    ).one()
    return (session.scalar(select(func.max(Message.id))), *handoffs)


async def change_events(
    sessions: sessionmaker[Session],
    outbound: Outbound,
    *,
    stream_for: float = STREAM_FOR,
    clock: Callable[[], float] | None = None,
) -> AsyncIterator[str]:
    """The SSE body: one "change" right away (the page catches up after a reconnect), then
    one per change, and a comment now and then to keep proxies from closing the line."""

    def stamp() -> tuple[Any, ...]:
        with session_scope(sessions) as session:
            return change_stamp(session)

    now = clock or asyncio.get_running_loop().time
    ends = now() + stream_for
    version, seen = outbound.version, await asyncio.to_thread(stamp)
    yield f"retry: 1000\nevent: change\ndata: {version}\n\n"
    while now() < ends:
        version_now = await outbound.wait_for_change(version, min(CHECK_EVERY, ends - now()))
        stamp_now = await asyncio.to_thread(stamp)
        if version_now != version or stamp_now != seen:
            version, seen = version_now, stamp_now
            yield f"event: change\ndata: {version}\n\n"
        else:
            yield ": idle\n\n"
