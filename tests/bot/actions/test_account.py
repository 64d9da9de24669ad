"""The debtor's account after verification: the balance and the open invoices in the debtor's
language, nothing of either before verification, and the answer to the question asked before
verifying (ActionVerificationComplete)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session

from bot.actions.account import verified_debtor_id
from bot.actions.answers import ActionListInvoices, ActionTellBalance
from bot.actions.verification import ActionVerificationComplete
from receivables.models import Installment, PaymentPlan
from tests.bot.actions.support import Database, Debtors, run, tracker, verified

COMPLETE = ActionVerificationComplete()


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
    said = await run(action, tracker("wat is mijn saldo", **slots))
    assert said.events == []
    assert said.responses == ["utter_verification_unavailable"]
    for amount in ("239", "150", "89", "1000", "1.000", "1,000"):
        assert amount not in said.text()
    assert database.actions() == []


def test_only_a_verified_tracker_names_a_debtor() -> None:
    assert verified_debtor_id(tracker(verified=True, debtor_id=7.0)) == 7
    assert verified_debtor_id(tracker(verified=False, debtor_id=7.0)) is None
    assert verified_debtor_id(tracker(verified=True)) is None


@pytest.mark.parametrize(
    ("debtor", "language", "response", "figures"),
    [
        # one message: the amount, then what of it is overdue (the options come with it)
        ("anna", "nl", "utter_balance_overdue", {"balance": "€ 239,95", "overdue": "€ 150,00"}),
        ("anna", "en", "utter_balance_overdue", {"balance": "€239.95", "overdue": "€150.00"}),
        # after a partial payment, everything open overdue: no separate overdue line
        ("mark", "en", "utter_balance", {"balance": "€1,000.00"}),
        ("sanne", "nl", "utter_balance_zero", {}),
    ],
)
async def test_the_balance_in_the_debtors_language(
    debtors: Debtors,
    database: Database,
    debtor: str,
    language: str,
    response: str,
    figures: dict[str, str],
) -> None:
    said = await run(ActionTellBalance(), verified(getattr(debtors, debtor), language))
    assert said.events == []
    assert said.responses == [response]
    message = said.only(response)
    assert {key: message[key] for key in figures} == figures
    assert database.actions() == ["told_balance"]


async def test_the_balance_is_the_verified_debtors_own(debtors: Debtors) -> None:
    said = await run(ActionTellBalance(), verified(debtors.mark, "nl", debtor_reference="48213907"))
    assert said.only("utter_balance")["balance"] == "€ 1.000,00"


async def test_the_invoice_list_in_dutch(debtors: Debtors, database: Database) -> None:
    message = (await run(ActionListInvoices(), verified(debtors.anna, "nl"))).only(
        "utter_open_invoices"
    )
    assert message["balance"] == "€ 239,95"
    lines = message["invoice_lines"].split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("• F2026-0042: € 150,00, te betalen uiterlijk ")
    assert lines[0].endswith(" – over de vervaldatum")
    assert lines[1].startswith("• F2026-0107: € 89,95, te betalen uiterlijk ")
    assert "vervaldatum" not in lines[1]
    assert database.actions() == ["told_invoices"]


async def test_the_invoice_list_in_english_with_a_partly_paid_invoice(debtors: Debtors) -> None:
    message = (await run(ActionListInvoices(), verified(debtors.mark, "en"))).only(
        "utter_open_invoices"
    )
    assert message["balance"] == "€1,000.00"
    assert message["invoice_lines"].startswith("• F2026-0113: €1,000.00, due ")
    assert "(still open of €1,249.50) – overdue" in message["invoice_lines"]


async def test_the_invoice_list_of_a_paid_up_debtor(debtors: Debtors) -> None:
    said = await run(ActionListInvoices(), verified(debtors.sanne, "en"))
    assert said.responses == ["utter_no_open_invoices"]


# --- after verification: the question asked before -----------------------------------------
@pytest.mark.parametrize(
    ("debtor", "language", "topic", "responses", "name", "balance"),
    [
        ("anna", "nl", "balance", ["utter_balance_overdue"], "Anna de Vries", "€ 239,95"),
        ("mark", "en", "invoices", ["utter_open_invoices"], "Mark Jansen", "€1,000.00"),
        ("anna", "nl", None, ["utter_how_can_help"], "Anna de Vries", None),
    ],
)
async def test_verified_answers_what_was_asked(
    debtors: Debtors,
    debtor: str,
    language: str,
    topic: str | None,
    responses: list[str],
    name: str,
    balance: str | None,
) -> None:
    t = verified(getattr(debtors, debtor), language, requested_topic=topic)
    said = await run(COMPLETE, t)
    assert said.events == [SlotSet("requested_topic", None)]
    assert said.responses == ["utter_verified", *responses]
    assert said.messages[0]["name"] == name
    if balance:
        assert said.messages[1]["balance"] == balance


async def test_verified_mentions_a_missed_installment(debtors: Debtors, database: Database) -> None:
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
    said = await run(COMPLETE, verified(debtors.mark, "en"))
    assert said.responses == ["utter_verified", "utter_missed_installment", "utter_how_can_help"]
    assert (said.messages[1]["amount"], said.messages[1]["date"]) == ("€500.00", "1 October 2026")


async def test_verified_says_nothing_when_not_verified(debtors: Debtors) -> None:
    t = tracker(verification_locked=True, requested_topic="balance", debtor_id=1.0)
    said = await run(COMPLETE, t)
    assert said.events == [] and said.messages == []
