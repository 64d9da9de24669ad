from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from sqlalchemy.orm import Session

from api.auth import require_admin
from api.console.auth import signed_in
from api.deps import RasaDep
from api.errors import ERROR_RESPONSES
from api.flows.debtor_turn import handle_debtor_message
from api.ratelimit import TooManyRequests, enforce
from api.schemas import ConversationMessages, MessageCreate, MessageRead
from receivables.conversations.access import (
    check_access,
    discard_unused_conversation,
    open_webchat_conversation,
)
from receivables.conversations.service import get_conversation, list_messages
from receivables.db import run_in_session

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

LOOK_EVERY = 2.0  # seconds between looks at the database when no change bus wakes us
LOOK_WITH_BUS = 10.0

ConversationId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:+-]{1,128}$")]
# the secret a new web chat conversation got in its first answer
ConversationToken = Annotated[
    str | None,
    Header(alias="X-Conversation-Token", max_length=128, description="the conversation's secret"),
]


@router.post(
    "/{conversation_id}/messages",
    response_model=ConversationMessages,
    response_model_exclude_none=True,
    responses=ERROR_RESPONSES,
)
async def post_message(
    conversation_id: ConversationId,
    body: MessageCreate,
    request: Request,
    rasa: RasaDep,
    token: ConversationToken = None,
) -> ConversationMessages:
    sessions = request.app.state.sessions
    await enforce(request, "address_messages")
    # one unit of work: a new conversation opened with its secret, or the secret checked
    new_token = await run_in_session(
        sessions, open_webchat_conversation, conversation_id=conversation_id, token=token
    )
    if new_token is not None:
        try:
            await enforce(request, "address_new_conversations")
        except TooManyRequests:
            await run_in_session(
                sessions, discard_unused_conversation, conversation_id=conversation_id
            )
            raise
    await enforce(request, "conversation_messages", conversation_id)
    turn = await handle_debtor_message(
        sessions=sessions,
        rasa=rasa,
        conversation_id=conversation_id,
        text=body.text,
        language=body.language,
        browser_language=body.browser_language,
        idle_minutes=request.app.state.policy.verification.idle_minutes,
        default_language=request.app.state.policy.creditor.language,
    )
    request.app.state.outbound.notify()  # the console and other open pages see it at once
    return ConversationMessages(
        conversation_id=conversation_id,
        state=turn.state,  # type: ignore[arg-type]
        messages=[MessageRead.model_validate(m) for m in turn.messages],
        conversation_token=new_token,
    )


def _privileged(request: Request, session: Session) -> bool:
    """The admin bearer token (a wrong one is 401) or a collector's console session: these
    read any conversation, channel ones included."""
    if request.headers.get("authorization"):
        require_admin(request)
        return True
    return signed_in(request, session) is not None


def _read_messages(
    *,
    session: Session,
    request: Request,
    conversation_id: str,
    token: str | None,
    after: int | None,
) -> ConversationMessages:
    if _privileged(request, session):
        conversation = get_conversation(session=session, conversation_id=conversation_id)
    else:
        conversation = check_access(session=session, conversation_id=conversation_id, token=token)
    messages = list_messages(session=session, conversation_id=conversation_id, after=after)
    return ConversationMessages(
        conversation_id=conversation_id,
        state=conversation.state,  # type: ignore[arg-type]
        messages=[MessageRead.model_validate(m) for m in messages],
    )


@router.get(
    "/{conversation_id}/messages",
    response_model=ConversationMessages,
    response_model_exclude_none=True,
    responses=ERROR_RESPONSES,
)
async def get_messages(
    conversation_id: ConversationId,
    request: Request,
    token: ConversationToken = None,
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
            sessions,
            _read_messages,
            request=request,
            conversation_id=conversation_id,
            token=token,
            after=after,
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
