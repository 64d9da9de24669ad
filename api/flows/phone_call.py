"""A phone call's steps (Twilio Voice): the language menu, each spoken or keyed answer made a
bot turn, the prompt again after silence, a transfer to a collector or a recorded message.
Every step answers with TwiML; the routes in api.routers.channels_twilio only check the
signature and hand over what Twilio posted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from api.flows.channel_delivery import ChannelSenders, first_delivery, last_options
from api.flows.debtor_turn import HANDED_OFF, handle_debtor_message
from channels import voice
from channels.base import Reply, buttons_of, choose_option
from channels.twilio_signature import public_url
from receivables.common.language import resolve_language
from receivables.conversations import deliveries
from receivables.db import run_in_session
from receivables.errors import InvalidInput
from receivables.handoffs.service import get_open_handoff
from receivables.handoffs.working_hours import is_open
from receivables.models import Message, utcnow
from receivables.policy.model import Policy
from receivables.settings import Settings
from texts import text as channel_text

VOICE = "/channels/twilio/voice"
MAX_REPEATS = 2
_PHONE = re.compile(r"^\+\d{6,15}$")


@dataclass(frozen=True)
class CallStep:
    """One webhook of a call: the app's state, what Twilio posted (signed), the query of the
    URL we wrote into the previous TwiML, and where to put work for after the answer."""

    state: Any
    params: Mapping[str, str]
    query: Mapping[str, str]
    background: BackgroundTasks

    @property
    def language(self) -> str:
        """The language picked in the menu (in the URLs we wrote), else the creditor's."""
        return resolve_language(self.query.get("lang"), default=self.default_language)

    @property
    def default_language(self) -> str:
        return resolve_language(default=self.state.policy.creditor.language)

    def number(self, name: str, default: int) -> int:
        """A small number from the query of a URL we wrote into the TwiML."""
        value = self.query.get(name, "")
        return int(value) if value.isdigit() and len(value) < 6 else default

    def url(self, where: str, **query: object) -> str:
        return public_url(self.state.settings.public_url, f"{VOICE}/{where}", urlencode(query))

    @property
    def voices(self) -> voice.Voices:
        settings = self.state.settings
        return voice.Voices(nl=settings.twilio_voice_nl, en=settings.twilio_voice_en)


def _replies(messages: list[Message], language: str) -> list[Reply]:
    return [Reply(m.text, buttons_of(m.buttons), language, m.id) for m in messages]


def _menu(step: CallStep, tries: int) -> str:
    return voice.language_menu(
        action=step.url("language", tries=tries),
        silence=step.url("silence", step="language", tries=tries + 1),
        voices=step.voices,
    )


def _link_note(
    step: CallStep, replies: list[Reply], language: str, conversation_id: str, *, send: bool
) -> str | None:
    """What to say in place of a link; with `send`, the replies with links are texted."""
    if not voice.links_in(replies):
        return None
    caller = step.params.get("From", "")
    senders: ChannelSenders = step.state.channel_senders
    name = next((n for n in ("sms", "whatsapp") if senders.channel(n)), None)
    if name is None or not _PHONE.match(caller):
        return channel_text("voice.link_not_sent", language)
    if send:
        texts = [r for r in replies if voice.links_in([r])]
        step.background.add_task(
            senders.send_later,
            conversation_id=conversation_id,
            channel=name,
            address=caller,
            message_ids=[r.message_id for r in texts if r.message_id is not None],
        )
    return channel_text(
        "voice.link_sent" if name == "sms" else "voice.link_sent_whatsapp", language
    )


async def _standing_prompt(step: CallStep, language: str, number: int, tries: int) -> str:
    """The last prompt again (after silence, or for a redelivered answer)."""
    conversation_id = f"voice:{step.params.get('CallSid', '')}"
    messages = await run_in_session(
        step.state.sessions, deliveries.last_replies, conversation_id=conversation_id
    )
    replies = _replies(messages, language)
    note = _link_note(step, replies, language, conversation_id, send=False)
    return voice.prompt(
        replies,
        language,
        action=step.url("turn", lang=language, n=number),
        silence=step.url("silence", lang=language, n=number, tries=tries + 1),
        voices=step.voices,
        link_note=note,
    )


