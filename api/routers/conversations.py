from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session

from api.deps import RasaDep
from api.flows.debtor_turn import handle_debtor_message
from api.schemas import ConversationMessages, MessageCreate, MessageRead
from receivables.conversations.service import get_conversation, list_messages
from receivables.db import run_in_session

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

LOOK_EVERY = 2.0  # seconds between looks at the database when no change bus wakes us
LOOK_WITH_BUS = 10.0

ConversationId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]


@router.post("/{conversation_id}/messages", response_model=ConversationMessages)
async def post_message(
    conversation_id: ConversationId, body: MessageCreate, request: Request, rasa: RasaDep
) -> ConversationMessages:
    turn = await handle_debtor_message(
        sessions=request.app.state.sessions,
        rasa=rasa,
        conversation_id=conversation_id,
        text=body.text,
        language=body.language,
        browser_language=body.browser_language,
    )
    request.app.state.outbound.notify()  # the console and other open pages see it at once
    return ConversationMessages(
        conversation_id=conversation_id,
        state=turn.state,  # type: ignore[arg-type]
        messages=[MessageRead.model_validate(m) for m in turn.messages],
    )


def _read_messages(
    *, session: Session, conversation_id: str, after: int | None
) -> ConversationMessages:
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    messages = list_messages(session=session, conversation_id=conversation_id, after=after)
    return ConversationMessages(
        conversation_id=conversation_id,
        state=conversation.state,  # type: ignore[arg-type]
        messages=[MessageRead.model_validate(m) for m in messages],
    )


@router.get("/{conversation_id}/messages", response_model=ConversationMessages)
async def get_messages(
    conversation_id: ConversationId,
    request: Request,
    after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    # long-polling: hold an answer with nothing new for up to `wait` s, until a message
    # arrives or the conversation's state changes
    wait: Annotated[float, Query(ge=0, le=30)] = 0,
) -> ConversationMessages:
    sessions, outbound = request.app.state.sessions, request.app.state.outbound
    loop = asyncio.get_running_loop()
    deadline, first_state = loop.time() + wait, None
    while True:
        version = outbound.version
        result = await run_in_session(
            sessions, _read_messages, conversation_id=conversation_id, after=after
        )
        first_state = first_state or result.state
        remaining = deadline - loop.time()
        if result.messages or result.state != first_state or remaining <= 0:
            return result
        if await request.is_disconnected():  # the page has gone: stop waiting for it
            return result
        # woken at once by this gateway and, through the change bus, by the other replicas
        # and the workers; a look every few seconds catches what no bus told
        look = LOOK_WITH_BUS if outbound.shared else LOOK_EVERY
        await outbound.wait_for_change(version, min(remaining, look))
