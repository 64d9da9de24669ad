"""The first answer to an open request for a plan ("kan ik een regeling treffen?"): the
longest plan allowed is the worst first offer for the creditor's cash flow and hides the
choice from the debtor, so the bot asks which suits them, with options inside the policy.
Pure functions, no database."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Literal

from receivables.arrangements.requests import (
    SMALL_NUMBERS,
    Language,
    PlanRequest,
    find_amount,
    normalise,
    parse_plan_request,
)
from receivables.arrangements.schedule import propose_plan
from receivables.policy.limits import PlanLimits, profile_treatment
from receivables.policy.model import PlanFirstOffer, Policy


def first_offer_for(policy: Policy, *, profile: str | None) -> PlanFirstOffer:
    """The profile's own first offer, else payment_plan.first_offer."""
    own = profile_treatment(policy, profile=profile).plan_first_offer
    return own or policy.payment_plan.first_offer


def allowed_months(*, balance: Decimal, limits: PlanLimits, today: dt.date) -> list[int]:
    """Every number of monthly installments the policy accepts for this balance as asked."""
    return [
        n
        for n in range(1, limits.max_installments + 1)
        if propose_plan(balance=balance, limits=limits, today=today, installments=n).status
        == "accepted"
    ]


def month_options(
    *, balance: Decimal, limits: PlanLimits, today: dt.date, offer: PlanFirstOffer
) -> list[int]:
    """The numbers of months to offer as buttons, ascending: those of the first offer that
    the policy allows for this balance, and always the most it allows. Empty: no plan fits."""
    allowed = allowed_months(balance=balance, limits=limits, today=today)
    if not allowed:
        return []
    return sorted({n for n in offer.months if n in allowed} | {max(allowed)})


def proposed_months(
    *, balance: Decimal, limits: PlanLimits, today: dt.date, offer: PlanFirstOffer
) -> int | None:
    """For mode propose: the first number of months of the offer, or the most the policy
    allows when that is fewer; None when no plan fits."""
    allowed = allowed_months(balance=balance, limits=limits, today=today)
    if not allowed:
        return None
    wanted = offer.months[0]
    return max((n for n in allowed if n <= wanted), default=min(allowed))


# a bare number up to this many is a number of months; above it, an amount a month
MOST_MONTHS_WRITTEN = 24
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,6}(?:[.,]\d{1,2})?)(?![\d])")


def read_plan_choice(
    text: str, *, asked: Literal["months_or_amount", "amount"], language: Language | None = None
) -> PlanRequest:
    """The debtor's answer to the bot's question about a plan: what the reader of plan
    requests finds ("drie maanden", "150 per maand"), else a bare number ("3", "zes",
    "150", "€ 80"): an amount a month when the bot asked for one or the number is large (or
    has a currency or cents), else a number of months. Nothing: an empty request."""
    request = parse_plan_request(text, language)
    if request.installments is not None or request.monthly_amount is not None:
        return request
    money = find_amount(text, language)
    if money is not None:
        return PlanRequest(monthly_amount=money)
    words = normalise(text, language).split()
    # "twee" on its own is a count; "that one" is not
    numbers = [str(SMALL_NUMBERS[w]) for w in words if w in SMALL_NUMBERS and len(words) == 1]
    found = _NUMBER.search(" ".join(words)) or (_NUMBER.search(numbers[0]) if numbers else None)
    if found is None:
        return PlanRequest()
    value = Decimal(found[1].replace(",", "."))
    if value <= 0:
        return PlanRequest()
    whole = value == value.to_integral_value()
    if asked == "amount" or not whole or value > MOST_MONTHS_WRITTEN:
        return PlanRequest(monthly_amount=value.quantize(Decimal("0.01")))
    return PlanRequest(installments=int(value))
