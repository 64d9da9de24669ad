"""Reading what a debtor asks for: how many installments, how much a month, an amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from receivables.arrangements.requests import PlanRequest, find_amount, parse_plan_request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kan ik in termijnen betalen?", PlanRequest()),
        ("can I pay in 3 installments?", PlanRequest(installments=3)),
        ("ik wil in drie keer betalen", PlanRequest(installments=3)),
        ("kan het over 12 maanden", PlanRequest(installments=12)),
        ("in zes maandelijkse termijnen", PlanRequest(installments=6)),
        ("I can pay 100 euro a month", PlanRequest(monthly_amount=Decimal("100.00"))),
        ("ik kan 50 per maand missen", PlanRequest(monthly_amount=Decimal("50.00"))),
        ("ik kan elke maand 75 euro overmaken", PlanRequest(monthly_amount=Decimal("75.00"))),
        ("€ 37,50 per maand", PlanRequest(monthly_amount=Decimal("37.50"))),
        ("40 euro p/m", PlanRequest(monthly_amount=Decimal("40.00"))),
        ("maandelijks 60", PlanRequest(monthly_amount=Decimal("60.00"))),
        ("rather in five installments", PlanRequest(installments=5)),
    ],
)
def test_plan_requests(text: str, expected: PlanRequest) -> None:
    assert parse_plan_request(text) == expected


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("ik betaal 100 euro op vrijdag", Decimal("100.00")),
        ("I'll pay €49.50 tomorrow", Decimal("49.50")),
        ("ik betaal € 1.5 volgende week", Decimal("1.50")),
        ("ik betaal € 1.234,56 in december", Decimal("1234.56")),
        ("I'll pay €1,234.56", Decimal("1234.56")),
        ("ik betaal 1.500 euro", Decimal("1500.00")),
        ("ik betaal vrijdag", None),
        ("I'll pay on the 15th", None),
    ],
)
def test_amounts(text: str, amount: Decimal | None) -> None:
    assert find_amount(text) == amount
