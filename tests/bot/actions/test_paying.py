"""Paying: the ways to pay (from the policy, no verification needed), a payment link for the
whole balance or the invoice named before verification (the same link when the action is
retried), and what is on record when the debtor says they paid."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.actions import db as action_db
from bot.actions.account import ActionPaymentOptions
from bot.actions.answers import ActionCheckPayment, ActionPayNow
from tests.bot.actions.support import Database, Debtors, policy_data, run, tracker, verified


@pytest.mark.parametrize(
    ("language", "options"),
    [
        (
            "nl",
            "• iDEAL: ik kan u een veilige betaallink sturen\n"
            "• Overschrijving naar NL91 ABNA 0417 1643 00 t.n.v. Voorbeeld Energie B.V., "
            "met uw factuurnummer",
        ),
        (
            "en",
            "• iDEAL: I can send you a secure payment link\n"
            "• Bank transfer to NL91 ABNA 0417 1643 00 in the name of Voorbeeld Energie B.V., "
            "quoting your invoice number",
        ),
    ],
)
async def test_the_ways_to_pay_need_no_verification(
    database: Database, language: str, options: str
) -> None:
    said = await run(ActionPaymentOptions(), tracker("hoe kan ik betalen", language=language))
    assert said.only("utter_payment_options")["options"] == options
    assert said.slots == {"pending_offer": "link"}


async def test_the_ways_to_pay_follow_the_policy_file(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = policy_data()
    data["payment"]["methods"] = ["creditcard", "bancontact"]
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("SETTLE_POLICY_FILE", str(path))
    action_db.get_policy.cache_clear()
    said = await run(ActionPaymentOptions(), tracker(language="en"))
    assert said.only("utter_payment_options")["options"] == (
        "• Credit card, through a secure payment link\n• Bancontact, through a secure payment link"
    )


async def test_pay_now_gives_a_link_for_the_whole_balance_once(
    database: Database, debtors: Debtors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SETTLE_PUBLIC_URL", "https://pay.example.nl/")
    urls = []
    for _ in range(2):  # a retried action gives the same link
        t = verified(debtors.anna, "nl", text="ik wil nu betalen", intent="pay_now")
        message = (await run(ActionPayNow(), t)).only("utter_payment_link")
        assert message["amount"] == "€ 239,95"
        assert message["what"] == "uw volledige openstaande saldo"
        urls.append(message["url"])
    assert urls[0] == urls[1] and urls[0].startswith("https://pay.example.nl/pay/")
    assert database.actions().count("payment_link_created") == 1


async def test_pay_now_for_the_invoice_named_before_verification(debtors: Debtors) -> None:
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
    message = (await run(ActionPayNow(), t)).only("utter_payment_link")
    assert (message["amount"], message["what"]) == ("€3,000.00", "invoice INV-10233")


async def test_pay_now_with_nothing_open_and_without_verification(debtors: Debtors) -> None:
    paid_up = await run(ActionPayNow(), verified(debtors.sanne, "nl", intent="pay_now"))
    assert paid_up.responses == ["utter_nothing_to_pay"]
    stranger = await run(ActionPayNow(), tracker("ik wil betalen", intent="pay_now"))
    assert stranger.responses == ["utter_verification_unavailable"]


async def test_already_paid_tells_what_is_on_record(debtors: Debtors) -> None:
    found = (await run(ActionCheckPayment(), verified(debtors.mark, "en"))).only(
        "utter_payments_found"
    )
    assert found["payment_lines"].startswith("• €249.50 on ")
    assert found["balance_line"] == "Your outstanding balance is now €1,000.00."
    none = await run(ActionCheckPayment(), verified(debtors.anna, "nl"))
    assert none.only("utter_no_payment_found")["balance"] == "€ 239,95"
