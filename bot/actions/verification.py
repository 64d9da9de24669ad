"""Identity verification: a form asks a reference and a second factor; receivables checks them.

Three failed tries lock verification for the conversation and hand it to a collector.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.actions.answers import ANSWERS, TOPICS
from bot.actions.db import get_policy, run_in_session
from bot.actions.language import language_of
from receivables.accounts.debtors import find_debtor_by_reference, get_debtor
from receivables.accounts.invoices import get_open_balance
from receivables.arrangements.plans import list_missed_installments
from receivables.common.dates import format_date
from receivables.common.identifiers import find_reference
from receivables.common.money import format_money
from receivables.handoffs.service import create_handoff
from receivables.policy.limits import handoff_level, profile_treatment
from receivables.profiles.service import current_profile
from receivables.verification.lockout import LockoutRule
from receivables.verification.service import (
    MAX_ATTEMPTS,
    SecondFactor,
    failed_attempts,
    find_second_factor,
    verify_identity,
)

REQUIRED = ["debtor_reference", "second_factor"]
TOPIC_CONFIDENCE = 0.1


@dataclass(frozen=True)
class CheckOutcome:
    debtor_id: int | None
    language: str | None
    failed_attempts: int
    locked: bool
    # the debtor's verification is locked across conversations (see receivables lockout)
    paused: bool = False
    # the debtor's profile group and the tone the policy gives it (set with verification,
    # so that the very first reply after it already speaks in that tone)
    profile: str | None = None
    tone: str | None = None


def _hand_off_failed_verification(
    session: Session,
    *,
    conversation_id: str,
    reference: str,
    topic: str | None,
    why: str = f"{MAX_ATTEMPTS} failed verification attempts",
) -> None:
    debtor = find_debtor_by_reference(session=session, reference=reference)
    balance = get_open_balance(session=session, debtor_id=debtor.id) if debtor else None
    match = f"matches debtor #{debtor.id}" if debtor else "matches no debtor"
    create_handoff(
        session=session,
        conversation_id=conversation_id,
        reason="verification_failed",
        debtor_id=debtor.id if debtor else None,
        level=handoff_level(balance, get_policy()) if balance is not None else "junior",
        summary=(
            f"Not verified: {why}. "
            f"Last reference given: {reference} ({match}). "
            f"Asked about: {topic or 'nothing yet'}."
        ),
    )


def _check(
    session: Session,
    *,
    conversation_id: str,
    reference: str,
    factor: SecondFactor,
    topic: str | None,
) -> CheckOutcome:
    policy = get_policy()
    result = verify_identity(
        session=session,
        conversation_id=conversation_id,
        reference=reference,
        factor=factor,
        lockout=LockoutRule.of(policy.verification),
    )
    if result.debtor:
        profile = current_profile(session=session, debtor_id=result.debtor.id, policy=policy)
        tone = profile_treatment(policy, profile=profile.group).tone
        return CheckOutcome(
            result.debtor.id,
            result.debtor.language,
            result.failed_attempts,
            False,
            profile=profile.group,
            tone=tone,
        )
    if result.just_paused:
        _hand_off_failed_verification(
            session,
            conversation_id=conversation_id,
            reference=reference,
            topic=topic,
            why="verification locked after too many failed attempts across conversations",
        )
    elif result.locked:
        _hand_off_failed_verification(
            session, conversation_id=conversation_id, reference=reference, topic=topic
        )
    return CheckOutcome(None, None, result.failed_attempts, result.locked, result.paused)


def requested_topic(tracker: Tracker) -> str | None:
    """balance or invoices: the question, also when it came with a customer number and the
    message as a whole was read as giving information ("wat staat er open, klantnr 123")."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    if intent in TOPICS:
        return TOPICS[intent]
    for ranked in message.get("intent_ranking") or []:
        if ranked.get("name") in TOPICS and ranked.get("confidence", 0) >= TOPIC_CONFIDENCE:
            return TOPICS[ranked["name"]]
    return None


class ActionRequestVerification(Action):
    """Remember what the debtor asked, and take a reference they already typed."""

    def name(self) -> str:
        return "action_request_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SlotSet("requested_topic", requested_topic(tracker))]
        failures = await run_in_session(
            lambda s: failed_attempts(session=s, conversation_id=tracker.sender_id)
        )
        if failures >= MAX_ATTEMPTS:
            dispatcher.utter_message(response="utter_verification_locked")
            return [*events, SlotSet("verification_locked", True)]
        text = tracker.latest_message.get("text") or ""
        if not text.startswith("/") and find_reference(text):
            events.append(SlotSet("debtor_reference", text))
        return events


class ValidateVerificationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if tracker.get_slot("verification_locked") or tracker.get_slot("verified"):
            return []
        return REQUIRED

    async def validate_debtor_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        reference = find_reference(text)
        if reference is None:
            dispatcher.utter_message(response="utter_reference_not_understood")
            return {"debtor_reference": None}
        # the reference itself is no second factor: "12031985" alone is a customer number here
        factor = find_second_factor(re.sub(re.escape(reference), " ", text, flags=re.IGNORECASE))
        if factor.given:
            return await self._verify(dispatcher, tracker, reference, factor)
        return {"debtor_reference": reference}

    async def validate_second_factor(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        factor = find_second_factor(text)
        reference = find_reference(text)
        if factor.given:
            if reference and find_second_factor(reference).given:
                reference = None  # "12031985" typed on a keypad is the date of birth asked for
            current = reference or tracker.get_slot("debtor_reference")
            if not current:
                return {"debtor_reference": None, "second_factor": None}
            return await self._verify(dispatcher, tracker, current, factor)
        if reference:
            # a corrected customer number: take it and ask the second factor again
            return {"debtor_reference": reference, "second_factor": None}
        dispatcher.utter_message(response="utter_second_factor_not_understood")
        return {"second_factor": None}

    async def _verify(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        reference: str,
        factor: SecondFactor,
    ) -> dict[str, Any]:
        outcome = await run_in_session(
            lambda s: _check(
                s,
                conversation_id=tracker.sender_id,
                reference=reference,
                factor=factor,
                topic=tracker.get_slot("requested_topic"),
            )
        )
        if outcome.debtor_id is not None:
            return {
                "debtor_reference": reference,
                "second_factor": "verified",
                "verified": True,
                "debtor_id": float(outcome.debtor_id),
                "language": outcome.language,
                "profile": outcome.profile,
                "tone": outcome.tone,
            }
        if outcome.paused:
            dispatcher.utter_message(response="utter_verification_paused")
            return {
                "debtor_reference": reference,
                "second_factor": "locked",
                "verification_locked": True,
            }
        if outcome.locked:
            dispatcher.utter_message(response="utter_verification_locked")
            return {
                "debtor_reference": reference,
                "second_factor": "locked",
                "verification_locked": True,
            }
        left = MAX_ATTEMPTS - outcome.failed_attempts
        if left == 1:
            dispatcher.utter_message(response="utter_verification_mismatch_last")
        else:
            dispatcher.utter_message(response="utter_verification_mismatch", attempts_left=left)
        return {"debtor_reference": reference, "second_factor": None, "verification_retry": True}


def _greeting_facts(session: Session, debtor_id: int) -> tuple[str, tuple[Decimal, dt.date] | None]:
    """The debtor's name and the most recent installment of theirs that was missed."""
    name = get_debtor(session=session, debtor_id=debtor_id).name
    missed = list_missed_installments(session=session, debtor_id=debtor_id)
    return name, (missed[-1].amount, missed[-1].due_date) if missed else None


class ActionVerificationComplete(Action):
    """Greets the verified debtor by name and answers the question that started it all."""

    def name(self) -> str:
        return "action_verification_complete"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        debtor_id = tracker.get_slot("debtor_id")
        if not tracker.get_slot("verified") or debtor_id is None:
            return []  # locked: the debtor was already told a colleague takes over
        name, missed = await run_in_session(lambda s: _greeting_facts(s, int(debtor_id)))
        dispatcher.utter_message(response="utter_verified", name=name)
        if missed is not None:
            language = language_of(tracker)
            dispatcher.utter_message(
                response="utter_missed_installment",
                amount=format_money(missed[0], language),
                date=format_date(missed[1], language),
            )
        answer = ANSWERS.get(tracker.get_slot("requested_topic") or "")
        events: list[dict[str, Any]] = []
        if answer:
            events = await answer(dispatcher, tracker, int(debtor_id)) or []
        else:
            dispatcher.utter_message(response="utter_how_can_help")
        return [SlotSet("requested_topic", None), *events]