def _transfer_target(
    *, session: Session, conversation_id: str, policy: Policy, settings: Settings
) -> str | None:
    """The number to put the call through to now, or None (nobody there: take a message)."""
    hours = policy.handoff
    if not is_open(utcnow(), hours.working_hours, hours.timezone):
        return None
    handoff = get_open_handoff(session=session, conversation_id=conversation_id)
    if handoff is not None and handoff.level == "senior":
        return settings.twilio_voice_transfer_senior
    return settings.twilio_voice_transfer_junior


async def _turn(step: CallStep, *, language: str, text: str, number: int) -> str:
    state = step.state
    call, caller = step.params.get("CallSid", ""), step.params.get("From", "")
    if not call:
        raise InvalidInput("CallSid is missing")
    conversation_id = f"voice:{call}"
    if not await first_delivery(
        state.sessions,
        channel="voice",
        delivery_id=f"{call}:{number}",
        conversation_id=conversation_id,
    ):
        return await _standing_prompt(step, language, number + 1, 0)
    options = await last_options(state.sessions, conversation_id)
    turn = await handle_debtor_message(
        sessions=state.sessions,
        idle_minutes=state.policy.verification.idle_minutes,
        rasa=state.rasa,
        conversation_id=conversation_id,
        text=choose_option(text, options) or text,
        language=language,
        channel="voice",
        hint={"phone": caller} if _PHONE.match(caller) else None,
    )
    replies, voices = _replies(turn.messages, language), step.voices
    if turn.state in HANDED_OFF:
        target = await run_in_session(
            state.sessions,
            _transfer_target,
            conversation_id=conversation_id,
            policy=state.policy,
            settings=state.settings,
        )
        if target:
            action = step.url("dialed", lang=language)
            return voice.transfer(replies, language, number=target, action=action, voices=voices)
        action = step.url("recorded", lang=language)
        return voice.leave_message(replies, language, action=action, voices=voices)
    note = _link_note(step, replies, language, conversation_id, send=True)
    return voice.prompt(
        replies,
        language,
        action=step.url("turn", lang=language, n=number + 1),
        silence=step.url("silence", lang=language, n=number + 1, tries=1),
        voices=voices,
        link_note=note,
    )


def incoming_call(step: CallStep) -> str:
    return _menu(step, tries=0)


async def language_chosen(step: CallStep) -> str:
    language, utterance = voice.language_picked(step.params)
    if language is None:
        tries = step.number("tries", 0) + 1
        if tries > MAX_REPEATS:
            return voice.goodbye(step.default_language, voices=step.voices)
        return _menu(step, tries=tries)
    return await _turn(step, language=language, text=utterance or "/greet", number=1)


async def caller_answered(step: CallStep) -> str:
    language, number = step.language, step.number("n", 1)
    text = voice.heard(step.params)
    if not text:
        return await _standing_prompt(step, language, number, 0)
    return await _turn(step, language=language, text=text, number=number)


async def caller_silent(step: CallStep) -> str:
    """No answer: the prompt again, twice; then goodbye."""
    tries, language = step.number("tries", MAX_REPEATS + 1), step.language
    if tries > MAX_REPEATS:
        return voice.goodbye(language, voices=step.voices)
    if step.query.get("step") == "language":
        return _menu(step, tries=tries)
    return await _standing_prompt(step, language, step.number("n", 1), tries)


def transfer_ended(step: CallStep) -> str:
    """The collector's line ended: hang up, or take a message when nobody answered."""
    if step.params.get("DialCallStatus") == "completed":
        return voice.hang_up()
    action = step.url("recorded", lang=step.language)
    return voice.leave_message([], step.language, action=action, voices=step.voices)


async def message_recorded(step: CallStep) -> str:
    """The caller's recorded message goes into the conversation for the collectors."""
    state, language = step.state, step.language
    call, recording = step.params.get("CallSid", ""), step.params.get("RecordingUrl", "")
    conversation_id = f"voice:{call}"
    sid = step.params.get("RecordingSid") or recording
    if recording and await first_delivery(
        state.sessions,
        channel="voice",
        delivery_id=f"recording:{sid}",
        conversation_id=conversation_id,
    ):
        label = channel_text("voice.message_label", language)
        await handle_debtor_message(
            sessions=state.sessions,
            idle_minutes=state.policy.verification.idle_minutes,
            rasa=state.rasa,
            conversation_id=conversation_id,
            text=f"{label}: {recording}",
            language=language,
            channel="voice",
        )
    return voice.goodbye(language, voices=step.voices, key="voice.message_received")
