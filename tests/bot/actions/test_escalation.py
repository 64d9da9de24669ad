"""Handing off to a person: with empathy, flags and a summary for the collector, once per
conversation, to the level the balance asks for; a dispute puts the named invoice on hold; a
stranger's handoff carries no account data."""

from __future__ import annotations

from decimal import Decimal

from bot.actions.escalation import ActionHandOff
from receivables.accounts.invoices import list_open_invoices
from tests.bot.actions.support import Database, Debtors, run, tracker, verified


async def test_cannot_pay_hands_off_with_empathy_flags_and_summary(
    database: Database, debtors: Debtors
) -> None:
    t = verified(
        debtors.anna,
        "nl",
        text="mijn man is overleden, ik kan het niet betalen",
        intent="cannot_pay",
        sender="c-hardship",
    )
    said = (await run(ActionHandOff(), t)).responses
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
    await run(ActionHandOff(), t)
    assert len(database.handoffs("c-hardship")) == 1


async def test_a_dispute_puts_the_named_invoice_on_hold(
    database: Database, debtors: Debtors
) -> None:
    t = verified(
        debtors.anna,
        "nl",
        text="factuur F2026-0107 klopt niet",
        intent="dispute",
        sender="c-dispute",
    )
    said = await run(ActionHandOff(), t)
    assert said.only("utter_invoice_on_hold")["number"] == "F2026-0107"
    [handoff] = database.handoffs("c-dispute")
    assert handoff.reason == "dispute" and "F2026-0107 (put on hold)" in handoff.summary
    statuses = database.run(
        lambda s: {
            i.number: i.status for i in list_open_invoices(session=s, debtor_id=debtors.anna)
        }
    )
    assert statuses == {"F2026-0042": "open", "F2026-0107": "on_hold"}


async def test_a_stranger_asking_for_a_person_is_handed_off_without_account_data(
    database: Database, debtors: Debtors
) -> None:
    t = tracker(
        "I want to talk to a person", intent="request_human", language="en", sender="c-human"
    )
    said = await run(ActionHandOff(), t)
    assert said.responses[0] == "utter_handoff_requested_human"
    [handoff] = database.handoffs("c-human")
    assert handoff.reason == "requested_human" and handoff.debtor_id is None
    assert handoff.balance is None and "NOT verified" in handoff.summary


async def test_a_large_balance_goes_to_a_senior(database: Database, debtors: Debtors) -> None:
    t = verified(debtors.james, "en", text="I have no money", intent="cannot_pay", sender="c-big")
    await run(ActionHandOff(), t)
    [handoff] = database.handoffs("c-big")
    assert handoff.level == "senior" and handoff.balance == Decimal("3000.00")
