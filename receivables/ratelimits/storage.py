"""A `limits` storage in the database, for the fixed-window strategy: what every gateway
process shares when no Redis is configured (see models.py for why a table at all)."""

from __future__ import annotations

import time
from typing import Any, cast

from limits.storage import Storage
from sqlalchemy import CursorResult, Table, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from receivables.db import session_scope
from receivables.ratelimits.models import RateLimitCounter


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["settle+database"]

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__()
        self.sessions = sessions

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """One atomic upsert: a new or expired window starts at `amount`, a running one
        counts on (so two processes never lose a hit)."""
        now = time.time()
        table = cast(Table, RateLimitCounter.__table__)
        with session_scope(self.sessions) as session:
            dialect = session.get_bind().dialect.name
            insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
            expired = table.c.expires_at <= now
            statement = insert.values(key=key, count=amount, expires_at=now + expiry)
            upsert = statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "count": case((expired, amount), else_=table.c.count + amount),
                    "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
                },
            ).returning(table.c.count)
            return int(session.execute(upsert).scalar_one())

    def _row(self, key: str) -> RateLimitCounter | None:
        with session_scope(self.sessions) as session:
            row = session.get(RateLimitCounter, key)
            if row is None or row.expires_at <= time.time():
                return None
            session.expunge(row)
            return row

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row else time.time()

    def check(self) -> bool:
        with session_scope(self.sessions) as session:
            session.execute(select(1))
        return True

    def reset(self) -> int | None:
        with session_scope(self.sessions) as session:
            result = cast(CursorResult[Any], session.execute(delete(RateLimitCounter)))
            return result.rowcount

    def clear(self, key: str) -> None:
        with session_scope(self.sessions) as session:
            session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))
