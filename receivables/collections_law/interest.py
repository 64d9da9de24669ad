"""Statutory interest: art. 6:119 BW (consumers and every debt that is not a commercial
transaction) and art. 6:119a BW (commercial transactions), at the published rates of
`rates.yml`.

How it is computed, and why:
- Interest runs for every day the debtor is in default, from `default_from` (the day after
  the due date, or the day after the fourteen-day letter's term, as the policy says) up to and
  including `through` (the day it is computed for, or the day of payment).
- A rate change splits a period: each day bears the rate in force on that day (art. 6:120 lid
  1 BW: a new rate applies to interest already running from the day it takes effect).
- Each year of default the interest of that year is added to the amount interest is computed
  over (art. 6:119 lid 2 BW: "telkens na afloop van een jaar"; art. 6:119a BW has the same
  rule for commercial interest, its text not read here). The year runs
  from the first day of default, not from 1 January; a year starting on 29 February ends on
  the day before 28 February of the next year (that date has no 29th).
- Day count actual/365: interest for a period is base x rate x days / 365, the formula the
  Dutch calculators and collection practice use (the law says "per jaar" and names no day
  count). In a leap year a whole year of default has 366 days and bears 366/365 of the rate:
  0.27 % more than the annual rate, 16 cents on € 1,000 at 6 %.
- Each period's interest is rounded to cents (half up, as `receivables.common.money`), and
  the year's rounded periods are what is added to the base, so the periods shown to a debtor
  add up to exactly the total charged.
- A day with no verified rate is refused with `UnknownRate`, naming the days: a rate is never
  guessed or carried forward past what `rates.yml` knows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from receivables.common.money import to_money
from receivables.errors import DomainError

Transaction = Literal["consumer", "commercial"]
TRANSACTIONS: tuple[Transaction, ...] = get_args(Transaction)
ARTICLE = {"consumer": "art. 6:119 BW", "commercial": "art. 6:119a BW"}
RATES_FILE = Path(__file__).resolve().parent / "rates.yml"
DAY = dt.timedelta(days=1)
DAYS_PER_YEAR = Decimal(365)


class UnknownRate(DomainError):
    """Interest was asked over days for which no published rate is known."""

    def __init__(self, transaction: Transaction, spans: list[tuple[dt.date, dt.date]]) -> None:
        days = ", ".join(f"{start.isoformat()} to {end.isoformat()}" for start, end in spans)
        super().__init__(
            f"no verified statutory interest rate ({transaction}, {ARTICLE[transaction]}) for "
            f"{days}: add the published rate to {RATES_FILE.name}"
        )
        self.transaction = transaction
        self.spans = spans


class RatesFileError(Exception):
    """The rates file is missing or malformed; the message says where."""


class PublishedRate(BaseModel):
    """One row of the rates file: a rate from a day on (None: not verified)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    starts: dt.date = Field(alias="from")
    rate: Decimal | None = Field(ge=0, le=100)
    published: dt.date | None = None
    source: str = Field(min_length=1)

    @field_validator("rate", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("write the rate as a string ('8.05'): a float is not exact")
        return value


class _RatesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    consumer: tuple[PublishedRate, ...] = Field(min_length=1)
    commercial: tuple[PublishedRate, ...] = Field(min_length=1)


@dataclass(frozen=True)
class RateTable:
    """The published rates per kind of transaction, each series in date order."""

    consumer: tuple[PublishedRate, ...]
    commercial: tuple[PublishedRate, ...]

    def series(self, transaction: Transaction) -> tuple[PublishedRate, ...]:
        return self.consumer if transaction == "consumer" else self.commercial

    def segments(
        self, transaction: Transaction, start: dt.date, end: dt.date
    ) -> list[tuple[dt.date, dt.date, Decimal]]:
        """[start, end] cut where the rate changes: (first day, last day, rate) each. Raises
        UnknownRate naming every span in it without a verified rate."""
        rows = self.series(transaction)
        pieces: list[tuple[dt.date, dt.date, Decimal | None]] = []
        if start < rows[0].starts:
            pieces.append((start, min(end, rows[0].starts - DAY), None))
        for index, row in enumerate(rows):
            until = rows[index + 1].starts - DAY if index + 1 < len(rows) else dt.date.max
            first, last = max(start, row.starts), min(end, until)
            if first <= last:
                pieces.append((first, last, row.rate))
        unknown = [(first, last) for first, last, rate in pieces if rate is None]
        if unknown:
            raise UnknownRate(transaction, unknown)
        return [(first, last, rate) for first, last, rate in pieces if rate is not None]


def load_rates(path: Path | str | None = None) -> RateTable:
    path = Path(path) if path else RATES_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _RatesFile.model_validate(data or {})
    except OSError as exc:
        raise RatesFileError(f"cannot read rates file {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise RatesFileError(f"rates file {path} is invalid: {exc}") from exc
    for name in TRANSACTIONS:
        days = [row.starts for row in getattr(parsed, name)]
        if days != sorted(set(days)):
            raise RatesFileError(f"rates file {path}: {name} rows must be in date order, one a day")
    return RateTable(consumer=parsed.consumer, commercial=parsed.commercial)


@dataclass(frozen=True)
class InterestPeriod:
    """Interest over [start, end] (both days included) at one rate on one base."""

    start: dt.date
    end: dt.date
    days: int
    rate: Decimal
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Interest:
    transaction: Transaction
    principal: Decimal
    periods: tuple[InterestPeriod, ...]

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.periods), Decimal("0.00"))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date `years` later; 29 February becomes 28 February in a common year. Written
    by hand: one line, where a library (dateutil's relativedelta) would be a new dependency."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def statutory_interest(
    principal: Decimal,
    *,
    transaction: Transaction,
    default_from: dt.date,
    through: dt.date,
    rates: RateTable,
) -> Interest:
    """Statutory interest on `principal` for every day from `default_from` to `through`,
    both included, compounded after each full year of default. No days: no interest."""
    if isinstance(principal, float):
        raise TypeError("money is never a float")
    if principal < 0:
        raise ValueError(f"a principal is never negative: {principal}")
    if through < default_from:
        return Interest(transaction, to_money(principal), ())
    rates.segments(transaction, default_from, through)  # every unknown day named at once
    base = to_money(principal)
    periods: list[InterestPeriod] = []
    year = 0
    while (year_start := add_years(default_from, year)) <= through:
        year_end = add_years(default_from, year + 1) - DAY
        this_year = Decimal("0.00")
        for first, last, rate in rates.segments(transaction, year_start, min(year_end, through)):
            days = (last - first).days + 1
            amount = to_money(base * rate / 100 * days / DAYS_PER_YEAR)
            periods.append(InterestPeriod(first, last, days, rate, base, amount))
            this_year += amount
        base += this_year  # only read again when a whole year passed (the loop goes on)
        year += 1
    return Interest(transaction, to_money(principal), tuple(periods))
