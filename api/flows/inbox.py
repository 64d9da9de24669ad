"""A channel delivery's way through the durable inbox.

The webhook stores the delivery (unique key: channel + delivery id) and the debtor's message
in one transaction and only then answers; a redelivery hits the unique key and stores
nothing. A worker (api.workers, or the gateway itself right after the answer, for speed)
claims the oldest unanswered message of a conversation, runs the bot turn, and stores the
replies, the delivery marked answered and the replies' outbox rows in one transaction. A
crash anywhere leaves the message in the database: its claim runs out and a worker answers
it then.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.flows.debtor_turn import Inbound, answer_inbound, load_inbound, store_inbound
from api.flows.outbox import Outbox
from api.rasa_client import RasaClient
from channels import telegram
from channels.base import Inbound as ChannelInbound
from channels.base import buttons_of, choose_option, split_conversation_id
from receivables.common.language import resolve_language
from receivables.conversations import deliveries, inbox, outbox
from receivables.db import run_in_session
from receivables.models import Delivery, Message
from receivables.reminders.opt_outs import is_stop_word, opt_out_conversation
from receivables.reminders.sends import reminder_context

log = logging.getLogger(__name__)

RETRY_IN = dt.timedelta(seconds=15)


def _notice(key: str, language: str, keyboard: str | None = None) -> dict[str, Any]:
    return {"key": key, "language": language, **({"keyboard": keyboard} if keyboard else {})}


def _language(
    session: Session, conversation_id: str, *said: str | None, default: str | None
) -> str:
    """A notice's language: the conversation's, else what the channel says, else the
    creditor's default (resolve_language)."""
    stored = deliveries.conversation_language(session=session, conversation_id=conversation_id)
    return resolve_language(stored, *said, default=default)


def _stop_reminders(
    session: Session, conversation_id: str, channel: str, default_language: str | None
) -> None:
    """ "STOP" (or "afmelden") on any channel: no more reminders for the debtors this
    conversation reaches, confirmed through the outbox; the message goes no further."""
    opt_out_conversation(session=session, conversation_id=conversation_id, channel=channel)
    language = _language(session, conversation_id, default=default_language)
    _, address = split_conversation_id(conversation_id)
    outbox.enqueue(
        session=session,
        conversation_id=conversation_id,
        channel=channel,
        address=address,
        notice=_notice("reminders.stop_confirmed", language),
    )


def store_channel_message(
    *,
    session: Session,
    inbound: ChannelInbound,
    media: bool = False,
    idle_minutes: float | None = None,
    default_language: str | None = None,
) -> bool:
    """A WhatsApp or SMS message: False for a redelivery (nothing stored). A message
    without text (a photo) is answered with a notice through the outbox, not by the bot.
    `idle_minutes`, `default_language`: see debtor_turn.store_inbound."""
    details: dict[str, Any] = {"hint": dict(inbound.hint)} if inbound.hint else {}
    stop = bool(inbound.text) and is_stop_word(inbound.text)
    status = inbox.PENDING if inbound.text and not stop else inbox.DONE
    delivery = inbox.store_delivery(
        session=session,
        channel=inbound.channel,
        delivery_id=inbound.delivery_id,
        conversation_id=inbound.conversation_id,
        details=details,
        status=status,
    )
    if delivery is None:
        return False
    if stop:
        _stop_reminders(session, inbound.conversation_id, inbound.channel, default_language)
        return True
    if inbound.text:
        # an answer to a reminder: the bot learns which invoice it was about
        reminder = reminder_context(session=session, conversation_id=inbound.conversation_id)
        if reminder:
            delivery.details = {**details, "hint": {**details.get("hint", {}), **reminder}}
        options = buttons_of(
            deliveries.last_buttons(session=session, conversation_id=inbound.conversation_id)
        )
        text = choose_option(inbound.text, options) or inbound.text
        stored = store_inbound(
            session,
            inbound.conversation_id,
            text,
            inbound.language,
            inbound.channel,
            idle_minutes=idle_minutes,
            default_language=default_language,
        )
        _remember_turn(delivery, stored)
    elif media:
        language = _language(session, inbound.conversation_id, default=default_language)
        _, address = split_conversation_id(inbound.conversation_id)
        outbox.enqueue(
            session=session,
            conversation_id=inbound.conversation_id,
            channel=inbound.channel,
            address=address,
            notice=_notice("messaging.text_only", language),
        )
    return True


