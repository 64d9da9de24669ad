"""How long debtors wait for a collector, from the handoffs claimed lately: the honest figure
the bot gives within working hours ("meestal binnen 20 minuten") instead of "as soon as
possible". The caller owns the transaction."""

from __future__ import annotations

import datetime as dt
import math
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.models import Handoff

LOOK_BACK = dt.timedelta(days=28)
# fewer claimed handoffs than this say too little: no figure
MIN_SAMPLE = 3
ROUND_TO = 5  # minutes
# a handoff left overnight is no measure of a wait within working hours
LONGEST_COUNTED = dt.timedelta(hours=8)


def rounded_wait(waits: list[dt.timedelta]) -> int | None:
    """The median wait in minutes, rounded up to 5 (at least 5); None with too few. Pure."""
    counted = [w for w in waits if dt.timedelta(0) <= w <= LONGEST_COUNTED]
    if len(counted) < MIN_SAMPLE:
        return None
    minutes = median(w.total_seconds() for w in counted) / 60
    return max(ROUND_TO, math.ceil(minutes / ROUND_TO) * ROUND_TO)


def typical_wait_minutes(*, session: Session, now: dt.datetime) -> int | None:
    """The usual wait from handoff to claim over the last four weeks, in minutes."""
    rows = session.execute(
        select(Handoff.created_at, Handoff.claimed_at).where(
            Handoff.claimed_at.is_not(None), Handoff.created_at >= now - LOOK_BACK
        )
    )
    return rounded_wait([claimed - created for created, claimed in rows if claimed is not None])
