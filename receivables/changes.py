"""Live updates between processes: "something changed" published by the process that wrote
it (a gateway replica, a worker) and heard by every gateway replica, which wakes its
long-polls and console streams at once instead of at their next look at the database.

Redis pub/sub when SETTLE_REDIS_URL is set, otherwise PostgreSQL's LISTEN/NOTIFY when the
database is PostgreSQL; on SQLite (one machine, `make run`) there is no bus and the pages'
short polling does the job. A message says only that something changed: the pages read what
from the database, so a lost message costs a few seconds, never data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Protocol

import psycopg
import redis.asyncio as aioredis
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

PG_CHANNEL = "settle_changes"
RECONNECT_AFTER = 2.0  # seconds


class ChangeBus(Protocol):
    async def publish(self) -> None: ...

    def changes(self) -> AsyncIterator[None]:
        """One item per change another process (or this one) published; reconnects."""
        ...

    async def close(self) -> None: ...


class RedisChanges:
    def __init__(self, url: str, prefix: str) -> None:
        self._client = aioredis.Redis.from_url(url)
        self.channel = f"{prefix}:changes"

    async def publish(self) -> None:
        await self._client.publish(self.channel, "1")

    async def changes(self) -> AsyncIterator[None]:
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            yield None
            except (aioredis.RedisError, OSError) as exc:
                log.warning("live updates through Redis interrupted: %s", exc)
                await asyncio.sleep(RECONNECT_AFTER)

    async def close(self) -> None:
        await self._client.aclose()


class PostgresChanges:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        url = make_url(engine.url).set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)

    async def publish(self) -> None:
        await asyncio.to_thread(self._notify)

    def _notify(self) -> None:
        with self._engine.begin() as connection:
            connection.execute(select(func.pg_notify(PG_CHANNEL, "")))

    async def changes(self) -> AsyncIterator[None]:
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                async with connection:
                    await connection.execute(f"LISTEN {PG_CHANNEL}")
                    async for _ in connection.notifies():
                        yield None
            except psycopg.Error as exc:
                log.warning("live updates through PostgreSQL interrupted: %s", exc)
                await asyncio.sleep(RECONNECT_AFTER)

    async def close(self) -> None:
        return None


def make_change_bus(
    *, engine: Engine, redis_url: str | None, prefix: str = "settle"
) -> ChangeBus | None:
    """Redis when there is one, PostgreSQL's own when the database is PostgreSQL; None on
    SQLite."""
    if redis_url:
        return RedisChanges(redis_url, prefix)
    if engine.dialect.name == "postgresql":
        return PostgresChanges(engine)
    return None
