"""Verification ends when the debtor says so, through the real Rasa, action server and
gateway: after "uitloggen" / "log out" the balance needs a new check."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.talk import create_debtor, new_conversation, say, texts


@pytest.mark.parametrize(
    ("language", "question", "log_out", "asked_again"),
    [
        ("nl", "wat is mijn saldo?", "uitloggen", "klantnummer"),
        ("en", "what is my balance?", "log me out please", "customer number"),
    ],
)
def test_log_out_ends_verification_at_once(
    api: httpx.Client,
    admin: httpx.Client,
    language: str,
    question: str,
    log_out: str,
    asked_again: str,
) -> None:
    debtor = create_debtor(admin, language=language, invoices=[("F1", "345.67")])
    conversation = new_conversation()
    say(api, conversation, question)
    say(api, conversation, debtor["reference"])
    verified = say(api, conversation, "12-03-1985")
    assert "345" in texts(verified), texts(verified)

    bye = say(api, conversation, log_out)
    assert ("uitgelogd" in texts(bye)) if language == "nl" else ("logged out" in texts(bye))
    again = say(api, conversation, question)
    assert asked_again in texts(again).lower() and "345" not in texts(again), texts(again)
