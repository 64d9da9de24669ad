"""When collectors answer: the policy's working hours, in Amsterdam time, DST included."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from receivables.handoffs.working_hours import is_open, next_opening, reply_moment
from receivables.policy.model import WorkingHours, load_policy

AMS = ZoneInfo("Europe/Amsterdam")
HOURS = WorkingHours(
    days=["mon", "tue", "wed", "thu", "fri"], start=dt.time(8, 30), end=dt.time(17, 30)
)


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=AMS)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 11, 24, 8, 29), False),  # Tuesday, a minute early
        (at(2026, 11, 24, 8, 30), True),  # start included
        (at(2026, 11, 24, 17, 29), True),
        (at(2026, 11, 24, 17, 30), False),  # end excluded
        (at(2026, 11, 28, 12, 0), False),  # Saturday
        (at(2026, 11, 29, 12, 0), False),  # Sunday
    ],
)
def test_is_open(now: dt.datetime, expected: bool) -> None:
    assert is_open(now, HOURS, "Europe/Amsterdam") is expected


def test_utc_and_naive_times_are_read_in_the_policy_timezone() -> None:
    # 07:45 UTC in winter is 08:45 in Amsterdam; a naive time is taken as UTC
    assert is_open(dt.datetime(2026, 11, 24, 7, 45, tzinfo=dt.UTC), HOURS)
    assert is_open(dt.datetime(2026, 11, 24, 7, 45), HOURS)
    # in summer Amsterdam is UTC+2: 06:45 UTC is 08:45
    assert is_open(dt.datetime(2026, 6, 23, 6, 45, tzinfo=dt.UTC), HOURS)
    assert not is_open(dt.datetime(2026, 6, 23, 6, 15, tzinfo=dt.UTC), HOURS)


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        (at(2026, 11, 24, 6, 0), at(2026, 11, 24, 8, 30)),  # before opening: today
        (at(2026, 11, 24, 18, 0), at(2026, 11, 25, 8, 30)),  # evening: tomorrow
        (at(2026, 11, 27, 17, 30), at(2026, 11, 30, 8, 30)),  # Friday evening: Monday
        (at(2026, 11, 28, 10, 0), at(2026, 11, 30, 8, 30)),  # Saturday: Monday
        (at(2026, 11, 24, 10, 0), at(2026, 11, 24, 10, 0)),  # open: now
    ],
)
def test_next_opening(now: dt.datetime, opening: dt.datetime) -> None:
    found = next_opening(now, HOURS, "Europe/Amsterdam")
    assert found == opening and found.tzinfo is not None


def test_next_opening_across_the_clock_change() -> None:
    # Saturday 28 March 2026, the night before summer time: Monday 08:30 is UTC+2
    opening = next_opening(at(2026, 3, 28, 12, 0), HOURS)
    assert opening == at(2026, 3, 30, 8, 30)
    assert opening.utcoffset() == dt.timedelta(hours=2)


def test_no_working_day_at_all() -> None:
    with pytest.raises(ValueError, match="no working day"):
        next_opening(
            at(2026, 11, 24, 18, 0), WorkingHours(days=[], start=dt.time(9), end=dt.time(17))
        )


@pytest.mark.parametrize(
    ("now", "nl", "en"),
    [
        (at(2026, 11, 24, 6, 0), "vandaag vanaf 08:30", "today from 08:30"),
        (at(2026, 11, 24, 20, 0), "morgen vanaf 08:30", "tomorrow from 08:30"),
        (at(2026, 11, 27, 20, 0), "maandag vanaf 08:30", "on Monday from 08:30"),
        (at(2026, 11, 24, 10, 0), "", ""),
    ],
)
def test_reply_moment_in_both_languages(now: dt.datetime, nl: str, en: str) -> None:
    assert reply_moment(now, HOURS, "Europe/Amsterdam", "nl") == nl
    assert reply_moment(now, HOURS, "Europe/Amsterdam", "en") == en


def test_the_shipped_policy_works_with_it() -> None:
    handoff = load_policy().handoff
    sunday = at(2026, 11, 29, 15, 0)
    assert not is_open(sunday, handoff.working_hours, handoff.timezone)
    assert next_opening(sunday, handoff.working_hours, handoff.timezone) == at(2026, 11, 30, 8, 30)
