"""The change bus: what one process publishes wakes another (Redis pub/sub, PostgreSQL
LISTEN/NOTIFY); SQLite has none (its pages poll)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import Engine

from receivables.changes import ChangeBus, make_change_bus

REDIS_URL = "redis://127.0.0.1:6379/0"


async def heard(listener: ChangeBus, publisher: ChangeBus) -> bool:
    """Whether a change published by one reaches the other's listener."""
    changes = listener.changes()
    first = asyncio.ensure_future(anext(changes))
    try:
        for _ in range(50):  # publish until the listener has subscribed and hears it
            await publisher.publish()
            done, _ = await asyncio.wait({first}, timeout=0.2)
            if done:
                return True
        return False
    finally:
        first.cancel()
        await changes.aclose()
        await listener.close()
        await publisher.close()


def test_the_database_bus(engine: Engine) -> None:
    listener = make_change_bus(engine=engine, redis_url=None)
    publisher = make_change_bus(engine=engine, redis_url=None)
    if engine.dialect.name == "sqlite":
        assert listener is None and publisher is None
        return
    assert listener is not None and publisher is not None
    assert asyncio.run(heard(listener, publisher))


def test_the_redis_bus(engine: Engine) -> None:
    prefix = f"settle-test-{uuid.uuid4().hex[:8]}"
    listener = make_change_bus(engine=engine, redis_url=REDIS_URL, prefix=prefix)
    publisher = make_change_bus(engine=engine, redis_url=REDIS_URL, prefix=prefix)
    assert listener is not None and publisher is not None
    assert asyncio.run(heard(listener, publisher))
