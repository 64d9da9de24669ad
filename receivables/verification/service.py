"""Identity verification: a reference plus a second factor. A phone number is never proof."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from receivables.accounts.debtors import find_debtor_by_reference
from receivables.audit.events import count_events, record_event
from receivables.common.dates import parse_date_of_birth
from receivables.common.identifiers import normalize_postcode
from receivables.conversations.service import attach_debtor
from receivables.models import Debtor
from receivables.verification.lockout import LockoutRule, is_locked, record_failure
from receivables.verification.state import mark_verified

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class SecondFactor:
    date_of_birth: dt.date | None = None
    postcode: str | None = None

    @property
    def given(self) -> bool:
        return self.date_of_birth is not None or self.postcode is not None


def find_second_factor(text: str, *, today: dt.date | None = None) -> SecondFactor:
    """A date of birth or a Dutch postcode in what the debtor typed. Pure."""
    return SecondFactor(
        date_of_birth=parse_date_of_birth(text, today=today),
        postcode=normalize_postcode(text),
    )


def factor_matches(debtor: Debtor, factor: SecondFactor) -> bool:
    """True when every given factor that is on record matches, and at least one does. Pure."""
    checks = []
    if factor.date_of_birth and debtor.date_of_birth:
        checks.append(factor.date_of_birth == debtor.date_of_birth)
    if factor.postcode and debtor.postcode:
        checks.append(factor.postcode == debtor.postcode)
    return bool(checks) and all(checks)


@dataclass(frozen=True)
class VerificationResult:
    debtor: Debtor | None
    failed_attempts: int
    # too many failures for this debtor (or reference) across conversations: refused,
    # whatever was given, until a collector unlocks it
    paused: bool = False
    # this very attempt caused the lock (the one moment a handoff is created for it)
    just_paused: bool = False

    @property
    def verified(self) -> bool:
        return self.debtor is not None

    @property
    def locked(self) -> bool:
        return self.debtor is None and self.failed_attempts >= MAX_ATTEMPTS


def failed_attempts(*, session: Session, conversation_id: str) -> int:
    return count_events(
        session=session, conversation_id=conversation_id, action="verification_failed"
    )


def verify_identity(
    *,
    session: Session,
    conversation_id: str,
    reference: str,
    factor: SecondFactor,
    lockout: LockoutRule | None = None,
) -> VerificationResult:
    """Check reference and second factor; count failures per conversation in the audit log
    and per debtor (or unknown reference) for the lockout.

    After MAX_ATTEMPTS failures nothing matches any more in that conversation; while the
    debtor is locked nothing matches in any conversation. A wrong factor gets the same answer
    whether or not the reference exists.
    """
    rule = lockout or LockoutRule()
    failures = failed_attempts(session=session, conversation_id=conversation_id)
    if failures >= MAX_ATTEMPTS:
        return VerificationResult(debtor=None, failed_attempts=failures)
    debtor = find_debtor_by_reference(session=session, reference=reference)
    debtor_id = debtor.id if debtor and debtor.erased_at is None else None
    if is_locked(session=session, debtor_id=debtor_id, reference=reference, rule=rule):
        record_event(
            session=session,
            actor="bot",
            action="verification_refused_locked",
            debtor_id=debtor_id,
            conversation_id=conversation_id,
            detail={"reference": reference},
        )
        return VerificationResult(debtor=None, failed_attempts=failures, paused=True)
    if debtor is not None and debtor_id is not None and factor_matches(debtor, factor):
        conversation = attach_debtor(
            session=session, conversation_id=conversation_id, debtor_id=debtor.id
        )
        mark_verified(session=session, conversation=conversation)
        record_event(
            session=session,
            actor="bot",
            action="verification_succeeded",
            debtor_id=debtor.id,
            conversation_id=conversation_id,
            detail={"factor": "date_of_birth" if factor.date_of_birth else "postcode"},
        )
        return VerificationResult(debtor=debtor, failed_attempts=failures)
    record_event(
        session=session,
        actor="bot",
        action="verification_failed",
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        detail={"reference": reference, "attempt": failures + 1},
    )
    record_failure(
        session=session, debtor_id=debtor_id, reference=reference, conversation_id=conversation_id
    )
    paused = is_locked(session=session, debtor_id=debtor_id, reference=reference, rule=rule)
    return VerificationResult(
        debtor=None, failed_attempts=failures + 1, paused=paused, just_paused=paused
    )
