"""Pure parts of paying: what a link pays, its description, Mollie's request body, the
confirmation text and invoice numbers found in what a debtor types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from api.flows.payment_news import payment_received_text
from payment_providers.base import PaymentRequest
from payment_providers.mollie import mollie_amount, payment_body
from receivables.accounts.invoices import OpenInvoice
from receivables.common.identifiers import find_invoice_number
from receivables.errors import NotFound
from receivables.payments.links import balance_target, describe, invoice_target

DUE = dt.date(2026, 11, 1)


def invoice(id_: int, number: str, open_amount: str, status: str = "open") -> OpenInvoice:
    return OpenInvoice(
        id=id_,
        number=number,
        amount=Decimal(open_amount),
        open_amount=Decimal(open_amount),
        currency="EUR",
        issue_date=DUE - dt.timedelta(days=14),
        due_date=DUE,
        description=None,
        status=status,
    )


def test_the_balance_target_leaves_out_invoices_on_hold() -> None:
    invoices = [
        invoice(1, "F-1", "150.00"),
        invoice(2, "F-2", "89.95"),
        invoice(3, "F-3", "40.00", status="on_hold"),
    ]
    target = balance_target(invoices)
    assert target.key == "balance"
    assert target.amount == Decimal("239.95")
    assert target.invoice_ids == [1, 2] and target.invoice_numbers == ["F-1", "F-2"]


def test_an_invoice_target_is_that_invoice_open_amount() -> None:
    target = invoice_target(
        [invoice(1, "F2026-0042", "150.00"), invoice(2, "F-2", "9")], "f2026-0042"
    )
    assert (target.key, target.amount, target.invoice_ids) == ("invoice:1", Decimal("150.00"), [1])
    with pytest.raises(NotFound):
        invoice_target([invoice(1, "F-1", "10")], "F-9")


def test_the_description_names_the_invoices_in_the_debtor_language() -> None:
    target = balance_target([invoice(1, "F-1", "1"), invoice(2, "F-2", "1")])
    assert describe(target, reference="48213907", language="nl") == "48213907 facturen F-1, F-2"
    one = invoice_target([invoice(7, "INV-7", "5")], "INV-7")
    assert describe(one, reference="EN-1001", language="en") == "EN-1001 invoice INV-7"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ik wil factuur F2026-0042 betalen", "F2026-0042"),
        ("pay invoice 2026-0042 please", "F2026-0042"),
        ("f2026 0107", "F2026-0107"),
        ("send me a link for INV-10233", "INV-10233"),
        ("10233", "INV-10233"),
        ("ik wil alles betalen", None),
        ("pay 150 euro", None),
        ("my customer number is 48213907", None),
    ],
)
def test_invoice_numbers_are_found_in_free_text(text: str, found: str | None) -> None:
    numbers = ["F2026-0042", "F2026-0107", "INV-10233"]
    assert find_invoice_number(text, numbers) == found


def test_mollie_gets_amounts_with_two_decimals_and_its_own_method_names() -> None:
    assert mollie_amount(Decimal("150"), "EUR") == {"currency": "EUR", "value": "150.00"}
    assert mollie_amount(Decimal("1234.5"), "EUR")["value"] == "1234.50"
    request = PaymentRequest(
        amount=Decimal("89.95"),
        currency="EUR",
        description="48213907 factuur F-2",
        redirect_url="https://pay.example/pay/abc",
        webhook_url="https://pay.example/payments/webhook",
        methods=["ideal", "bank_transfer"],
        language="nl",
        metadata={"link_id": "4"},
    )
    body = payment_body(request)
    assert body == {
        "amount": {"currency": "EUR", "value": "89.95"},
        "description": "48213907 factuur F-2",
        "redirectUrl": "https://pay.example/pay/abc",
        "webhookUrl": "https://pay.example/payments/webhook",
        "locale": "nl_NL",
        "metadata": {"link_id": "4"},
        "method": ["ideal", "banktransfer"],
    }


def test_the_confirmation_reads_naturally_in_both_languages() -> None:
    assert payment_received_text(Decimal("150"), Decimal("0"), "nl") == (
        "We hebben € 150,00 ontvangen, dank u wel."
    )
    assert payment_received_text(Decimal("150"), Decimal("1089.95"), "en") == (
        "We received €150.00, thank you. Your outstanding balance is now €1,089.95."
    )
