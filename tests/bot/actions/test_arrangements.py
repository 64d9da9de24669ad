"""Payment plans and promises to pay: the first request asks with buttons inside the policy,
an answer (a button, a number of months, an amount a month) gives that plan, anything beyond
the policy a counter-offer, nothing is stored before the yes, a declined maximum goes to a
person; a promise is read back and one too far ahead gets the latest date."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from bot.actions.answers import ActionProposePlan, ActionProposePromise
from bot.actions.arrangements import ActionConfirmArrangement, ActionDeclineArrangement
from bot.actions.followup import ActionFollowUp
from receivables.arrangements.promises import list_promises
from receivables.common import clock
from receivables.common.dates import format_date
from tests.bot.actions.support import Database, Debtors, run, verified


def installment_count(lines: str) -> int:
    """How many installments an offer's lines show (one a line)."""
    return lines.count("\n") + 1


async def test_a_plan_beyond_the_maximum_gets_a_counter_offer_and_is_stored_on_yes(
    database: Database, debtors: Debtors
) -> None:
    t = verified(debtors.mark, "en", text="can I pay in 12 installments?", intent="request_plan")
    asked = await run(ActionProposePlan(), t)
    counter = asked.only("utter_plan_counter")
    assert (counter["count"], counter["amount"]) == (6, "€166.67")
    assert installment_count(counter["lines"]) == 6 and "€166.65 by" in counter["lines"]
    assert database.plans(debtors.mark) == []  # nothing stored before the yes
    assert asked.slots["pending_offer"] == "plan"
    yes = await run(
        ActionConfirmArrangement(),
        verified(debtors.mark, "en", text="yes", intent="affirm", **asked.slots),
    )
    assert yes.slots == {
        "pending_offer": "link",  # "Would you like a payment link for it now?"
        "arrangement_offer": None,
    }
    assert yes.only("utter_plan_agreed")["amount"] == "€166.67"
    [plan] = database.plans(debtors.mark)
    assert [a for a, _ in plan] == ["166.67"] * 5 + ["166.65"]
    # asking again: the plan that exists is shown, no second one
    assert (await run(ActionProposePlan(), t)).responses == ["utter_plan_exists"]


async def test_an_amount_a_month_beyond_the_policy_gets_a_counter_offer_that_says_what_works(
    debtors: Debtors,
) -> None:
    t = verified(debtors.mark, "en", text="150 per month", intent="request_plan")
    counter = (await run(ActionProposePlan(), t)).only("utter_plan_counter_amount")
    assert (counter["asked"], counter["needed"], counter["count"]) == ("€150.00", 7, 6)
    assert counter["amount"] == "€166.67"


@pytest.mark.parametrize(
    ("debtor", "language", "text", "no", "decline"),
    [
        ("anna", "nl", "ik kan 10 euro per maand", "nee", ActionDeclineArrangement()),
        ("mark", "en", "150 per month", "no", ActionFollowUp()),
    ],
)
async def test_declining_the_most_the_policy_allows_goes_to_a_person(
    database: Database,
    debtors: Debtors,
    debtor: str,
    language: str,
    text: str,
    no: str,
    decline: ActionFollowUp,
) -> None:
    debtor_id = getattr(debtors, debtor)
    offered = await run(
        ActionProposePlan(), verified(debtor_id, language, text=text, intent="request_plan")
    )
    declined = verified(debtor_id, language, text=no, intent="deny", **offered.slots)
    said = await run(decline, declined)
    assert said.responses[0] == "utter_plan_needs_colleague"
    [handoff] = database.handoffs("conversation-1")
    assert handoff.reason == "outside_limits" and "payment plan" in handoff.summary
    assert database.plans(debtor_id) == []


async def test_an_open_request_asks_with_buttons_inside_the_policy(
    database: Database, debtors: Debtors
) -> None:
    t = verified(debtors.mark, "en", text="can I pay in installments?", intent="request_plan")
    asked = await run(ActionProposePlan(), t)
    question = asked.only("utter_plan_ask")
    assert question["balance"] == "€1,000.00"
    titles = [b["title"] for b in question["buttons"]]
    assert titles == ["3 months", "6 months", "I can pay ... a month"]
    assert asked.slots["pending_offer"] == "plan_choice"
    assert database.plans(debtors.mark) == []


async def test_a_small_balance_offers_only_what_its_band_allows(debtors: Debtors) -> None:
    t = verified(debtors.anna, "nl", text="kan ik een regeling treffen?", intent="request_plan")
    question = (await run(ActionProposePlan(), t)).only("utter_plan_ask")
    titles = [b["title"] for b in question["buttons"]]
    assert titles == ["3 maanden", "Ik kan ... per maand"]  # up to EUR 250: at most 3


