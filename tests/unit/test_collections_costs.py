"""Statutory collection costs (the BIK scale): its edges, the minimum and the maximum, with and
without VAT, the rounding, one principal for several invoices, and a contractual percentage.
Every expected figure is worked out by hand in the comment beside it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from receivables.collections_law.costs import (
    added_costs,
    contract_costs,
    cost_base,
    statutory_costs,
)

VAT = Decimal("21")

# (principal, costs, VAT at 21 %); totals are costs + VAT
EDGES = [
    # 15 % x 0.01 = 0.0015, below the minimum: 40.00; VAT 21 % x 40 = 8.40
    ("0.01", "40.00", "8.40"),
    # 15 % x 266.66 = 39.999, below the minimum: 40.00
    ("266.66", "40.00", "8.40"),
    # 15 % x 266.67 = 40.0005: above the minimum, rounded to 40.00
    ("266.67", "40.00", "8.40"),
    # 15 % x 2,500 = 375.00; VAT 21 % x 375 = 78.75
    ("2500.00", "375.00", "78.75"),
    # 375 + 10 % x 0.01 = 375.001 -> 375.00
    ("2500.01", "375.00", "78.75"),
    # 375 + 10 % x 2,500 = 375 + 250 = 625.00; VAT 131.25
    ("5000.00", "625.00", "131.25"),
    # 625 + 5 % x 5,000 = 625 + 250 = 875.00; VAT 183.75
    ("10000.00", "875.00", "183.75"),
    # 875 + 1 % x 190,000 = 875 + 1,900 = 2,775.00; VAT 582.75
    ("200000.00", "2775.00", "582.75"),
    # 2,775 + 0.5 % x 800,000 = 2,775 + 4,000 = 6,775.00, exactly the maximum; VAT 1,422.75
    ("1000000.00", "6775.00", "1422.75"),
    # 2,775 + 0.5 % x 800,000.01 = 6,775.00005: the maximum, 6,775.00
    ("1000000.01", "6775.00", "1422.75"),
    # 2,775 + 0.5 % x 1,800,000 = 11,775: the maximum, 6,775.00
    ("2000000.00", "6775.00", "1422.75"),
]


@pytest.mark.parametrize(("principal", "costs", "vat"), EDGES)
def test_the_scale_at_its_edges_without_vat(principal: str, costs: str, vat: str) -> None:
    result = statutory_costs(Decimal(principal))
    assert result.amount == Decimal(costs)
    assert result.vat == Decimal("0.00")
    assert result.total == Decimal(costs)
    assert result.rule == "statutory_scale"


@pytest.mark.parametrize(("principal", "costs", "vat"), EDGES)
def test_the_scale_at_its_edges_with_vat(principal: str, costs: str, vat: str) -> None:
    result = statutory_costs(Decimal(principal), vat_rate=VAT)
    assert result.amount == Decimal(costs)
    assert result.vat == Decimal(vat)
    assert result.total == Decimal(costs) + Decimal(vat)


def test_the_minimum_and_the_maximum_with_vat() -> None:
    # minimum: 40.00 + 8.40 = 48.40; maximum: 6,775.00 + 1,422.75 = 8,197.75
    assert statutory_costs(Decimal("0.01"), vat_rate=VAT).total == Decimal("48.40")
    assert statutory_costs(Decimal("5000000"), vat_rate=VAT).total == Decimal("8197.75")


def test_the_result_is_rounded_to_cents_half_up() -> None:
    # 15 % x 1,234.57 = 185.1855 -> 185.19; VAT 21 % x 185.19 = 38.8899 -> 38.89
    result = statutory_costs(Decimal("1234.57"), vat_rate=VAT)
    assert (result.amount, result.vat, result.total) == (
        Decimal("185.19"),
        Decimal("38.89"),
        Decimal("224.08"),
    )
    # 15 % x 1,000.30 = 150.045: half up gives 150.05 (half even would give 150.04)
    assert statutory_costs(Decimal("1000.30")).amount == Decimal("150.05")


def test_no_principal_no_costs_and_bad_input_refused() -> None:
    assert statutory_costs(Decimal("0")).total == Decimal("0.00")
    with pytest.raises(ValueError, match="negative"):
        statutory_costs(Decimal("-1"))
    with pytest.raises(TypeError, match="float"):
        statutory_costs(12.5)  # type: ignore[arg-type]


def test_several_invoices_in_one_letter_are_one_principal() -> None:
    # 100.00 + 150.00 = 250.00; 15 % x 250 = 37.50, below the minimum: 40.00 once,
    # not 40.00 for each invoice (80.00)
    base = cost_base([Decimal("100.00"), Decimal("150.00")])
    assert base == Decimal("250.00")
    assert statutory_costs(base).amount == Decimal("40.00")


def test_a_later_claim_adds_only_what_the_scale_adds() -> None:
    # claimed before 250.00 (costs 40.00, VAT 8.40); now 1,000.00 more:
    # scale over 1,250.00 = 15 % x 1,250 = 187.50, VAT 21 % x 187.50 = 39.375 -> 39.38;
    # added: 187.50 - 40.00 = 147.50, VAT 39.38 - 8.40 = 30.98
    # (1,000.00 on its own would be 150.00: splitting never costs the debtor more)
    added = added_costs(claimed_before=Decimal("250.00"), added=Decimal("1000.00"), vat_rate=VAT)
    assert (added.amount, added.vat) == (Decimal("147.50"), Decimal("30.98"))
    # 100.00 claimed before (40.00), 100.00 more: the scale over 200.00 is still the
    # minimum 40.00: nothing added
    assert added_costs(
        claimed_before=Decimal("100.00"), added=Decimal("100.00"), vat_rate=None
    ).total == Decimal("0.00")
    # nothing claimed before: the ordinary scale (15 % x 1,000 = 150.00)
    assert added_costs(
        claimed_before=Decimal("0"), added=Decimal("1000.00"), vat_rate=None
    ).amount == Decimal("150.00")


def test_a_contractual_percentage_with_its_minimum() -> None:
    # 15 % x 1,000.00 = 150.00
    result = contract_costs(Decimal("1000.00"), percentage=Decimal("15"), minimum=Decimal("40"))
    assert (result.amount, result.rule) == (Decimal("150.00"), "contract_percentage")
    # 5 % x 300.00 = 15.00, below the minimum 40.00; VAT 21 % x 40 = 8.40
    small = contract_costs(
        Decimal("300.00"), percentage=Decimal("5"), minimum=Decimal("40"), vat_rate=VAT
    )
    assert (small.amount, small.vat) == (Decimal("40.00"), Decimal("8.40"))
    # 12.5 % x 99.99 = 12.49875 -> above a minimum of 0: 12.50
    assert contract_costs(
        Decimal("99.99"), percentage=Decimal("12.5"), minimum=Decimal("0")
    ).amount == Decimal("12.50")
    with pytest.raises(ValueError, match="percentage"):
        contract_costs(Decimal("100"), percentage=Decimal("0"), minimum=Decimal("40"))
