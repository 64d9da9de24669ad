"""Payment plans and promises to pay, agreed in the conversation and never outside the
policy: propose (or counter-offer), read back, and store only after the debtor's yes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

import texts
from bot.actions.account import verified_debtor_id
from bot.actions.asked import asked_text
from bot.actions.db import get_policy, run_in_session
from bot.actions.escalation import debtor_texts, hand_off, tell_when
from bot.actions.language import language_of
from bot.actions.pending import PENDING, offered, pending_offer
from receivables.arrangements.first_offer import (
    first_offer_for,
    month_options,
    proposed_months,
    read_plan_choice,
)
from receivables.arrangements.plans import create_plan, get_active_plan, has_broken_plan
from receivables.arrangements.promise_dates import check_promise, interpret_promise_date
from receivables.arrangements.promises import (
    count_open_promises,
    create_promise,
    list_promises,
    payable_balance,
)
from receivables.arrangements.requests import Language as RequestLanguage
from receivables.arrangements.requests import PlanRequest, find_amount, parse_plan_request
from receivables.arrangements.schedule import (
    Schedule,
    build_schedule,
    fewest_installments,
    propose_plan,
)
from receivables.common.dates import format_date
from receivables.common.language import resolve_language
from receivables.common.money import format_money
from receivables.errors import DomainError
from receivables.policy.limits import effective_plan_limits, effective_promise_limits

PLAN_INTENT, PROMISE_INTENT = "request_plan", "promise_to_pay"
CLEARED = [SlotSet(PENDING, None), SlotSet("arrangement_offer", None)]


def profile_of(tracker: Tracker) -> str | None:
    profile = tracker.get_slot("profile")
    return str(profile) if profile else None


def schedule_lines(schedule: Schedule, language: str) -> str:
    return "\n".join(
        texts.text(
            "bot_pieces.installment_line",
            language,
            sequence=i.sequence,
            amount=format_money(i.amount, language),
            date=format_date(i.due_date, language),
        )
        for i in schedule.installments
    )


def schedule_amounts(schedule: Schedule) -> list[Decimal]:
    return [i.amount for i in schedule.installments]


def offer_json(schedule: Schedule, kind: str) -> str:
    return json.dumps(
        {
            "kind": kind,
            "installments": [
                [str(i.amount), i.due_date.isoformat()] for i in schedule.installments
            ],
        }
    )


def schedule_from(offer: dict[str, Any]) -> Schedule:
    rows = offer["installments"]
    return build_schedule(
        amounts=[Decimal(a) for a, _ in rows], dates=[dt.date.fromisoformat(d) for _, d in rows]
    )


def declined_offer(raw: str | None) -> tuple[str, ...]:
    """The offer the debtor said no to, for the collector's summary."""
    if not raw:
        return ()
    offer = json.loads(raw)
    if "installments" in offer:
        rows = offer["installments"]
        return (f"payment plan of {len(rows)} installments from EUR {rows[0][0]} (declined)",)
    return (f"promise of EUR {offer['amount']} on {offer['date']} (declined)",)


@dataclass(frozen=True)
class PlanFacts:
    balance: Decimal
    active_next: tuple[Decimal, dt.date] | None
    broken: bool


def _plan_facts(session: Session, debtor_id: int) -> PlanFacts:
    active = get_active_plan(session=session, debtor_id=debtor_id)
    next_open = None
    if active is not None:
        upcoming = [i for i in active.installments if i.status != "paid"]
        if upcoming:
            next_open = (upcoming[0].amount, upcoming[0].due_date)
    return PlanFacts(
        balance=payable_balance(session=session, debtor_id=debtor_id),
        active_next=next_open,
        broken=has_broken_plan(session=session, debtor_id=debtor_id),
    )


