"""Payment plans and promises to pay through the HTTP contract, in Dutch and English: offered,
read back, stored only after a yes, and never outside the policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from receivables.common.dates import format_date
from tests.integration.talk import create_debtor, new_conversation, say, texts

pytestmark = pytest.mark.integration


def verified(
    api: httpx.Client, admin: httpx.Client, language: str, amount: str, ask: str
) -> tuple[str, dict, dict]:
    debtor = create_debtor(admin, language=language, invoices=[("F-1", amount)])
    conversation = new_conversation()
    say(api, conversation, ask)
    say(api, conversation, debtor["reference"])
    reply = say(api, conversation, "3512 JK")
    return conversation, debtor, reply


def plans(admin: httpx.Client, debtor: dict) -> list[dict]:
    return admin.get(f"/api/v1/debtors/{debtor['id']}").json()["payment_plans"]


def test_a_plan_inside_policy_is_offered_confirmed_and_stored(
    api: httpx.Client, admin: httpx.Client
) -> None:
    conversation, debtor, offer = verified(
        api, admin, "nl", "600.00", "kan ik in 3 termijnen betalen?"
    )
    assert "€ 200,00" in texts(offer) and "vastleggen" in texts(offer)
    assert plans(admin, debtor) == []
    agreed = say(api, conversation, "ja, akkoord")
    assert "Geregeld" in texts(agreed)
    [plan] = plans(admin, debtor)
    assert plan["status"] == "active" and plan["outside_policy"] is False
    installments = plan["installments"]
    assert [i["amount"] for i in installments] == ["200.00", "200.00", "200.00"]
    dates = [dt.date.fromisoformat(i["due_date"]) for i in installments]
    assert dates == sorted(dates) and dates[0] <= dt.date.today() + dt.timedelta(days=14)
    assert all(i["status"] == "open" for i in installments)


def test_beyond_the_maximum_gets_a_counter_offer_and_nothing_is_stored_before_yes(
    api: httpx.Client, admin: httpx.Client
) -> None:
    conversation, debtor, offer = verified(
        api, admin, "en", "1250.00", "can I pay in 12 installments?"
    )
    assert "6 monthly installments of €208.34" in texts(offer)
    assert plans(admin, debtor) == []
    say(api, conversation, "yes please")
    [plan] = plans(admin, debtor)
    amounts = [Decimal(i["amount"]) for i in plan["installments"]]
    assert len(amounts) == 6 and sum(amounts) == Decimal("1250.00")
    assert all(a >= Decimal("25.00") for a in amounts)


def test_a_promise_for_next_friday_is_stored_for_that_date(
    api: httpx.Client, admin: httpx.Client
) -> None:
    conversation, debtor, _ = verified(api, admin, "nl", "180.00", "wat is mijn saldo?")
    today = dt.date.today()
    friday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7 + 4)
    offer = say(api, conversation, "ik betaal volgende week vrijdag")
    assert format_date(friday, "nl", weekday=True) in texts(offer) and "€ 180,00" in texts(offer)
    assert admin.get(f"/api/v1/debtors/{debtor['id']}").json()["promises"] == []
    say(api, conversation, "ja")
    [promise] = admin.get(f"/api/v1/debtors/{debtor['id']}").json()["promises"]
    assert (promise["date"], promise["amount"], promise["status"]) == (
        friday.isoformat(),
        "180.00",
        "open",
    )


def test_a_promise_too_far_ahead_is_refused_with_the_latest_date(
    api: httpx.Client, admin: httpx.Client
) -> None:
    conversation, debtor, _ = verified(api, admin, "en", "180.00", "how much do I owe?")
    latest = dt.date.today() + dt.timedelta(days=14)
    reply = say(api, conversation, "I can pay on 20 January")
    assert format_date(latest, "en", weekday=True) in texts(reply)
    assert admin.get(f"/api/v1/debtors/{debtor['id']}").json()["promises"] == []
    say(api, conversation, "no")
    assert admin.get(f"/api/v1/debtors/{debtor['id']}").json()["promises"] == []
