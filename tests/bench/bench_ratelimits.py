"""What the rate limits cost a debtor's message: the counting the gateway does for one web
chat message (per address and per conversation, each with its minute and hour window; a new
conversation also counts per address), on each storage the gateways can share: SQLite,
PostgreSQL and Redis. Milliseconds per message, p50 and p95.

    .venv/bin/python -m tests.bench.bench_ratelimits [--messages 2000] [--postgres URL] [--redis URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from limits.storage import Storage, storage_from_string
from sqlalchemy import create_engine, text

from receivables.db import make_engine, make_session_factory
from receivables.migrate import upgrade
from receivables.ratelimits.service import RateLimits, make_storage
from receivables.settings import Settings

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/7"
# the gateway's defaults, high enough that nothing is refused while measuring
RULES = {
    "conversation_messages": "100000/minute;1000000/hour",
    "address_messages": "100000/minute;1000000/hour",
    "address_new_conversations": "100000/minute;1000000/hour",
}


def one_message(limits: RateLimits, address: str, conversation: str, new: bool) -> None:
    """As api.routers.conversations.post_message counts a message."""
    limits.hit("address_messages", address)
    if new:
        limits.hit("address_new_conversations", address)
    limits.hit("conversation_messages", conversation)


def measure(storage: Storage, messages: int) -> dict[str, float]:
    limits = RateLimits(storage, RULES, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    timings = []
    for i in range(messages):
        address = f"192.0.2.{i % 50}"
        conversation = f"web-{i // 5}"  # five messages a conversation
        started = time.perf_counter()
        one_message(limits, address, conversation, new=i % 5 == 0)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(len(timings) * 0.95)], 3),
        "per_s": round(messages / (sum(timings) / 1000), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--redis", default=REDIS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'limits.db'}"
        upgrade(url)
        engine = make_engine(url)
        sqlite = measure(
            make_storage(redis_url=None, sessions=make_session_factory(engine)), args.messages
        )
        engine.dispose()
    print(f"sqlite      {sqlite}")

    schema = f"bench_limits_{uuid.uuid4().hex[:6]}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{args.postgres}?options=-csearch_path%3D{schema}"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        postgres = measure(make_storage(redis_url=None, sessions=sessions), args.messages)
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    print(f"postgresql  {postgres}")

    redis = measure(storage_from_string(args.redis), args.messages)
    print(f"redis       {redis}")
    print(f"(gateway defaults: {Settings().rate_limit_address_messages} per address)")


if __name__ == "__main__":
    main()
