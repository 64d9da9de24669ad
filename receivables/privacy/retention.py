"""The retention job: transcripts older than the policy's retention.transcript_days are
deleted (and ended rate-limit windows). Run it daily: `settle privacy retention` (cron, a
Kubernetes CronJob)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from receivables.audit.events import record_event
from receivables.db import session_scope
from receivables.models import Message, utcnow
from receivables.policy.model import Policy
from receivables.ratelimits.service import purge_expired_counters


def delete_old_transcripts(
    *, session: Session, policy: Policy, now: dt.datetime | None = None
) -> int:
    """Messages older than the retention period go; the audit log records how many."""
    cutoff = (now or utcnow()) - dt.timedelta(days=policy.retention.transcript_days)
    result = session.execute(delete(Message).where(Message.created_at < cutoff))
    deleted = int(getattr(result, "rowcount", 0) or 0)
    record_event(
        session=session,
        actor="retention",
        action="transcripts_deleted",
        detail={"messages": deleted, "older_than": cutoff.isoformat()},
    )
    return deleted


def run_once(sessions: sessionmaker[Session], policy: Policy) -> int:
    """One run of the job in one unit of work; how many messages went."""
    with session_scope(sessions) as session:
        deleted = delete_old_transcripts(session=session, policy=policy)
        purge_expired_counters(session=session)
    return deleted
