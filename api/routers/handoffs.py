from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from api.deps import AdminDep, SessionDep
from api.schemas import HandoffRead
from receivables.handoffs import list_handoffs

router = APIRouter(prefix="/api/v1/handoffs", tags=["handoffs"], dependencies=[AdminDep])


@router.get("", response_model=list[HandoffRead])
def get_handoffs(
    session: SessionDep, status: Literal["waiting", "claimed", "resolved"] | None = None
) -> list[HandoffRead]:
    return [HandoffRead.model_validate(h) for h in list_handoffs(session=session, status=status)]
