"""The one clock: what "now" and "today" are for Settle. "Today" is the date where the
creditor is (the policy's time zone, `handoff.timezone`), never the server's: around midnight
Amsterdam time on a UTC server the two differ, and every process must agree on "morgen" and
"overdue". Every "now" and "today" in the app comes from here; tests travel in time with
`time-machine`, which moves what this module reads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/Amsterdam"
_zone = ZoneInfo(DEFAULT_ZONE)


def set_zone(name: str) -> None:
    """The creditor's time zone, set once where a process loads its policy."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone


def now() -> dt.datetime:
    """This moment, time-zone aware, in UTC (what timestamps are stored in)."""
    return dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    """This moment where the creditor is."""
    return now().astimezone(_zone)


def today() -> dt.date:
    """Today's date where the creditor is."""
    return local_now().date()
