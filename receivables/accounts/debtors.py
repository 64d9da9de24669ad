"""Debtors: create, read, and find by the references a debtor may give."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.common.identifiers import normalize_postcode, normalize_reference
from receivables.common.language import DEFAULT_LANGUAGE
from receivables.errors import Conflict, NotFound
from receivables.models import Debtor, Invoice


def create_debtor(
    *,
    session: Session,
    reference: str,
    name: str,
    date_of_birth: dt.date | None = None,
    postcode: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    language: str = DEFAULT_LANGUAGE,
    preferred_channel: str | None = None,
) -> Debtor:
    reference = reference.strip()
    if find_debtor_by_reference(session=session, reference=reference):
        raise Conflict(f"a debtor or invoice with reference {reference} already exists")
    debtor = Debtor(
        reference=reference,
        name=name.strip(),
        date_of_birth=date_of_birth,
        postcode=normalize_postcode(postcode) if postcode else None,
        phone=phone,
        email=email,
        language=language,
        preferred_channel=preferred_channel,
    )
    session.add(debtor)
    session.flush()
    return debtor


def get_debtor(*, session: Session, debtor_id: int) -> Debtor:
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NotFound("debtor", debtor_id)
    return debtor


def find_debtor_by_reference(*, session: Session, reference: str) -> Debtor | None:
    """The debtor a customer number or one of their invoice numbers points to."""
    key = normalize_reference(reference)
    debtor = session.scalar(select(Debtor).where(func.upper(Debtor.reference) == key))
    if debtor:
        return debtor
    return session.scalar(
        select(Debtor).join(Invoice).where(func.upper(Invoice.number) == key).limit(1)
    )


def get_debtor_language(*, session: Session, debtor_id: int) -> str | None:
    return session.scalar(select(Debtor.language).where(Debtor.id == debtor_id))


def debtor_labels(*, session: Session, debtor_ids: set[int]) -> dict[int, str]:
    """Debtor id -> "name (reference)", for lists such as the console's queue."""
    if not debtor_ids:
        return {}
    rows = session.execute(
        select(Debtor.id, Debtor.name, Debtor.reference).where(Debtor.id.in_(debtor_ids))
    )
    return {i: f"{name} ({reference})" for i, name, reference in rows}
