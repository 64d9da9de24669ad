"""The reminders' calendar: which days are public holidays (the maintained `holidays`
package, per the policy's `reminders.holidays_country`), for the planner's working days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from functools import cache

import holidays as holiday_calendars

from receivables.policy.model import ReminderSettings
from receivables.reminders.planner import Calendar


@cache
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holiday_calendars.country_holidays(country, years=year))


class PublicHolidays(Container[dt.date]):
    """The public holidays of one country, any year (the maintained `holidays` package)."""

    def __init__(self, country: str) -> None:
        self.country = country

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and day in _holidays(self.country, day.year)

    def name(self, day: dt.date) -> str | None:
        found = holiday_calendars.country_holidays(self.country, years=day.year).get(day)
        return str(found) if found else None


def calendar_for(rules: ReminderSettings) -> Calendar:
    return Calendar.of(rules, PublicHolidays(rules.holidays_country))
