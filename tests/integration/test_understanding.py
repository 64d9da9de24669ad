"""Understanding debtors the way they write (P11), through the HTTP contract in Dutch and
English: counts in words and with other nouns, an amount a month, the open request that gets
a question with buttons, "yes" after the payment options, and the first reply's language."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

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


def stored_amounts(admin: httpx.Client, debtor: dict) -> list[Decimal]:
    [plan] = admin.get(f"/api/v1/debtors/{debtor['id']}").json()["payment_plans"]
    return [Decimal(i["amount"]) for i in plan["installments"]]


def no_plans(admin: httpx.Client, debtor: dict) -> bool:
    return admin.get(f"/api/v1/debtors/{debtor['id']}").json()["payment_plans"] == []


def buttons(reply: dict) -> list[dict]:
    return [b for m in reply["messages"] for b in m["buttons"]]


@pytest.mark.parametrize(
    ("language", "ask", "yes", "count"),
    [
        ("nl", "kan ik het in vier termijnen betalen", "ja, akkoord", 4),
        ("nl", "in drie keer betalen graag", "ja prima", 3),
        ("en", "can i pay it in four instalments", "yes", 4),
        ("en", "could i do three monthly instalments", "yes please", 3),
    ],
)
def test_a_count_in_words_stores_exactly_that_plan_after_yes(
    api: httpx.Client, admin: httpx.Client, language: str, ask: str, yes: str, count: int
) -> None:
    conversation, debtor, offer = verified(api, admin, language, "1200.00", ask)
    assert str(1200 // count) in texts(offer), texts(offer)
    assert no_plans(admin, debtor)
    say(api, conversation, yes)
    assert stored_amounts(admin, debtor) == [Decimal("1200.00") / count] * count


@pytest.mark.parametrize(
    ("language", "ask", "most"),
    [
        ("nl", "ik kan 150 euro per maand betalen", "150"),
        ("en", "250 a month would work for me", "250"),
    ],
)
def test_an_amount_a_month_stores_a_plan_at_or_under_it(
    api: httpx.Client, admin: httpx.Client, language: str, ask: str, most: str
) -> None:
    conversation, debtor, offer = verified(api, admin, language, "765.17", ask)
    assert no_plans(admin, debtor), texts(offer)
    say(api, conversation, "ja" if language == "nl" else "yes")
    amounts = stored_amounts(admin, debtor)
    assert max(amounts) <= Decimal(most) and sum(amounts) == Decimal("765.17")


def test_an_open_request_gets_a_question_with_buttons_and_a_picked_one_is_stored(
    api: httpx.Client, admin: httpx.Client
) -> None:
    conversation, debtor, question = verified(
        api, admin, "nl", "1000.00", "kan ik een regeling treffen?"
    )
    titles = [b["title"] for b in buttons(question)]
    assert titles == ["3 maanden", "6 maanden", "Ik kan ... per maand"], texts(question)
    assert no_plans(admin, debtor)
    picked = say(api, conversation, buttons(question)[0]["payload"])
    assert "vastleggen" in texts(picked)
    say(api, conversation, "ja graag")
    assert stored_amounts(admin, debtor) == [Decimal("333.34")] * 2 + [Decimal("333.32")]


def test_an_open_request_in_english_answered_with_a_typed_number(
    api: httpx.Client, admin: httpx.Client
) -> None:
    conversation, debtor, question = verified(
        api, admin, "en", "1000.00", "can I pay in installments?"
    )
    assert [b["title"] for b in buttons(question)][-1] == "I can pay ... a month"
    offer = say(api, conversation, "6")
    assert "Shall I set up this plan" in texts(offer), texts(offer)
    say(api, conversation, "yes")
    assert len(stored_amounts(admin, debtor)) == 6


@pytest.mark.parametrize(
    ("language", "ask", "yes"),
    [("nl", "hoe kan ik betalen", "ja graag"), ("en", "how can i pay", "yes please")],
)
def test_yes_after_the_payment_options_gives_a_payment_link(
    api: httpx.Client, admin: httpx.Client, language: str, ask: str, yes: str
) -> None:
    conversation, _, _ = verified(
        api, admin, language, "120.00", "wat is mijn saldo" if language == "nl" else "my balance"
    )
    options = say(api, conversation, ask)
    assert [b["payload"] for b in buttons(options)] == ["/pay_now", "/deny"]
    link = say(api, conversation, yes)
    assert "/pay/" in texts(link), texts(link)


def test_an_english_greeting_opens_in_english(api: httpx.Client) -> None:
    reply = say(api, new_conversation(), "hello")
    assert texts(reply).startswith("Hello!") and "Hallo" not in texts(reply)
    browser = say(api, new_conversation(), "hi", browser_language="en-GB")
    assert texts(browser).startswith("Hello!") and "Hallo" not in texts(browser)


def test_a_greeting_that_tells_no_language_is_short_and_bilingual(api: httpx.Client) -> None:
    conversation = new_conversation()
    reply = say(api, conversation, "hi")
    assert "Hallo!" in texts(reply) and "Hello!" in texts(reply)
    asked = say(api, conversation, "what is my balance")
    assert "customer number" in texts(asked) and "klantnummer" not in texts(asked)
