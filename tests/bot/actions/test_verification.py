"""Verification: the form's reference and second-factor steps (what counts as an attempt,
what a mismatch reveals, the lock after three failures and its handoff), the form's run and
required slots, and the action that asks for verification remembering what was asked."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.actions.verification import ActionRequestVerification, requested_topic
from receivables.audit.events import record_event
from tests.bot.actions.support import (
    DOMAIN,
    FORM,
    Database,
    Debtors,
    check_factor,
    check_reference,
    run,
    tracker,
)

REQUEST = ActionRequestVerification()


# --- the reference step ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("48213907", "48213907"),
        ("mijn klantnummer is kl-2291", "KL-2291"),
        ("het gaat om factuur F2026-0042", "F2026-0042"),
        ("my customer number is 48213907.", "48213907"),
        # a customer number typed on a keypad can read as DDMMYYYY; on its own it is a
        # reference, not a reference plus a (wrong) date of birth that costs an attempt
        ("12031985", "12031985"),
    ],
)
async def test_a_reference_is_taken_from_what_was_typed(
    debtors: Debtors, database: Database, text: str, reference: str
) -> None:
    result, said = await check_reference(text)
    assert result == {"debtor_reference": reference}
    assert said.messages == []
    assert database.actions() == []


@pytest.mark.parametrize("value", ["hallo", "weet ik niet", "1234 AB", "12-03-1985", "", None])
async def test_nothing_usable_as_reference(database: Database, value: Any) -> None:
    result, said = await check_reference(value)
    assert result == {"debtor_reference": None}
    assert said.responses == ["utter_reference_not_understood"]
    assert database.actions() == []  # not counted as a failed attempt


@pytest.mark.parametrize(
    ("text", "language", "debtor", "reference", "then_language"),
    [
        ("klantnummer 48213907, geboren 12 maart 1985", None, "anna", "48213907", "nl"),
        # the debtor's own language from now on
        ("invoice F2026-0113, postcode 3511 ce", "nl", "mark", "F2026-0113", "en"),
    ],
)
async def test_a_reference_and_a_second_factor_in_one_message_verify(
    debtors: Debtors,
    database: Database,
    text: str,
    language: str | None,
    debtor: str,
    reference: str,
    then_language: str,
) -> None:
    result, _ = await check_reference(text, tracker(text, language=language))
    assert result["verified"] is True
    assert result["debtor_id"] == float(getattr(debtors, debtor))
    assert result["debtor_reference"] == reference
    assert result["language"] == then_language
    assert result["second_factor"] == "verified"
    assert database.actions() == ["verification_succeeded"]


# --- the second factor -------------------------------------------------------------------
@pytest.mark.parametrize("text", ["12-03-1985", "12 maart 1985", "March 12th, 1985", "12031985"])
async def test_the_right_date_of_birth_verifies(
    debtors: Debtors, database: Database, text: str
) -> None:
    result, said = await check_factor(text, language="en")
    assert result == {
        "debtor_reference": "48213907",
        "second_factor": "verified",
        "verified": True,
        "debtor_id": float(debtors.anna),
        "language": "nl",
        "profile": "no_information",
        "tone": "neutral",
    }
    assert said.messages == []
    assert database.actions() == ["verification_succeeded"]


@pytest.mark.parametrize(
    ("text", "reference", "debtor", "language"),
    [
        ("mijn postcode is 1012 ab", "48213907", "anna", "nl"),
        ("1017CT", "EN-1001", "james", "en"),  # no date of birth on record
        ("03-05-1979", "kl-2291", "mark", "en"),  # the reference in lower case
        # a corrected reference at the factor step, with a factor: checked against the new one
        ("KL-2291 03-05-1979", "48213907", "mark", "en"),
    ],
)
async def test_other_second_factors_verify(
    debtors: Debtors, text: str, reference: str, debtor: str, language: str
) -> None:
    result, _ = await check_factor(text, reference=reference)
    assert result["verified"] is True
    assert result["debtor_id"] == float(getattr(debtors, debtor))
    assert result["language"] == language


async def test_a_wrong_date_of_birth_is_a_mismatch(debtors: Debtors, database: Database) -> None:
    result, said = await check_factor("13-03-1985")
    assert result == {
        "debtor_reference": "48213907",
        "second_factor": None,
        "verification_retry": True,
    }
    assert said.only("utter_verification_mismatch")["attempts_left"] == 2
    assert database.actions() == ["verification_failed"]


async def test_an_unknown_reference_is_a_mismatch_that_reveals_nothing(debtors: Debtors) -> None:
    result, said = await check_factor("12-03-1985", reference="99999999")
    assert result["second_factor"] is None
    assert said.only("utter_verification_mismatch")["attempts_left"] == 2
    assert "Anna" not in said.text()


async def test_the_second_mismatch_says_one_attempt_left(debtors: Debtors) -> None:
    await check_factor("13-03-1985")
    result, said = await check_factor("9999 ZZ")
    assert result["verification_retry"] is True
    assert said.responses == ["utter_verification_mismatch_last"]


@pytest.mark.parametrize(
    ("reference", "factor", "debtor", "level", "in_summary"),
    [
        ("48213907", "13-03-1985", "anna", "junior", "48213907"),
        ("EN-1001", "1234 AB", "james", "senior", "EN-1001"),  # 3000.00 > the policy's 2500.00
        ("00000000", "12-03-1985", None, "junior", "matches no debtor"),
    ],
)
async def test_the_third_failure_locks_and_hands_off_to_the_right_level(
    debtors: Debtors,
    database: Database,
    reference: str,
    factor: str,
    debtor: str | None,
    level: str,
    in_summary: str,
) -> None:
    for _ in range(2):
        await check_factor(factor, reference=reference)
    result, said = await check_factor(factor, reference=reference, requested_topic="balance")
    assert result == {
        "debtor_reference": reference,
        "second_factor": "locked",
        "verification_locked": True,
    }
    assert said.responses == ["utter_verification_locked"]
    [handoff] = database.handoffs("conversation-1")
    assert (handoff.reason, handoff.level, handoff.status) == (
        "verification_failed",
        level,
        "waiting",
    )
    assert handoff.debtor_id == (getattr(debtors, debtor) if debtor else None)
    assert in_summary in handoff.summary and "balance" in handoff.summary
    assert database.actions().count("verification_failed") == 3


async def test_after_the_lock_even_the_right_factor_fails(
    debtors: Debtors, database: Database
) -> None:
    for _ in range(3):
        await check_factor("01-01-1990")
    result, _ = await check_factor("12-03-1985")
    assert result.get("verified") is not True
    assert result["verification_locked"] is True
    assert len(database.handoffs("conversation-1")) == 1  # no second handoff


async def test_failures_count_per_conversation(debtors: Debtors) -> None:
    for _ in range(2):
        await check_factor("01-01-1990")
    result, _ = await check_factor("12-03-1985", sender="conversation-2")
    assert result["verified"] is True


@pytest.mark.parametrize(
    ("text", "result", "response"),
    [
        # a corrected reference alone replaces the reference and costs nothing
        ("sorry, het is KL-2291", {"debtor_reference": "KL-2291", "second_factor": None}, []),
        ("weet ik niet", {"second_factor": None}, ["utter_second_factor_not_understood"]),
    ],
)
async def test_a_factor_step_without_a_factor_costs_no_attempt(
    debtors: Debtors,
    database: Database,
    text: str,
    result: dict[str, Any],
    response: list[str],
) -> None:
    found, said = await check_factor(text)
    assert found == result
    assert said.responses == response
    assert database.actions() == []


# --- the form's run() and required_slots -------------------------------------------------
def form_events(*slot_events: SlotSet) -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "verification_form"},
        {"event": "user", "text": "..."},
        *slot_events,
    ]


async def test_run_validates_the_slot_the_form_extracted(debtors: Debtors) -> None:
    t = tracker(
        "12 maart 1985",
        debtor_reference="48213907",
        second_factor="12 maart 1985",
        events=form_events(SlotSet("second_factor", "12 maart 1985")),
        active_loop="verification_form",
        requested_slot="second_factor",
    )
    slots = (await run(FORM, t)).slots
    assert slots["verified"] is True
    assert slots["debtor_id"] == float(debtors.anna)


async def test_run_with_a_prefilled_reference_and_factor(debtors: Debtors) -> None:
    text = "wat staat er open? klantnr 48213907, 1012AB"
    t = tracker(
        text,
        debtor_reference=text,
        events=form_events(SlotSet("debtor_reference", text)),
        active_loop="verification_form",
    )
    slots = (await run(FORM, t)).slots
    assert slots["verified"] is True
    assert slots["debtor_reference"] == "48213907"


@pytest.mark.parametrize(
    ("slots", "required"),
    [
        ({"verification_locked": True}, []),
        ({"verified": True, "debtor_id": 1.0}, []),
        ({}, ["debtor_reference", "second_factor"]),
    ],
)
async def test_required_slots(slots: dict[str, Any], required: list[str]) -> None:
    asked = ["debtor_reference", "second_factor"]
    assert DOMAIN["forms"]["verification_form"]["required_slots"] == asked
    found = await FORM.required_slots(asked, CollectingDispatcher(), tracker(**slots), DOMAIN)
    assert found == required


# --- asking for verification -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "intent", "ranking", "slots"),
    [
        ("wat is mijn saldo", "ask_balance", None, {"requested_topic": "balance"}),
        ("wat is mijn saldo", "ask_invoices", None, {"requested_topic": "invoices"}),
        ("wat is mijn saldo", "greet", None, {"requested_topic": None}),
        ("wat is mijn saldo", None, None, {"requested_topic": None}),
        # the topic from the ranking, the reference typed with the question
        (
            "wat staat er open, klantnr 48213907",
            "inform",
            [{"name": "inform", "confidence": 0.6}, {"name": "ask_invoices", "confidence": 0.3}],
            {
                "requested_topic": "invoices",
                "debtor_reference": "wat staat er open, klantnr 48213907",
            },
        ),
        (
            "wat is mijn saldo, klantnummer 48213907",
            "ask_balance",
            None,
            {
                "requested_topic": "balance",
                "debtor_reference": "wat is mijn saldo, klantnummer 48213907",
            },
        ),
        # no prefill without a typed reference
        ("wat is mijn saldo?", "ask_balance", None, {"requested_topic": "balance"}),
        ("/ask_balance", "ask_balance", None, {"requested_topic": "balance"}),
        ("/ask_balance 123", "ask_balance", None, {"requested_topic": "balance"}),
    ],
)
async def test_asking_for_verification_remembers_the_topic_and_a_typed_reference(
    database: Database,
    text: str,
    intent: str | None,
    ranking: list[dict[str, Any]] | None,
    slots: dict[str, Any],
) -> None:
    said = await run(REQUEST, tracker(text, intent=intent, ranking=ranking))
    assert said.events == [SlotSet(name, value) for name, value in slots.items()]
    assert said.messages == []


def test_the_requested_topic_ignores_unlikely_intents() -> None:
    t = tracker("x", intent="inform", ranking=[{"name": "ask_balance", "confidence": 0.01}])
    assert requested_topic(t) is None


async def test_asking_is_locked_after_three_failures(database: Database) -> None:
    def fail_three_times(session: Session) -> None:
        for attempt in range(3):
            record_event(
                session=session,
                actor="bot",
                action="verification_failed",
                conversation_id="conversation-1",
                detail={"attempt": attempt + 1},
            )

    database.run(fail_three_times)
    said = await run(
        REQUEST, tracker("wat is mijn saldo, klantnummer 48213907", intent="ask_balance")
    )
    assert said.slots == {"requested_topic": "balance", "verification_locked": True}
    assert said.responses == ["utter_verification_locked"]


async def test_asking_is_not_locked_after_two_failures(debtors: Debtors) -> None:
    for _ in range(2):
        await check_factor("01-01-1990")
    said = await run(REQUEST, tracker("saldo?", intent="ask_balance"))
    assert "verification_locked" not in said.slots
    assert said.messages == []
