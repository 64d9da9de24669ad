"""Escalation to a person through the HTTP contract: the right reason and level, the bot
silent while a person has the conversation, the collector's reply in it, and back to the bot."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from receivables.collectors.service import create_collector, get_collector
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.errors import NotFound
from settle.stack import Stack
from tests.integration.talk import create_debtor, new_conversation, say, texts


@pytest.fixture(scope="module", autouse=True)
def collector_eva(stack: Stack) -> Iterator[None]:
    """The claim API takes a collector with an account: Eva has one."""
    engine = make_engine(stack.database_url)
    with session_scope(make_session_factory(engine)) as session:
        try:
            get_collector(session=session, username="eva")
        except NotFound:
            create_collector(session=session, username="eva", name="Eva", password="x" * 12)
    engine.dispose()
    yield


pytestmark = pytest.mark.integration


def verify(api: httpx.Client, admin: httpx.Client, language: str, amount: str) -> tuple[str, dict]:
    debtor = create_debtor(admin, language=language, invoices=[("F-1", amount)])
    conversation = new_conversation()
    say(api, conversation, f"{debtor['reference']}")
    reply = say(api, conversation, "3512 JK")
    assert reply["state"] == "bot", texts(reply)
    return conversation, debtor


def handoff_of(admin: httpx.Client, conversation: str) -> dict:
    found = [
        h for h in admin.get("/api/v1/handoffs").json() if h["conversation_id"] == conversation
    ]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("language", "amount", "message", "reason", "level", "expected"),
    [
        (
            "nl",
            "180.00",
            "ik ben mijn baan kwijt en kan dit echt niet betalen",
            "cannot_pay",
            "junior",
            "collega",
        ),
        ("en", "3200.00", "I lost my job and I have no money", "cannot_pay", "senior", "colleague"),
        (
            "nl",
            "3100.00",
            "deze factuur klopt niet, ik heb dit nooit besteld",
            "dispute",
            "senior",
            "collega",
        ),
        ("en", "95.00", "the amount on this invoice is wrong", "dispute", "junior", "colleague"),
        ("nl", "75.00", "ik wil een medewerker spreken", "requested_human", "junior", "collega"),
        (
            "en",
            "2600.00",
            "can I talk to a real person please",
            "requested_human",
            "senior",
            "colleague",
        ),
    ],
)
def test_each_reason_is_handed_off_with_its_level(
    api: httpx.Client,
    admin: httpx.Client,
    language: str,
    amount: str,
    message: str,
    reason: str,
    level: str,
    expected: str,
) -> None:
    conversation, debtor = verify(api, admin, language, amount)
    reply = say(api, conversation, message)
    assert reply["state"] == "waiting" and expected in texts(reply).lower()
    handoff = handoff_of(admin, conversation)
    assert (handoff["reason"], handoff["level"]) == (reason, level)
    assert handoff["debtor_id"] == debtor["id"] and handoff["status"] == "waiting"
    if reason == "dispute":
        read = admin.get(f"/api/v1/debtors/{debtor['id']}").json()
        assert [i["status"] for i in read["invoices"]] == ["on_hold"]


@pytest.mark.parametrize(
    ("language", "ask", "reply", "after_release", "answer"),
    [
        (
            "nl",
            "ik wil met een mens praten",
            "Goedemiddag, u spreekt met Eva. Waarmee kan ik helpen?",
            "hoeveel moet ik nog betalen?",
            "€ 180,00",
        ),
        (
            "en",
            "I want to talk to a person",
            "Hello, this is Eva. How can I help?",
            "how much do I owe?",
            "€180.00",
        ),
    ],
)
def test_silent_while_handed_off_then_back_to_the_bot(
    api: httpx.Client,
    admin: httpx.Client,
    language: str,
    ask: str,
    reply: str,
    after_release: str,
    answer: str,
) -> None:
    conversation, _ = verify(api, admin, language, "180.00")
    assert say(api, conversation, ask)["state"] == "waiting"
    handoff = handoff_of(admin, conversation)

    waiting = say(api, conversation, after_release)
    assert waiting["state"] == "waiting"
    assert all(m["sender"] != "bot" for m in waiting["messages"])
    assert answer not in texts(waiting)

    claimed = admin.post(f"/api/v1/handoffs/{handoff['id']}/claim", json={"collector": "eva"})
    assert claimed.status_code == 200, claimed.text
    last = max(
        m["id"]
        for m in api.get(f"/api/v1/conversations/{conversation}/messages").json()["messages"]
    )
    sent = admin.post(f"/api/v1/handoffs/{handoff['id']}/messages", json={"text": reply})
    assert sent.status_code == 200, sent.text
    news = api.get(f"/api/v1/conversations/{conversation}/messages", params={"after": last}).json()
    assert news["state"] == "human"
    assert [(m["sender"], m["text"]) for m in news["messages"]] == [("collector", reply)]
    silent = say(api, conversation, "dank u" if language == "nl" else "thanks")
    assert silent["messages"] == [] and silent["state"] == "human"

    released = admin.post(f"/api/v1/handoffs/{handoff['id']}/release")
    assert released.status_code == 200, released.text
    back = say(api, conversation, after_release)
    assert back["state"] == "bot" and answer in texts(back)
    assert any(m["sender"] == "bot" for m in back["messages"])
