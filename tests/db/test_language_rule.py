"""Where a debtor's language is first decided, the one rule decides it: what the debtor or the
conversation says, else the creditor's default (the policy's creditor.language), else Dutch."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.flows.debtor_turn import store_inbound
from receivables.accounts.debtors import create_debtor
from receivables.books.columns import load_mapping, read_rows
from receivables.books.imports import REQUIRED, import_rows
from receivables.conversations.service import attach_debtor
from receivables.models import Debtor


def first(session: Session, conversation_id: str, text: str, default: str | None) -> str:
    return store_inbound(
        session, conversation_id, text, None, "webchat", default_language=default
    ).language


def test_a_first_message_that_does_not_tell_is_answered_in_the_creditors_language(
    session: Session,
) -> None:
    assert first(session, "lang-1", "48213907", "en") == "en"  # numbers say nothing
    assert first(session, "lang-2", "48213907", None) == "nl"  # no policy at hand: Dutch
    assert first(session, "lang-3", "hoeveel moet ik nog betalen?", "en") == "nl"  # written
    # the conversation's language stays until something says otherwise
    assert first(session, "lang-1", "ok", "nl") == "en"


def test_a_verified_debtors_language_on_file_wins_over_the_default(session: Session) -> None:
    debtor = create_debtor(session=session, reference="LANG-9", name="Jane Doe", language="en")
    first(session, "lang-9", "hallo", "nl")
    attach_debtor(session=session, conversation_id="lang-9", debtor_id=debtor.id)
    assert first(session, "lang-9", "48213907", "nl") == "en"


def test_an_imported_debtor_without_a_language_gets_the_creditors(session: Session) -> None:
    text = (
        "debiteurnummer;naam;taal\n"
        "LANG-D1;Zonder Taal;\n"
        "LANG-D2;With Language;en\n"
        "LANG-D3;Met Taal;NL\n"
    )
    rows, decimal = read_rows(text, "debtors", load_mapping(), required=REQUIRED["debtors"])
    report = import_rows(
        session=session, kind="debtors", rows=rows, decimal=decimal, default_language="en"
    )
    assert report.created == 3, report.problems
    found = dict(
        session.execute(
            select(Debtor.external_id, Debtor.language).where(Debtor.external_id.like("LANG-D%"))
        ).all()
    )
    assert found == {"LANG-D1": "en", "LANG-D2": "en", "LANG-D3": "nl"}
