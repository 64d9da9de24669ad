"""Verification that does not last for ever, and cannot be guessed: the lockout per debtor
through the verification form, "log out", a new session, and the gateway's word that a
quiet conversation is no longer verified."""

from __future__ import annotations

from typing import Any

import yaml

from bot.actions.session import ActionLogOut
from receivables.audit.events import list_events
from receivables.conversations.service import attach_debtor
from receivables.models import Conversation
from receivables.policy.model import load_policy
from receivables.verification.lockout import unlock_debtor
from receivables.verification.state import mark_verified
from tests.bot.actions.support import ROOT, Database, Debtors, check_factor, run, verified


async def give_factor(
    text: str, conversation: str, reference: str = "48213907"
) -> tuple[dict[str, Any], list[str]]:
    result, said = await check_factor(text, reference, sender=conversation, language="nl")
    return result, said.responses


async def test_five_wrong_factors_over_conversations_lock_even_the_right_one(
    debtors: Debtors, database: Database
) -> None:
    wrong = ["01-01-1980", "02-02-1981", "03-03-1982", "04-04-1983", "05-05-1984"]
    said = []
    for number, factor in enumerate(wrong):
        _, replies = await give_factor(factor, f"guess-{number // 2}")  # two per conversation
        said.append(replies)
    # the first four: "does not match" (never whether the number exists); the fifth locks
    assert all(r[0].startswith("utter_verification_mismatch") for r in said[:4])
    assert said[4] == ["utter_verification_paused"]
    locked = database.handoffs("guess-2")
    assert [h.reason for h in locked] == ["verification_failed"]
    assert "locked" in locked[0].summary and locked[0].debtor_id == debtors.anna

    result, replies = await give_factor("12-03-1985", "the-real-anna")
    assert replies == ["utter_verification_paused"] and not result.get("verified")
    assert database.handoffs("the-real-anna") == []  # one handoff for the lock, not one per try

    database.run(lambda s: unlock_debtor(session=s, debtor_id=debtors.anna, actor="collector:x"))
    result, _ = await give_factor("12-03-1985", "the-real-anna-again")
    assert result["verified"] is True
    unlocked = database.run(
        lambda s: [e.action for e in list_events(session=s, debtor_id=debtors.anna)]
    )
    assert "verification_unlocked" in unlocked


async def test_an_unknown_reference_is_answered_exactly_like_a_known_one(
    debtors: Debtors, database: Database
) -> None:
    async def five(reference: str) -> list[list[str]]:
        return [
            (await give_factor("01-01-1980", f"{reference}-{number // 2}", reference))[1]
            for number in range(5)
        ]

    assert await five("48213907") == await five("99999999")


async def test_log_out_ends_verification_at_once(debtors: Debtors, database: Database) -> None:
    def verify(session: Any) -> None:
        conversation = attach_debtor(
            session=session, conversation_id="shared-phone", debtor_id=debtors.anna
        )
        mark_verified(session=session, conversation=conversation)

    database.run(verify)
    t = verified(debtors.anna, "nl", sender="shared-phone", intent="log_out", text="uitloggen")
    said = await run(ActionLogOut(), t)
    assert said.responses == ["utter_logged_out"]
    assert said.slots["verified"] is False and said.slots["debtor_id"] is None
    assert database.run(lambda s: s.get(Conversation, "shared-phone").verified_at) is None
    assert "verification_ended" in database.actions("shared-phone")


def test_a_new_rasa_session_carries_nothing_over_within_the_policys_idle_time() -> None:
    """Rasa's own session start (no action server call) resets every slot, verification
    included, after a quiet spell no longer than the policy's."""
    domain = ROOT / "bot" / "domain"
    config = yaml.safe_load((domain / "core.yml").read_text())["session_config"]
    assert config["carry_over_slots_to_new_session"] is False
    assert config["session_expiration_time"] <= load_policy(None).verification.idle_minutes
    actions = yaml.safe_load((domain / "session.yml").read_text())["actions"]
    assert "action_session_start" not in actions
