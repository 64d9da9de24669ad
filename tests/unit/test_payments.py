"""Allocating a payment over open invoices, oldest first. Pure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receivables.payments.booking import allocate

D = Decimal
OPEN = [(1, D("100.00")), (2, D("50.00")), (3, D("25.00"))]


def test_oldest_invoice_is_paid_first() -> None:
    assert allocate(D("60.00"), OPEN) == [(1, D("60.00"))]


def test_exact_amount_pays_everything() -> None:
    assert allocate(D("175.00"), OPEN) == [(1, D("100.00")), (2, D("50.00")), (3, D("25.00"))]


def test_exact_amount_of_the_first_invoice() -> None:
    assert allocate(D("100.00"), OPEN) == [(1, D("100.00"))]


def test_partial_payment_spills_over_in_order() -> None:
    assert allocate(D("120.00"), OPEN) == [(1, D("100.00")), (2, D("20.00"))]


def test_over_payment_leaves_the_rest_unallocated() -> None:
    result = allocate(D("500.00"), OPEN)
    assert result == [(1, D("100.00")), (2, D("50.00")), (3, D("25.00"))]
    assert sum(part for _, part in result) == D("175.00")


def test_order_given_is_the_order_used() -> None:
    assert allocate(D("30.00"), list(reversed(OPEN))) == [(3, D("25.00")), (2, D("5.00"))]


def test_nothing_open() -> None:
    assert allocate(D("10.00"), []) == []


@pytest.mark.parametrize("amount", [D("0"), D("-5.00")])
def test_zero_or_negative_allocates_nothing(amount: Decimal) -> None:
    assert allocate(amount, OPEN) == []


def test_invoices_with_nothing_open_are_skipped() -> None:
    assert allocate(D("30.00"), [(1, D("0.00")), (2, D("50.00"))]) == [(2, D("30.00"))]


def test_amount_is_rounded_to_cents() -> None:
    assert allocate(D("10.005"), OPEN) == [(1, D("10.01"))]


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        allocate(10.0, OPEN)  # type: ignore[arg-type]


money = st.decimals(min_value=0, max_value=D("100000"), places=2, allow_nan=False)
invoices = st.lists(money, max_size=8).map(lambda amounts: list(enumerate(amounts, start=1)))


@given(amount=money, open_amounts=invoices)
def test_never_more_than_the_amount_nor_an_invoice_open_amount(
    amount: Decimal, open_amounts: list[tuple[int, Decimal]]
) -> None:
    result = allocate(amount, open_amounts)
    open_by_id = dict(open_amounts)
    assert sum((part for _, part in result), D("0")) <= amount
    for invoice_id, part in result:
        assert D("0") < part <= open_by_id[invoice_id]
    assert len({invoice_id for invoice_id, _ in result}) == len(result)


@given(amount=money, open_amounts=invoices)
def test_allocates_all_it_can(amount: Decimal, open_amounts: list[tuple[int, Decimal]]) -> None:
    result = allocate(amount, open_amounts)
    total_open = sum((a for _, a in open_amounts), D("0"))
    assert sum((part for _, part in result), D("0")) == min(amount, total_open)


@given(amount=money, open_amounts=invoices)
def test_an_invoice_is_only_touched_when_all_before_it_are_paid(
    amount: Decimal, open_amounts: list[tuple[int, Decimal]]
) -> None:
    result = dict(allocate(amount, open_amounts))
    for position, (invoice_id, _) in enumerate(open_amounts):
        if invoice_id in result:
            for earlier_id, earlier_open in open_amounts[:position]:
                assert result.get(earlier_id, D("0")) == earlier_open