async def _needs_a_colleague(
    dispatcher: CollectingDispatcher, tracker: Tracker, debtor_id: int
) -> list[dict[str, Any]]:
    """Nothing inside the policy fits: a person takes over (reason outside_limits)."""
    said = debtor_texts(tracker)
    offered = declined_offer(tracker.get_slot("arrangement_offer"))
    await run_in_session(
        lambda s: hand_off(
            s,
            tracker=tracker,
            reason="outside_limits",
            debtor_id=debtor_id,
            texts=said,
            offered=offered,
        )
    )
    dispatcher.utter_message(response="utter_plan_needs_colleague")
    await tell_when(dispatcher, tracker)
    return CLEARED


CHOICE_ENTITY = "plan_choice"


def choice_buttons(months: list[int], language: str) -> list[dict[str, str]]:
    """One button per number of months and one for an amount a month; the payload carries
    the choice as an entity, so that a picked button never depends on the NLU."""
    buttons = [
        {
            "title": texts.text("bot_pieces.plan_choice_one_month", language)
            if n == 1
            else texts.text("bot_pieces.plan_choice_months", language, n=n),
            "payload": f'/{PLAN_INTENT}{{"{CHOICE_ENTITY}": "{n}"}}',
        }
        for n in months
    ]
    monthly = texts.text("bot_pieces.plan_choice_monthly", language)
    buttons.append({"title": monthly, "payload": f'/{PLAN_INTENT}{{"{CHOICE_ENTITY}": "monthly"}}'})
    return buttons


