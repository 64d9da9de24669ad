"""The pieces the actions put into responses, pure: invoice lines and the ways to pay in the
debtor's language, the conversation's language, and the shipped policy as the actions read it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bot.actions import db as action_db
from bot.actions.formatting import invoice_lines, payment_option_lines
from bot.actions.language import language_of
from receivables.accounts.invoices import OpenInvoice
from receivables.policy.model import load_policy
from tests.bot.actions.support import Database, policy_data, policy_from, tracker

TODAY = dt.date(2026, 3, 12)  # a fixed day: these functions take "today" as an argument


def open_invoice(number: str, amount: str, open_amount: str, due: dt.date) -> OpenInvoice:
    return OpenInvoice(
        id=1,
        number=number,
        amount=Decimal(amount),
        open_amount=Decimal(open_amount),
        currency="EUR",
        issue_date=due - dt.timedelta(days=14),
        due_date=due,
        description=None,
        status="open",
    )


@pytest.mark.parametrize(
    ("language", "invoices", "lines"),
    [
        (
            "nl",
            [
                open_invoice("F2026-0042", "150.00", "150.00", dt.date(2026, 2, 1)),
                open_invoice("F2026-0107", "1249.50", "1000.00", dt.date(2026, 3, 20)),
            ],
            "• F2026-0042: € 150,00, te betalen uiterlijk 1 februari 2026 – over de vervaldatum\n"
            "• F2026-0107: € 1.000,00, te betalen uiterlijk 20 maart 2026 (nog open van € 1.249,50)",
        ),
        (
            "en",
            [
                open_invoice("INV-1", "150.00", "100.00", dt.date(2026, 2, 1)),
                open_invoice("INV-2", "89.95", "89.95", TODAY),  # due today is not overdue
            ],
            "• INV-1: €100.00, due 1 February 2026 (still open of €150.00) – overdue\n"
            "• INV-2: €89.95, due 12 March 2026",
        ),
        ("nl", [], ""),
    ],
)
def test_invoice_lines(language: str, invoices: list[OpenInvoice], lines: str) -> None:
    assert invoice_lines(invoices, language, TODAY) == lines


def test_the_ways_to_pay_skip_a_bank_transfer_without_an_iban() -> None:
    data = policy_data()
    data["creditor"]["iban"] = None
    lines = payment_option_lines(policy_from(data), "nl")
    assert lines == "• iDEAL: ik kan u een veilige betaallink sturen"


def test_the_ways_to_pay_use_the_creditors_name_without_an_account_holder() -> None:
    data = policy_data()
    data["creditor"]["account_holder"] = None
    data["creditor"]["name"] = "Acme B.V."
    data["payment"]["methods"] = ["bank_transfer"]
    policy = policy_from(data)
    assert payment_option_lines(policy, "en") == (
        "• Bank transfer to NL91 ABNA 0417 1643 00 in the name of Acme B.V., "
        "quoting your invoice number"
    )
    # a language Settle does not write reads as the one rule says: Dutch
    assert payment_option_lines(policy, "fr").startswith("• Overschrijving")


@pytest.mark.parametrize(("slot", "language"), [("en", "en"), (None, "nl"), ("fr", "nl")])
def test_the_conversations_language_is_dutch_unless_it_is_english(
    slot: str | None, language: str
) -> None:
    assert language_of(tracker(language=slot)) == language


def test_the_shipped_policy_is_what_the_actions_use(database: Database) -> None:
    assert action_db.get_policy() == load_policy()
