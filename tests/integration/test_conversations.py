"""Whole conversations through the public HTTP contract, against the real Rasa server (with
the trained model), the real action server and the gateway."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from tests.integration.talk import create_debtor, new_conversation, say, texts

pytestmark = pytest.mark.integration


def test_healthz_reports_every_part(api: httpx.Client) -> None:
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "rasa": "ok", "actions": "ok"}


@pytest.mark.parametrize(
    ("language", "question", "dob", "expected_balance", "forbidden"),
    [
        ("nl", "hoeveel moet ik nog betalen?", "12-03-1985", "€ 1.234,56", "Lotte"),
        ("en", "how much do I still owe?", "March 12, 1985", "€1,234.56", "Oliver"),
    ],
)
def test_verified_debtor_gets_exact_balance(
    api: httpx.Client,
    admin: httpx.Client,
    language: str,
    question: str,
    dob: str,
    expected_balance: str,
    forbidden: str,
) -> None:
    debtor = create_debtor(admin, language=language, invoices=[("F1", "1000.00"), ("F2", "234.56")])
    conversation = new_conversation()

    first = say(api, conversation, question)
    assert first["state"] == "bot"
    assert first["messages"], "the bot must answer"
    assert all(m["sender"] == "bot" for m in first["messages"])
    asked = texts(first).lower()
    assert ("klantnummer" in asked) if language == "nl" else ("customer number" in asked)
    assert "1.234" not in asked and "1,234" not in asked and forbidden not in texts(first)

    second = say(api, conversation, debtor["reference"])
    assert (
        ("geboortedatum" in texts(second))
        if language == "nl"
        else ("date of birth" in texts(second))
    )
    assert forbidden not in texts(second) and "234" not in texts(second)

    third = say(api, conversation, dob)
    assert expected_balance in texts(third), texts(third)
    assert forbidden in texts(third)  # greeted by name once verified

    # stays verified: the next question is answered without a new check
    fourth = say(
        api,
        conversation,
        "welke facturen staan er open?" if language == "nl" else "which invoices are still open?",
    )
    assert f"F2-{debtor['reference'][2:]}" in texts(fourth)
    assert "€ 234,56" in texts(fourth) if language == "nl" else "€234.56" in texts(fourth)

    read = admin.get(f"/api/v1/debtors/{debtor['id']}").json()
    assert Decimal(read["balance"]) == Decimal("1234.56")


def test_three_wrong_second_factors_hand_off_without_disclosure(
    api: httpx.Client, admin: httpx.Client
) -> None:
    debtor = create_debtor(admin, language="nl", invoices=[("F9", "777.77")])
    conversation = new_conversation()
    say(api, conversation, "wat is mijn saldo")
    say(api, conversation, f"mijn klantnummer is {debtor['reference']}")
    for wrong in ("01-01-1970", "2 februari 1971", "1234 AB"):
        last = say(api, conversation, wrong)
    assert last["state"] == "waiting", [
        m["text"]
        for m in api.get(f"/api/v1/conversations/{conversation}/messages").json()["messages"]
    ]
    assert "collega" in texts(last)

    # the right answer now changes nothing: verification is over for this conversation
    after = say(api, conversation, "12-03-1985")
    assert after["state"] == "waiting"

    everything = api.get(f"/api/v1/conversations/{conversation}/messages").json()["messages"]
    shown = "\n".join(m["text"] for m in everything if m["sender"] != "debtor")
    assert "777" not in shown and "Lotte" not in shown

    handoffs = admin.get("/api/v1/handoffs", params={"status": "waiting"}).json()
    mine = [h for h in handoffs if h["conversation_id"] == conversation]
    assert len(mine) == 1
    assert mine[0]["reason"] == "verification_failed"
    assert mine[0]["level"] in ("junior", "senior")


def test_invoice_number_and_postcode_verify_in_one_message(
    api: httpx.Client, admin: httpx.Client
) -> None:
    debtor = create_debtor(admin, language="en", invoices=[("INV", "99.50")])
    invoice_number = f"INV-{debtor['reference'][2:]}"
    conversation = new_conversation()
    say(api, conversation, "hi")
    asked = say(api, conversation, "what invoices do i have open")
    assert "99.50" not in texts(asked)
    answer = say(api, conversation, f"invoice {invoice_number}, postcode 3512jk")
    assert "€99.50" in texts(answer)
    assert invoice_number in texts(answer)


def test_messages_after_returns_every_sender_in_order(api: httpx.Client) -> None:
    conversation = new_conversation()
    first = say(api, conversation, "hallo")
    second = say(api, conversation, "hoe kan ik betalen?")
    assert "iDEAL" in texts(second)
    after = first["messages"][-1]["id"]
    listed = api.get(
        f"/api/v1/conversations/{conversation}/messages", params={"after": after}
    ).json()
    assert listed["conversation_id"] == conversation
    assert [m["sender"] for m in listed["messages"]][0] == "debtor"
    assert [m["id"] for m in listed["messages"]] == sorted(m["id"] for m in listed["messages"])
    assert {m["id"] for m in second["messages"]} <= {m["id"] for m in listed["messages"]}


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("ben ik met een robot aan het praten?", "nl", "digitale assistent"),
        ("are you a real person", "en", "digital assistant"),
        ("wat voor weer wordt het morgen", "nl", "saldo"),
        ("can you recommend a good restaurant", "en", "balance"),
    ],
)
def test_small_talk_and_out_of_scope(
    api: httpx.Client, text: str, language: str, expected: str
) -> None:
    reply = say(api, new_conversation(), text)
    assert expected in texts(reply).lower()
