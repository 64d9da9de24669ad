"""The retention job: transcripts older than the policy's retention.transcript_days are
deleted (and ended rate-limit windows). Run it daily:
`python -m receivables.privacy.retention` (cron, a Kubernetes CronJob)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging

from sqlalchemy import delete
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.models import Message, utcnow
from receivables.policy.model import Policy, load_policy
from receivables.ratelimits.service import purge_expired_counters
from receivables.settings import Settings

log = logging.getLogger(__name__)


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


def run_once(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            deleted = delete_old_transcripts(
                session=session, policy=load_policy(settings.policy_file)
            )
            purge_expired_counters(session=session)
    finally:
        engine.dispose()
    return deleted


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    logging.basicConfig(level=logging.INFO)
    deleted = run_once(Settings())
    log.info("retention: %d messages past the retention period deleted", deleted)


if __name__ == "__main__":
    main()
