"""A disputed invoice goes on hold; a rejected dispute takes it off again."""

from __future__ import annotations

from sqlalchemy.orm import Session

from receivables.accounts.invoices import list_open_invoices, put_invoice_on_hold
from receivables.handoffs.service import create_handoff, resolve_handoff
from receivables.payments.links import resolve_target
from tests.db.test_services import debtor_with_invoices


def statuses(session: Session, debtor_id: int) -> dict[str, str]:
    return {i.number: i.status for i in list_open_invoices(session=session, debtor_id=debtor_id)}


def test_a_rejected_dispute_releases_the_hold(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    held = put_invoice_on_hold(
        session=session,
        debtor_id=debtor.id,
        number="f-1-48213907",
        actor="bot",
        conversation_id="d-1",
    )
    assert held is not None and held.status == "on_hold"
    # a payment link for the balance leaves the disputed invoice out
    assert resolve_target(session=session, debtor_id=debtor.id).invoice_numbers == ["F-2-48213907"]
    handoff = create_handoff(
        session=session, conversation_id="d-1", reason="dispute", debtor_id=debtor.id
    )
    resolve_handoff(
        session=session,
        handoff_id=handoff.id,
        collector="eva",
        outcome="dispute_rejected",
        note="delivered, signed for",
    )
    assert statuses(session, debtor.id) == {"F-1-48213907": "open", "F-2-48213907": "open"}


def test_an_accepted_dispute_keeps_the_hold_and_unknown_numbers_change_nothing(
    session: Session,
) -> None:
    debtor = debtor_with_invoices(session)
    assert (
        put_invoice_on_hold(
            session=session, debtor_id=debtor.id, number="F-9", actor="bot", conversation_id="d-2"
        )
        is None
    )
    put_invoice_on_hold(
        session=session,
        debtor_id=debtor.id,
        number="F-2-48213907",
        actor="bot",
        conversation_id="d-2",
    )
    handoff = create_handoff(
        session=session, conversation_id="d-2", reason="dispute", debtor_id=debtor.id
    )
    resolve_handoff(
        session=session, handoff_id=handoff.id, collector="eva", outcome="dispute_accepted"
    )
    assert statuses(session, debtor.id)["F-2-48213907"] == "on_hold"