async def test_a_picked_button_gives_that_plan_and_yes_stores_it(
    database: Database, debtors: Debtors
) -> None:
    t = verified(
        debtors.mark,
        "en",
        text='/request_plan{"plan_choice": "3"}',
        intent="request_plan",
        entities={"plan_choice": "3"},
    )
    offer = await run(ActionProposePlan(), t)
    assert installment_count(offer.only("utter_plan_offer")["lines"]) == 3
    yes = await run(
        ActionFollowUp(), verified(debtors.mark, "en", text="yes", intent="affirm", **offer.slots)
    )
    assert yes.responses == ["utter_plan_agreed"]
    [plan] = database.plans(debtors.mark)
    assert [a for a, _ in plan] == ["333.34", "333.34", "333.32"]


@pytest.mark.parametrize(
    ("text", "intent", "count"),
    [("drie maanden", "inform", 3), ("6", "inform", 6), ("zes", "affirm", 6)],
)
async def test_an_answer_to_the_question_gives_that_many_months(
    debtors: Debtors, text: str, intent: str, count: int
) -> None:
    t = verified(debtors.mark, "nl", text=text, intent=intent, pending_offer="plan_choice")
    said = await run(ActionFollowUp(), t)
    assert installment_count(said.only("utter_plan_offer")["lines"]) == count
    assert said.slots["pending_offer"] == "plan"


async def test_an_amount_a_month_stays_at_or_under_it(debtors: Debtors) -> None:
    t = verified(
        debtors.mark,
        "en",
        text="I can do 300 a month",
        intent="inform",
        pending_offer="plan_choice",
    )
    said = await run(ActionFollowUp(), t)
    said.only("utter_plan_offer")
    rows = json.loads(said.slots["arrangement_offer"])["installments"]
    amounts = [Decimal(a) for a, _ in rows]
    assert max(amounts) <= Decimal("300") and sum(amounts) == Decimal("1000.00")


async def test_the_amount_button_asks_how_much_and_a_bare_number_is_that_amount(
    debtors: Debtors,
) -> None:
    t = verified(
        debtors.mark,
        "nl",
        text="/request_plan",
        intent="request_plan",
        entities={"plan_choice": "monthly"},
    )
    ask = await run(ActionProposePlan(), t)
    assert ask.responses == ["utter_plan_ask_amount"]
    assert ask.slots["pending_offer"] == "plan_amount"
    answer = verified(debtors.mark, "nl", text="250", intent="inform", **ask.slots)
    offer = await run(ActionFollowUp(), answer)
    assert installment_count(offer.only("utter_plan_offer")["lines"]) == 4  # 4 x 250


async def test_the_unwilling_profile_gets_the_short_plan_straight_away(debtors: Debtors) -> None:
    t = verified(
        debtors.mark,
        "en",
        text="can I pay in installments?",
        intent="request_plan",
        profile="unwilling",
    )
    said = await run(ActionProposePlan(), t)
    assert installment_count(said.only("utter_plan_offer")["lines"]) == 2


async def test_a_promise_is_read_back_and_one_too_far_ahead_gets_the_latest_date(
    database: Database, debtors: Debtors
) -> None:
    today = clock.today()
    tomorrow = today + dt.timedelta(days=1)
    t = verified(debtors.anna, "nl", text="ik betaal morgen", intent="promise_to_pay")
    ok = await run(ActionProposePromise(), t)
    offer = ok.only("utter_promise_offer")
    assert offer["amount"] == "€ 239,95"
    assert offer["date"].endswith(format_date(tomorrow, "nl"))
    far = verified(debtors.anna, "en", text="I'll pay in two months", intent="promise_to_pay")
    late = await run(ActionProposePromise(), far)
    latest = format_date(today + dt.timedelta(days=14), "en")
    assert late.only("utter_promise_too_late")["latest"].endswith(latest)
    agreed = verified(debtors.anna, "nl", text="ja", intent="affirm", **ok.slots)
    yes = await run(ActionConfirmArrangement(), agreed)
    assert yes.only("utter_promise_agreed")["amount"] == "€ 239,95"
    promises = database.run(
        lambda s: [
            (str(p.amount), p.date) for p in list_promises(session=s, debtor_id=debtors.anna)
        ]
    )
    assert promises == [("239.95", tomorrow)]
