"""When collectors answer: the policy's working hours in its timezone. Pure.

    hours = policy.handoff.working_hours
    is_open(now, hours, policy.handoff.timezone)
    next_opening(now, hours, policy.handoff.timezone)       # an aware datetime
    reply_moment(now, hours, policy.handoff.timezone, "nl")  # "morgen vanaf 08:30"

`now` should be timezone-aware; a naive one is taken as UTC. A day's window runs from
`start` (included) to `end` (excluded) in local time, so daylight saving is handled by the
timezone database.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import texts
from receivables.common.language import DEFAULT_LANGUAGE, resolve_language
from receivables.policy.model import WorkingHours

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Europe/Amsterdam"
_DAY_NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def _local(now: dt.datetime, timezone: str) -> dt.datetime:
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(ZoneInfo(timezone))


def _works_on(day: dt.date, hours: WorkingHours) -> bool:
    return DAY_KEYS[day.weekday()] in hours.days


def is_open(now: dt.datetime, hours: WorkingHours, timezone: str = DEFAULT_TIMEZONE) -> bool:
    """Whether a collector is at work at `now`."""
    local = _local(now, timezone)
    return _works_on(local.date(), hours) and hours.start <= local.time() < hours.end


def next_opening(
    now: dt.datetime, hours: WorkingHours, timezone: str = DEFAULT_TIMEZONE
) -> dt.datetime:
    """`now` (in the policy's timezone) while open, else the start of the next working day's
    window. Raises ValueError when the hours have no working day at all."""
    local = _local(now, timezone)
    if is_open(now, hours, timezone):
        return local
    zone = ZoneInfo(timezone)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        opening = dt.datetime.combine(day, hours.start, tzinfo=zone)
        if _works_on(day, hours) and opening > local:
            return opening
    raise ValueError("the working hours name no working day")


def reply_moment(
    now: dt.datetime,
    hours: WorkingHours,
    timezone: str = DEFAULT_TIMEZONE,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """When a colleague replies, for the debtor: "vandaag vanaf 08:30", "tomorrow from 08:30",
    "maandag vanaf 08:30"; "" while open (a colleague replies soon)."""
    if is_open(now, hours, timezone):
        return ""
    opening = next_opening(now, hours, timezone)
    days = (opening.date() - _local(now, timezone).date()).days
    time = opening.strftime("%H:%M")
    language = resolve_language(language)
    if days == 0:
        return texts.text("bot_pieces.reply_today", language, time=time)
    if days == 1:
        return texts.text("bot_pieces.reply_tomorrow", language, time=time)
    day = _DAY_NAMES[language][opening.weekday()]
    return texts.text("bot_pieces.reply_on_day", language, day=day, time=time)