def picked_choice(tracker: Tracker) -> str | None:
    """The value of a picked plan button ("3", "monthly"), if the message was one."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == CHOICE_ENTITY and entity.get("value") is not None:
            return str(entity["value"])
    return None


def requested_plan(tracker: Tracker, language: str) -> PlanRequest | Literal["ask_amount"]:
    """What the debtor asked for: a picked button, a count or an amount a month in their
    words, or (answering the bot's question) a bare number; empty: an open request."""
    picked = picked_choice(tracker)
    if picked == "monthly":
        return "ask_amount"
    if picked is not None and picked.isdigit():
        return PlanRequest(installments=int(picked))
    lang = cast(RequestLanguage, resolve_language(language))
    pending = pending_offer(tracker)
    if pending in ("plan_choice", "plan_amount"):
        # the answer to the bot's question: this message alone
        text = str((tracker.latest_message or {}).get("text") or "")
        if pending == "plan_amount":
            return read_plan_choice(text, asked="amount", language=lang)
        return read_plan_choice(text, asked="months_or_amount", language=lang)
    return parse_plan_request(asked_text(tracker, (PLAN_INTENT,)), lang)


async def offer_plan(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    debtor_id: int,
    request: PlanRequest | None = None,
) -> list[dict[str, Any]]:
    """A plan read back for a yes; for an open request, first the question which plan
    suits (unless the profile's first offer is to propose one straight away)."""
    language = language_of(tracker)
    facts = await run_in_session(lambda s: _plan_facts(s, debtor_id))
    if facts.active_next is not None:
        amount, due = facts.active_next
        dispatcher.utter_message(
            response="utter_plan_exists",
            amount=format_money(amount, language),
            date=format_date(due, language),
        )
        return [*CLEARED, *offered("link")]
    wanted = request or requested_plan(tracker, language)
    if wanted == "ask_amount":
        dispatcher.utter_message(response="utter_plan_ask_amount")
        return offered("plan_amount")
    policy, today = get_policy(), dt.date.today()
    limits = effective_plan_limits(policy, balance=facts.balance, profile=profile_of(tracker))
    if wanted == PlanRequest():
        can = propose_plan(
            balance=facts.balance, limits=limits, today=today, broken_plan=facts.broken
        )
        if can.schedule is None:
            return await _refused(dispatcher, tracker, debtor_id, can.reason, facts.balance)
        opening = first_offer_for(policy, profile=profile_of(tracker))
        if opening.mode == "ask":
            options = month_options(
                balance=facts.balance, limits=limits, today=today, offer=opening
            )
            if options:
                dispatcher.utter_message(
                    response="utter_plan_ask",
                    balance=format_money(facts.balance, language),
                    buttons=choice_buttons(options, language),
                )
                return [SlotSet("arrangement_offer", None), *offered("plan_choice")]
        else:
            months = proposed_months(
                balance=facts.balance, limits=limits, today=today, offer=opening
            )
            wanted = PlanRequest(installments=months) if months else wanted
    proposal = propose_plan(
        balance=facts.balance,
        limits=limits,
        today=today,
        installments=wanted.installments,
        monthly_amount=wanted.monthly_amount,
        broken_plan=facts.broken,
    )
    if proposal.schedule is None:
        return await _refused(dispatcher, tracker, debtor_id, proposal.reason, facts.balance)
    schedule = proposal.schedule
    lines = schedule_lines(schedule, language)
    if proposal.status == "accepted":
        dispatcher.utter_message(
            response="utter_plan_offer", lines=lines, total=format_money(schedule.total, language)
        )
    elif (
        wanted.monthly_amount is not None
        and max(schedule_amounts(schedule)) > wanted.monthly_amount
    ):
        dispatcher.utter_message(
            response="utter_plan_counter_amount",
            lines=lines,
            asked=format_money(wanted.monthly_amount, language),
            needed=fewest_installments(facts.balance, wanted.monthly_amount),
            count=schedule.count,
            amount=format_money(schedule.amount, language),
        )
    else:
        dispatcher.utter_message(
            response="utter_plan_counter",
            lines=lines,
            count=schedule.count,
            amount=format_money(schedule.installments[0].amount, language),
        )
    return [
        SlotSet("arrangement_offer", offer_json(schedule, proposal.status)),
        *offered("plan"),
    ]


async def _refused(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    debtor_id: int,
    reason: str | None,
    balance: Decimal,
) -> list[dict[str, Any]]:
    if reason == "nothing_to_pay":
        dispatcher.utter_message(response="utter_nothing_to_pay")
        return CLEARED
    if reason == "below_min_balance":
        dispatcher.utter_message(
            response="utter_plan_too_small", balance=format_money(balance, language_of(tracker))
        )
        return [*CLEARED, *offered("link")]
    return await _needs_a_colleague(dispatcher, tracker, debtor_id)


@dataclass(frozen=True)
class PromiseFacts:
    balance: Decimal
    open_promises: int
    existing: tuple[Decimal, dt.date] | None


def _promise_facts(session: Session, debtor_id: int) -> PromiseFacts:
    open_ones = list_promises(session=session, debtor_id=debtor_id, status="open")
    return PromiseFacts(
        balance=payable_balance(session=session, debtor_id=debtor_id),
        open_promises=count_open_promises(session=session, debtor_id=debtor_id),
        existing=(open_ones[0].amount, open_ones[0].date) if open_ones else None,
    )


async def offer_promise(
    dispatcher: CollectingDispatcher, tracker: Tracker, debtor_id: int
) -> list[dict[str, Any]]:
    language = language_of(tracker)
    if pending_offer(tracker) in ("plan_choice", "plan_amount"):
        # "150 per maand" in answer to the question which plan suits is about the plan
        request = requested_plan(tracker, language)
        if isinstance(request, PlanRequest) and request != PlanRequest():
            return await offer_plan(dispatcher, tracker, debtor_id, request=request)
    text = asked_text(tracker, (PROMISE_INTENT,))
    today = dt.date.today()
    facts = await run_in_session(lambda s: _promise_facts(s, debtor_id))
    if facts.balance <= 0:
        dispatcher.utter_message(response="utter_nothing_to_pay")
        return CLEARED
    date = interpret_promise_date(text, language=language, today=today)
    if date is None:
        dispatcher.utter_message(response="utter_ask_promise_date")
        return CLEARED
    amount = min(find_amount(text) or facts.balance, facts.balance)
    limits = effective_promise_limits(get_policy(), profile=profile_of(tracker))
    check = check_promise(date=date, today=today, limits=limits, open_promises=facts.open_promises)
    money = format_money(amount, language)
    if check.status == "in_past":
        dispatcher.utter_message(response="utter_promise_in_past")
        return CLEARED
    if check.status == "too_many_open" and facts.existing is not None:
        dispatcher.utter_message(
            response="utter_promise_exists",
            amount=format_money(facts.existing[0], language),
            date=format_date(facts.existing[1], language, weekday=True),
        )
        return [*CLEARED, *offered("handoff")]
    if check.status not in ("ok", "too_late"):
        return await _needs_a_colleague(dispatcher, tracker, debtor_id)
    if check.status == "too_late":
        date = check.latest
        dispatcher.utter_message(
            response="utter_promise_too_late",
            amount=money,
            latest=format_date(date, language, weekday=True),
        )
    else:
        dispatcher.utter_message(
            response="utter_promise_offer",
            amount=money,
            date=format_date(date, language, weekday=True),
        )
    offer = json.dumps({"amount": str(amount), "date": date.isoformat()})
    return [SlotSet("arrangement_offer", offer), *offered("promise")]


def _store(
    session: Session, *, tracker: Tracker, debtor_id: int, kind: str, offer: dict[str, Any]
) -> Schedule | tuple[Decimal, dt.date]:
    today = dt.date.today()
    profile = profile_of(tracker)
    if kind == "plan":
        schedule = schedule_from(offer)
        balance = payable_balance(session=session, debtor_id=debtor_id)
        limits = effective_plan_limits(get_policy(), balance=balance, profile=profile)
        create_plan(
            session=session,
            debtor_id=debtor_id,
            schedule=schedule,
            limits=limits,
            today=today,
            conversation_id=tracker.sender_id,
        )
        return schedule
    date, amount = dt.date.fromisoformat(offer["date"]), Decimal(offer["amount"])
    promise = create_promise(
        session=session,
        debtor_id=debtor_id,
        date=date,
        amount=amount,
        today=today,
        limits=effective_promise_limits(get_policy(), profile=profile),
        conversation_id=tracker.sender_id,
    )
    return promise.amount, promise.date


class ActionConfirmArrangement(Action):
    """The debtor said yes: store exactly what they saw, if it is still inside the policy."""

    def name(self) -> str:
        return "action_confirm_arrangement"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        debtor_id = verified_debtor_id(tracker)
        kind, raw = tracker.get_slot(PENDING), tracker.get_slot("arrangement_offer")
        if debtor_id is None or kind not in ("plan", "promise") or not raw:
            dispatcher.utter_message(response="utter_how_can_help")
            return CLEARED
        language = language_of(tracker)
        try:
            stored = await run_in_session(
                lambda s: _store(
                    s, tracker=tracker, debtor_id=debtor_id, kind=kind, offer=json.loads(raw)
                )
            )
        except DomainError:
            # the facts changed since the offer (a payment, a new promise): offer afresh
            redo = offer_plan if kind == "plan" else offer_promise
            return await redo(dispatcher, tracker, debtor_id)
        if isinstance(stored, Schedule):
            first = stored.installments[0]
            dispatcher.utter_message(
                response="utter_plan_agreed",
                amount=format_money(first.amount, language),
                date=format_date(first.due_date, language),
            )
        else:
            dispatcher.utter_message(
                response="utter_promise_agreed",
                amount=format_money(stored[0], language),
                date=format_date(stored[1], language, weekday=True),
            )
        # both end by offering a payment link
        return [*CLEARED, *offered("link")]


class ActionDeclineArrangement(Action):
    """The debtor said no. A counter-offer is the most the policy allows, so declining it
    means a person has to help; anything else: ask what would work."""

    def name(self) -> str:
        return "action_decline_arrangement"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        debtor_id = verified_debtor_id(tracker)
        raw = tracker.get_slot("arrangement_offer")
        kind = json.loads(raw).get("kind") if raw else None
        if debtor_id is not None and tracker.get_slot(PENDING) == "plan" and kind == "counter":
            return await _needs_a_colleague(dispatcher, tracker, debtor_id)
        dispatcher.utter_message(response="utter_arrangement_declined")
        return CLEARED
