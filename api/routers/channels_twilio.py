"""Twilio webhooks: WhatsApp and SMS messages, and the steps of a phone call.

Every request is checked against X-Twilio-Signature for the exact public URL (403 otherwise,
nothing stored); the routes are off (404) while SETTLE_TWILIO_AUTH_TOKEN is not set.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.channel_senders import ChannelSenders
from api.deps import SettingsDep
from api.gateway import HANDED_OFF, handle_debtor_message
from api.outbound import OutboundMessage
from channels import memory, twilio_signature, voice, whatsapp
from channels.base import Inbound, Reply, buttons_of, choose_option
from channels.twilio_signature import SETTINGS_HEADER, SIGNATURE_HEADER, public_url
from receivables.handoffs.service import get_open_handoff
from receivables.handoffs.working_hours import is_open
from receivables.models import Message, utcnow
from receivables.policy.model import Policy
from receivables.settings import Settings
from texts import text as channel_text

log = logging.getLogger(__name__)
router = APIRouter(prefix="/channels/twilio", tags=["channels"], include_in_schema=False)

VOICE = "/channels/twilio/voice"
MAX_REPEATS = 2
_PHONE = re.compile(r"^\+\d{6,15}$")


async def signed_params(request: Request, settings: SettingsDep) -> dict[str, str]:
    """The POST parameters of a request Twilio signed."""
    if not settings.twilio_auth_token:
        raise HTTPException(404, "the Twilio channels are not configured")
    form = await request.form()
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    url = public_url(settings.public_url, request.url.path, request.url.query)
    if not twilio_signature.verify(
        auth_token=settings.twilio_auth_token,
        url=url,
        params=items,
        signature=request.headers.get(SIGNATURE_HEADER),
        signature_settings=request.headers.get(SETTINGS_HEADER),
    ):
        raise HTTPException(403, "missing or invalid Twilio signature")
    return dict(items)


Params = Annotated[dict[str, str], Depends(signed_params)]


def _twiml(xml: str) -> Response:
    return Response(content=xml, media_type="application/xml")


def _outbound(messages: list[Message]) -> list[OutboundMessage]:
    return [OutboundMessage(m.id, m.text, list(m.buttons or [])) for m in messages]


# --- WhatsApp and SMS ------------------------------------------------------------------
async def message_turn(state: Any, inbound: Inbound, media: bool) -> None:
    """One debtor message, after Twilio has had its answer: bot turn, replies sent."""
    senders: ChannelSenders = state.channel_senders
    try:
        if not inbound.text:
            if media:
                language = await memory.run_in_session(
                    state.sessions,
                    memory.conversation_language,
                    conversation_id=inbound.conversation_id,
                )
                notice = Reply(channel_text("messaging.text_only", language), language=language)
                address = inbound.hint["phone"]
                await senders.deliver(
                    inbound.channel, address, [notice], conversation_id=inbound.conversation_id
                )
            return
        options = await memory.run_in_session(
            state.sessions, memory.last_options, conversation_id=inbound.conversation_id
        )
        turn = await handle_debtor_message(
            sessions=state.sessions,
            rasa=state.rasa,
            conversation_id=inbound.conversation_id,
            text=choose_option(inbound.text, options) or inbound.text,
            language=inbound.language,
            channel=inbound.channel,
            hint=inbound.hint,
        )
        await state.outbound.push(
            inbound.conversation_id, inbound.channel, _outbound(turn.messages)
        )
    except Exception:
        log.exception("turn for %s failed", inbound.conversation_id)


@router.post("/whatsapp")
async def whatsapp_message(
    params: Params, request: Request, background: BackgroundTasks
) -> Response:
    state = request.app.state
    inbound = whatsapp.parse(params)
    if inbound is None:
        return _twiml(whatsapp.empty_response())
    if state.channel_senders.channel(inbound.channel) is None:
        raise HTTPException(404, f"the {inbound.channel} channel is not configured")
    if await memory.is_first_delivery(
        state.sessions,
        channel=inbound.channel,
        delivery_id=inbound.delivery_id,
        conversation_id=inbound.conversation_id,
    ):
        background.add_task(message_turn, state, inbound, whatsapp.has_media(params))
    return _twiml(whatsapp.empty_response())


# --- Voice -------------------------------------------------------------------------------
def _url(request: Request, where: str, **query: object) -> str:
    base = request.app.state.settings.public_url
    return public_url(base, f"{VOICE}/{where}", urlencode(query))


def _voices(request: Request) -> voice.Voices:
    settings = request.app.state.settings
    return voice.Voices(nl=settings.twilio_voice_nl, en=settings.twilio_voice_en)


def _language(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "nl"


def _number(request: Request, name: str, default: int) -> int:
    """A small number from the query of a URL we wrote into the TwiML."""
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 6 else default


def _replies(messages: list[Message], language: str) -> list[Reply]:
    return [Reply(m.text, buttons_of(m.buttons), language, m.id) for m in messages]


def _menu(request: Request, tries: int) -> str:
    return voice.language_menu(
        action=_url(request, "language", tries=tries),
        silence=_url(request, "silence", step="language", tries=tries + 1),
        voices=_voices(request),
    )


def _link_note(
    request: Request,
    background: BackgroundTasks,
    caller: str,
    replies: list[Reply],
    language: str,
    conversation_id: str,
    *,
    send: bool,
) -> str | None:
    """What to say in place of a link; with `send`, the replies with links are texted."""
    if not voice.links_in(replies):
        return None
    senders: ChannelSenders = request.app.state.channel_senders
    name = next((n for n in ("sms", "whatsapp") if senders.channel(n)), None)
    if name is None or not _PHONE.match(caller):
        return channel_text("voice.link_not_sent", language)
    if send:
        texts = [r for r in replies if voice.links_in([r])]
        background.add_task(senders.deliver, name, caller, texts, conversation_id=conversation_id)
    return channel_text(
        "voice.link_sent" if name == "sms" else "voice.link_sent_whatsapp", language
    )


async def _standing_prompt(
    request: Request,
    params: dict[str, str],
    language: str,
    step: int,
    tries: int,
    background: BackgroundTasks,
) -> str:
    """The last prompt again (after silence, or for a redelivered answer)."""
    conversation_id = f"voice:{params.get('CallSid', '')}"
    messages = await memory.run_in_session(
        request.app.state.sessions, memory.last_replies, conversation_id=conversation_id
    )
    replies = _replies(messages, language)
    note = _link_note(
        request, background, params.get("From", ""), replies, language, conversation_id, send=False
    )
    return voice.prompt(
        replies,
        language,
        action=_url(request, "turn", lang=language, n=step),
        silence=_url(request, "silence", lang=language, n=step, tries=tries + 1),
        voices=_voices(request),
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


async def _voice_turn(
    request: Request,
    params: dict[str, str],
    background: BackgroundTasks,
    *,
    language: str,
    text: str,
    step: int,
) -> str:
    state = request.app.state
    call, caller = params.get("CallSid", ""), params.get("From", "")
    if not call:
        raise HTTPException(422, "CallSid is missing")
    conversation_id = f"voice:{call}"
    if not await memory.is_first_delivery(
        state.sessions,
        channel="voice",
        delivery_id=f"{call}:{step}",
        conversation_id=conversation_id,
    ):
        return await _standing_prompt(request, params, language, step + 1, 0, background)
    options = await memory.run_in_session(
        state.sessions, memory.last_options, conversation_id=conversation_id
    )
    turn = await handle_debtor_message(
        sessions=state.sessions,
        rasa=state.rasa,
        conversation_id=conversation_id,
        text=choose_option(text, options) or text,
        language=language,
        channel="voice",
        hint={"phone": caller} if _PHONE.match(caller) else None,
    )
    replies, voices = _replies(turn.messages, language), _voices(request)
    if turn.state in HANDED_OFF:
        number = await memory.run_in_session(
            state.sessions,
            _transfer_target,
            conversation_id=conversation_id,
            policy=state.policy,
            settings=state.settings,
        )
        if number:
            action = _url(request, "dialed", lang=language)
            return voice.transfer(replies, language, number=number, action=action, voices=voices)
        action = _url(request, "recorded", lang=language)
        return voice.leave_message(replies, language, action=action, voices=voices)
    note = _link_note(request, background, caller, replies, language, conversation_id, send=True)
    return voice.prompt(
        replies,
        language,
        action=_url(request, "turn", lang=language, n=step + 1),
        silence=_url(request, "silence", lang=language, n=step + 1, tries=1),
        voices=voices,
        link_note=note,
    )


@router.post("/voice")
async def incoming_call(params: Params, request: Request) -> Response:
    return _twiml(_menu(request, tries=0))


@router.post("/voice/language")
async def language_chosen(
    params: Params, request: Request, background: BackgroundTasks
) -> Response:
    language, utterance = voice.choose_language(params)
    if language is None:
        tries = _number(request, "tries", 0) + 1
        if tries > MAX_REPEATS:
            return _twiml(voice.goodbye("nl", voices=_voices(request)))
        return _twiml(_menu(request, tries=tries))
    text = utterance or "/greet"
    return _twiml(
        await _voice_turn(request, params, background, language=language, text=text, step=1)
    )


@router.post("/voice/turn")
async def caller_answered(
    params: Params, request: Request, background: BackgroundTasks
) -> Response:
    language, step = _language(request), _number(request, "n", 1)
    text = voice.heard(params)
    if not text:
        return _twiml(await _standing_prompt(request, params, language, step, 0, background))
    return _twiml(
        await _voice_turn(request, params, background, language=language, text=text, step=step)
    )


@router.post("/voice/silence")
async def caller_silent(params: Params, request: Request, background: BackgroundTasks) -> Response:
    """No answer: the prompt again, twice; then goodbye."""
    tries, language = _number(request, "tries", MAX_REPEATS + 1), _language(request)
    if tries > MAX_REPEATS:
        return _twiml(voice.goodbye(language, voices=_voices(request)))
    if request.query_params.get("step") == "language":
        return _twiml(_menu(request, tries=tries))
    step = _number(request, "n", 1)
    return _twiml(await _standing_prompt(request, params, language, step, tries, background))


@router.post("/voice/dialed")
async def transfer_ended(params: Params, request: Request) -> Response:
    """The collector's line ended: hang up, or take a message when nobody answered."""
    language = _language(request)
    if params.get("DialCallStatus") == "completed":
        return _twiml(voice.hang_up())
    action = _url(request, "recorded", lang=language)
    return _twiml(voice.leave_message([], language, action=action, voices=_voices(request)))


@router.post("/voice/recorded")
async def message_recorded(params: Params, request: Request) -> Response:
    """The caller's recorded message goes into the conversation for the collectors."""
    state, language = request.app.state, _language(request)
    call, recording = params.get("CallSid", ""), params.get("RecordingUrl", "")
    conversation_id = f"voice:{call}"
    sid = params.get("RecordingSid") or recording
    if recording and await memory.is_first_delivery(
        state.sessions,
        channel="voice",
        delivery_id=f"recording:{sid}",
        conversation_id=conversation_id,
    ):
        label = channel_text("voice.message_label", language)
        await handle_debtor_message(
            sessions=state.sessions,
            rasa=state.rasa,
            conversation_id=conversation_id,
            text=f"{label}: {recording}",
            language=language,
            channel="voice",
        )
    voices = _voices(request)
    return _twiml(voice.goodbye(language, voices=voices, key="voice.message_received"))
