"""The benchmark's own judgement: the balance it expects for each scripted debtor, and which
offered rate counts as the capacity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.bench.bench_turns import DEBTORS, amount_text, capacity, script


def test_amounts_are_expected_as_the_bot_writes_them() -> None:
    assert amount_text(Decimal("1234.5"), "nl") == "1.234,50"
    assert amount_text(Decimal("1234.5"), "en") == "1,234.50"
    assert amount_text(Decimal("89.95"), "nl") == "89,95"


def test_every_scripted_debtor_owes_and_is_asked_for_in_their_language() -> None:
    for index in range(len(DEBTORS)):
        plan = script(index)
        assert plan.turns[1] == DEBTORS[index][0] and plan.language == DEBTORS[index][5]
        assert plan.balance != "0,00" and plan.balance != "0.00"


def figures(p95: float, errors: int = 0, failures: int = 0, done: float = 20) -> dict[str, Any]:
    return {
        "p95_ms": p95,
        "errors": errors,
        "balance_failures": failures,
        "turns_per_s": done,
        "offered_per_s": 20.0,
    }


def test_capacity_is_the_highest_rate_answered_in_time_without_errors() -> None:
    assert capacity({"10": figures(120), "20": figures(300), "30": figures(700)}) == 20.0
    assert capacity({"10": figures(120), "20": figures(300, errors=1)}) == 10.0
    assert capacity({"10": figures(120, failures=1)}) is None
    # answered, but most turns only after the deadline: the rate was not kept up
    assert capacity({"10": figures(120), "20": figures(300, done=12)}) == 10.0
