"""What the payment page shows, in the debtor's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from api.branding import brand_of
from receivables.accounts.debtors import get_debtor
from receivables.common.dates import format_date
from receivables.common.language import resolve_language
from receivables.common.money import format_money
from receivables.conversations.service import get_conversation
from receivables.errors import NotFound
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
        count = len(installment.plan.installments)
        return [
            text("pay_page.installment", language, n=installment.sequence, count=count, due=due)
        ]
    return [
        text("pay_page.invoice", language, number=i.number, due=format_date(i.due_date, language))
        for i in contents.invoices
    ]


def back_url(channel: str | None, *, public_url: str, whatsapp_from: str | None) -> str | None:
    """Where the debtor's conversation is: the web chat page (the widget finds the
    conversation it keeps), WhatsApp's chat with our number; None for the others. Pure."""
    if channel == "webchat":
        return public_url.rstrip("/") + "/"
    if channel == "whatsapp" and whatsapp_from:
        digits = "".join(c for c in whatsapp_from if c.isdigit())
        return f"https://wa.me/{digits}" if digits else None
    return None


def _channel(session: Session, link: PaymentLink) -> str | None:
    if not link.conversation_id:
        return None
    try:
        return get_conversation(session=session, conversation_id=link.conversation_id).channel
    except NotFound:
        return None


def page_context(
    session: Session,
    link: PaymentLink,
    policy: Policy,
    *,
    local: bool = True,
    public_url: str = "",
    whatsapp_from: str | None = None,
) -> dict[str, Any]:
    language = resolve_language(link.language, default=policy.creditor.language)
    reference = get_debtor(session=session, debtor_id=link.debtor_id).reference
    return {
        "lang": language,
        "t": section("pay_page")[language],
        "token": link.token,
        "state": link_state(link, utcnow()),
        "creditor": policy.creditor.name,
        "brand": brand_of(policy),
        "customer": text("pay_page.customer", language, reference=reference),
        "back_url": back_url(
            _channel(session, link), public_url=public_url, whatsapp_from=whatsapp_from
        ),
        "amount": format_money(link.amount, language),
        "lines": _lines(session, link, language),
        "valid_until": text(
            "pay_page.valid_until", language, date=format_date(link.expires_at.date(), language)
        ),
        "local": local,
    }
