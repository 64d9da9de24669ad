"""Two debtors with the same balance but different profiles: different plan limits, a
different tone right after verification, and escalations to different levels."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.talk import create_debtor, new_conversation, say, texts

pytestmark = pytest.mark.integration


def unable_debtor(admin: httpx.Client) -> dict:
    debtor = create_debtor(admin, language="nl", invoices=[("F-1", "200.00")])
    read = admin.put(
        f"/api/v1/debtors/{debtor['id']}/credit",
        json={"score": 35, "flag": "debt_restructuring", "source": "test"},
    )
    assert read.status_code == 200, read.text
    assert read.json()["profile"]["group"] == "unable"
    return debtor


def unwilling_debtor(api: httpx.Client, admin: httpx.Client) -> dict:
    """Late, disputed an invoice, and the dispute was rejected."""
    debtor = create_debtor(admin, language="nl", invoices=[("F-1", "200.00")])
    conversation = new_conversation()
    say(api, conversation, debtor["reference"])
    say(api, conversation, "3512 JK")
    assert say(api, conversation, "deze factuur klopt niet")["state"] == "waiting"
    [handoff] = [
        h for h in admin.get("/api/v1/handoffs").json() if h["conversation_id"] == conversation
    ]
    resolved = admin.post(
        f"/api/v1/handoffs/{handoff['id']}/resolve",
        json={"outcome": "dispute_rejected", "note": "geleverd en getekend"},
    )
    assert resolved.status_code == 200, resolved.text
    read = admin.get(f"/api/v1/debtors/{debtor['id']}").json()
    assert read["profile"]["group"] == "unwilling", read["profile"]
    assert read["balance"] == "200.00" and read["invoices"][0]["status"] == "open"
    return debtor


def test_same_balance_different_profiles(api: httpx.Client, admin: httpx.Client) -> None:
    unable, unwilling = unable_debtor(admin), unwilling_debtor(api, admin)
    replies = {}
    for name, debtor in (("unable", unable), ("unwilling", unwilling)):
        conversation = new_conversation()
        say(api, conversation, "kan ik in 6 termijnen betalen?")
        say(api, conversation, debtor["reference"])
        first = say(api, conversation, "3512 JK")
        escalated = say(api, conversation, "ik kan dit echt niet betalen, ik heb geen geld")
        assert escalated["state"] == "waiting"
        [handoff] = [
            h for h in admin.get("/api/v1/handoffs").json() if h["conversation_id"] == conversation
        ]
        replies[name] = (texts(first), handoff)

    unable_text, unable_handoff = replies["unable"]
    unwilling_text, unwilling_handoff = replies["unwilling"]
    # tone: empathetic for the one who cannot pay, factual for the one who will not
    assert "samen zoeken we een oplossing" in unable_text
    # the factual tone: thanks, and straight to the facts (no reassurance)
    assert unwilling_text.startswith("Dank u wel, Lotte Hendriks.\n")
    assert "samen zoeken we een oplossing" not in unwilling_text
    # plan limits: six terms for the one, at most two for the other
    assert "Dat kan" in unable_text and unable_text.count("uiterlijk") == 6
    assert "2 maandelijkse termijnen van € 100,00" in unwilling_text
    # escalation level: by amount for the one, a senior for the other
    assert (unable_handoff["reason"], unable_handoff["level"]) == ("cannot_pay", "junior")
    assert (unwilling_handoff["reason"], unwilling_handoff["level"]) == ("cannot_pay", "senior")
