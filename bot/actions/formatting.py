"""Lists that go inside a response: invoice lines and payment methods, per language. Pure."""

from __future__ import annotations

import datetime as dt

from receivables.accounts.invoices import OpenInvoice
from receivables.common.dates import format_date
from receivables.common.money import format_money
from receivables.policy.model import Policy

_WORDS = {
    "nl": {"due": "te betalen uiterlijk", "overdue": "verlopen", "open": "nog open van"},
    "en": {"due": "due", "overdue": "overdue", "open": "still open of"},
}
_METHODS = {
    "nl": {
        "ideal": "iDEAL: ik kan u een veilige betaallink sturen",
        "bank_transfer": "Overschrijving naar {iban} t.n.v. {holder}, met uw factuurnummer",
        "creditcard": "Creditcard, via een veilige betaallink",
        "bancontact": "Bancontact, via een veilige betaallink",
    },
    "en": {
        "ideal": "iDEAL: I can send you a secure payment link",
        "bank_transfer": "Bank transfer to {iban} in the name of {holder}, quoting your invoice number",
        "creditcard": "Credit card, through a secure payment link",
        "bancontact": "Bancontact, through a secure payment link",
    },
}


def invoice_lines(invoices: list[OpenInvoice], language: str, today: dt.date) -> str:
    """One line per open invoice: number, open amount, due date, overdue or not."""
    words = _WORDS["nl" if language == "nl" else "en"]
    lines = []
    for invoice in invoices:
        line = (
            f"• {invoice.number}: {format_money(invoice.open_amount, language)}, "
            f"{words['due']} {format_date(invoice.due_date, language)}"
        )
        if invoice.open_amount != invoice.amount:
            line += f" ({words['open']} {format_money(invoice.amount, language)})"
        if invoice.due_date < today:
            line += f" – {words['overdue']}"
        lines.append(line)
    return "\n".join(lines)


def payment_option_lines(policy: Policy, language: str) -> str:
    texts = _METHODS["nl" if language == "nl" else "en"]
    iban = policy.creditor.iban or ""
    holder = policy.creditor.account_holder or policy.creditor.name
    return "\n".join(
        "• " + texts[method].format(iban=iban, holder=holder)
        for method in policy.payment.methods
        if method != "bank_transfer" or iban
    )
