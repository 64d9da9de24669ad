"""Reading what a debtor asks for: how many installments, how much a month, an amount,
written the way people type on a phone (no capitals, typos, no punctuation, number words)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from receivables.arrangements.requests import PlanRequest, find_amount, parse_plan_request

D = Decimal


def count(n: int) -> PlanRequest:
    return PlanRequest(installments=n)


def monthly(amount: str) -> PlanRequest:
    return PlanRequest(monthly_amount=D(amount))


NONE = PlanRequest()

DUTCH = [
    ("kan ik in termijnen betalen?", NONE),
    ("ik wil een betalingsregeling", NONE),
    ("kan ik het in delen betalen", NONE),
    ("ik wil in drie keer betalen", count(3)),
    ("kan het over 12 maanden", count(12)),
    ("in zes maandelijkse termijnen", count(6)),
    ("kan ik in 3 termijnen betalen", count(3)),
    ("mag ik in vier termijnen betalen", count(4)),
    ("in drie termijen graag", count(3)),
    ("kan ik het over zes maanden verspreiden", count(6)),
    ("over vijf maanden uitsmeren", count(5)),
    ("kan dat in 4 delen", count(4)),
    ("in twee delen betalen", count(2)),
    ("kan ik het in 3x betalen", count(3)),
    ("in 3 x aub", count(3)),
    ("5 keer betalen kan dat", count(5)),
    ("twaalf termijnen", count(12)),
    ("ik wil het in acht betalingen doen", count(8)),
    ("kan ik 10 termijnen krijgen", count(10)),
    ("vierentwintig termijnen alstublieft", count(24)),
    ("kan ik het over een jaar spreiden", count(12)),
    ("over een half jaar", count(6)),
    ("in 3 gelijke delen", count(3)),
    ("liefst in 6 maandtermijnen", count(6)),
    ("in 2 keer als dat kan", count(2)),
    ("drie maanden", count(3)),
    ("ik kan 50 per maand missen", monthly("50")),
    ("ik kan elke maand 75 euro overmaken", monthly("75")),
    ("€ 37,50 per maand", monthly("37.50")),
    ("40 euro p/m", monthly("40")),
    ("maandelijks 60", monthly("60")),
    ("ik kan 100 euro per maand betalen", monthly("100")),
    ("50,- per maand", monthly("50")),
    ("50,- p/m is het max", monthly("50")),
    ("kan ik 25 euro per mnd betalen", monthly("25")),
    ("ik kan honderd euro per maand", monthly("100")),
    ("vijftig euro per maand lukt wel", monthly("50")),
    ("zo'n 80 euro in de maand", monthly("80")),
    ("ik kan iedere maand 45 euro", monthly("45")),
    ("€120 per maand", monthly("120")),
    ("1.250,00 per maand", monthly("1250.00")),
    ("ik kan 62,50 euro per maand", monthly("62.50")),
    ("per maand kan ik 30 euro", monthly("30")),
    ("150 pm", monthly("150")),
    ("150 p.m.", monthly("150")),
    ("75 euro per termijn", monthly("75")),
    ("ik kan 50e per maand", monthly("50")),
    ("200/mnd", monthly("200")),
    ("ik betaal de 15e elke maand", NONE),
    ("over 6 maanden 50 per maand", monthly("50")),
]

ENGLISH = [
    ("can I pay in 3 installments?", count(3)),
    ("rather in five installments", count(5)),
    ("can i pay in installments", NONE),
    ("i need a payment plan", NONE),
    ("can i pay in three instalments", count(3)),
    ("4 instalments please", count(4)),
    ("can i spread it over six months", count(6)),
    ("over 12 months", count(12)),
    ("spread over three months pls", count(3)),
    ("can i pay in 4 parts", count(4)),
    ("in two parts", count(2)),
    ("can i do it in 3 payments", count(3)),
    ("twelve payments", count(12)),
    ("can i pay it in four goes", count(4)),
    ("pay in 3x", count(3)),
    ("3 times", count(3)),
    ("ten monthly payments", count(10)),
    ("six monthly instalments", count(6)),
    ("can i get 8 installmens", count(8)),
    ("twelve instalmnts", count(12)),
    ("in three instalmets", count(3)),
    ("over a year", count(12)),
    ("spread it over half a year", count(6)),
    ("can i pay it off over twenty four months", count(24)),
    ("3 equal parts", count(3)),
    ("in 5 chunks", count(5)),
    ("I can pay 100 euro a month", monthly("100")),
    ("150 a month would work for me", monthly("150")),
    ("i can afford 50 per month", monthly("50")),
    ("i can do fifty a month", monthly("50")),
    ("a hundred and fifty a month", monthly("150")),
    ("75 euros each month", monthly("75")),
    ("€50pm", monthly("50")),
    ("50 pm", monthly("50")),
    ("40 monthly", monthly("40")),
    ("monthly payments of 75", monthly("75")),
    ("every month i can pay 60", monthly("60")),
    ("can i pay 25 eur a month", monthly("25")),
    ("i could do 30 quid a month", monthly("30")),
    ("200 every month", monthly("200")),
    ("€ 37.50 a month", monthly("37.50")),
    ("i can pay 1,250.00 a month", monthly("1250.00")),
    ("how about 80 a mnth", monthly("80")),
    ("i can manage 45 euro per mth", monthly("45")),
    ("100/month", monthly("100")),
    ("60 per installment", monthly("60")),
    ("twenty five a month is all i have", monthly("25")),
    ("what if i pay 200 per month", monthly("200")),
    ("over 6 months at 50 a month", monthly("50")),
    ("i get paid on the 25th every month", NONE),
]


@pytest.mark.parametrize(("text", "expected"), DUTCH)
def test_plan_requests_in_dutch(text: str, expected: PlanRequest) -> None:
    assert parse_plan_request(text) == expected
    assert parse_plan_request(text, "nl") == expected


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_plan_requests_in_english(text: str, expected: PlanRequest) -> None:
    assert parse_plan_request(text) == expected
    assert parse_plan_request(text, "en") == expected


def test_the_tables_are_large_enough() -> None:
    assert len(DUTCH) >= 40 and len(ENGLISH) >= 40


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("ik betaal 100 euro op vrijdag", D("100.00")),
        ("I'll pay €49.50 tomorrow", D("49.50")),
        ("ik betaal € 1.5 volgende week", D("1.50")),
        ("ik betaal € 1.234,56 in december", D("1234.56")),
        ("I'll pay €1,234.56", D("1234.56")),
        ("ik betaal 1.500 euro", D("1500.00")),
        ("ik betaal vrijdag", None),
        ("I'll pay on the 15th", None),
        ("ik betaal 50,- vrijdag", D("50.00")),
        ("ik betaal vijftig euro morgen", D("50.00")),
        ("i'll pay fifty euros on friday", D("50.00")),
        ("ik betaal de 15e", None),
        ("ik betaal 25 eur volgende week", D("25.00")),
        ("€200 op de 1e", D("200.00")),
    ],
)
def test_amounts(text: str, amount: Decimal | None) -> None:
    assert find_amount(text) == amount
