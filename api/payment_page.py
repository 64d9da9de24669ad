"""What the payment page shows, in the debtor's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from receivables.common.dates import format_date
from receivables.common.money import format_money
from receivables.models import PaymentLink, utcnow
from receivables.payments.links import get_link_contents
from receivables.policy.model import Policy

PAGE_TEXTS = {
    "nl": {
        "title": "Betalen",
        "to": "Betaling aan",
        "amount": "Bedrag",
        "for": "Voor",
        "invoice": "Factuur",
        "due": "vervaldatum",
        "installment": "Termijn {n}, vervaldatum {due}",
        "valid_until": "Deze betaallink is geldig tot en met {date}.",
        "pay": "Betalen",
        "pay_ideal": "Betalen met iDEAL",
        "cancel": "Annuleren",
        "test_note": "Testomgeving: er wordt geen echt geld afgeschreven.",
        "paid": "Betaald. Dank u wel! U kunt deze pagina sluiten; de bevestiging staat ook in uw gesprek.",
        "canceled": "De betaling is geannuleerd. U kunt het opnieuw proberen wanneer het u uitkomt.",
        "expired": "Deze betaallink is verlopen. Vraag in het gesprek gerust om een nieuwe link.",
        "replaced": "Deze betaallink is vervangen door een nieuwere. Gebruik de laatste link uit uw gesprek.",
    },
    "en": {
        "title": "Payment",
        "to": "Payment to",
        "amount": "Amount",
        "for": "For",
        "invoice": "Invoice",
        "due": "due",
        "installment": "Installment {n}, due {due}",
        "valid_until": "This payment link is valid until {date}.",
        "pay": "Pay",
        "pay_ideal": "Pay with iDEAL",
        "cancel": "Cancel",
        "test_note": "Test environment: no real money is taken.",
        "paid": "Paid. Thank you! You can close this page; the confirmation is in your conversation too.",
        "canceled": "The payment was canceled. You can try again whenever it suits you.",
        "expired": "This payment link has expired. Feel free to ask for a new one in the conversation.",
        "replaced": "This payment link was replaced by a newer one. Please use the latest link in your conversation.",
    },
}


def link_state(link: PaymentLink, now: dt.datetime) -> str:
    """open | paid | expired | replaced. Pure."""
    if link.status == "paid":
        return "paid"
    if link.status == "canceled":
        return "replaced"
    if link.status != "open" or link.expires_at <= now:
        return "expired"
    return "open"


def _lines(session: Session, link: PaymentLink, language: str) -> list[str]:
    texts = PAGE_TEXTS[language]
    contents = get_link_contents(session=session, link=link)
    if (installment := contents.installment) is not None:
        due = format_date(installment.due_date, language)
        return [texts["installment"].format(n=installment.sequence, due=due)]
    return [
        f"{texts['invoice']} {i.number} ({texts['due']} {format_date(i.due_date, language)})"
        for i in contents.invoices
    ]


def page_context(
    session: Session, link: PaymentLink, policy: Policy, *, local: bool = True
) -> dict[str, Any]:
    language = "en" if link.language == "en" else "nl"
    texts = PAGE_TEXTS[language]
    return {
        "lang": language,
        "t": texts,
        "token": link.token,
        "state": link_state(link, utcnow()),
        "creditor": policy.creditor.name,
        "amount": format_money(link.amount, language),
        "lines": _lines(session, link, language),
        "valid_until": texts["valid_until"].format(
            date=format_date(link.expires_at.date(), language)
        ),
        "local": local,
    }
