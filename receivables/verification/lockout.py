"""The lockout per debtor: wrong second factors counted across conversations and channels.

A date of birth has some 25,000 plausible values; three tries per conversation alone would
let anyone who opens enough conversations guess it. So failures are also counted per debtor
(and, for a reference that matches nobody, per reference, so that nothing in the answers
tells whether a reference exists); too many within the window lock verification until a
collector unlocks it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.models import utcnow
from receivables.policy.model import VerificationSettings
from receivables.verification.models import VerificationFailure


@dataclass(frozen=True)
class LockoutRule:
    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(hours=24)

    @classmethod
    def of(cls, settings: VerificationSettings) -> LockoutRule:
        return cls(
            max_failures=settings.max_failures_per_debtor,
            window=dt.timedelta(hours=settings.failure_window_hours),
        )


def reference_key(reference: str) -> str:
    """One key per reference however it was typed. Pure."""
    return "".join(reference.split()).upper()[:64]


def record_failure(
    *, session: Session, debtor_id: int | None, reference: str, conversation_id: str
) -> None:
    session.add(
        VerificationFailure(
            debtor_id=debtor_id,
            reference_key=reference_key(reference),
            conversation_id=conversation_id,
        )
    )
    session.flush()


def count_failures(
    *,
    session: Session,
    debtor_id: int | None,
    reference: str,
    rule: LockoutRule,
    now: dt.datetime | None = None,
) -> int:
    """Failures within the window: the debtor's when the reference is a debtor's, else the
    reference's."""
    since = (now or utcnow()) - rule.window
    query = select(func.count(VerificationFailure.id)).where(VerificationFailure.at >= since)
    if debtor_id is not None:
        query = query.where(VerificationFailure.debtor_id == debtor_id)
    else:
        query = query.where(
            VerificationFailure.debtor_id.is_(None),
            VerificationFailure.reference_key == reference_key(reference),
        )
    return session.scalar(query) or 0


def is_locked(
    *,
    session: Session,
    debtor_id: int | None,
    reference: str,
    rule: LockoutRule,
    now: dt.datetime | None = None,
) -> bool:
    failures = count_failures(
        session=session, debtor_id=debtor_id, reference=reference, rule=rule, now=now
    )
    return failures >= rule.max_failures


def unlock_debtor(*, session: Session, debtor_id: int, actor: str) -> int:
    """A collector opens the debtor's verification again: the failures counted so far are
    cleared (the audit log keeps every attempt). Returns how many were cleared."""
    result = cast(
        CursorResult[object],
        session.execute(
            delete(VerificationFailure).where(VerificationFailure.debtor_id == debtor_id)
        ),
    )
    cleared = result.rowcount
    record_event(
        session=session,
        actor=actor,
        action="verification_unlocked",
        debtor_id=debtor_id,
        detail={"failures_cleared": cleared},
    )
    session.flush()
    return int(cleared or 0)


def lock_status(*, session: Session, debtor_id: int, rule: LockoutRule) -> dict[str, object]:
    """What the console and the admin API show: failures in the window and whether locked."""
    failures = count_failures(session=session, debtor_id=debtor_id, reference="", rule=rule)
    return {"failures": failures, "locked": failures >= rule.max_failures}
