"""Handoffs: a conversation handed to a human collector, from the queue to the outcome.

A handoff is `waiting` (the conversation too), `claimed` by one collector (the conversation is
`human`: the bot stays silent) and finally `resolved`: released back to the bot (conversation
`bot`) or closed with an outcome and a note (conversation `closed`). Every step is audited
with the collector as the actor ("collector:<username>"). The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

import texts
from receivables.accounts.debtors import get_debtor_language
from receivables.accounts.invoices import release_invoice_holds
from receivables.arrangements.plans import create_plan
from receivables.arrangements.schedule import monthly_schedule, split_evenly
from receivables.audit.events import record_event
from receivables.common.language import resolve_language
from receivables.common.money import to_money
from receivables.conversations.service import (
    add_message,
    get_conversation,
    get_or_create_conversation,
)
from receivables.errors import Conflict, InvalidInput, NotFound
from receivables.models import Handoff, Message, PaymentPlan, utcnow

REASONS = (
    "cannot_pay",
    "dispute",
    "requested_human",
    "verification_failed",
    "outside_limits",
    # a reminder step (P14): a collector calls the debtor
    "call_task",
    "other",
)
STATUSES = ("waiting", "claimed", "resolved")
LEVELS = ("junior", "senior")
OUTCOMES = ("plan_agreed", "promise", "dispute_accepted", "dispute_rejected", "debt_help", "other")
RELEASED = "released"
# signs of vulnerability the bot may flag; other short snake_case flags are accepted too
FLAGS = ("illness", "bereavement", "debt_help", "job_loss", "mental_health", "other")
_FLAG = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _actor(collector: str) -> str:
    return f"collector:{collector}"


def normalize_flags(flags: Iterable[str]) -> list[str]:
    """Lower-case, deduplicated, in the order given. Pure."""
    result: list[str] = []
    for flag in flags:
        key = flag.strip().lower().replace("-", "_").replace(" ", "_")
        if not _FLAG.match(key):
            raise ValueError(f"not a handoff flag: {flag!r}")
        if key not in result:
            result.append(key)
    return result


def get_handoff(*, session: Session, handoff_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound("handoff", handoff_id)
    return handoff


def get_open_handoff(*, session: Session, conversation_id: str) -> Handoff | None:
    return session.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status != "resolved")
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def create_handoff(
    *,
    session: Session,
    conversation_id: str,
    reason: str,
    debtor_id: int | None = None,
    level: str = "junior",
    summary: str = "",
    actor: str = "bot",
    balance: Decimal | None = None,
    flags: Iterable[str] = (),
) -> Handoff:
    """Hand the conversation to the queue. While one is open for the conversation, asking
    again returns it (a retried action creates no second handoff); new flags are added to it
    and a balance it lacked is filled in."""
    if reason not in REASONS:
        raise ValueError(f"unknown handoff reason {reason}")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level}")
    new_flags = normalize_flags(flags)
    existing = get_open_handoff(session=session, conversation_id=conversation_id)
    if existing:
        _merge(session, existing, new_flags, balance, actor)
        return existing
    conversation = get_or_create_conversation(
        session=session, conversation_id=conversation_id, channel="rest"
    )
    handoff = Handoff(
        conversation_id=conversation_id,
        debtor_id=debtor_id,
        reason=reason,
        level=level,
        summary=summary,
        status="waiting",
        balance=to_money(balance) if balance is not None else None,
        flags=new_flags,
    )
    session.add(handoff)
    conversation.state = "waiting"
    session.flush()
    record_event(
        session=session,
        actor=actor,
        action="handoff_created",
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        detail={"handoff_id": handoff.id, "reason": reason, "level": level, "flags": new_flags},
    )
    return handoff


def _merge(
    session: Session, handoff: Handoff, flags: list[str], balance: Decimal | None, actor: str
) -> None:
    added = [f for f in flags if f not in handoff.flags]
    if added:
        handoff.flags = [*handoff.flags, *added]  # a new list, so the JSON column is saved
        record_event(
            session=session,
            actor=actor,
            action="handoff_flagged",
            debtor_id=handoff.debtor_id,
            conversation_id=handoff.conversation_id,
            detail={"handoff_id": handoff.id, "flags": added},
        )
    if handoff.balance is None and balance is not None:
        handoff.balance = to_money(balance)
    session.flush()


def _queue_order() -> tuple[Any, ...]:
    """Senior before junior, then the longest waiting, then the largest amount."""
    return (
        case((Handoff.level == "senior", 0), else_=1),
        Handoff.created_at,
        case((Handoff.balance.is_(None), 1), else_=0),
        Handoff.balance.desc(),
        Handoff.id,
    )


def list_handoffs(*, session: Session, status: str | None = None) -> list[Handoff]:
    """The queue, in working order (see `_queue_order`)."""
    query = select(Handoff)
    if status:
        query = query.where(Handoff.status == status)
    return list(session.scalars(query.order_by(*_queue_order())))


def list_recently_resolved(*, session: Session, limit: int = 50) -> list[Handoff]:
    query = select(Handoff).where(Handoff.status == "resolved")
    return list(session.scalars(query.order_by(Handoff.resolved_at.desc()).limit(limit)))


def is_visible_to(
    handoff: Handoff,
    *,
    role: str,
    username: str | None,
    now: dt.datetime,
    junior_wait: dt.timedelta,
) -> bool:
    """Seniors and admins see everything. A junior sees junior cases, cases they claimed, and
    senior cases nobody has claimed for longer than `junior_wait`. Pure."""
    if role != "junior" or handoff.level != "senior":
        return True
    if handoff.collector is not None and handoff.collector == username:
        return True
    return handoff.status == "waiting" and now - handoff.created_at >= junior_wait


def list_queue(
    *,
    session: Session,
    role: str,
    username: str | None,
    junior_wait: dt.timedelta,
    status: str | None = None,
    now: dt.datetime | None = None,
) -> list[Handoff]:
    """`list_handoffs`, limited to what this collector may see."""
    now = now or utcnow()
    return [
        h
        for h in list_handoffs(session=session, status=status)
        if is_visible_to(h, role=role, username=username, now=now, junior_wait=junior_wait)
    ]


def _open_for(handoff: Handoff, collector: str) -> None:
    """The handoff is not resolved and not someone else's."""
    if handoff.status == "resolved":
        raise Conflict(f"handoff {handoff.id} is already resolved")
    if handoff.status == "claimed" and handoff.collector != collector:
        raise Conflict(f"handoff {handoff.id} is claimed by {handoff.collector}")


