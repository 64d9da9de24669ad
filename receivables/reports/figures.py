"""The credit manager's figures, pure: periods, DSO, ageing buckets, medians and shares.
The queries that feed them are in receivables.reports.service.

DSO is computed with the **receivables over credit sales** method:

    DSO = receivables at the end of the period / credit sales in the period x days in the period

where receivables are what was invoiced up to that moment less what was paid (net of refunds
and chargebacks) and credited, and credit sales are the invoices issued in the period. A
period without credit sales has no DSO (None), rather than an infinite one.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

AGEING_BUCKETS = ("not_due", "1-30", "31-60", "61-90", "90+")


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def weeks(self) -> list[Period]:
        """Monday-to-Sunday weeks touching the period, clipped to it."""
        weeks = []
        start = self.start
        while start <= self.end:
            sunday = start + dt.timedelta(days=6 - start.weekday())
            weeks.append(Period(start, min(sunday, self.end)))
            start = sunday + dt.timedelta(days=1)
        return weeks

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)


TREND_DAYS = 30


def trailing(end: dt.date, days: int = TREND_DAYS) -> Period:
    """The `days` days ending on `end`: the window of a week's point on the DSO trend."""
    return Period(end - dt.timedelta(days=days - 1), end)


def dso(receivables: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Days sales outstanding, to one decimal; None without credit sales."""
    if credit_sales <= 0:
        return None
    value = receivables / credit_sales * days
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to three decimals; None when there is no whole."""
    return round(part / whole, 3) if whole else None


def median_hours(durations: list[dt.timedelta]) -> float | None:
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() for d in durations) / 3600, 2)


def change(now: Decimal | float | int | None, before: Decimal | float | int | None) -> float | None:
    """The relative change from the previous period (0.25: a quarter more); None when
    either is missing or the previous one is zero."""
    if now is None or before is None or before == 0:
        return None
    return round((float(now) - float(before)) / float(before), 3)
