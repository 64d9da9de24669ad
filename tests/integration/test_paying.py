"""Pay now, end to end through the HTTP contract: verify, ask for a link, open the page, pay,
see the confirmation in the conversation and the balance drop in the debtor read model."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.integration.talk import create_debtor, new_conversation, say, texts

pytestmark = pytest.mark.integration
LINK = re.compile(r"https?://\S+/pay/[\w-]+")


def last_id(reply: dict) -> int:
    return max(m["id"] for m in reply["messages"])


@pytest.mark.parametrize(
    ("language", "ask", "again", "dob", "amount", "confirmation", "paid_check"),
    [
        (
            "nl",
            "ik wil nu betalen",
            "stuur mij nog een keer de betaallink",
            "12-03-1985",
            "€ 239,95",
            "We hebben € 239,95 ontvangen, dank u wel.",
            "ik heb net betaald, is het binnen?",
        ),
        (
            "en",
            "I want to pay now",
            "can you send me the payment link again",
            "12 March 1985",
            "€239.95",
            "We received €239.95, thank you.",
            "i just paid, did it arrive?",
        ),
    ],
)
def test_pay_the_balance_through_the_link(
    api: httpx.Client,
    admin: httpx.Client,
    language: str,
    ask: str,
    again: str,
    dob: str,
    amount: str,
    confirmation: str,
    paid_check: str,
) -> None:
    debtor = create_debtor(admin, language=language, invoices=[("F-1", "150.00"), ("F-2", "89.95")])
    conversation = new_conversation()
    first = say(api, conversation, ask)
    assert not LINK.search(texts(first))  # nothing before verification
    say(api, conversation, debtor["reference"])
    verified = say(api, conversation, dob)
    [url] = LINK.findall(texts(verified))
    assert amount in texts(verified)
    # a second request gives the same link
    assert LINK.findall(texts(say(api, conversation, again))) == [url]

    page = httpx.get(url)
    assert page.status_code == 200 and amount in page.text
    after = last_id(say(api, conversation, "ok"))
    paid = httpx.post(url, data={"outcome": "paid"})
    assert paid.status_code == 303

    news = api.get(f"/api/v1/conversations/{conversation}/messages", params={"after": after})
    assert news.status_code == 200
    assert [m["text"] for m in news.json()["messages"]] == [confirmation]
    read = admin.get(f"/api/v1/debtors/{debtor['id']}").json()
    assert read["balance"] == "0.00"
    assert [p["amount"] for p in read["payments"]] == ["239.95"]
    assert all(i["status"] == "paid" for i in read["invoices"])
    assert amount in texts(say(api, conversation, paid_check))


def test_pay_one_invoice_in_english(api: httpx.Client, admin: httpx.Client) -> None:
    debtor = create_debtor(
        admin, language="en", invoices=[("INV-1", "275.00"), ("INV-2", "112.40")]
    )
    read = admin.get(f"/api/v1/debtors/{debtor['id']}").json()
    number = read["invoices"][1]["number"]
    conversation = new_conversation()
    say(api, conversation, f"my customer number is {debtor['reference']}")
    say(api, conversation, "postcode 3512 JK")
    reply = say(api, conversation, f"I'd like to pay invoice {number} only")
    [url] = LINK.findall(texts(reply))
    assert "€112.40" in texts(reply) and number in texts(reply)
    assert httpx.post(url, data={"outcome": "paid"}).status_code == 303
    read = admin.get(f"/api/v1/debtors/{debtor['id']}").json()
    assert read["balance"] == "275.00"
    assert {i["number"]: i["status"] for i in read["invoices"]}[number] == "paid"
