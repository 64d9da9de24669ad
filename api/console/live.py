"""Live updates for the console: a Server-Sent Events stream that says "change" whenever
the queue or a conversation may look different.

The gateway wakes it at once (`Outbound.notify`), and so do the other gateway replicas and
the workers through the change bus (Redis or PostgreSQL NOTIFY, receivables.changes); what
no bus tells (a handoff made by the action server) is noticed by a cheap look at the newest
ids every few seconds. A stream ends after a while and the browser reconnects by itself,
so no connection outlives a restart by long.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.outbound import Outbound
from receivables.conversations.service import change_stamp
from receivables.db import run_in_session

CHECK_EVERY = 2.0  # seconds between looks at the database
CHECK_WITH_BUS = 6.0  # ... when the change bus wakes us (the action server's writes still need it)
STREAM_FOR = 25.0  # seconds before the browser is asked to reconnect


async def change_events(
    sessions: sessionmaker[Session],
    outbound: Outbound,
    *,
    stream_for: float = STREAM_FOR,
    clock: Callable[[], float] | None = None,
) -> AsyncIterator[str]:
    """The SSE body: one "change" right away (the page catches up after a reconnect), then
    one per change, and a comment now and then to keep proxies from closing the line."""

    def stamp() -> Awaitable[tuple[Any, ...]]:
        return run_in_session(sessions, change_stamp)

    now = clock or asyncio.get_running_loop().time
    ends = now() + stream_for
    version, seen = outbound.version, await stamp()
    yield f"retry: 1000\nevent: change\ndata: {version}\n\n"
    while now() < ends:
        check = CHECK_WITH_BUS if outbound.shared else CHECK_EVERY
        version_now = await outbound.wait_for_change(version, min(check, ends - now()))
        stamp_now = await stamp()
        if version_now != version or stamp_now != seen:
            version, seen = version_now, stamp_now
            yield f"event: change\ndata: {version}\n\n"
        else:
            yield ": idle\n\n"
