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
from texts import section, text


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
    contents = get_link_contents(session=session, link=link)
    if (installment := contents.installment) is not None:
        due = format_date(installment.due_date, language)
        return [text("pay_page.installment", language, n=installment.sequence, due=due)]
    return [
        text("pay_page.invoice", language, number=i.number, due=format_date(i.due_date, language))
        for i in contents.invoices
    ]


def page_context(
    session: Session, link: PaymentLink, policy: Policy, *, local: bool = True
) -> dict[str, Any]:
    language = "en" if link.language == "en" else "nl"
    return {
        "lang": language,
        "t": section("pay_page")[language],
        "token": link.token,
        "state": link_state(link, utcnow()),
        "creditor": policy.creditor.name,
        "amount": format_money(link.amount, language),
        "lines": _lines(session, link, language),
        "valid_until": text(
            "pay_page.valid_until", language, date=format_date(link.expires_at.date(), language)
        ),
        "local": local,
    }
