"""Lists that go inside a response: invoice lines and payment methods, per language. Pure."""

from __future__ import annotations

import datetime as dt

import texts
from receivables.accounts.invoices import OpenInvoice
from receivables.common.dates import format_date
from receivables.common.money import format_money
from receivables.policy.model import Policy

_METHODS = {
    "ideal": "bot_pieces.method_ideal",
    "bank_transfer": "bot_pieces.method_bank_transfer",
    "creditcard": "bot_pieces.method_creditcard",
    "bancontact": "bot_pieces.method_bancontact",
}


def invoice_lines(invoices: list[OpenInvoice], language: str, today: dt.date) -> str:
    """One line per open invoice: number, open amount, due date, overdue or not."""
    lines = []
    for invoice in invoices:
        line = texts.text(
            "bot_pieces.invoice_line",
            language,
            number=invoice.number,
            open_amount=format_money(invoice.open_amount, language),
            due_date=format_date(invoice.due_date, language),
        )
        if invoice.open_amount != invoice.amount:
            amount = format_money(invoice.amount, language)
            line += " " + texts.text("bot_pieces.invoice_partly_paid", language, amount=amount)
        if invoice.due_date < today:
            line += " " + texts.text("bot_pieces.invoice_overdue", language)
        lines.append(line)
    return "\n".join(lines)


def payment_option_lines(policy: Policy, language: str) -> str:
    iban = policy.creditor.iban or ""
    holder = policy.creditor.account_holder or policy.creditor.name
    return "\n".join(
        texts.text(_METHODS[method], language, iban=iban, holder=holder)
        for method in policy.payment.methods
        if method != "bank_transfer" or iban
    )
