"""What the action tests share: a seeded database, trackers built with `Tracker.from_dict`
from the real domain's slots, and an action's run collected (its replies by response name,
with their template variables, and its events).

"Today" is the app's clock (receivables.common.clock), read when a test runs, never at import:
a run that crosses midnight seeds and checks against the same day the actions see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.actions.verification import ValidateVerificationForm
from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice
from receivables.arrangements.plans import list_plans
from receivables.audit.events import list_events
from receivables.common import clock
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.models import Handoff
from receivables.payments.booking import book_payment
from receivables.policy.model import Policy

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[3]
DOB = dt.date(1985, 3, 12)
FORM = ValidateVerificationForm()


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


# --- the database --------------------------------------------------------------------------
@dataclass
class Debtors:
    anna: int  # nl, 150.00 overdue + 89.95 not yet due = 239.95
    mark: int  # en, 1249.50 of which 249.50 paid = 1000.00 open
    sanne: int  # nl, paid up
    james: int  # en, no date of birth on record, postcode 1017CT, 3000.00 (a senior's)


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

    def actions(self, conversation_id: str = "conversation-1") -> list[str]:
        return self.run(
            lambda s: [e.action for e in list_events(session=s, conversation_id=conversation_id)]
        )

    def plans(self, debtor_id: int) -> list[list[tuple[str, dt.date]]]:
        """Each stored plan as its installments: (amount, due date)."""
        return self.run(
            lambda s: [
                [(str(i.amount), i.due_date) for i in p.installments]
                for p in list_plans(session=s, debtor_id=debtor_id)
            ]
        )


def seed(session: Session) -> Debtors:
    today = clock.today()

    def days(n: int) -> dt.date:
        return today + dt.timedelta(days=n)

    def debtor(reference: str, name: str, **fields: Any) -> Any:
        return create_debtor(session=session, reference=reference, name=name, **fields)

    def invoice(of: Any, number: str, amount: str, issued: int, due: int) -> None:
        create_invoice(
            session=session,
            debtor=of,
            number=number,
            amount=Decimal(amount),
            issue_date=days(issued),
            due_date=days(due),
        )

    anna = debtor("48213907", "Anna de Vries", date_of_birth=DOB, postcode="1012 AB", language="nl")
    invoice(anna, "F2026-0042", "150.00", -45, -31)
    invoice(anna, "F2026-0107", "89.95", -10, 4)
    mark = debtor(
        "KL-2291",
        "Mark Jansen",
        date_of_birth=dt.date(1979, 5, 3),
        postcode="3511CE",
        language="en",
    )
    invoice(mark, "F2026-0113", "1249.50", -60, -30)
    book_payment(session=session, debtor=mark, amount=Decimal("249.50"))
    sanne = debtor(
        "KL-3050",
        "Sanne Visser",
        date_of_birth=dt.date(1990, 7, 19),
        postcode="5611AZ",
        language="nl",
    )
    invoice(sanne, "F2026-0140", "210.00", -20, -6)
    book_payment(session=session, debtor=sanne, amount=Decimal("210.00"))
    james = debtor("EN-1001", "James Miller", postcode="1017CT", language="en")
    invoice(james, "INV-10233", "3000.00", -35, -21)
    return Debtors(anna=anna.id, mark=mark.id, sanne=sanne.id, james=james.id)


# --- trackers ------------------------------------------------------------------------------
def tracker(
    text: str = "",
    *,
    intent: str | None = None,
    ranking: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    sender: str = "conversation-1",
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    entities: dict[str, str] | None = None,
    **slots: Any,
) -> Tracker:
    message: dict[str, Any] = {
        "text": text,
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }
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


def user(text: str) -> dict[str, Any]:
    """A debtor's message in a tracker's history."""
    return {"event": "user", "text": text}


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


# --- what an action said and did -----------------------------------------------------------
@dataclass
class Said:
    """An action's replies (the dispatcher's messages: response name and template variables)
    and the events it returned."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def responses(self) -> list[str]:
        return [m["response"] for m in self.messages]

    @property
    def slots(self) -> dict[str, Any]:
        return slots_of(self.events)

    def only(self, response: str) -> dict[str, Any]:
        """The one message with this response name (fails when there is none or several)."""
        found = [m for m in self.messages if m["response"] == response]
        assert len(found) == 1, self.responses
        return found[0]

    def text(self) -> str:
        return repr(self.messages)


async def run(action: Action, t: Tracker) -> Said:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, DOMAIN)
    return Said(dispatcher.messages, events)


async def check_reference(text: Any, t: Tracker | None = None) -> tuple[dict[str, Any], Said]:
    """The verification form's reference step on `text`: the slots it sets, what it said."""
    dispatcher = CollectingDispatcher()
    t = t or tracker(text if isinstance(text, str) else "")
    result = await FORM.validate_debtor_reference(text, dispatcher, t, DOMAIN)
    return result, Said(dispatcher.messages, [])


async def check_factor(
    text: str,
    reference: str = "48213907",
    sender: str = "conversation-1",
    **slots: Any,
) -> tuple[dict[str, Any], Said]:
    """The verification form's second-factor step on `text`, `reference` given before."""
    dispatcher = CollectingDispatcher()
    t = tracker(text, debtor_reference=reference, sender=sender, **slots)
    result = await FORM.validate_second_factor(text, dispatcher, t, DOMAIN)
    return result, Said(dispatcher.messages, [])


# --- the policy ----------------------------------------------------------------------------
def policy_data() -> dict[str, Any]:
    """The shipped policy file as data, to change one thing in a test."""
    data: dict[str, Any] = yaml.safe_load(
        (ROOT / "config" / "policy.yml").read_text(encoding="utf-8")
    )
    return data


def policy_from(data: dict[str, Any]) -> Policy:
    return Policy.model_validate(data)
