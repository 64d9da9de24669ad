"""The Rasa SDK actions, run against a real (temporary SQLite) database.

Trackers are built with `Tracker.from_dict`, replies collected by a `CollectingDispatcher`;
the dispatcher's messages carry the response name and its template variables.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.actions import db as action_db
from bot.actions.account import ActionPaymentOptions, verified_debtor_id
from bot.actions.answers import (
    ActionCheckPayment,
    ActionListInvoices,
    ActionPayNow,
    ActionProposePlan,
    ActionProposePromise,
    ActionTellBalance,
)
from bot.actions.arrangements import ActionConfirmArrangement, ActionDeclineArrangement
from bot.actions.escalation import ActionHandOff
from bot.actions.followup import ActionFollowUp
from bot.actions.formatting import invoice_lines, payment_option_lines
from bot.actions.greeting import ActionGreet
from bot.actions.language import language_of
from bot.actions.verification import (
    ActionRequestVerification,
    ActionVerificationComplete,
    ValidateVerificationForm,
    requested_topic,
)
from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import OpenInvoice, create_invoice, list_open_invoices
from receivables.arrangements.plans import list_plans
from receivables.arrangements.promises import list_promises
from receivables.audit.events import list_events, record_event
from receivables.common.dates import format_date
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.migrate import upgrade
from receivables.models import Handoff, Installment, PaymentPlan
from receivables.payments.booking import book_payment
from receivables.policy.model import load_policy

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date.today()
DOB = dt.date(1985, 3, 12)


# --- fixtures --------------------------------------------------------------------------


@dataclass
class Debtors:
    anna: int  # nl, 150.00 overdue + 89.95 not yet due = 239.95
    mark: int  # en, 1249.50 of which 249.50 paid = 1000.00 open
    sanne: int  # nl, paid up
    james: int  # en, no date of birth on record, postcode 1017CT


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.factory = make_session_factory(self.engine)

    def run(self, work: Callable[[Session], T]) -> T:
        with session_scope(self.factory) as session:
            return work(session)

    def handoffs(self, conversation_id: str) -> list[Handoff]:
        return self.run(
            lambda s: list(
                s.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id))
            )
        )

    def actions(self, conversation_id: str) -> list[str]:
        return self.run(
            lambda s: [e.action for e in list_events(session=s, conversation_id=conversation_id)]
        )


def _seed(session: Session) -> Debtors:
    anna = create_debtor(
        session=session,
        reference="48213907",
        name="Anna de Vries",
        date_of_birth=DOB,
        postcode="1012 AB",
        language="nl",
    )
    create_invoice(
        session=session,
        debtor=anna,
        number="F2026-0042",
        amount=Decimal("150.00"),
        issue_date=TODAY - dt.timedelta(days=45),
        due_date=TODAY - dt.timedelta(days=31),
    )
    create_invoice(
        session=session,
        debtor=anna,
        number="F2026-0107",
        amount=Decimal("89.95"),
        issue_date=TODAY - dt.timedelta(days=10),
        due_date=TODAY + dt.timedelta(days=4),
    )
    mark = create_debtor(
        session=session,
        reference="KL-2291",
        name="Mark Jansen",
        date_of_birth=dt.date(1979, 5, 3),
        postcode="3511CE",
        language="en",
    )
    create_invoice(
        session=session,
        debtor=mark,
        number="F2026-0113",
        amount=Decimal("1249.50"),
        issue_date=TODAY - dt.timedelta(days=60),
        due_date=TODAY - dt.timedelta(days=30),
    )
    book_payment(session=session, debtor=mark, amount=Decimal("249.50"))
    sanne = create_debtor(
        session=session,
        reference="KL-3050",
        name="Sanne Visser",
        date_of_birth=dt.date(1990, 7, 19),
        postcode="5611AZ",
        language="nl",
    )
    create_invoice(
        session=session,
        debtor=sanne,
        number="F2026-0140",
        amount=Decimal("210.00"),
        issue_date=TODAY - dt.timedelta(days=20),
        due_date=TODAY - dt.timedelta(days=6),
    )
    book_payment(session=session, debtor=sanne, amount=Decimal("210.00"))
    james = create_debtor(
        session=session, reference="EN-1001", name="James Miller", postcode="1017CT", language="en"
    )
    create_invoice(
        session=session,
        debtor=james,
        number="INV-10233",
        amount=Decimal("3000.00"),
        issue_date=TODAY - dt.timedelta(days=35),
        due_date=TODAY - dt.timedelta(days=21),
    )
    return Debtors(anna=anna.id, mark=mark.id, sanne=sanne.id, james=james.id)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'settle.db'}"
    monkeypatch.setenv("SETTLE_DATABASE_URL", url)
    monkeypatch.delenv("SETTLE_POLICY_FILE", raising=False)
    action_db._factory.cache_clear()
    action_db.get_policy.cache_clear()
    upgrade(url)
    database = Database(url)
    yield database
    database.engine.dispose()
    action_db._factory().kw["bind"].dispose()
    action_db._factory.cache_clear()
    action_db.get_policy.cache_clear()


@pytest.fixture
def debtors(database: Database) -> Debtors:
    return database.run(_seed)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def _load_domain() -> dict[str, Any]:
    domain: dict[str, Any] = {}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if isinstance(value, dict):
                domain.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                domain.setdefault(key, []).extend(value)
    return domain


DOMAIN = _load_domain()
SLOT_DEFAULTS = {name: slot.get("initial_value") for name, slot in DOMAIN["slots"].items()}


def tracker(
    text: str = "",
    *,
    intent: str | None = None,
    ranking: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    sender: str = "conversation-1",
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    **slots: Any,
) -> Tracker:
    message: dict[str, Any] = {"text": text, "entities": []}
    if intent:
        message["intent"] = {"name": intent, "confidence": 0.95}
    if ranking is not None:
        message["intent_ranking"] = ranking
    if metadata is not None:
        message["metadata"] = metadata
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": {**SLOT_DEFAULTS, **slots},
            "latest_message": message,
            "events": events or [],
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def verified(debtor_id: int, language: str, **kwargs: Any) -> Tracker:
    return tracker(verified=True, debtor_id=float(debtor_id), language=language, **kwargs)


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


def only(dispatcher: CollectingDispatcher, response: str) -> dict[str, Any]:
    found = [m for m in dispatcher.messages if m["response"] == response]
    assert len(found) == 1, responses(dispatcher)
    return found[0]


def all_text(dispatcher: CollectingDispatcher) -> str:
    return repr(dispatcher.messages)


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


# --- language_of ----------------------------------------------------------------------


def test_language_of_defaults_to_dutch() -> None:
    assert language_of(tracker(language="en")) == "en"
    assert language_of(tracker(language=None)) == "nl"
    assert language_of(tracker(language="fr")) == "nl"


# --- ValidateVerificationForm: reference ----------------------------------------------

FORM = ValidateVerificationForm()


async def test_bare_reference_is_taken(debtors: Debtors, dispatcher: CollectingDispatcher) -> None:
    result = await FORM.validate_debtor_reference("48213907", dispatcher, tracker(), DOMAIN)
    assert result == {"debtor_reference": "48213907"}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("mijn klantnummer is kl-2291", "KL-2291"),
        ("het gaat om factuur F2026-0042", "F2026-0042"),
        ("my customer number is 48213907.", "48213907"),
    ],
)
async def test_reference_from_free_text(
    debtors: Debtors, dispatcher: CollectingDispatcher, text: str, reference: str
) -> None:
    result = await FORM.validate_debtor_reference(text, dispatcher, tracker(), DOMAIN)
    assert result == {"debtor_reference": reference}


@pytest.mark.parametrize("value", ["hallo", "weet ik niet", "1234 AB", "12-03-1985", "", None])
async def test_nothing_usable_as_reference(
    database: Database, dispatcher: CollectingDispatcher, value: Any
) -> None:
    result = await FORM.validate_debtor_reference(value, dispatcher, tracker(), DOMAIN)
    assert result == {"debtor_reference": None}
    assert responses(dispatcher) == ["utter_reference_not_understood"]
    assert database.actions("conversation-1") == []  # not counted as a failed attempt


async def test_reference_and_date_of_birth_in_one_message_verify(
    debtors: Debtors, database: Database, dispatcher: CollectingDispatcher
) -> None:
    t = tracker("klantnummer 48213907, geboren 12 maart 1985")
    result = await FORM.validate_debtor_reference(t.latest_message["text"], dispatcher, t, DOMAIN)
    assert result["verified"] is True
    assert result["debtor_id"] == float(debtors.anna)
    assert result["debtor_reference"] == "48213907"
    assert result["language"] == "nl"
    assert result["second_factor"] == "verified"
    assert database.actions("conversation-1") == ["verification_succeeded"]


async def test_invoice_number_and_postcode_in_one_message_verify(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = tracker("invoice F2026-0113, postcode 3511 ce", language="nl")
    result = await FORM.validate_debtor_reference(t.latest_message["text"], dispatcher, t, DOMAIN)
    assert result["verified"] is True
    assert result["debtor_id"] == float(debtors.mark)
    assert result["language"] == "en"  # the debtor's own language from now on


async def test_keypad_reference_that_looks_like_a_date_is_only_a_reference(
    database: Database, dispatcher: CollectingDispatcher
) -> None:
    # a customer number typed on a keypad can read as DDMMYYYY; on its own it is a
    # reference, not a reference plus a (wrong) date of birth that costs an attempt
    result = await FORM.validate_debtor_reference("12031985", dispatcher, tracker(), DOMAIN)
    assert result == {"debtor_reference": "12031985"}
    assert database.actions("conversation-1") == []


# --- ValidateVerificationForm: second factor ------------------------------------------


async def check_factor(
    text: str, dispatcher: CollectingDispatcher, reference: str = "48213907", **slots: Any
) -> dict[str, Any]:
    t = tracker(text, debtor_reference=reference, **slots)
    return await FORM.validate_second_factor(text, dispatcher, t, DOMAIN)


@pytest.mark.parametrize("text", ["12-03-1985", "12 maart 1985", "March 12th, 1985", "12031985"])
async def test_right_date_of_birth_verifies(
    debtors: Debtors, database: Database, dispatcher: CollectingDispatcher, text: str
) -> None:
    result = await check_factor(text, dispatcher, language="en")
    assert result == {
        "debtor_reference": "48213907",
        "second_factor": "verified",
        "verified": True,
        "debtor_id": float(debtors.anna),
        "language": "nl",
        "profile": "no_information",
        "tone": "neutral",
    }
    assert dispatcher.messages == []
    assert database.actions("conversation-1") == ["verification_succeeded"]


async def test_postcode_verifies(debtors: Debtors, dispatcher: CollectingDispatcher) -> None:
    result = await check_factor("mijn postcode is 1012 ab", dispatcher)
    assert result["verified"] is True
    assert result["debtor_id"] == float(debtors.anna)


async def test_postcode_verifies_a_debtor_without_date_of_birth(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    result = await check_factor("1017CT", dispatcher, reference="EN-1001")
    assert result["verified"] is True
    assert result["debtor_id"] == float(debtors.james)
    assert result["language"] == "en"


async def test_reference_in_lower_case_verifies(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    result = await check_factor("03-05-1979", dispatcher, reference="kl-2291")
    assert result["verified"] is True
    assert result["debtor_id"] == float(debtors.mark)


async def test_wrong_date_of_birth_is_a_mismatch(
    debtors: Debtors, database: Database, dispatcher: CollectingDispatcher
) -> None:
    result = await check_factor("13-03-1985", dispatcher)
    assert result == {
        "debtor_reference": "48213907",
        "second_factor": None,
        "verification_retry": True,
    }
    message = only(dispatcher, "utter_verification_mismatch")
    assert message["attempts_left"] == 2
    assert "verified" not in result and "debtor_id" not in result
    assert database.actions("conversation-1") == ["verification_failed"]


async def test_unknown_reference_is_a_mismatch_that_reveals_nothing(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    result = await check_factor("12-03-1985", dispatcher, reference="99999999")
    assert result["second_factor"] is None
    assert only(dispatcher, "utter_verification_mismatch")["attempts_left"] == 2
    assert "Anna" not in all_text(dispatcher)


async def test_second_mismatch_says_one_attempt_left(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    await check_factor("13-03-1985", CollectingDispatcher())
    result = await check_factor("9999 ZZ", dispatcher)
    assert result["verification_retry"] is True
    assert responses(dispatcher) == ["utter_verification_mismatch_last"]


async def test_third_failure_locks_and_hands_off(
    debtors: Debtors, database: Database, dispatcher: CollectingDispatcher
) -> None:
    await check_factor("13-03-1985", CollectingDispatcher())
    await check_factor("14-03-1985", CollectingDispatcher())
    result = await check_factor("15-03-1985", dispatcher, requested_topic="balance")
    assert result == {
        "debtor_reference": "48213907",
        "second_factor": "locked",
        "verification_locked": True,
    }
    assert responses(dispatcher) == ["utter_verification_locked"]
    [handoff] = database.handoffs("conversation-1")
    assert handoff.reason == "verification_failed"
    assert handoff.debtor_id == debtors.anna
    assert handoff.level == "junior"
    assert handoff.status == "waiting"
    assert "48213907" in handoff.summary and "balance" in handoff.summary
    assert database.actions("conversation-1").count("verification_failed") == 3


async def test_locked_for_a_large_balance_goes_to_a_senior(
    debtors: Debtors, database: Database
) -> None:
    for _ in range(3):
        await check_factor("1234 AB", CollectingDispatcher(), reference="EN-1001")
    [handoff] = database.handoffs("conversation-1")
    assert handoff.level == "senior"  # 3000.00 is above the policy's 2500.00


async def test_locked_with_an_unknown_reference_hands_off_without_a_debtor(
    debtors: Debtors, database: Database
) -> None:
    for _ in range(3):
        await check_factor("12-03-1985", CollectingDispatcher(), reference="00000000")
    [handoff] = database.handoffs("conversation-1")
    assert handoff.debtor_id is None
    assert handoff.level == "junior"
    assert "matches no debtor" in handoff.summary


async def test_after_the_lock_even_the_right_factor_fails(
    debtors: Debtors, database: Database, dispatcher: CollectingDispatcher
) -> None:
    for _ in range(3):
        await check_factor("01-01-1990", CollectingDispatcher())
    result = await check_factor("12-03-1985", dispatcher)
    assert result.get("verified") is not True
    assert result["verification_locked"] is True
    assert len(database.handoffs("conversation-1")) == 1  # no second handoff


async def test_failures_count_per_conversation(debtors: Debtors) -> None:
    for _ in range(2):
        await check_factor("01-01-1990", CollectingDispatcher())
    t = tracker("12-03-1985", debtor_reference="48213907", sender="conversation-2")
    result = await FORM.validate_second_factor("12-03-1985", CollectingDispatcher(), t, DOMAIN)
    assert result["verified"] is True


async def test_corrected_reference_at_the_factor_step_replaces_the_reference(
    debtors: Debtors, database: Database, dispatcher: CollectingDispatcher
) -> None:
    result = await check_factor("sorry, het is KL-2291", dispatcher, reference="48213907")
    assert result == {"debtor_reference": "KL-2291", "second_factor": None}
    assert dispatcher.messages == []
    assert database.actions("conversation-1") == []


async def test_corrected_reference_with_a_factor_verifies_against_the_new_one(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    result = await check_factor("KL-2291 03-05-1979", dispatcher, reference="48213907")
    assert result["verified"] is True
    assert result["debtor_id"] == float(debtors.mark)
    assert result["debtor_reference"] == "KL-2291"


async def test_factor_step_without_a_factor(
    database: Database, dispatcher: CollectingDispatcher
) -> None:
    result = await check_factor("weet ik niet", dispatcher)
    assert result == {"second_factor": None}
    assert responses(dispatcher) == ["utter_second_factor_not_understood"]
    assert database.actions("conversation-1") == []


# --- ValidateVerificationForm: through run() and required_slots ------------------------


def form_events(*slot_events: SlotSet) -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "verification_form"},
        {"event": "user", "text": "..."},
        *slot_events,
    ]


async def test_run_validates_the_slot_the_form_extracted(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = tracker(
        "12 maart 1985",
        debtor_reference="48213907",
        second_factor="12 maart 1985",
        events=form_events(SlotSet("second_factor", "12 maart 1985")),
        active_loop="verification_form",
        requested_slot="second_factor",
    )
    events = await FORM.run(dispatcher, t, DOMAIN)
    slots = slots_of(events)
    assert slots["verified"] is True
    assert slots["debtor_id"] == float(debtors.anna)


async def test_run_with_a_prefilled_reference_and_factor(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    text = "wat staat er open? klantnr 48213907, 1012AB"
    t = tracker(
        text,
        debtor_reference=text,
        events=form_events(SlotSet("debtor_reference", text)),
        active_loop="verification_form",
    )
    slots = slots_of(await FORM.run(dispatcher, t, DOMAIN))
    assert slots["verified"] is True
    assert slots["debtor_reference"] == "48213907"


@pytest.mark.parametrize(
    "slots",
    [
        {"verification_locked": True},
        {"verified": True, "debtor_id": 1.0},
    ],
)
async def test_required_slots_empty_when_locked_or_verified(slots: dict[str, Any]) -> None:
    required = await FORM.required_slots(
        ["debtor_reference", "second_factor"], CollectingDispatcher(), tracker(**slots), DOMAIN
    )
    assert required == []


async def test_required_slots_while_verifying() -> None:
    required = await FORM.required_slots(
        ["debtor_reference", "second_factor"], CollectingDispatcher(), tracker(), DOMAIN
    )
    assert required == ["debtor_reference", "second_factor"]
    assert DOMAIN["forms"]["verification_form"]["required_slots"] == required


# --- ActionRequestVerification ---------------------------------------------------------

REQUEST = ActionRequestVerification()


@pytest.mark.parametrize(
    ("intent", "topic"),
    [("ask_balance", "balance"), ("ask_invoices", "invoices"), ("greet", None), (None, None)],
)
async def test_request_remembers_the_topic(
    database: Database, dispatcher: CollectingDispatcher, intent: str | None, topic: str | None
) -> None:
    events = await REQUEST.run(dispatcher, tracker("wat is mijn saldo", intent=intent), DOMAIN)
    assert events == [SlotSet("requested_topic", topic)]
    assert dispatcher.messages == []


async def test_request_reads_the_topic_from_the_ranking(
    database: Database, dispatcher: CollectingDispatcher
) -> None:
    t = tracker(
        "wat staat er open, klantnr 48213907",
        intent="inform",
        ranking=[
            {"name": "inform", "confidence": 0.6},
            {"name": "ask_invoices", "confidence": 0.3},
        ],
    )
    events = await REQUEST.run(dispatcher, t, DOMAIN)
    assert slots_of(events) == {
        "requested_topic": "invoices",
        "debtor_reference": "wat staat er open, klantnr 48213907",
    }


def test_requested_topic_ignores_unlikely_intents() -> None:
    t = tracker("x", intent="inform", ranking=[{"name": "ask_balance", "confidence": 0.01}])
    assert requested_topic(t) is None


async def test_request_prefills_a_reference_typed_with_the_question(
    database: Database, dispatcher: CollectingDispatcher
) -> None:
    t = tracker("wat is mijn saldo, klantnummer 48213907", intent="ask_balance")
    events = await REQUEST.run(dispatcher, t, DOMAIN)
    assert slots_of(events) == {
        "requested_topic": "balance",
        "debtor_reference": "wat is mijn saldo, klantnummer 48213907",
    }


@pytest.mark.parametrize("text", ["wat is mijn saldo?", "/ask_balance", "/ask_balance 123"])
async def test_request_does_not_prefill_without_a_typed_reference(
    database: Database, dispatcher: CollectingDispatcher, text: str
) -> None:
    events = await REQUEST.run(dispatcher, tracker(text, intent="ask_balance"), DOMAIN)
    assert "debtor_reference" not in slots_of(events)


async def test_request_is_locked_after_three_failures(
    database: Database, dispatcher: CollectingDispatcher
) -> None:
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
    t = tracker("wat is mijn saldo, klantnummer 48213907", intent="ask_balance")
    events = await REQUEST.run(dispatcher, t, DOMAIN)
    assert slots_of(events) == {"requested_topic": "balance", "verification_locked": True}
    assert responses(dispatcher) == ["utter_verification_locked"]


async def test_request_is_not_locked_after_two_failures(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    for _ in range(2):
        await check_factor("01-01-1990", CollectingDispatcher())
    events = await REQUEST.run(dispatcher, tracker("saldo?", intent="ask_balance"), DOMAIN)
    assert "verification_locked" not in slots_of(events)
    assert dispatcher.messages == []


# --- ActionTellBalance / ActionListInvoices --------------------------------------------


@pytest.mark.parametrize("action", [ActionTellBalance(), ActionListInvoices()])
@pytest.mark.parametrize(
    "slots",
    [
        {},
        {"debtor_id": 1.0},  # a debtor id alone is no verification
        {"verified": True},  # verified without a debtor
        {"verified": False, "debtor_id": 1.0, "debtor_reference": "48213907"},
    ],
)
async def test_account_actions_refuse_without_verification(
    debtors: Debtors, database: Database, action: Any, slots: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker("wat is mijn saldo", **slots), DOMAIN)
    assert events == []
    assert responses(dispatcher) == ["utter_verification_unavailable"]
    text = all_text(dispatcher)
    for amount in ("239", "150", "89", "1000", "1.000", "1,000"):
        assert amount not in text
    assert database.actions("conversation-1") == []


def test_verified_debtor_id() -> None:
    assert verified_debtor_id(tracker(verified=True, debtor_id=7.0)) == 7
    assert verified_debtor_id(tracker(verified=False, debtor_id=7.0)) is None
    assert verified_debtor_id(tracker(verified=True)) is None


async def test_balance_in_dutch(
    debtors: Debtors, database: Database, dispatcher: CollectingDispatcher
) -> None:
    events = await ActionTellBalance().run(dispatcher, verified(debtors.anna, "nl"), DOMAIN)
    assert events == []
    # one message: the amount, then what of it is overdue (the options come with it)
    said = only(dispatcher, "utter_balance_overdue")
    assert (said["balance"], said["overdue"]) == ("€ 239,95", "€ 150,00")
    assert database.actions("conversation-1") == ["told_balance"]


async def test_balance_in_english(debtors: Debtors, dispatcher: CollectingDispatcher) -> None:
    await ActionTellBalance().run(dispatcher, verified(debtors.anna, "en"), DOMAIN)
    said = only(dispatcher, "utter_balance_overdue")
    assert (said["balance"], said["overdue"]) == ("€239.95", "€150.00")


async def test_balance_after_a_partial_payment(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    await ActionTellBalance().run(dispatcher, verified(debtors.mark, "en"), DOMAIN)
    # everything open is overdue: no separate overdue line
    assert responses(dispatcher) == ["utter_balance"]
    assert dispatcher.messages[0]["balance"] == "€1,000.00"


async def test_balance_of_a_paid_up_debtor(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    await ActionTellBalance().run(dispatcher, verified(debtors.sanne, "nl"), DOMAIN)
    assert responses(dispatcher) == ["utter_balance_zero"]


async def test_balance_tells_only_the_verified_debtors_own_account(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = verified(debtors.mark, "nl", debtor_reference="48213907")
    await ActionTellBalance().run(dispatcher, t, DOMAIN)
    assert only(dispatcher, "utter_balance")["balance"] == "€ 1.000,00"


async def test_invoice_list_in_dutch(
    debtors: Debtors, database: Database, dispatcher: CollectingDispatcher
) -> None:
    await ActionListInvoices().run(dispatcher, verified(debtors.anna, "nl"), DOMAIN)
    message = only(dispatcher, "utter_open_invoices")
    assert message["balance"] == "€ 239,95"
    lines = message["invoice_lines"].split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("• F2026-0042: € 150,00, te betalen uiterlijk ")
    assert lines[0].endswith(" – over de vervaldatum")
    assert lines[1].startswith("• F2026-0107: € 89,95, te betalen uiterlijk ")
    assert "vervaldatum" not in lines[1]
    assert database.actions("conversation-1") == ["told_invoices"]


async def test_invoice_list_in_english_with_a_partly_paid_invoice(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    await ActionListInvoices().run(dispatcher, verified(debtors.mark, "en"), DOMAIN)
    message = only(dispatcher, "utter_open_invoices")
    assert message["balance"] == "€1,000.00"
    assert message["invoice_lines"].startswith("• F2026-0113: €1,000.00, due ")
    assert "(still open of €1,249.50) – overdue" in message["invoice_lines"]


async def test_invoice_list_of_a_paid_up_debtor(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    await ActionListInvoices().run(dispatcher, verified(debtors.sanne, "en"), DOMAIN)
    assert responses(dispatcher) == ["utter_no_open_invoices"]


# --- ActionVerificationComplete --------------------------------------------------------

COMPLETE = ActionVerificationComplete()


async def test_complete_answers_the_balance_question(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = verified(debtors.anna, "nl", requested_topic="balance")
    events = await COMPLETE.run(dispatcher, t, DOMAIN)
    assert events == [SlotSet("requested_topic", None)]
    assert responses(dispatcher) == ["utter_verified", "utter_balance_overdue"]
    assert dispatcher.messages[0]["name"] == "Anna de Vries"
    assert dispatcher.messages[1]["balance"] == "€ 239,95"


async def test_complete_answers_the_invoices_question(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = verified(debtors.mark, "en", requested_topic="invoices")
    await COMPLETE.run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_verified", "utter_open_invoices"]
    assert dispatcher.messages[0]["name"] == "Mark Jansen"
    assert dispatcher.messages[1]["balance"] == "€1,000.00"


async def test_complete_without_a_question_asks_how_to_help(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    await COMPLETE.run(dispatcher, verified(debtors.anna, "nl"), DOMAIN)
    assert responses(dispatcher) == ["utter_verified", "utter_how_can_help"]


async def test_complete_mentions_a_missed_installment(
    database: Database, debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    def missed_plan(session: Session) -> None:
        plan = PaymentPlan(debtor_id=debtors.mark, total=Decimal("1000.00"), status="broken")
        session.add(plan)
        session.flush()
        session.add(
            Installment(
                plan_id=plan.id,
                sequence=1,
                amount=Decimal("500.00"),
                due_date=dt.date(2026, 10, 1),
                status="broken",
            )
        )

    database.run(missed_plan)
    await COMPLETE.run(dispatcher, verified(debtors.mark, "en"), DOMAIN)
    assert responses(dispatcher) == [
        "utter_verified",
        "utter_missed_installment",
        "utter_how_can_help",
    ]
    assert dispatcher.messages[1]["amount"] == "€500.00"
    assert dispatcher.messages[1]["date"] == "1 October 2026"


async def test_complete_says_nothing_when_not_verified(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = tracker(verification_locked=True, requested_topic="balance", debtor_id=1.0)
    assert await COMPLETE.run(dispatcher, t, DOMAIN) == []
    assert dispatcher.messages == []


# --- ActionPaymentOptions --------------------------------------------------------------


async def test_payment_options_in_dutch(
    database: Database, dispatcher: CollectingDispatcher
) -> None:
    await ActionPaymentOptions().run(
        dispatcher, tracker("hoe kan ik betalen", language="nl"), DOMAIN
    )
    options = only(dispatcher, "utter_payment_options")["options"].split("\n")
    assert options == [
        "• iDEAL: ik kan u een veilige betaallink sturen",
        "• Overschrijving naar NL91 ABNA 0417 1643 00 t.n.v. Voorbeeld Energie B.V., "
        "met uw factuurnummer",
    ]


async def test_payment_options_in_english_need_no_verification(
    database: Database, dispatcher: CollectingDispatcher
) -> None:
    await ActionPaymentOptions().run(dispatcher, tracker("how can i pay", language="en"), DOMAIN)
    options = only(dispatcher, "utter_payment_options")["options"]
    assert options.startswith("• iDEAL: I can send you a secure payment link\n• Bank transfer to")


async def test_payment_options_follow_the_policy_file(
    database: Database,
    dispatcher: CollectingDispatcher,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = yaml.safe_load((ROOT / "config" / "policy.yml").read_text(encoding="utf-8"))
    data["payment"]["methods"] = ["creditcard", "bancontact"]
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("SETTLE_POLICY_FILE", str(path))
    action_db.get_policy.cache_clear()
    await ActionPaymentOptions().run(dispatcher, tracker(language="en"), DOMAIN)
    assert only(dispatcher, "utter_payment_options")["options"] == (
        "• Credit card, through a secure payment link\n• Bancontact, through a secure payment link"
    )


# --- formatting ------------------------------------------------------------------------


def open_invoice(
    number: str, amount: str, open_amount: str, due: dt.date, status: str = "open"
) -> OpenInvoice:
    return OpenInvoice(
        id=1,
        number=number,
        amount=Decimal(amount),
        open_amount=Decimal(open_amount),
        currency="EUR",
        issue_date=due - dt.timedelta(days=14),
        due_date=due,
        description=None,
        status=status,
    )


FIXED_TODAY = dt.date(2026, 3, 12)


def test_invoice_lines_in_dutch() -> None:
    invoices = [
        open_invoice("F2026-0042", "150.00", "150.00", dt.date(2026, 2, 1)),
        open_invoice("F2026-0107", "1249.50", "1000.00", dt.date(2026, 3, 20)),
    ]
    assert invoice_lines(invoices, "nl", FIXED_TODAY) == (
        "• F2026-0042: € 150,00, te betalen uiterlijk 1 februari 2026 – over de vervaldatum\n"
        "• F2026-0107: € 1.000,00, te betalen uiterlijk 20 maart 2026 (nog open van € 1.249,50)"
    )


def test_invoice_lines_in_english() -> None:
    invoices = [
        open_invoice("INV-1", "150.00", "100.00", dt.date(2026, 2, 1)),
        open_invoice("INV-2", "89.95", "89.95", dt.date(2026, 3, 12)),
    ]
    assert invoice_lines(invoices, "en", FIXED_TODAY) == (
        "• INV-1: €100.00, due 1 February 2026 (still open of €150.00) – overdue\n"
        "• INV-2: €89.95, due 12 March 2026"  # due today is not overdue
    )


def test_invoice_lines_for_no_invoices() -> None:
    assert invoice_lines([], "nl", FIXED_TODAY) == ""


def test_payment_option_lines_skip_bank_transfer_without_iban() -> None:
    data = yaml.safe_load((ROOT / "config" / "policy.yml").read_text(encoding="utf-8"))
    data["creditor"]["iban"] = None
    policy = load_policy_from(data)
    assert payment_option_lines(policy, "nl") == "• iDEAL: ik kan u een veilige betaallink sturen"


def test_payment_option_lines_use_the_creditor_name_without_account_holder() -> None:
    data = yaml.safe_load((ROOT / "config" / "policy.yml").read_text(encoding="utf-8"))
    data["creditor"]["account_holder"] = None
    data["creditor"]["name"] = "Acme B.V."
    data["payment"]["methods"] = ["bank_transfer"]
    policy = load_policy_from(data)
    assert payment_option_lines(policy, "en") == (
        "• Bank transfer to NL91 ABNA 0417 1643 00 in the name of Acme B.V., "
        "quoting your invoice number"
    )
    # a language Settle does not write reads as the one rule says: Dutch
    assert payment_option_lines(policy, "fr").startswith("• Overschrijving")


def load_policy_from(data: dict[str, Any]) -> Any:
    from receivables.policy.model import Policy

    return Policy.model_validate(data)


def test_the_shipped_policy_is_what_the_actions_use(database: Database) -> None:
    assert action_db.get_policy() == load_policy()


# --- paying ----------------------------------------------------------------------------


async def test_pay_now_gives_a_link_for_the_whole_balance_once(
    database: Database, debtors: Debtors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SETTLE_PUBLIC_URL", "https://pay.example.nl/")
    urls = []
    for _ in range(2):  # a retried action gives the same link
        dispatcher = CollectingDispatcher()
        t = verified(debtors.anna, "nl", text="ik wil nu betalen", intent="pay_now")
        await ActionPayNow().run(dispatcher, t, DOMAIN)
        message = only(dispatcher, "utter_payment_link")
        assert message["amount"] == "€ 239,95"
        assert message["what"] == "uw volledige openstaande saldo"
        urls.append(message["url"])
    assert urls[0] == urls[1] and urls[0].startswith("https://pay.example.nl/pay/")
    assert database.actions("conversation-1").count("payment_link_created") == 1


async def test_pay_now_for_one_invoice_named_before_verification(
    database: Database, debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    asked = {
        "event": "user",
        "text": "send me a link for invoice 10233",
        "parse_data": {"intent": {"name": "pay_now", "confidence": 0.9}},
    }
    answered = {
        "event": "user",
        "text": "1017 CT",
        "parse_data": {"intent": {"name": "inform", "confidence": 0.9}},
    }
    t = verified(debtors.james, "en", text="1017 CT", intent="inform", events=[asked, answered])
    await ActionPayNow().run(dispatcher, t, DOMAIN)
    message = only(dispatcher, "utter_payment_link")
    assert (message["amount"], message["what"]) == ("€3,000.00", "invoice INV-10233")


async def test_pay_now_with_nothing_open_and_without_verification(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    await ActionPayNow().run(dispatcher, verified(debtors.sanne, "nl", intent="pay_now"), DOMAIN)
    assert responses(dispatcher) == ["utter_nothing_to_pay"]
    stranger = CollectingDispatcher()
    await ActionPayNow().run(stranger, tracker("ik wil betalen", intent="pay_now"), DOMAIN)
    assert responses(stranger) == ["utter_verification_unavailable"]


async def test_already_paid_tells_what_is_on_record(
    debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    await ActionCheckPayment().run(dispatcher, verified(debtors.mark, "en"), DOMAIN)
    found = only(dispatcher, "utter_payments_found")
    assert found["payment_lines"].startswith("• €249.50 on ")
    assert found["balance_line"] == "Your outstanding balance is now €1,000.00."
    none = CollectingDispatcher()
    await ActionCheckPayment().run(none, verified(debtors.anna, "nl"), DOMAIN)
    assert only(none, "utter_no_payment_found")["balance"] == "€ 239,95"


# --- handing off to a person -----------------------------------------------------------


async def test_cannot_pay_hands_off_with_empathy_flags_and_summary(
    database: Database, debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = verified(
        debtors.anna,
        "nl",
        text="mijn man is overleden, ik kan het niet betalen",
        intent="cannot_pay",
        sender="c-hardship",
    )
    await ActionHandOff().run(dispatcher, t, DOMAIN)
    said = responses(dispatcher)
    assert said[:2] == ["utter_handoff_cannot_pay", "utter_debt_help"]
    assert said[2] in (
        "utter_handoff_when_open",
        "utter_handoff_when_open_wait",
        "utter_handoff_when_later",
    )
    [handoff] = database.handoffs("c-hardship")
    assert (handoff.reason, handoff.level, handoff.status) == ("cannot_pay", "junior", "waiting")
    assert handoff.flags == ["bereavement"] and handoff.balance == Decimal("239.95")
    assert "Anna de Vries (48213907), verified." in handoff.summary
    # a retried action creates no second handoff
    await ActionHandOff().run(CollectingDispatcher(), t, DOMAIN)
    assert len(database.handoffs("c-hardship")) == 1


async def test_a_dispute_puts_the_named_invoice_on_hold(
    database: Database, debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = verified(
        debtors.anna,
        "nl",
        text="factuur F2026-0107 klopt niet",
        intent="dispute",
        sender="c-dispute",
    )
    await ActionHandOff().run(dispatcher, t, DOMAIN)
    assert only(dispatcher, "utter_invoice_on_hold")["number"] == "F2026-0107"
    [handoff] = database.handoffs("c-dispute")
    assert handoff.reason == "dispute" and "F2026-0107 (put on hold)" in handoff.summary
    statuses = database.run(
        lambda s: {
            i.number: i.status for i in list_open_invoices(session=s, debtor_id=debtors.anna)
        }
    )
    assert statuses == {"F2026-0042": "open", "F2026-0107": "on_hold"}


async def test_a_stranger_asking_for_a_person_is_handed_off_without_account_data(
    database: Database, debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = tracker(
        "I want to talk to a person", intent="request_human", language="en", sender="c-human"
    )
    await ActionHandOff().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher)[0] == "utter_handoff_requested_human"
    [handoff] = database.handoffs("c-human")
    assert handoff.reason == "requested_human" and handoff.debtor_id is None
    assert handoff.balance is None and "NOT verified" in handoff.summary


async def test_a_large_balance_goes_to_a_senior(
    database: Database, debtors: Debtors, dispatcher: CollectingDispatcher
) -> None:
    t = verified(debtors.james, "en", text="I have no money", intent="cannot_pay", sender="c-big")
    await ActionHandOff().run(dispatcher, t, DOMAIN)
    [handoff] = database.handoffs("c-big")
    assert handoff.level == "senior" and handoff.balance == Decimal("3000.00")


# --- plans and promises ----------------------------------------------------------------


def plans_of(database: Database, debtor_id: int) -> list[list[tuple[str, dt.date]]]:
    return database.run(
        lambda s: [
            [(str(i.amount), i.due_date) for i in p.installments]
            for p in list_plans(session=s, debtor_id=debtor_id)
        ]
    )


async def test_a_plan_beyond_the_maximum_gets_a_counter_offer_and_is_stored_on_yes(
    database: Database, debtors: Debtors
) -> None:
    asked = CollectingDispatcher()
    t = verified(debtors.mark, "en", text="can I pay in 12 installments?", intent="request_plan")
    events = await ActionProposePlan().run(asked, t, DOMAIN)
    counter = only(asked, "utter_plan_counter")
    assert (counter["count"], counter["amount"]) == (6, "€166.67")
    assert counter["lines"].count("\n") == 5 and "€166.65 by" in counter["lines"]
    assert plans_of(database, debtors.mark) == []  # nothing stored before the yes
    slots = slots_of(events)
    assert slots["pending_offer"] == "plan"
    yes = CollectingDispatcher()
    confirmed = verified(debtors.mark, "en", text="yes", intent="affirm", **slots)
    assert slots_of(await ActionConfirmArrangement().run(yes, confirmed, DOMAIN)) == {
        "pending_offer": "link",  # "Would you like a payment link for it now?"
        "arrangement_offer": None,
    }
    assert only(yes, "utter_plan_agreed")["amount"] == "€166.67"
    [plan] = plans_of(database, debtors.mark)
    assert [a for a, _ in plan] == ["166.67"] * 5 + ["166.65"]
    # asking again: the plan that exists is shown, no second one
    again = CollectingDispatcher()
    await ActionProposePlan().run(again, t, DOMAIN)
    assert responses(again) == ["utter_plan_exists"]


async def test_declining_the_most_the_policy_allows_goes_to_a_person(
    database: Database, debtors: Debtors
) -> None:
    t = verified(
        debtors.anna,
        "nl",
        text="ik kan 10 euro per maand",
        intent="request_plan",
        sender="c-plan-no",
    )
    events = await ActionProposePlan().run(CollectingDispatcher(), t, DOMAIN)
    no = CollectingDispatcher()
    declined = verified(
        debtors.anna, "nl", text="nee", intent="deny", sender="c-plan-no", **slots_of(events)
    )
    await ActionDeclineArrangement().run(no, declined, DOMAIN)
    assert responses(no)[0] == "utter_plan_needs_colleague"
    [handoff] = database.handoffs("c-plan-no")
    assert handoff.reason == "outside_limits" and "payment plan" in handoff.summary
    assert plans_of(database, debtors.anna) == []


async def test_a_promise_is_read_back_and_one_too_far_ahead_gets_the_latest_date(
    database: Database, debtors: Debtors
) -> None:
    ok = CollectingDispatcher()
    t = verified(debtors.anna, "nl", text="ik betaal morgen", intent="promise_to_pay")
    events = await ActionProposePromise().run(ok, t, DOMAIN)
    offer = only(ok, "utter_promise_offer")
    assert offer["amount"] == "€ 239,95"
    assert offer["date"].endswith(format_date(TODAY + dt.timedelta(days=1), "nl"))
    late = CollectingDispatcher()
    far = verified(debtors.anna, "en", text="I'll pay in two months", intent="promise_to_pay")
    await ActionProposePromise().run(late, far, DOMAIN)
    latest = TODAY + dt.timedelta(days=14)
    assert only(late, "utter_promise_too_late")["latest"].endswith(format_date(latest, "en"))
    yes = CollectingDispatcher()
    agreed = verified(debtors.anna, "nl", text="ja", intent="affirm", **slots_of(events))
    await ActionConfirmArrangement().run(yes, agreed, DOMAIN)
    assert only(yes, "utter_promise_agreed")["amount"] == "€ 239,95"
    promises = database.run(
        lambda s: [
            (str(p.amount), p.date) for p in list_promises(session=s, debtor_id=debtors.anna)
        ]
    )
    assert promises == [("239.95", TODAY + dt.timedelta(days=1))]


# --- the first offer asks, follow-ups in context (P11) ---------------------------------


def with_entity(t: Tracker, entity: str, value: str) -> Tracker:
    t.latest_message["entities"] = [{"entity": entity, "value": value}]
    return t


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


async def test_an_open_request_asks_with_buttons_inside_the_policy(
    database: Database, debtors: Debtors
) -> None:
    asked = CollectingDispatcher()
    t = verified(debtors.mark, "en", text="can I pay in installments?", intent="request_plan")
    events = await ActionProposePlan().run(asked, t, DOMAIN)
    question = only(asked, "utter_plan_ask")
    assert question["balance"] == "€1,000.00"
    assert [b["title"] for b in question["buttons"]] == [
        "3 months",
        "6 months",
        "I can pay ... a month",
    ]
    assert slots_of(events)["pending_offer"] == "plan_choice"
    assert plans_of(database, debtors.mark) == []


async def test_a_small_balance_offers_only_what_its_band_allows(
    database: Database, debtors: Debtors
) -> None:
    asked = CollectingDispatcher()
    t = verified(debtors.anna, "nl", text="kan ik een regeling treffen?", intent="request_plan")
    await ActionProposePlan().run(asked, t, DOMAIN)
    titles = [b["title"] for b in only(asked, "utter_plan_ask")["buttons"]]
    assert titles == ["3 maanden", "Ik kan ... per maand"]  # up to EUR 250: at most 3


async def test_a_picked_button_gives_that_plan_and_yes_stores_it(
    database: Database, debtors: Debtors
) -> None:
    offer = CollectingDispatcher()
    t = with_entity(
        verified(
            debtors.mark, "en", text='/request_plan{"plan_choice": "3"}', intent="request_plan"
        ),
        "plan_choice",
        "3",
    )
    events = await ActionProposePlan().run(offer, t, DOMAIN)
    assert only(offer, "utter_plan_offer")["lines"].count("\n") == 2
    yes = CollectingDispatcher()
    agreed = verified(debtors.mark, "en", text="yes", intent="affirm", **slots_of(events))
    await ActionFollowUp().run(yes, agreed, DOMAIN)
    assert responses(yes) == ["utter_plan_agreed"]
    [plan] = plans_of(database, debtors.mark)
    assert [a for a, _ in plan] == ["333.34", "333.34", "333.32"]


@pytest.mark.parametrize(
    ("text", "intent", "count"),
    [("drie maanden", "inform", 3), ("6", "inform", 6), ("zes", "affirm", 6)],
)
async def test_an_answer_to_the_question_gives_that_many_months(
    database: Database, debtors: Debtors, text: str, intent: str, count: int
) -> None:
    dispatcher = CollectingDispatcher()
    t = verified(debtors.mark, "nl", text=text, intent=intent, pending_offer="plan_choice")
    events = await ActionFollowUp().run(dispatcher, t, DOMAIN)
    assert only(dispatcher, "utter_plan_offer")["lines"].count("\n") == count - 1
    assert slots_of(events)["pending_offer"] == "plan"


async def test_an_amount_a_month_stays_at_or_under_it(database: Database, debtors: Debtors) -> None:
    dispatcher = CollectingDispatcher()
    t = verified(
        debtors.mark,
        "en",
        text="I can do 300 a month",
        intent="inform",
        pending_offer="plan_choice",
    )
    events = await ActionFollowUp().run(dispatcher, t, DOMAIN)
    only(dispatcher, "utter_plan_offer")
    rows = json.loads(slots_of(events)["arrangement_offer"])["installments"]
    amounts = [Decimal(a) for a, _ in rows]
    assert max(amounts) <= Decimal("300") and sum(amounts) == Decimal("1000.00")


async def test_the_amount_button_asks_how_much_and_a_bare_number_is_that_amount(
    database: Database, debtors: Debtors
) -> None:
    ask = CollectingDispatcher()
    t = with_entity(
        verified(debtors.mark, "nl", text="/request_plan", intent="request_plan"),
        "plan_choice",
        "monthly",
    )
    events = await ActionProposePlan().run(ask, t, DOMAIN)
    assert responses(ask) == ["utter_plan_ask_amount"]
    assert slots_of(events)["pending_offer"] == "plan_amount"
    offer = CollectingDispatcher()
    answer = verified(debtors.mark, "nl", text="250", intent="inform", **slots_of(events))
    await ActionFollowUp().run(offer, answer, DOMAIN)
    assert only(offer, "utter_plan_offer")["lines"].count("\n") == 3  # 4 x 250


async def test_an_amount_beyond_the_policy_gets_a_counter_offer_that_says_what_works(
    database: Database, debtors: Debtors
) -> None:
    dispatcher = CollectingDispatcher()
    t = verified(debtors.mark, "en", text="150 per month", intent="request_plan")
    events = await ActionProposePlan().run(dispatcher, t, DOMAIN)
    counter = only(dispatcher, "utter_plan_counter_amount")
    assert (counter["asked"], counter["needed"], counter["count"]) == ("€150.00", 7, 6)
    assert counter["amount"] == "€166.67"
    # "that's too much": a colleague takes over
    no = CollectingDispatcher()
    declined = verified(debtors.mark, "en", text="no", intent="deny", **slots_of(events))
    await ActionFollowUp().run(no, declined, DOMAIN)
    assert responses(no)[0] == "utter_plan_needs_colleague"
    assert database.handoffs("conversation-1")[0].reason == "outside_limits"


async def test_the_unwilling_profile_gets_the_short_plan_straight_away(
    database: Database, debtors: Debtors
) -> None:
    dispatcher = CollectingDispatcher()
    t = verified(
        debtors.mark,
        "en",
        text="can I pay in installments?",
        intent="request_plan",
        profile="unwilling",
    )
    await ActionProposePlan().run(dispatcher, t, DOMAIN)
    assert only(dispatcher, "utter_plan_offer")["lines"].count("\n") == 1  # 2 installments


async def test_yes_after_the_payment_options_sends_a_payment_link(
    database: Database, debtors: Debtors
) -> None:
    options = CollectingDispatcher()
    events = await ActionPaymentOptions().run(
        options, verified(debtors.anna, "nl", text="hoe kan ik betalen"), DOMAIN
    )
    assert slots_of(events) == {"pending_offer": "link"}
    yes = CollectingDispatcher()
    t = verified(debtors.anna, "nl", text="ja graag", intent="affirm", **slots_of(events))
    await ActionFollowUp().run(yes, t, DOMAIN)
    assert only(yes, "utter_payment_link")["amount"] == "€ 239,95"


async def test_yes_to_a_link_before_verification_verifies_first() -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("yes", intent="affirm", language="en", pending_offer="link")
    events = await ActionFollowUp().run(dispatcher, t, DOMAIN)
    assert dispatcher.messages == []
    assert slots_of(events)["requested_topic"] == "pay"
    assert FollowupAction("verification_form") in events


async def test_yes_with_nothing_pending_gets_what_the_bot_can_do() -> None:
    dispatcher = CollectingDispatcher()
    await ActionFollowUp().run(dispatcher, tracker("ok", intent="affirm", language="en"), DOMAIN)
    assert responses(dispatcher) == ["utter_what_i_can_do"]


async def test_an_offer_from_an_earlier_turn_is_not_answered_by_yes(
    database: Database, debtors: Debtors
) -> None:
    offer = SlotSet("pending_offer", "link")
    history = [user("hoe kan ik betalen"), offer, user("wat is mijn saldo"), user("ja")]
    dispatcher = CollectingDispatcher()
    t = verified(
        debtors.anna, "nl", text="ja", intent="affirm", events=history, pending_offer="link"
    )
    await ActionFollowUp().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_what_i_can_do"]
    fresh = CollectingDispatcher()
    t = verified(
        debtors.anna,
        "nl",
        text="ja",
        intent="affirm",
        events=history[:2] + [user("ja")],
        pending_offer="link",
    )
    await ActionFollowUp().run(fresh, t, DOMAIN)
    assert responses(fresh) == ["utter_payment_link"]


async def test_no_to_the_question_which_plan_suits_asks_what_would_work() -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("nee", intent="deny", verified=True, debtor_id=1.0, pending_offer="plan_choice")
    events = await ActionFollowUp().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_arrangement_declined"]
    assert slots_of(events) == {"pending_offer": None}


@pytest.mark.parametrize(
    ("text", "metadata", "response"),
    [
        ("hi", {"language": "nl", "language_certain": False}, "utter_greet_bilingual"),
        ("hi", {}, "utter_greet_bilingual"),
        ("hello there", {"language": "en", "language_certain": True}, "utter_greet"),
        ("hi", {"language": "en", "language_certain": True}, "utter_greet"),
    ],
)
async def test_the_greeting_is_bilingual_only_when_the_language_is_unknown(
    text: str, metadata: dict[str, Any], response: str
) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(text, intent="greet", metadata=metadata, events=[user(text)])
    await ActionGreet().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == [response]


async def test_a_later_hi_is_answered_in_the_conversation_language() -> None:
    dispatcher = CollectingDispatcher()
    history = [user("wat is mijn saldo"), user("hi")]
    t = tracker("hi", intent="greet", metadata={"language_certain": False}, events=history)
    await ActionGreet().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_greet"]


async def test_a_reference_after_a_plan_offer_is_no_yes(
    database: Database, debtors: Debtors
) -> None:
    dispatcher = CollectingDispatcher()
    t = verified(debtors.mark, "nl", text="KL-2291", intent="inform", pending_offer="plan")
    await ActionFollowUp().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_already_verified", "utter_what_i_can_do"]
    assert plans_of(database, debtors.mark) == []
