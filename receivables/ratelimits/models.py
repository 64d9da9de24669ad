"""The rate-limit counters when no Redis is configured.

The `limits` library has no SQL storage; without Redis the counters must still be shared by
every gateway process (a per-process memory store would multiply each limit by the number
of replicas), so they live in this small table, one row per key and fixed window.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from receivables.models import Base


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # end of the window, unix seconds (what the limits library works with)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