def store_telegram_update(
    *,
    session: Session,
    parsed: telegram.Parsed,
    idle_minutes: float | None = None,
    default_language: str | None = None,
) -> bool:
    """A Telegram update: False for a redelivery. A message becomes a pending turn; a shared
    contact is recorded as a hint; both, and anything we cannot read, may get a notice."""
    conversation_id = f"telegram:{parsed.chat_id}"
    address = str(parsed.chat_id)
    turn = parsed.kind not in ("contact", "unsupported") and parsed.inbound is not None
    delivery = inbox.store_delivery(
        session=session,
        channel=telegram.CHANNEL,
        delivery_id=str(parsed.update_id),
        conversation_id=conversation_id,
        details={"started": True} if parsed.started else {},
        status=inbox.PENDING if turn else inbox.DONE,
    )
    if delivery is None:
        return False
    # the conversation's language, else the Telegram app's, else the creditor's
    language = _language(session, conversation_id, parsed.language, default=default_language)

    def notice(key: str, keyboard: str | None = None) -> None:
        outbox.enqueue(
            session=session,
            conversation_id=conversation_id,
            channel=telegram.CHANNEL,
            address=address,
            notice=_notice(key, language, keyboard),
        )

    if parsed.kind == "callback" and parsed.inbound is None:
        return True  # a button without data: nothing to say
    if parsed.kind == "contact":
        if parsed.phone is None:
            notice("messaging.phone_not_yours", "share_phone")
            return True
        deliveries.record_hint(
            session=session,
            conversation_id=conversation_id,
            channel=telegram.CHANNEL,
            phone=parsed.phone,
        )
        notice("messaging.phone_received", "remove")
        return True
    if not turn or parsed.inbound is None:
        notice("messaging.text_only")
        return True
    text = parsed.inbound.text
    if is_stop_word(text):
        delivery.status = inbox.DONE
        _stop_reminders(session, conversation_id, telegram.CHANNEL, default_language)
        return True
    if text.startswith("#"):
        text = _button_payload(session=session, conversation_id=conversation_id, reference=text)
    hint = {
        **deliveries.latest_hint(session=session, conversation_id=conversation_id),
        **reminder_context(session=session, conversation_id=conversation_id),
    }
    if hint:
        delivery.details = {**delivery.details, "hint": hint}
    stored = store_inbound(
        session,
        conversation_id,
        text,
        parsed.inbound.language,
        "telegram",
        idle_minutes=idle_minutes,
        default_language=default_language,
    )
    _remember_turn(delivery, stored)
    return True


def _remember_turn(delivery: Delivery, stored: Inbound) -> None:
    """The delivery's message, and whether its verification ended on arrival (the worker
    that answers it then starts the bot afresh)."""
    delivery.message_id = stored.message_id
    if stored.verification_ended:
        delivery.details = {**delivery.details, "verification_ended": True}


def _button_payload(*, session: Session, conversation_id: str, reference: str) -> str:
    """The payload behind "#<message id>:<index>" (a button too long to carry its payload),
    only for a message of this conversation; else the text as it came."""
    head, _, index = reference.removeprefix("#").partition(":")
    if not head.isdigit() or not index.isdigit():
        return reference
    message = deliveries.get_message(
        session=session, conversation_id=conversation_id, message_id=int(head)
    )
    buttons = buttons_of(message.buttons) if message is not None else ()
    return buttons[int(index)].payload if int(index) < len(buttons) else reference


@dataclass(frozen=True)
class InboxWorker:
    """Answers the inbox's messages: the same code in the gateway and in api.workers."""

    sessions: sessionmaker[Session]
    rasa: RasaClient
    outbox: Outbox
    lease: dt.timedelta = inbox.LEASE

    async def answer_next(self, *, conversation_id: str | None = None) -> str | None:
        """Claim and answer one message; the conversation it belonged to, or None."""
        claimed = await run_in_session(
            self.sessions, inbox.claim_next, conversation_id=conversation_id, lease=self.lease
        )
        if claimed is None:
            return None
        try:
            await self._answer(claimed)
        except inbox.LostClaim:
            log.warning("%s was answered by another worker meanwhile", claimed.conversation_id)
        except Exception:
            log.exception("turn for %s failed", claimed.conversation_id)
            status = await run_in_session(
                self.sessions,
                inbox.release,
                delivery_id=claimed.delivery_id,
                attempts=claimed.attempts,
                retry_in=RETRY_IN,
            )
            log.warning(
                "delivery %d of %s: %s", claimed.delivery_id, claimed.conversation_id, status
            )
        return claimed.conversation_id

    async def drain(self, *, conversation_id: str | None = None, limit: int = 100) -> list[str]:
        """Answer what is waiting (of one conversation, or all); the conversations answered."""
        answered: list[str] = []
        while len(answered) < limit:
            done = await self.answer_next(conversation_id=conversation_id)
            if done is None:
                break
            answered.append(done)
        return answered

    async def _answer(self, claimed: inbox.Claimed) -> None:
        if claimed.message_id is None:
            await run_in_session(self.sessions, inbox.finish, delivery_id=claimed.delivery_id)
            return
        conversation_id = claimed.conversation_id
        stored = await run_in_session(
            self.sessions,
            lambda session: load_inbound(
                session,
                conversation_id,
                claimed.message_id or 0,
                verification_ended=bool(claimed.details.get("verification_ended")),
            ),
        )
        channel, address = split_conversation_id(conversation_id)
        notice = None
        if claimed.details.get("started"):
            notice = _notice("messaging.share_phone_offer", stored.language, "share_phone")

        def then(session: Session, messages: list[Message]) -> None:
            inbox.finish(
                session=session,
                delivery_id=claimed.delivery_id,
                claimed_until=claimed.claimed_until,
            )
            outbox.enqueue(
                session=session,
                conversation_id=conversation_id,
                channel=channel,
                address=address,
                message_ids=[m.id for m in messages],
                notice=notice,
            )

        hint = claimed.details.get("hint")
        await answer_inbound(
            sessions=self.sessions,
            rasa=self.rasa,
            conversation_id=conversation_id,
            inbound=stored,
            hint=dict(hint) if isinstance(hint, dict) else None,
            then=then,
        )
