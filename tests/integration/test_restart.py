"""Dialogue state outlives Rasa: a restart between two turns (a deploy, a crash) keeps the
verification and the open offer, because Rasa keeps its conversations in its SQL tracker
store (bot/endpoints.yml)."""

from __future__ import annotations

import httpx
import pytest

from settle.stack import Stack
from tests.integration.conftest import START_TIMEOUT
from tests.integration.talk import create_debtor, new_conversation, say, texts

pytestmark = pytest.mark.integration


def test_a_rasa_restart_keeps_the_verified_conversation_and_its_open_offer(
    api: httpx.Client, admin: httpx.Client, stack: Stack
) -> None:
    debtor = create_debtor(admin, language="nl", invoices=[("F-1", "600.00")])
    conversation = new_conversation()
    say(api, conversation, "kan ik in 3 termijnen betalen?")
    say(api, conversation, debtor["reference"])
    offer = say(api, conversation, "3512 JK")
    assert "€ 200,00" in texts(offer) and "vastleggen" in texts(offer)

    stack.restart("rasa")
    stack.wait_healthy(timeout=START_TIMEOUT)

    agreed = say(api, conversation, "ja")
    assert "Geregeld" in texts(agreed), texts(agreed)
    [plan] = admin.get(f"/api/v1/debtors/{debtor['id']}").json()["payment_plans"]
    assert plan["status"] == "active"
    balance = say(api, conversation, "hoeveel moet ik nog betalen?")
    assert "€ 600,00" in texts(balance) or "€ 200,00" in texts(balance), texts(balance)
    assert "klantnummer" not in texts(balance)


def test_a_restart_of_the_whole_stack_keeps_the_conversation(
    api: httpx.Client, admin: httpx.Client, stack: Stack
) -> None:
    """Every process stopped and started again (a deploy of everything): the gateway's
    database and Rasa's tracker store bring the conversation back where it was."""
    debtor = create_debtor(admin, language="nl", invoices=[("F-1", "450.00")])
    conversation = new_conversation()
    say(api, conversation, "kan ik in 3 termijnen betalen?")
    say(api, conversation, debtor["reference"])
    offer = say(api, conversation, "3512 JK")
    assert "€ 150,00" in texts(offer) and "vastleggen" in texts(offer), texts(offer)

    stack.stop()
    stack.start(migrate=False)
    stack.wait_healthy(timeout=START_TIMEOUT)

    agreed = say(api, conversation, "ja")
    assert "Geregeld" in texts(agreed), texts(agreed)
    [plan] = admin.get(f"/api/v1/debtors/{debtor['id']}").json()["payment_plans"]
    assert plan["status"] == "active"
    balance = say(api, conversation, "hoeveel moet ik nog betalen?")
    assert "€ 450,00" in texts(balance) or "€ 150,00" in texts(balance), texts(balance)
    assert "klantnummer" not in texts(balance)
