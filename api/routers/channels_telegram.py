"""Telegram's webhook. Checked against the secret token (403 otherwise, nothing stored), off
(404) while SETTLE_TELEGRAM_TOKEN or SETTLE_TELEGRAM_SECRET is not set. Telegram gets its 200
once the update is stored (api.flows.inbox); the turn and the replies follow, from the
database."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import Response

from api.deps import SettingsDep
from api.flows.channel_delivery import answer_callback, kick
from api.flows.inbox import store_telegram_update
from channels import telegram
from receivables.db import run_in_session

router = APIRouter(prefix="/channels", tags=["channels"], include_in_schema=False)


@router.post("/telegram")
async def telegram_update(
    request: Request, settings: SettingsDep, background: BackgroundTasks
) -> Response:
    if not (settings.telegram_token and settings.telegram_secret):
        raise HTTPException(404, "the Telegram channel is not configured")
    header = request.headers.get(telegram.SECRET_HEADER)
    if not telegram.verify(secret=settings.telegram_secret, header=header):
        raise HTTPException(403, "missing or invalid Telegram secret token")
    try:
        data = await request.json()
        if not isinstance(data, dict):
            raise ValueError("not an object")
        parsed = telegram.parse(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise HTTPException(422, "not a Telegram update") from exc
    state = request.app.state
    if parsed is not None and await run_in_session(
        state.sessions,
        store_telegram_update,
        parsed=parsed,
        idle_minutes=state.policy.verification.idle_minutes,
        default_language=state.policy.creditor.language,
    ):
        if parsed.callback_query_id:
            background.add_task(answer_callback, state, parsed.callback_query_id)
        background.add_task(kick, state, f"telegram:{parsed.chat_id}")
    return Response(status_code=200)
