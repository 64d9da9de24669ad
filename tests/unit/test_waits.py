"""The usual wait for a collector, as the bot tells it within working hours."""

from __future__ import annotations

import datetime as dt

from receivables.handoffs.waits import rounded_wait


def minutes(*values: float) -> list[dt.timedelta]:
    return [dt.timedelta(minutes=v) for v in values]


def test_the_median_wait_is_rounded_up_to_five_minutes() -> None:
    assert rounded_wait(minutes(3, 11, 40)) == 15
    assert rounded_wait(minutes(1, 2, 2, 3)) == 5
    assert rounded_wait(minutes(20, 20, 20)) == 20


def test_too_few_claims_give_no_figure_and_overnight_waits_do_not_count() -> None:
    assert rounded_wait(minutes(10, 12)) is None
    assert rounded_wait(minutes(10, 12, 14 * 60)) is None
    assert rounded_wait(minutes(10, 12, 14, 14 * 60)) == 15
