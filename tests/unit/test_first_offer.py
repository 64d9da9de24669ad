"""The first answer to an open request for a plan: the options offered as buttons, the plan
proposed straight away, and the debtor's answer to the question read as months or money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables.arrangements.first_offer import (
    first_offer_for,
    month_options,
    proposed_months,
    read_plan_choice,
)
from receivables.arrangements.requests import PlanRequest
from receivables.policy.limits import effective_plan_limits
from receivables.policy.model import PlanFirstOffer, load_policy

POLICY = load_policy()
TODAY = dt.date(2026, 11, 30)
D = Decimal


def options(balance: str, months: list[int], profile: str | None = None) -> list[int]:
    limits = effective_plan_limits(POLICY, balance=D(balance), profile=profile)
    offer = PlanFirstOffer(months=months)
    return month_options(balance=D(balance), limits=limits, today=TODAY, offer=offer)


@pytest.mark.parametrize(
    ("balance", "months", "expected"),
    [
        ("1000.00", [3, 6], [3, 6]),
        ("1000.00", [2], [2, 6]),  # the most the policy allows is always offered
        ("239.95", [3, 6], [3]),  # up to EUR 250: at most 3
        ("80.00", [3, 6], [2]),  # up to EUR 100: at most 2
        ("60.00", [3, 6], [2]),
        ("30.00", [3, 6], []),  # below min_balance: no plan at all
    ],
)
def test_the_options_stay_inside_the_policy(
    balance: str, months: list[int], expected: list[int]
) -> None:
    assert options(balance, months) == expected


def test_the_policy_file_sets_a_first_offer_per_profile() -> None:
    assert first_offer_for(POLICY, profile=None).months == [3, 6]
    assert first_offer_for(POLICY, profile="willing_and_able").months == [2, 3]
    unwilling = first_offer_for(POLICY, profile="unwilling")
    assert (unwilling.mode, unwilling.months) == ("propose", [2])
    limits = effective_plan_limits(POLICY, balance=D("1000.00"), profile="unwilling")
    assert proposed_months(balance=D("1000.00"), limits=limits, today=TODAY, offer=unwilling) == 2


def test_a_proposal_of_more_months_than_allowed_is_the_most_allowed() -> None:
    limits = effective_plan_limits(POLICY, balance=D("80.00"))
    offer = PlanFirstOffer(mode="propose", months=[6])
    assert proposed_months(balance=D("80.00"), limits=limits, today=TODAY, offer=offer) == 2


@pytest.mark.parametrize("months", [[0], [61], [3, 3], []])
def test_a_first_offer_outside_sense_is_refused(months: list[int]) -> None:
    with pytest.raises(ValidationError):
        PlanFirstOffer(months=months)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", PlanRequest(installments=3)),
        ("drie", PlanRequest(installments=3)),
        ("six", PlanRequest(installments=6)),
        ("drie maanden", PlanRequest(installments=3)),
        ("de 6 maanden graag", PlanRequest(installments=6)),
        ("150", PlanRequest(monthly_amount=D("150.00"))),
        ("150 per maand", PlanRequest(monthly_amount=D("150.00"))),
        ("€ 80", PlanRequest(monthly_amount=D("80.00"))),
        ("i can do 75 euros", PlanRequest(monthly_amount=D("75.00"))),
        ("12,50", PlanRequest(monthly_amount=D("12.50"))),
        ("ja", PlanRequest()),
        ("that one", PlanRequest()),
    ],
)
def test_an_answer_to_which_plan_suits(text: str, expected: PlanRequest) -> None:
    assert read_plan_choice(text, asked="months_or_amount") == expected


@pytest.mark.parametrize(
    ("text", "amount"), [("3", "3.00"), ("vijftig", "50.00"), ("100", "100.00")]
)
def test_an_answer_to_how_much_a_month_is_money(text: str, amount: str) -> None:
    assert read_plan_choice(text, asked="amount") == PlanRequest(monthly_amount=D(amount))
