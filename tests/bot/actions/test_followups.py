"""Short answers in context (P11): a yes or no answers what the bot offered in its last turn,
never an offer from an earlier turn; a yes to a link before verification verifies first; a
reference after an offer is no yes. And the greeting: bilingual only while the language is
unknown."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from bot.actions.account import ActionPaymentOptions
from bot.actions.followup import ActionFollowUp
from bot.actions.greeting import ActionGreet
from tests.bot.actions.support import Database, Debtors, run, tracker, user, verified


async def test_yes_after_the_ways_to_pay_sends_a_payment_link(debtors: Debtors) -> None:
    options = await run(
        ActionPaymentOptions(), verified(debtors.anna, "nl", text="hoe kan ik betalen")
    )
    assert options.slots == {"pending_offer": "link"}
    t = verified(debtors.anna, "nl", text="ja graag", intent="affirm", **options.slots)
    yes = await run(ActionFollowUp(), t)
    assert yes.only("utter_payment_link")["amount"] == "€ 239,95"


async def test_yes_to_a_link_before_verification_verifies_first() -> None:
    said = await run(
        ActionFollowUp(), tracker("yes", intent="affirm", language="en", pending_offer="link")
    )
    assert said.messages == []
    assert said.slots["requested_topic"] == "pay"
    assert FollowupAction("verification_form") in said.events


async def test_yes_with_nothing_pending_gets_what_the_bot_can_do() -> None:
    said = await run(ActionFollowUp(), tracker("ok", intent="affirm", language="en"))
    assert said.responses == ["utter_what_i_can_do"]


@pytest.mark.parametrize(
    ("history", "response"),
    [
        # the offer was answered by another question: this yes is not about it
        (
            [
                user("hoe kan ik betalen"),
                SlotSet("pending_offer", "link"),
                user("wat is mijn saldo"),
            ],
            "utter_what_i_can_do",
        ),
        ([user("hoe kan ik betalen"), SlotSet("pending_offer", "link")], "utter_payment_link"),
    ],
)
async def test_yes_answers_only_the_offer_of_the_last_turn(
    debtors: Debtors, history: list[dict[str, Any]], response: str
) -> None:
    t = verified(
        debtors.anna,
        "nl",
        text="ja",
        intent="affirm",
        events=[*history, user("ja")],
        pending_offer="link",
    )
    assert (await run(ActionFollowUp(), t)).responses == [response]


async def test_no_to_the_question_which_plan_suits_asks_what_would_work() -> None:
    t = tracker("nee", intent="deny", verified=True, debtor_id=1.0, pending_offer="plan_choice")
    said = await run(ActionFollowUp(), t)
    assert said.responses == ["utter_arrangement_declined"]
    assert said.slots == {"pending_offer": None}


async def test_a_reference_after_a_plan_offer_is_no_yes(
    database: Database, debtors: Debtors
) -> None:
    t = verified(debtors.mark, "nl", text="KL-2291", intent="inform", pending_offer="plan")
    said = await run(ActionFollowUp(), t)
    assert said.responses == ["utter_already_verified", "utter_what_i_can_do"]
    assert database.plans(debtors.mark) == []


@pytest.mark.parametrize(
    ("text", "metadata", "history", "response"),
    [
        ("hi", {"language": "nl", "language_certain": False}, [], "utter_greet_bilingual"),
        ("hi", {}, [], "utter_greet_bilingual"),
        ("hello there", {"language": "en", "language_certain": True}, [], "utter_greet"),
        ("hi", {"language": "en", "language_certain": True}, [], "utter_greet"),
        # a later hi: the conversation has a language by now
        ("hi", {"language_certain": False}, [user("wat is mijn saldo")], "utter_greet"),
    ],
)
async def test_the_greeting_is_bilingual_only_while_the_language_is_unknown(
    text: str, metadata: dict[str, Any], history: list[dict[str, Any]], response: str
) -> None:
    t = tracker(text, intent="greet", metadata=metadata, events=[*history, user(text)])
    assert (await run(ActionGreet(), t)).responses == [response]
