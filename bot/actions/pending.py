"""What the bot offered and waits for an answer on: every action that asks a question sets
the `pending_offer` slot, and the follow-up action (followup.py) acts on the answer. An
offer counts only in the turn right after it was made: a debtor who moved on to something
else is not held to a "yes" about an earlier question."""

from __future__ import annotations

from typing import Any, Literal, get_args

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

PENDING = "pending_offer"
# link: a payment link; plan, promise: an arrangement read back, waiting for yes or no;
# plan_choice: which plan suits (months or an amount a month); plan_amount: how much a
# month; handoff: a colleague
Pending = Literal["link", "plan", "promise", "plan_choice", "plan_amount", "handoff"]
PENDING_KINDS: tuple[Pending, ...] = get_args(Pending)


def offered(kind: Pending) -> list[dict[str, Any]]:
    return [SlotSet(PENDING, kind)]


def nothing_pending() -> list[dict[str, Any]]:
    return [SlotSet(PENDING, None)]


def pending_offer(tracker: Tracker) -> Pending | None:
    """The offer the bot made in its last turn, or None (none made, or made earlier). A
    tracker without any history (built by hand) is taken at its slot."""
    value = tracker.get_slot(PENDING)
    kind = next((k for k in PENDING_KINDS if k == value), None)
    if kind is None:
        return None
    events = tracker.events or []
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return kind
    start = users[-2] if len(users) > 1 else 0
    # slots carried over into a new session are no offer of this one
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    start = max([start, *[i for i in starts if i < users[-1]]])
    for event in events[start : users[-1]]:
        if event.get("event") == "slot" and event.get("name") == PENDING and event.get("value"):
            return kind
    return None
