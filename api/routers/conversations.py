from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import RasaDep, SessionDep
from api.gateway import handle_debtor_message
from api.schemas import ConversationMessages, MessageCreate, MessageRead
from receivables.conversations import get_conversation, list_messages

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

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
    )
    return ConversationMessages(
        conversation_id=conversation_id,
        state=turn.state,  # type: ignore[arg-type]
        messages=[MessageRead.model_validate(m) for m in turn.messages],
    )


@router.get("/{conversation_id}/messages", response_model=ConversationMessages)
def get_messages(
    conversation_id: ConversationId,
    session: SessionDep,
    after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> ConversationMessages:
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    messages = list_messages(session=session, conversation_id=conversation_id, after=after)
    return ConversationMessages(
        conversation_id=conversation_id,
        state=conversation.state,  # type: ignore[arg-type]
        messages=[MessageRead.model_validate(m) for m in messages],
    )
