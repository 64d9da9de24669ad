"""Statutory interest: periods split where the rate changes, compounded after each year of
default, actual/365 (a leap year's 366 days included), cents per period, and a day without a
verified rate refused. Expected figures worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.collections_law.interest import (
    RatesFileError,
    UnknownRate,
    add_years,
    load_rates,
    statutory_interest,
)

D = dt.date
RATES = load_rates()


def rows(periods: tuple) -> list[tuple[dt.date, dt.date, int, Decimal, Decimal, Decimal]]:
    return [(p.start, p.end, p.days, p.rate, p.base, p.amount) for p in periods]


def test_consumer_interest_across_two_rate_changes_and_a_year_of_default() -> None:
    # € 1,000.00 in default from 1 March 2023 to 30 June 2024 (art. 6:119 BW rates:
    # 4 % from 1 January 2023, 6 % from 1 July 2023, 7 % from 1 January 2024).
    # First year of default: 1 March 2023 to 29 February 2024 (366 days):
    #   1 Mar - 30 Jun 2023: 31+30+31+30 = 122 days, 1,000 x 4 % x 122/365 = 13.3698 -> 13.37
    #   1 Jul - 31 Dec 2023: 184 days, 1,000 x 6 % x 184/365 = 30.2466 -> 30.25
    #   1 Jan - 29 Feb 2024: 31+29 = 60 days, 1,000 x 7 % x 60/365 = 11.5068 -> 11.51
    #   year's interest 13.37 + 30.25 + 11.51 = 55.13, added to the base: 1,055.13
    # Second year: 1 Mar - 30 Jun 2024: 122 days, 1,055.13 x 7 % x 122/365 = 24.6871 -> 24.69
    # Total 55.13 + 24.69 = 79.82
    interest = statutory_interest(
        Decimal("1000.00"),
        transaction="consumer",
        default_from=D(2023, 3, 1),
        through=D(2024, 6, 30),
        rates=RATES,
    )
    assert rows(interest.periods) == [
        (D(2023, 3, 1), D(2023, 6, 30), 122, Decimal("4"), Decimal("1000.00"), Decimal("13.37")),
        (D(2023, 7, 1), D(2023, 12, 31), 184, Decimal("6"), Decimal("1000.00"), Decimal("30.25")),
        (D(2024, 1, 1), D(2024, 2, 29), 60, Decimal("7"), Decimal("1000.00"), Decimal("11.51")),
        (D(2024, 3, 1), D(2024, 6, 30), 122, Decimal("7"), Decimal("1055.13"), Decimal("24.69")),
    ]
    assert interest.total == Decimal("79.82")


def test_commercial_interest_across_a_year_end_and_the_anniversary() -> None:
    # € 5,000.00 in default from 15 May 2024 to 30 June 2025 (art. 6:119a BW rates:
    # 12.5 % from 1 January 2024, 12.25 % from 1 July 2024, 11.15 % from 1 January 2025).
    # First year: 15 May 2024 to 14 May 2025 (365 days):
    #   15 May - 30 Jun 2024: 17+30 = 47 days, 5,000 x 12.5 % x 47/365 = 80.4795 -> 80.48
    #   1 Jul - 31 Dec 2024: 184 days, 5,000 x 12.25 % x 184/365 = 308.7671 -> 308.77
    #   1 Jan - 14 May 2025: 31+28+31+30+14 = 134 days, 5,000 x 11.15 % x 134/365
    #     = 204.6712 -> 204.67
    #   year's interest 80.48 + 308.77 + 204.67 = 593.92, base 5,593.92
    # Second year: 15 May - 30 Jun 2025: 47 days, 5,593.92 x 11.15 % x 47/365 = 80.3149 -> 80.31
    # Total 593.92 + 80.31 = 674.23
    interest = statutory_interest(
        Decimal("5000.00"),
        transaction="commercial",
        default_from=D(2024, 5, 15),
        through=D(2025, 6, 30),
        rates=RATES,
    )
    assert [p.amount for p in interest.periods] == [
        Decimal("80.48"),
        Decimal("308.77"),
        Decimal("204.67"),
        Decimal("80.31"),
    ]
    assert [p.days for p in interest.periods] == [47, 184, 134, 47]
    assert interest.periods[-1].base == Decimal("5593.92")
    assert interest.total == Decimal("674.23")


def test_a_leap_year_bears_366_days_and_is_then_compounded() -> None:
    # € 1,000.00 at 2 % (the consumer rate 2015-2022) from 1 January 2020 to 1 January 2021:
    # 2020 has 366 days: 1,000 x 2 % x 366/365 = 20.0548 -> 20.05 (a day more than 365ths of
    # a year, so 5 cents above 2 % of 1,000); base 1,020.05;
    # 1 January 2021: 1 day, 1,020.05 x 2 % x 1/365 = 0.0559 -> 0.06. Total 20.11
    interest = statutory_interest(
        Decimal("1000.00"),
        transaction="consumer",
        default_from=D(2020, 1, 1),
        through=D(2021, 1, 1),
        rates=RATES,
    )
    assert [(p.days, p.base, p.amount) for p in interest.periods] == [
        (366, Decimal("1000.00"), Decimal("20.05")),
        (1, Decimal("1020.05"), Decimal("0.06")),
    ]
    assert interest.total == Decimal("20.11")


def test_a_year_of_default_from_29_february() -> None:
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert add_years(D(2023, 3, 1), 1) == D(2024, 3, 1)


def test_no_days_in_default_no_interest() -> None:
    interest = statutory_interest(
        Decimal("100.00"),
        transaction="consumer",
        default_from=D(2024, 3, 2),
        through=D(2024, 3, 1),
        rates=RATES,
    )
    assert interest.periods == () and interest.total == Decimal("0.00")


def test_a_day_without_a_verified_rate_is_refused_and_named() -> None:
    with pytest.raises(UnknownRate) as caught:
        statutory_interest(
            Decimal("100.00"),
            transaction="commercial",
            default_from=D(2025, 6, 1),
            through=D(2025, 7, 1),
            rates=RATES,
        )
    assert caught.value.spans == [(D(2025, 7, 1), D(2025, 7, 1))]
    assert "2025-07-01 to 2025-07-01" in str(caught.value)
    assert "art. 6:119a BW" in str(caught.value)
    # a gap in the middle and the days before the first known rate, all named at once
    with pytest.raises(UnknownRate) as caught:
        statutory_interest(
            Decimal("100.00"),
            transaction="commercial",
            default_from=D(2014, 12, 1),
            through=D(2016, 2, 1),
            rates=RATES,
        )
    assert caught.value.spans == [
        (D(2014, 12, 1), D(2014, 12, 31)),
        (D(2015, 7, 1), D(2015, 12, 31)),
    ]


def test_the_rates_file_names_a_source_for_every_row_and_ends_unverified() -> None:
    for series in (RATES.consumer, RATES.commercial):
        assert all(row.source.strip() for row in series)
        # Settle knows no rate from 1 July 2025 on: the last row says so
        assert series[-1].starts == D(2025, 7, 1) and series[-1].rate is None
    assert RATES.consumer[0].published == D(2014, 12, 12)


def test_a_malformed_rates_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rates.yml"
    row = "  - {from: 2024-01-01, rate: %s, source: x}\n"
    path.write_text("consumer:\n" + row % "7.5" + "commercial:\n" + row % '"12.5"')
    with pytest.raises(RatesFileError, match="float"):
        load_rates(path)
    path.write_text(
        "consumer:\n"
        + row % '"7"'
        + "  - {from: 2023-01-01, rate: '4', source: x}\n"
        + "commercial:\n"
        + row % '"12.5"'
    )
    with pytest.raises(RatesFileError, match="date order"):
        load_rates(path)
    with pytest.raises(RatesFileError, match="cannot read"):
        load_rates(tmp_path / "missing.yml")
