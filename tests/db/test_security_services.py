"""The security services on SQLite and PostgreSQL: the lockout per debtor or reference, the
rate-limit counters in the database, and the retention of transcripts."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from receivables.accounts.debtors import create_debtor
from receivables.conversations.service import add_message, get_or_create_conversation
from receivables.db import make_session_factory
from receivables.models import AuditEvent, Message
from receivables.policy.model import load_policy
from receivables.privacy.retention import delete_old_transcripts
from receivables.ratelimits.service import RateLimits
from receivables.ratelimits.storage import DatabaseStorage
from receivables.verification.lockout import (
    LockoutRule,
    count_failures,
    is_locked,
    record_failure,
    unlock_debtor,
)

RULE = LockoutRule(max_failures=3, window=dt.timedelta(hours=24))


def test_failures_count_per_debtor_within_the_window(session: Session) -> None:
    debtor = create_debtor(session=session, reference=f"L-{uuid.uuid4().hex[:6]}", name="A")
    for conversation in ("a", "b", "c"):
        record_failure(
            session=session, debtor_id=debtor.id, reference="x", conversation_id=conversation
        )
    assert is_locked(session=session, debtor_id=debtor.id, reference="", rule=RULE)
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    assert not is_locked(
        session=session, debtor_id=debtor.id, reference="", rule=RULE, now=tomorrow
    )
    assert unlock_debtor(session=session, debtor_id=debtor.id, actor="collector:anna") == 3
    assert not is_locked(session=session, debtor_id=debtor.id, reference="", rule=RULE)


def test_an_unknown_reference_is_counted_by_how_it_reads(session: Session) -> None:
    reference = f"zz {uuid.uuid4().hex[:6]}"
    for typed in (reference, reference.upper(), reference.replace(" ", "")):
        record_failure(session=session, debtor_id=None, reference=typed, conversation_id="c")
    assert count_failures(session=session, debtor_id=None, reference=reference, rule=RULE) == 3


def test_rate_limit_counters_in_the_database_are_shared(engine: Engine) -> None:
    """Two RateLimits over one database (as two gateway processes): one limit."""
    first = RateLimits(DatabaseStorage(make_session_factory(engine)), {"m": "3/minute"})
    second = RateLimits(DatabaseStorage(make_session_factory(engine)), {"m": "3/minute"})
    key = uuid.uuid4().hex
    verdicts = [limits.hit("m", key).allowed for limits in (first, second, first, second)]
    assert verdicts == [True, True, True, False]
    assert 1 <= second.check("m", key).retry_after <= 60
    first.clear("m", key)
    assert second.hit("m", key).allowed


def test_retention_deletes_old_transcripts_only(session: Session) -> None:
    conversation = get_or_create_conversation(
        session=session, conversation_id=f"ret-{uuid.uuid4().hex[:6]}"
    )
    old = add_message(session=session, conversation=conversation, sender="debtor", text="oud")
    old.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    new = add_message(session=session, conversation=conversation, sender="debtor", text="nieuw")
    session.flush()
    deleted = delete_old_transcripts(session=session, policy=load_policy())
    assert deleted >= 1
    left = session.scalars(select(Message.text).where(Message.conversation_id == conversation.id))
    assert list(left) == ["nieuw"] and new.id
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "transcripts_deleted"))
    assert [e.actor for e in audit][-1:] == ["retention"]
