"""The fourteen-day letter ("veertiendagenbrief", art. 6:96 lid 6 BW): its dates and figures.

The law: a consumer owes collection costs only after being asked, once in default, to pay
within fourteen days "aanvangende de dag na aanmaning", the letter stating what not paying
costs. The Hoge Raad (25 November 2016, ECLI:NL:HR:2016:2704): the fourteen days start the
day after the debtor received the letter; a letter that names a term starting or ending too
early has no effect; a part paid within the term lowers the costs to the scale over what is
still open. So Settle:
- takes the day of receipt conservatively (post: the policy's delivery day, no Sunday,
  Monday or holiday counted; e-mail: the day it is sent, or the policy's days later);
- counts fourteen days from the day after receipt and moves a last day that falls on a
  Saturday, Sunday or holiday on to the next day that is none (Algemene termijnenwet art. 1),
  so the last day it names is never earlier than the law's;
- states in the letter the costs for this debt, and charges costs only from the day after
  that last day, over the principal still open then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from receivables.collections_law.costs import Costs, cost_base
from receivables.collections_law.legal_days import DAY, post_receipt_day, term_end
from receivables.collections_law.rules import DebtorRules
from receivables.errors import InvalidInput
from receivables.policy.model import InterestFrom, LetterSettings

Channel = Literal["post", "email"]
TERM_DAYS = 14


@dataclass(frozen=True)
class LetterInvoice:
    """One invoice the letter asks payment of, with what is open of its principal."""

    number: str
    issue_date: dt.date
    due_date: dt.date
    open_amount: Decimal


@dataclass(frozen=True)
class LetterTerm:
    """The letter's days: sent, received (conservatively), the fourteen days, the last day
    to pay, and the first day costs may be charged."""

    channel: Channel
    sent_on: dt.date
    received_on: dt.date
    term_starts: dt.date
    last_day: dt.date
    costs_from: dt.date


def receipt_day(*, sent_on: dt.date, channel: Channel, settings: LetterSettings) -> dt.date:
    if channel == "email":
        return sent_on + settings.email_delivery_days * DAY
    return post_receipt_day(
        sent_on,
        delivery_days=settings.post_delivery_days,
        no_delivery=settings.post_no_delivery,
    )


def letter_term(*, sent_on: dt.date, channel: Channel, settings: LetterSettings) -> LetterTerm:
    received_on = receipt_day(sent_on=sent_on, channel=channel, settings=settings)
    last_day = term_end(received_on + TERM_DAYS * DAY)
    return LetterTerm(
        channel=channel,
        sent_on=sent_on,
        received_on=received_on,
        term_starts=received_on + DAY,
        last_day=last_day,
        costs_from=last_day + DAY,
    )


@dataclass(frozen=True)
class FourteenDayLetter:
    """Everything the letter says, for a template to render (`letter_pdf`) or an e-mail."""

    language: str
    creditor: str
    debtor_name: str
    address: tuple[str, ...]
    reference: str
    invoices: tuple[LetterInvoice, ...]
    term: LetterTerm
    # the costs charged when the term passes unpaid, for this debt as it is when sent
    costs: Costs
    # when the policy charges statutory interest: from the day after each due date, or from
    # the day after the letter's term (term.costs_from); None: no interest
    interest_from: InterestFrom | None
    iban: str | None = None
    account_holder: str | None = None
    pay_url: str | None = None

    @property
    def principal(self) -> Decimal:
        return cost_base(invoice.open_amount for invoice in self.invoices)


def compose_letter(
    *,
    invoices: Sequence[LetterInvoice],
    sent_on: dt.date,
    channel: Channel,
    language: str,
    creditor: str,
    debtor_name: str,
    reference: str,
    rules: DebtorRules,
    settings: LetterSettings,
    address: Sequence[str] = (),
    claimed_before: Decimal = Decimal(0),
    iban: str | None = None,
    account_holder: str | None = None,
    pay_url: str | None = None,
) -> FourteenDayLetter:
    """The letter for a debtor's overdue `invoices` (all of them: one letter, one principal
    for the costs), sent on `sent_on` by `channel`. Raises InvalidInput when the letter
    would not count: an invoice not yet overdue, nothing open, no costs to announce."""
    if not invoices:
        raise InvalidInput("a fourteen-day letter names at least one invoice")
    if language not in ("nl", "en"):
        raise InvalidInput(f"a letter is written in nl or en, not {language!r}")
    if not rules.collection_costs or not rules.letter_first:
        raise InvalidInput(f"the policy announces no collection costs by letter to a {rules.kind}")
    for invoice in invoices:
        if invoice.due_date >= sent_on:
            raise InvalidInput(
                f"invoice {invoice.number} is not overdue on {sent_on.isoformat()}: the "
                "letter may only go out once the debtor is in default"
            )
        if invoice.open_amount <= 0:
            raise InvalidInput(f"invoice {invoice.number} has nothing open")
    if channel == "post" and not address:
        raise InvalidInput("a letter by post needs the debtor's address")
    term = letter_term(sent_on=sent_on, channel=channel, settings=settings)
    principal = cost_base(invoice.open_amount for invoice in invoices)
    return FourteenDayLetter(
        language=language,
        creditor=creditor,
        debtor_name=debtor_name,
        address=tuple(address),
        reference=reference,
        invoices=tuple(invoices),
        term=term,
        costs=rules.costs(principal, claimed_before=claimed_before),
        interest_from=rules.interest_from if rules.statutory_interest else None,
        iban=iban,
        account_holder=account_holder,
        pay_url=pay_url,
    )


def may_charge_costs(term: LetterTerm, *, today: dt.date, open_principal: Decimal) -> bool:
    """Costs may be charged only once the term passed (from the day after its last day) and
    only while something of the principal is still open."""
    return today >= term.costs_from and open_principal > 0


def costs_due(
    rules: DebtorRules,
    *,
    open_principal: Decimal,
    claimed_before: Decimal = Decimal(0),
) -> Costs:
    """The costs to charge when the term passed: over the principal still open then, so a
    part paid within the term lowers them (HR 25 November 2016)."""
    return rules.costs(open_principal, claimed_before=claimed_before)
