"""Rate limits by name: fixed windows from the `limits` library, on Redis when configured,
else on the database. Never per process: several gateway replicas share every counter."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session, sessionmaker

from receivables.ratelimits.models import RateLimitCounter
from receivables.ratelimits.storage import DatabaseStorage


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # seconds until the fullest window has room again (0 when allowed)
    retry_after: int = 0


def make_storage(*, redis_url: str | None, sessions: sessionmaker[Session]) -> Storage:
    if redis_url:
        storage = storage_from_string(redis_url)
        assert isinstance(storage, Storage)  # a redis:// URL gives the synchronous storage
        return storage
    return DatabaseStorage(sessions)


class RateLimits:
    """`rules` maps a name ("conversation_messages") to limits ("20/minute;200/hour")."""

    def __init__(self, storage: Storage, rules: dict[str, str], namespace: str = "settle") -> None:
        self.limiter = FixedWindowRateLimiter(storage)
        self.namespace = namespace
        self.rules: dict[str, list[RateLimitItem]] = {
            name: parse_many(text) for name, text in rules.items() if text.strip()
        }

    def _items(self, name: str) -> list[RateLimitItem]:
        return self.rules.get(name, [])

    def _retry_after(self, name: str, key: str) -> int:
        resets = [
            self.limiter.get_window_stats(item, self.namespace, name, key).reset_time
            for item in self._items(name)
            if not self.limiter.test(item, self.namespace, name, key)
        ]
        return max(1, math.ceil(max(resets, default=time.time()) - time.time()))

    def hit(self, name: str, key: str) -> Verdict:
        """Count one request against every window of the rule; refused when any is full."""
        allowed = True
        for item in self._items(name):
            allowed = self.limiter.hit(item, self.namespace, name, key) and allowed
        return Verdict(True) if allowed else Verdict(False, self._retry_after(name, key))

    def check(self, name: str, key: str) -> Verdict:
        """Whether one more would be allowed, without counting it (for failures counted
        only when they happen: console sign-ins)."""
        if all(self.limiter.test(item, self.namespace, name, key) for item in self._items(name)):
            return Verdict(True)
        return Verdict(False, self._retry_after(name, key))

    def clear(self, name: str, key: str) -> None:
        for item in self._items(name):
            self.limiter.clear(item, self.namespace, name, key)


def purge_expired_counters(*, session: Session, now: float | None = None) -> int:
    """The database storage's windows that ended (the retention job calls this)."""
    result = cast(
        CursorResult[object],
        session.execute(
            delete(RateLimitCounter).where(RateLimitCounter.expires_at <= (now or time.time()))
        ),
    )
    return int(result.rowcount or 0)