def claim_handoff(
    *,
    session: Session,
    handoff_id: int,
    collector: str,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> Handoff:
    """The collector takes the conversation over; the bot stays silent from now on. Claiming
    one's own handoff again changes nothing; someone else's is a Conflict."""
    collector = collector.strip()
    if not collector:
        raise InvalidInput("the collector's name is empty")
    handoff = get_handoff(session=session, handoff_id=handoff_id)
    _open_for(handoff, collector)
    if handoff.status == "claimed":
        return handoff
    handoff.status = "claimed"
    handoff.collector = collector
    handoff.claimed_at = now or utcnow()
    get_conversation(session=session, conversation_id=handoff.conversation_id).state = "human"
    session.flush()
    record_event(
        session=session,
        actor=actor or _actor(collector),
        action="handoff_claimed",
        debtor_id=handoff.debtor_id,
        conversation_id=handoff.conversation_id,
        detail={"handoff_id": handoff.id},
    )
    return handoff


def add_collector_message(
    *, session: Session, handoff_id: int, collector: str, text: str, actor: str | None = None
) -> Message:
    """The collector's reply in the debtor's conversation. The handoff must be claimed by
    this collector."""
    text = text.strip()
    if not text:
        raise InvalidInput("the message is empty")
    handoff = get_handoff(session=session, handoff_id=handoff_id)
    _open_for(handoff, collector)
    if handoff.status != "claimed":
        raise Conflict(f"claim handoff {handoff.id} before replying")
    conversation = get_conversation(session=session, conversation_id=handoff.conversation_id)
    message = add_message(session=session, conversation=conversation, sender="collector", text=text)
    record_event(
        session=session,
        actor=actor or _actor(collector),
        action="collector_message",
        debtor_id=handoff.debtor_id,
        conversation_id=handoff.conversation_id,
        detail={"handoff_id": handoff.id, "message_id": message.id, "text": message.text},
    )
    return message


def _close(handoff: Handoff, collector: str, outcome: str, now: dt.datetime | None) -> None:
    handoff.status = "resolved"
    handoff.collector = handoff.collector or collector
    handoff.outcome = outcome
    handoff.resolved_at = now or utcnow()


def release_handoff(
    *,
    session: Session,
    handoff_id: int,
    collector: str,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Give the conversation back to the bot, which says so in the debtor's language.
    Returns that message."""
    handoff = get_handoff(session=session, handoff_id=handoff_id)
    _open_for(handoff, collector)
    _close(handoff, collector, RELEASED, now)
    conversation = get_conversation(session=session, conversation_id=handoff.conversation_id)
    conversation.state = "bot"
    on_file = None
    if handoff.debtor_id is not None:
        on_file = get_debtor_language(session=session, debtor_id=handoff.debtor_id)
    back = texts.text("gateway.back_to_bot", resolve_language(conversation.language, on_file))
    message = add_message(session=session, conversation=conversation, sender="bot", text=back)
    record_event(
        session=session,
        actor=actor or _actor(collector),
        action="handoff_released",
        debtor_id=handoff.debtor_id,
        conversation_id=handoff.conversation_id,
        detail={"handoff_id": handoff.id},
    )
    return message


def resolve_handoff(
    *,
    session: Session,
    handoff_id: int,
    collector: str,
    note: str | None = None,
    outcome: str | None = None,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> Handoff:
    """Close the case with an outcome (default "other") and a note; the conversation is
    closed (a new message from the debtor starts with the bot again)."""
    outcome = outcome or "other"
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}")
    handoff = get_handoff(session=session, handoff_id=handoff_id)
    _open_for(handoff, collector)
    _close(handoff, collector, outcome, now)
    handoff.note = (note or "").strip() or None
    get_conversation(session=session, conversation_id=handoff.conversation_id).state = "closed"
    if outcome == "dispute_rejected" and handoff.debtor_id is not None:
        # the invoice is due after all: it comes off hold
        release_invoice_holds(
            session=session,
            debtor_id=handoff.debtor_id,
            conversation_id=handoff.conversation_id,
            actor=actor or _actor(collector),
        )
    session.flush()
    record_event(
        session=session,
        actor=actor or _actor(collector),
        action="handoff_resolved",
        debtor_id=handoff.debtor_id,
        conversation_id=handoff.conversation_id,
        detail={"handoff_id": handoff.id, "outcome": outcome, "note": handoff.note},
    )
    return handoff


# --- HOOK: a plan agreed by a senior collector outside the bot's limits -----------------
# The console's plan form posts here (POST /console/handoffs/{id}/plan, seniors and admins
# only). The plan is stored as outside_policy=True, agreed_by="collector:<username>".


def agree_plan_outside_policy(
    *,
    session: Session,
    handoff_id: int,
    collector: str,
    total: Decimal,
    installments: int,
    first_due: dt.date,
) -> PaymentPlan:
    """A monthly plan the collector agreed with the debtor beyond the bot's limits."""
    handoff = get_handoff(session=session, handoff_id=handoff_id)
    _open_for(handoff, collector)
    if handoff.debtor_id is None:
        raise InvalidInput("the debtor in this conversation is not verified")
    try:
        amounts = split_evenly(total, installments)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    plan = create_plan(
        session=session,
        debtor_id=handoff.debtor_id,
        schedule=monthly_schedule(amounts, first=first_due),
        conversation_id=handoff.conversation_id,
        agreed_by=_actor(collector),
        outside_policy=True,
    )
    record_event(
        session=session,
        actor=_actor(collector),
        action="plan_agreed_outside_policy",
        debtor_id=handoff.debtor_id,
        conversation_id=handoff.conversation_id,
        detail={
            "handoff_id": handoff.id,
            "plan_id": plan.id,
            "total": str(plan.total),
            "installments": installments,
            "first_due": first_due.isoformat(),
        },
    )
    session.refresh(plan)
    return plan
