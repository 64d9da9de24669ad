"""The collector's steps on a handoff, shared by the handoff API and the console pages:
check who may act, run the service in its own unit of work, and only after the commit push
the message to the debtor's channel and wake the live pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from fastapi import HTTPException, Request, status
from sqlalchemy.orm import Session, sessionmaker

from api.console.auth import Principal
from api.outbound import Outbound, OutboundMessage
from receivables.collectors.service import get_active_collector
from receivables.conversations.outbox import enqueue_replies
from receivables.conversations.service import get_conversation
from receivables.db import run_in_session
from receivables.errors import InvalidInput
from receivables.handoffs.service import (
    add_collector_message,
    agree_plan_outside_policy,
    claim_handoff,
    get_handoff,
    is_visible_to,
    release_handoff,
    resolve_handoff,
)
from receivables.models import Handoff, Message, PaymentPlan, utcnow

T = TypeVar("T")


class Forbidden(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN, detail=detail)


@dataclass(frozen=True)
class Delivery:
    conversation_id: str
    channel: str
    messages: list[OutboundMessage]


def _delivery(session: Session, handoff: Handoff, message: Message) -> Delivery:
    conversation = get_conversation(session=session, conversation_id=handoff.conversation_id)
    outbound = OutboundMessage(message.id, message.text, list(message.buttons or []))
    # in the outbox with the message itself: sent even if this process stops now
    enqueue_replies(session=session, conversation_id=conversation.id, message_ids=[message.id])
    return Delivery(conversation.id, conversation.channel, [outbound])


@dataclass(frozen=True)
class HandoffDesk:
    sessions: sessionmaker[Session]
    outbound: Outbound
    junior_wait: dt.timedelta

    @classmethod
    def of(cls, request: Request) -> HandoffDesk:
        state = request.app.state
        wait = dt.timedelta(minutes=state.settings.handoff_junior_wait_minutes)
        return cls(state.sessions, state.outbound, wait)

    async def _run(self, work: Callable[[Session], T]) -> T:
        return await run_in_session(self.sessions, lambda session: work(session))

    def visible(self, handoff: Handoff, principal: Principal) -> bool:
        return is_visible_to(
            handoff,
            role=principal.role,
            username=principal.username,
            now=utcnow(),
            junior_wait=self.junior_wait,
        )

    def load(self, session: Session, handoff_id: int, principal: Principal) -> Handoff:
        handoff = get_handoff(session=session, handoff_id=handoff_id)
        if not self.visible(handoff, principal):
            raise Forbidden("a senior case: juniors see it once it has waited a while")
        return handoff

    @staticmethod
    def acting(handoff: Handoff, principal: Principal) -> tuple[str, str | None]:
        """(the collector the step is done as, the audit actor when it is someone else).
        The admin token acts as the claiming collector; an admin may act on anyone's case."""
        if principal.username is None:
            return handoff.collector or "admin", None
        if principal.role == "admin" and handoff.collector:
            return handoff.collector, principal.actor
        return principal.username, None

    async def claim(self, principal: Principal, handoff_id: int, name: str | None) -> Handoff:
        def work(session: Session) -> Handoff:
            self.load(session, handoff_id, principal)
            collector = principal.username
            if collector is None:
                # the admin token names the collector: one with an active account
                if not (name or "").strip():
                    raise InvalidInput("name the collector who claims the handoff")
                collector = get_active_collector(session=session, username=name or "").username
            return claim_handoff(session=session, handoff_id=handoff_id, collector=collector)

        handoff = await self._run(work)
        self.outbound.notify()
        return handoff

    async def reply(self, principal: Principal, handoff_id: int, text: str) -> Message:
        def work(session: Session) -> tuple[Message, Delivery]:
            handoff = self.load(session, handoff_id, principal)
            collector, actor = self.acting(handoff, principal)
            message = add_collector_message(
                session=session,
                handoff_id=handoff_id,
                collector=collector,
                text=text,
                actor=actor,
            )
            return message, _delivery(session, handoff, message)

        message, delivery = await self._run(work)
        await self.outbound.push(delivery.conversation_id, delivery.channel, delivery.messages)
        return message

    async def release(self, principal: Principal, handoff_id: int) -> Handoff:
        def work(session: Session) -> tuple[Handoff, Delivery]:
            handoff = self.load(session, handoff_id, principal)
            collector, actor = self.acting(handoff, principal)
            message = release_handoff(
                session=session, handoff_id=handoff_id, collector=collector, actor=actor
            )
            return handoff, _delivery(session, handoff, message)

        handoff, delivery = await self._run(work)
        await self.outbound.push(delivery.conversation_id, delivery.channel, delivery.messages)
        return handoff

    async def resolve(
        self, principal: Principal, handoff_id: int, note: str | None, outcome: str | None
    ) -> Handoff:
        def work(session: Session) -> Handoff:
            handoff = self.load(session, handoff_id, principal)
            collector, actor = self.acting(handoff, principal)
            return resolve_handoff(
                session=session,
                handoff_id=handoff_id,
                collector=collector,
                note=note,
                outcome=outcome,
                actor=actor,
            )

        handoff = await self._run(work)
        self.outbound.notify()
        return handoff

    async def agree_plan(
        self,
        principal: Principal,
        handoff_id: int,
        *,
        total: Decimal,
        installments: int,
        first_due: dt.date,
    ) -> PaymentPlan:
        """HOOK: a plan outside the bot's limits; seniors and admins only."""
        if not principal.may_agree_outside_policy or principal.username is None:
            raise Forbidden("only a senior collector may agree a plan outside the limits")
        username = principal.username

        def work(session: Session) -> PaymentPlan:
            self.load(session, handoff_id, principal)
            return agree_plan_outside_policy(
                session=session,
                handoff_id=handoff_id,
                collector=username,
                total=total,
                installments=installments,
                first_due=first_due,
            )

        plan = await self._run(work)
        self.outbound.notify()
        return plan
