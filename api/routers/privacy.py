"""The debtor's rights and the verification lock, on the admin API: thin routes over
receivables.privacy and receivables.verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AdminDep, PolicyDep, RowId, SessionDep
from api.errors import ERROR_RESPONSES
from receivables.accounts.debtors import get_debtor
from receivables.privacy.service import erase_debtor, export_debtor
from receivables.verification.lockout import LockoutRule, lock_status, unlock_debtor

router = APIRouter(
    prefix="/api/v1/debtors",
    tags=["privacy"],
    dependencies=[AdminDep],
    responses=ERROR_RESPONSES,
)


@router.get("/{debtor_id}/export")
def export(debtor_id: RowId, session: SessionDep) -> dict[str, Any]:
    """Everything stored about the debtor (the right of access), as JSON."""
    return export_debtor(session=session, debtor_id=debtor_id, actor="admin")


@router.post("/{debtor_id}/erase")
def erase(debtor_id: RowId, session: SessionDep) -> dict[str, int | str]:
    """The person removed, the books kept under a pseudonym (the right to erasure)."""
    return erase_debtor(session=session, debtor_id=debtor_id, actor="admin")


@router.get("/{debtor_id}/verification")
def verification(debtor_id: RowId, session: SessionDep, policy: PolicyDep) -> dict[str, object]:
    """Failed second factors within the window and whether verification is locked."""
    get_debtor(session=session, debtor_id=debtor_id)
    rule = LockoutRule.of(policy.verification)
    return lock_status(session=session, debtor_id=debtor_id, rule=rule)


@router.post("/{debtor_id}/verification/unlock")
def unlock(debtor_id: RowId, session: SessionDep, policy: PolicyDep) -> dict[str, object]:
    """Open a locked verification again (audited)."""
    get_debtor(session=session, debtor_id=debtor_id)
    unlock_debtor(session=session, debtor_id=debtor_id, actor="admin")
    return lock_status(
        session=session, debtor_id=debtor_id, rule=LockoutRule.of(policy.verification)
    )
