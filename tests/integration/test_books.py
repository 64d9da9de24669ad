"""The books through the HTTP contract, with the real Rasa and action server: a debtor
promises to pay, the bank statement with their transfer is imported, the bot confirms it in
the conversation and the follow-up job does not mark the promise broken."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from receivables.arrangements.followup import mark_broken
from receivables.db import make_engine, make_session_factory, session_scope
from settle.stack import Stack
from tests.fakes.bank_files import Entry, camt053
from tests.integration.talk import create_debtor, new_conversation, say, texts

pytestmark = pytest.mark.integration


def test_a_promised_transfer_on_the_bank_statement_keeps_the_promise(
    api: httpx.Client, admin: httpx.Client, stack: Stack
) -> None:
    debtor = create_debtor(admin, language="nl", invoices=[("F-1", "180.00")])
    conversation = new_conversation()
    say(api, conversation, "wat is mijn saldo?")
    say(api, conversation, debtor["reference"])
    say(api, conversation, "3512 JK")
    offer = say(api, conversation, "ik betaal morgen")
    assert "€ 180,00" in texts(offer)
    say(api, conversation, "ja")
    [promise] = admin.get(f"/api/v1/debtors/{debtor['id']}").json()["promises"]
    assert promise["status"] == "open"
    last = api.get(f"/api/v1/conversations/{conversation}/messages?after=0").json()["messages"][-1]

    statement = camt053(
        [Entry("BANK-1", Decimal("180.00"), f"klantnr {debtor['reference']}", dt.date.today())]
    )
    imported = admin.post("/api/v1/bank-statements", content=statement).json()
    assert imported["booked"] == 1

    news = api.get(f"/api/v1/conversations/{conversation}/messages?after={last['id']}").json()
    assert [m["text"] for m in news["messages"]] == ["We hebben € 180,00 ontvangen, dank u wel."]
    state = admin.get(f"/api/v1/debtors/{debtor['id']}").json()
    assert state["balance"] == "0.00" and state["promises"][0]["status"] == "kept"

    # a week later the follow-up job finds nothing to mark broken
    engine = make_engine(stack.database_url)
    with session_scope(make_session_factory(engine)) as session:
        result = mark_broken(session=session, today=dt.date.today() + dt.timedelta(days=7))
    engine.dispose()
    assert admin.get(f"/api/v1/debtors/{debtor['id']}").json()["promises"][0]["status"] == "kept"
    assert result.promises_broken == []
