"""Counts for the monitoring (the gateway's /metrics), read from the database at scrape time.

They hold for the whole installation, whichever replica asks: every gateway reports the
same figure (aggregate them with max(), not sum()). The inbox and outbox depths are hooks
for the durable inbox and outbox (issue 12): None until those tables exist.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.conversations import inbox, outbox
from receivables.models import Handoff


def count_waiting_handoffs(*, session: Session) -> dict[str, int]:
    """Handoffs nobody claimed yet, per level (junior, senior): the collectors' queue."""
    rows = session.execute(
        select(Handoff.level, func.count(Handoff.id))
        .where(Handoff.status == "waiting")
        .group_by(Handoff.level)
    ).all()
    counts = {"junior": 0, "senior": 0}
    for level, count in rows:
        counts[level] = count
    return counts


def count_inbox_pending(*, session: Session) -> int | None:
    """Channel messages stored but not yet turned into a bot turn (settle_inbox_depth)."""
    return inbox.count_pending(session=session)


def count_outbox_pending(*, session: Session) -> int | None:
    """Replies waiting to be sent, not yet failed for good (settle_outbox_depth)."""
    return outbox.count_pending(session=session)
