"""The fourteen-day letter's dates (receipt, term, last day, first day of costs) around
weekends and Dutch holidays, when costs may be charged, and what the letter will not do.
Every date worked out by hand in the comment beside it, from a calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from receivables.collections_law.legal_days import post_receipt_day, term_end
from receivables.collections_law.letter import (
    LetterInvoice,
    compose_letter,
    costs_due,
    letter_term,
    may_charge_costs,
)
from receivables.collections_law.rules import rules_for
from receivables.errors import InvalidInput
from receivables.policy.model import CollectionsLawSettings, LetterSettings

D = dt.date
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LETTER = LetterSettings()  # post: the 2nd delivery day, no Sunday or Monday; e-mail: same day


@pytest.mark.parametrize(
    ("sent_on", "received_on", "last_day"),
    [
        # Friday 19 Dec 2025: Sat 20 (1st delivery day), Sun 21 and Mon 22 do not count,
        # Tue 23 (2nd): received Tue 23 Dec; 14 days from Wed 24: last day Tue 6 Jan 2026
        (D(2025, 12, 19), D(2025, 12, 23), D(2026, 1, 6)),
        # Christmas: Tue 23 Dec 2025: Wed 24 (1st), Thu 25 and Fri 26 Christmas, Sat 27 (2nd):
        # received Sat 27 Dec; 27 Dec + 14 = Sat 10 Jan 2026, a Saturday: the term runs on
        # past Sun 11 to Mon 12 Jan (Algemene termijnenwet)
        (D(2025, 12, 23), D(2025, 12, 27), D(2026, 1, 12)),
        # King's Day on a Saturday: Thu 24 Apr 2025: Fri 25 (1st), Sat 26 King's Day, Sun 27,
        # Mon 28 do not count, Tue 29 (2nd): received Tue 29 Apr; + 14 = Tue 13 May 2025
        (D(2025, 4, 24), D(2025, 4, 29), D(2025, 5, 13)),
        # Easter 2026: Thu 2 Apr: Good Friday 3 Apr does not count, Sat 4 (1st), Easter Sunday
        # 5 and Easter Monday 6 do not, Tue 7 (2nd): received Tue 7 Apr; + 14 = Tue 21 Apr
        (D(2026, 4, 2), D(2026, 4, 7), D(2026, 4, 21)),
        # an ordinary week: Tue 3 Mar 2026: Wed 4 (1st), Thu 5 (2nd); + 14 = Thu 19 Mar
        (D(2026, 3, 3), D(2026, 3, 5), D(2026, 3, 19)),
    ],
)
def test_a_posted_letter_counts_as_received_conservatively(
    sent_on: dt.date, received_on: dt.date, last_day: dt.date
) -> None:
    term = letter_term(sent_on=sent_on, channel="post", settings=LETTER)
    assert term.received_on == received_on
    assert term.term_starts == received_on + dt.timedelta(days=1)
    assert term.last_day == last_day
    assert term.costs_from == last_day + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("sent_on", "last_day"),
    [
        # Sat 27 Dec 2025, received the same day; + 14 = Sat 10 Jan 2026 -> Mon 12 Jan
        (D(2025, 12, 27), D(2026, 1, 12)),
        # Mon 23 Mar 2026; + 14 = Mon 6 Apr 2026, Easter Monday -> Tue 7 Apr
        (D(2026, 3, 23), D(2026, 4, 7)),
        # Mon 13 Apr 2026; + 14 = Mon 27 Apr 2026, King's Day -> Tue 28 Apr
        (D(2026, 4, 13), D(2026, 4, 28)),
        # Tue 21 Apr 2026; + 14 = Tue 5 May 2026, Liberation Day (a holiday of the Algemene
        # termijnenwet every year, not only in a lustrum year) -> Wed 6 May
        (D(2026, 4, 21), D(2026, 5, 6)),
        # Fri 1 May 2026; + 14 = Fri 15 May, the Friday after Ascension (14 May) -> Sat, Sun ->
        # Mon 18 May
        (D(2026, 5, 1), D(2026, 5, 18)),
        # Wed 11 Mar 2026; + 14 = Wed 25 Mar, an ordinary Wednesday
        (D(2026, 3, 11), D(2026, 3, 25)),
    ],
)
def test_an_email_counts_as_received_the_same_day(sent_on: dt.date, last_day: dt.date) -> None:
    term = letter_term(sent_on=sent_on, channel="email", settings=LETTER)
    assert term.received_on == sent_on
    assert term.last_day == last_day


def test_the_delivery_days_are_policy() -> None:
    # three delivery days, only Sunday without post: Fri 19 Dec 2025 -> Sat 20 (1st),
    # Mon 22 (2nd), Tue 23 (3rd)
    assert post_receipt_day(D(2025, 12, 19), delivery_days=3, no_delivery=["sun"]) == D(
        2025, 12, 23
    )
    # e-mail counted as received a day later
    later = LetterSettings(email_delivery_days=1)
    assert letter_term(sent_on=D(2026, 3, 3), channel="email", settings=later).received_on == D(
        2026, 3, 4
    )
    with pytest.raises(ValueError, match="at least one weekday"):
        post_receipt_day(D(2026, 3, 3), delivery_days=2, no_delivery=list(EVERY_DAY))


def test_a_term_ending_on_a_working_day_is_not_moved() -> None:
    assert term_end(D(2026, 3, 25)) == D(2026, 3, 25)  # a Wednesday
    # New Year's Day 2026 is a Thursday: the Friday after counts as a holiday too, then the
    # weekend: Mon 5 Jan
    assert term_end(D(2026, 1, 1)) == D(2026, 1, 5)


def _rules(**consumer: object) -> CollectionsLawSettings:
    settings = CollectionsLawSettings(enabled=True)
    return settings.model_copy(update={"consumer": settings.consumer.model_copy(update=consumer)})


def _letter(**overrides: object):  # type: ignore[no-untyped-def]
    settings = _rules()
    values: dict[str, object] = {
        "invoices": [
            LetterInvoice("F-1", D(2025, 11, 1), D(2025, 12, 1), Decimal("1234.56")),
            LetterInvoice("F-2", D(2025, 11, 10), D(2025, 12, 10), Decimal("99.95")),
        ],
        "sent_on": D(2025, 12, 23),
        "channel": "post",
        "language": "nl",
        "creditor": "Voorbeeld Energie B.V.",
        "debtor_name": "J. de Vries",
        "reference": "K-1",
        "rules": rules_for(settings, "consumer"),
        "settings": settings.letter,
        "address": ["Kerkstraat 1", "1234 AB Utrecht"],
    }
    values.update(overrides)
    return compose_letter(**values)  # type: ignore[arg-type]


def test_the_letter_names_the_costs_for_this_debt() -> None:
    letter = _letter()
    # 1,234.56 + 99.95 = 1,334.51; 15 % x 1,334.51 = 200.1765 -> 200.18 (VAT deducted: none)
    assert letter.principal == Decimal("1334.51")
    assert (letter.costs.amount, letter.costs.vat) == (Decimal("200.18"), Decimal("0.00"))
    # sent Tue 23 Dec 2025 by post: received Sat 27 Dec, last day Mon 12 Jan 2026
    assert (letter.term.received_on, letter.term.last_day) == (D(2025, 12, 27), D(2026, 1, 12))
    assert letter.interest_from is None  # the shipped consumer rules charge no interest


def test_costs_only_after_the_term_and_only_on_what_is_still_open() -> None:
    letter = _letter()
    term = letter.term  # received Sat 27 Dec 2025, last day Mon 12 Jan 2026
    # paid on the 13th day after receipt (Fri 9 Jan 2026): nothing open, no costs ever
    assert not may_charge_costs(term, today=D(2026, 1, 9), open_principal=Decimal("0"))
    assert not may_charge_costs(term, today=D(2026, 1, 13), open_principal=Decimal("0"))
    # unpaid: not on the last day, from the day after it
    assert not may_charge_costs(term, today=D(2026, 1, 12), open_principal=Decimal("1334.51"))
    assert may_charge_costs(term, today=D(2026, 1, 13), open_principal=Decimal("1334.51"))
    # 1,000.00 paid within the term: costs over the 334.51 still open,
    # 15 % x 334.51 = 50.1765 -> 50.18 (not the 200.18 the letter named)
    rules = rules_for(_rules(), "consumer")
    assert costs_due(rules, open_principal=Decimal("334.51")).amount == Decimal("50.18")


def test_the_letter_says_from_when_interest_runs_when_the_policy_charges_it() -> None:
    settings = _rules(statutory_interest=True)
    letter = _letter(rules=rules_for(settings, None))
    assert letter.interest_from == "letter_deadline"
    business = rules_for(CollectionsLawSettings(enabled=True), "business")
    assert _letter(rules=business).interest_from == "due_date"


def test_a_letter_that_would_not_count_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not overdue"):
        # F-2 is due on 10 Dec 2025: a letter sent that day is too early
        _letter(sent_on=D(2025, 12, 10))
    with pytest.raises(InvalidInput, match="at least one invoice"):
        _letter(invoices=[])
    with pytest.raises(InvalidInput, match="address"):
        _letter(address=[])
    with pytest.raises(InvalidInput, match="nothing open"):
        _letter(invoices=[LetterInvoice("F-3", D(2025, 11, 1), D(2025, 12, 1), Decimal("0"))])
    with pytest.raises(InvalidInput, match="no collection costs"):
        _letter(rules=rules_for(CollectionsLawSettings(enabled=False), "consumer"))
    with pytest.raises(InvalidInput, match="nl or en"):
        _letter(language="de")
    # an e-mail needs no postal address
    assert _letter(channel="email", address=[]).term.received_on == D(2025, 12, 23)
