"""The policy's collection rules for one debtor, by kind: which costs, which interest, from
when, and when costs are forgone. Pure.

A debtor whose kind is not known is treated as a consumer: the consumer's protections (the
fourteen-day letter before any costs, the statutory scale as the most, the lower interest of
art. 6:119 BW) are never wrongly withheld that way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from receivables.collections_law.costs import (
    CostRule,
    Costs,
    added_costs,
    contract_costs,
    statutory_costs,
)
from receivables.collections_law.interest import Transaction
from receivables.policy.model import CollectionsLawSettings, CostWaiver, InterestFrom

Kind = Literal["consumer", "business"]
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DebtorRules:
    """What the policy lets Settle add to one debtor's debt."""

    kind: Kind
    collection_costs: bool
    # costs only after the fourteen-day letter's term passed unpaid
    letter_first: bool
    cost_rule: CostRule
    contract_percentage: Decimal | None
    contract_minimum: Decimal
    # None: the creditor deducts VAT, the costs carry none
    vat_rate: Decimal | None
    # without a letter: costs from this many days after the due date
    costs_after_days: int | None
    statutory_interest: bool
    transaction: Transaction
    interest_from: InterestFrom

    def costs(self, principal: Decimal, *, claimed_before: Decimal = Decimal(0)) -> Costs:
        """The costs for `principal`; `claimed_before`: what earlier claims on this debtor
        were for (their costs stand), so that splitting a debt never adds costs."""
        if not self.collection_costs:
            raise ValueError(f"the policy charges no collection costs to a {self.kind}")
        if self.cost_rule == "contract_percentage" and self.contract_percentage is not None:
            return contract_costs(
                principal,
                percentage=self.contract_percentage,
                minimum=self.contract_minimum,
                vat_rate=self.vat_rate,
            )
        if claimed_before > 0:
            return added_costs(
                claimed_before=claimed_before, added=principal, vat_rate=self.vat_rate
            )
        return statutory_costs(principal, vat_rate=self.vat_rate)

    def costs_from_without_letter(self, due_date: dt.date) -> dt.date:
        """The first day costs may be charged when no letter is needed (a business whose
        policy sends none)."""
        if self.letter_first or self.costs_after_days is None:
            raise ValueError(f"a {self.kind}'s costs wait for the fourteen-day letter")
        return due_date + self.costs_after_days * DAY

    def interest_starts(self, *, due_date: dt.date, letter_last_day: dt.date | None) -> dt.date:
        """The first day of default that bears statutory interest."""
        if self.interest_from == "due_date":
            return due_date + DAY
        if letter_last_day is None:
            raise ValueError("interest from the letter's deadline needs the letter's last day")
        return letter_last_day + DAY


def normalize(kind: str | None) -> Kind:
    return "business" if (kind or "").strip().lower() == "business" else "consumer"


def rules_for(settings: CollectionsLawSettings, kind: str | None) -> DebtorRules:
    """The rules for a debtor of `kind` ("consumer", "business" or None: unknown)."""
    vat_rate = None if settings.vat_deductible else settings.vat_rate
    if normalize(kind) == "business":
        own = settings.business
        return DebtorRules(
            kind="business",
            collection_costs=settings.enabled and own.collection_costs,
            letter_first=own.send_letter,
            cost_rule=own.cost_rule,
            contract_percentage=own.contract_percentage,
            contract_minimum=own.contract_minimum,
            vat_rate=vat_rate,
            costs_after_days=None if own.send_letter else own.costs_after_days,
            statutory_interest=settings.enabled and own.statutory_interest,
            transaction="commercial",
            interest_from=own.interest_from,
        )
    consumer = settings.consumer
    return DebtorRules(
        kind="consumer",
        collection_costs=settings.enabled and consumer.collection_costs,
        letter_first=True,
        cost_rule="statutory_scale",
        contract_percentage=None,
        contract_minimum=Decimal("40.00"),
        vat_rate=vat_rate,
        costs_after_days=None,
        statutory_interest=settings.enabled and consumer.statutory_interest,
        transaction="consumer",
        interest_from=consumer.interest_from,
    )


def costs_waived(
    waiver: CostWaiver,
    *,
    costs_from: dt.date,
    plan_agreed_on: dt.date | None = None,
    paid_in_full_on: dt.date | None = None,
) -> bool:
    """Whether the policy forgoes costs chargeable from `costs_from`: a plan agreed before
    that day, or everything paid within `paid_within_days` days after it."""
    if waiver.plan_agreed and plan_agreed_on is not None and plan_agreed_on < costs_from:
        return True
    return (
        waiver.paid_within_days > 0
        and paid_in_full_on is not None
        and paid_in_full_on < costs_from + waiver.paid_within_days * DAY
    )
