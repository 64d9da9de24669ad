"""The handoff API of the public contract: the queue, and claim / reply / release / resolve.
Open to the admin bearer token and to a collector signed in to the console."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import ConfigDict, Field

from api.console.auth import ApiPrincipal
from api.deps import RowId, SessionDep
from api.errors import ERROR_RESPONSES
from api.flows.collector_action import HandoffDesk
from api.schemas import CleanInput, HandoffRead, MessageRead, MessageText, MoneyOut
from receivables.handoffs.service import list_handoffs, list_queue

router = APIRouter(prefix="/api/v1/handoffs", tags=["handoffs"], responses=ERROR_RESPONSES)
Desk = Annotated[HandoffDesk, Depends(HandoffDesk.of)]
Outcome = Literal[
    "plan_agreed", "promise", "dispute_accepted", "dispute_rejected", "debt_help", "other"
]


class HandoffItem(HandoffRead):
    """The contract's fields, and (additions) what a collector needs to pick a case."""

    flags: list[str]
    balance: MoneyOut | None
    collector: str | None
    outcome: str | None
    note: str | None
    claimed_at: dt.datetime | None
    resolved_at: dt.datetime | None


class HandoffClaim(CleanInput):
    model_config = ConfigDict(extra="ignore")
    # required with the admin token; a signed-in collector claims as themselves
    collector: str | None = Field(default=None, min_length=1, max_length=100)


class CollectorMessageCreate(CleanInput):
    model_config = ConfigDict(extra="ignore")
    text: MessageText


class HandoffResolve(CleanInput):
    model_config = ConfigDict(extra="ignore")
    note: str | None = Field(default=None, max_length=4000)
    outcome: Outcome | None = None


@router.get("", response_model=list[HandoffItem])
def get_handoffs(
    session: SessionDep,
    principal: ApiPrincipal,
    desk: Desk,
    status: Literal["waiting", "claimed", "resolved"] | None = None,
) -> list[HandoffItem]:
    if principal.username is None:
        handoffs = list_handoffs(session=session, status=status)
    else:
        handoffs = list_queue(
            session=session,
            role=principal.role,
            username=principal.username,
            junior_wait=desk.junior_wait,
            status=status,
        )
    return [HandoffItem.model_validate(h) for h in handoffs]


@router.post("/{handoff_id}/claim", response_model=HandoffItem)
async def claim(
    handoff_id: RowId, principal: ApiPrincipal, desk: Desk, body: HandoffClaim | None = None
) -> HandoffItem:
    handoff = await desk.claim(principal, handoff_id, body.collector if body else None)
    return HandoffItem.model_validate(handoff)


@router.post("/{handoff_id}/messages", response_model=MessageRead)
async def reply(
    handoff_id: RowId, body: CollectorMessageCreate, principal: ApiPrincipal, desk: Desk
) -> MessageRead:
    return MessageRead.model_validate(await desk.reply(principal, handoff_id, body.text))


@router.post("/{handoff_id}/release", response_model=HandoffItem)
async def release(handoff_id: RowId, principal: ApiPrincipal, desk: Desk) -> HandoffItem:
    return HandoffItem.model_validate(await desk.release(principal, handoff_id))


@router.post("/{handoff_id}/resolve", response_model=HandoffItem)
async def resolve(
    handoff_id: RowId, principal: ApiPrincipal, desk: Desk, body: HandoffResolve | None = None
) -> HandoffItem:
    body = body or HandoffResolve()
    handoff = await desk.resolve(principal, handoff_id, body.note, body.outcome)
    return HandoffItem.model_validate(handoff)
