"""Twilio webhooks: WhatsApp and SMS messages, and the steps of a phone call.

Every request is checked against X-Twilio-Signature for the exact public URL (403 otherwise,
nothing stored); the routes are off (404) while SETTLE_TWILIO_AUTH_TOKEN is not set. What
happens next is in api.flows.channel_delivery (messages) and api.flows.phone_call (calls).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from fastapi.responses import Response

from api.deps import SettingsDep
from api.flows import phone_call
from api.flows.channel_delivery import kick
from api.flows.inbox import store_channel_message
from api.flows.phone_call import CallStep
from channels import twilio_signature, whatsapp
from channels.twilio_signature import SETTINGS_HEADER, SIGNATURE_HEADER, public_url
from receivables.conversations.outbox import record_status
from receivables.db import run_in_session

router = APIRouter(prefix="/channels/twilio", tags=["channels"], include_in_schema=False)


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
    # stored (delivery and message in one transaction) before Twilio gets its answer
    if await run_in_session(
        state.sessions,
        store_channel_message,
        inbound=inbound,
        media=whatsapp.has_media(params),
        idle_minutes=state.policy.verification.idle_minutes,
        default_language=state.policy.creditor.language,
    ):
        background.add_task(kick, state, inbound.conversation_id)
    return _twiml(whatsapp.empty_response())


@router.post("/status")
async def message_status(params: Params, request: Request) -> Response:
    """Twilio's status callback for a message we sent: delivered, read, undelivered or
    failed recorded on its outbox row (a repeated or older status changes nothing)."""
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
    if sid and status:
        error = params.get("ErrorCode")
        changed = await run_in_session(
            request.app.state.sessions,
            record_status,
            provider_id=sid,
            status=status,
            error=f"Twilio error {error}" if error else None,
        )
        if changed:
            request.app.state.outbound.notify()
    return Response(status_code=204)


def _step(params: dict[str, str], request: Request, background: BackgroundTasks) -> CallStep:
    return CallStep(request.app.state, params, request.query_params, background)


async def _answer(step: Callable[[CallStep], Awaitable[str] | str], call: CallStep) -> Response:
    result = step(call)
    return _twiml(result if isinstance(result, str) else await result)


@router.post("/voice")
async def incoming_call(params: Params, request: Request, background: BackgroundTasks) -> Response:
    return await _answer(phone_call.incoming_call, _step(params, request, background))


@router.post("/voice/language")
async def language_chosen(
    params: Params, request: Request, background: BackgroundTasks
) -> Response:
    return await _answer(phone_call.language_chosen, _step(params, request, background))


@router.post("/voice/turn")
async def caller_answered(
    params: Params, request: Request, background: BackgroundTasks
) -> Response:
    return await _answer(phone_call.caller_answered, _step(params, request, background))


@router.post("/voice/silence")
async def caller_silent(params: Params, request: Request, background: BackgroundTasks) -> Response:
    return await _answer(phone_call.caller_silent, _step(params, request, background))


@router.post("/voice/dialed")
async def transfer_ended(params: Params, request: Request, background: BackgroundTasks) -> Response:
    return await _answer(phone_call.transfer_ended, _step(params, request, background))


@router.post("/voice/recorded")
async def message_recorded(
    params: Params, request: Request, background: BackgroundTasks
) -> Response:
    return await _answer(phone_call.message_recorded, _step(params, request, background))
