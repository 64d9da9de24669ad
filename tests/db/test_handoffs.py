"""Handoffs from the queue to the outcome, and collector accounts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

import texts
from receivables.accounts.debtors import create_debtor
from receivables.audit.events import list_events
from receivables.collectors.service import (
    authenticate,
    create_collector,
    list_collectors,
    set_active,
    set_password,
)
from receivables.conversations.service import add_message, get_or_create_conversation, list_messages
from receivables.errors import Conflict, InvalidInput, NotFound
from receivables.handoffs.service import (
    add_collector_message,
    agree_plan_outside_policy,
    claim_handoff,
    create_handoff,
    get_open_handoff,
    is_visible_to,
    list_handoffs,
    list_queue,
    list_recently_resolved,
    normalize_flags,
    release_handoff,
    resolve_handoff,
)
from receivables.models import Conversation, Handoff, utcnow

WAIT = dt.timedelta(minutes=30)


def conversation(session: Session, cid: str, language: str = "nl") -> Conversation:
    conv = get_or_create_conversation(session=session, conversation_id=cid, channel="webchat")
    conv.language = language
    add_message(session=session, conversation=conv, sender="debtor", text="ik kan niet betalen")
    return conv


def handoff(session: Session, cid: str, **kwargs: object) -> Handoff:
    conversation(session, cid, str(kwargs.pop("language", "nl")))
    return create_handoff(session=session, conversation_id=cid, reason="cannot_pay", **kwargs)  # type: ignore[arg-type]


def state(session: Session, cid: str) -> str:
    return get_or_create_conversation(session=session, conversation_id=cid).state


# --- creating and queueing ---------------------------------------------------------------
def test_balance_and_flags_are_stored_and_merged_on_a_retry(session: Session) -> None:
    first = handoff(session, "h-1", balance=Decimal("120.5"), flags=["illness"], summary="s")
    assert first.balance == Decimal("120.50") and first.flags == ["illness"]
    again = create_handoff(
        session=session,
        conversation_id="h-1",
        reason="other",
        flags=["Debt-Help", "illness"],
        balance=Decimal("999"),
    )
    assert again.id == first.id and again.reason == "cannot_pay"
    assert again.flags == ["illness", "debt_help"]
    assert again.balance == Decimal("120.50")  # kept: a balance is only filled in when missing
    session.expire_all()
    stored = get_open_handoff(session=session, conversation_id="h-1")
    assert stored is not None and stored.flags == ["illness", "debt_help"]
    actions = [e.action for e in list_events(session=session, conversation_id="h-1")]
    assert actions == ["handoff_created", "handoff_flagged"]
    assert state(session, "h-1") == "waiting"


def test_flags_are_normalized_and_checked() -> None:
    assert normalize_flags([" Illness", "job loss", "illness"]) == ["illness", "job_loss"]
    with pytest.raises(ValueError):
        normalize_flags(["<script>"])


def test_queue_senior_first_then_longest_waiting_then_amount(session: Session) -> None:
    base = utcnow() - dt.timedelta(hours=1)
    small = handoff(session, "q-small", balance=Decimal("50"))
    big = handoff(session, "q-big", balance=Decimal("900"))
    unknown = handoff(session, "q-unknown")
    older = handoff(session, "q-older", balance=Decimal("10"))
    senior = handoff(session, "q-senior", level="senior", balance=Decimal("3000"))
    for h in (small, big, unknown):
        h.created_at = base
    older.created_at = base - dt.timedelta(minutes=5)
    senior.created_at = base + dt.timedelta(minutes=30)
    session.flush()
    queue = list_handoffs(session=session, status="waiting")
    assert [h.conversation_id for h in queue] == [
        "q-senior",
        "q-older",
        "q-big",
        "q-small",
        "q-unknown",
    ]


def test_juniors_see_senior_cases_only_after_the_wait(session: Session) -> None:
    junior_case = handoff(session, "v-j")
    fresh = handoff(session, "v-s1", level="senior")
    stale = handoff(session, "v-s2", level="senior")
    stale.created_at = utcnow() - dt.timedelta(minutes=45)
    session.flush()

    def seen(role: str, username: str = "jan") -> set[str]:
        return {
            h.conversation_id
            for h in list_queue(session=session, role=role, username=username, junior_wait=WAIT)
        }

    assert seen("junior") == {"v-j", "v-s2"}
    assert seen("senior") == seen("admin") == {"v-j", "v-s1", "v-s2"}
    now = utcnow()
    assert is_visible_to(junior_case, role="junior", username="jan", now=now, junior_wait=WAIT)
    claim_handoff(session=session, handoff_id=fresh.id, collector="jan")
    assert is_visible_to(fresh, role="junior", username="jan", now=now, junior_wait=WAIT)
    assert not is_visible_to(fresh, role="junior", username="piet", now=now, junior_wait=WAIT)
    claim_handoff(session=session, handoff_id=stale.id, collector="sara")
    assert "v-s2" not in seen("junior")  # once a senior has it, it leaves the juniors' view


# --- claim, reply, release, resolve ---------------------------------------------------------
def test_claim_hands_the_conversation_to_one_collector(session: Session) -> None:
    h = handoff(session, "c-1")
    claimed = claim_handoff(session=session, handoff_id=h.id, collector="anna")
    assert claimed.status == "claimed" and claimed.collector == "anna"
    assert claimed.claimed_at is not None and state(session, "c-1") == "human"
    assert claim_handoff(session=session, handoff_id=h.id, collector="anna").id == h.id
    with pytest.raises(Conflict, match="claimed by anna"):
        claim_handoff(session=session, handoff_id=h.id, collector="bert")
    with pytest.raises(NotFound):
        claim_handoff(session=session, handoff_id=987654, collector="anna")
    with pytest.raises(InvalidInput):
        claim_handoff(session=session, handoff_id=h.id, collector="  ")
    claims = [
        e
        for e in list_events(session=session, conversation_id="c-1")
        if e.action == "handoff_claimed"
    ]
    assert [(e.actor, e.detail["handoff_id"]) for e in claims] == [("collector:anna", h.id)]


def test_a_collector_replies_only_on_their_own_claimed_case(session: Session) -> None:
    h = handoff(session, "m-1")
    with pytest.raises(Conflict, match="claim"):
        add_collector_message(session=session, handoff_id=h.id, collector="anna", text="Hallo")
    claim_handoff(session=session, handoff_id=h.id, collector="anna")
    with pytest.raises(InvalidInput):
        add_collector_message(session=session, handoff_id=h.id, collector="anna", text="  ")
    with pytest.raises(Conflict):
        add_collector_message(session=session, handoff_id=h.id, collector="bert", text="Hoi")
    message = add_collector_message(
        session=session,
        handoff_id=h.id,
        collector="anna",
        text=" Goedemiddag, u spreekt met Anna. Kaart 4111 1111 1111 1111? ",
    )
    assert message.sender == "collector" and message.text.startswith("Goedemiddag")
    assert "4111" not in message.text
    said = [
        e
        for e in list_events(session=session, conversation_id="m-1")
        if e.action == "collector_message"
    ]
    assert said[0].actor == "collector:anna" and said[0].detail["message_id"] == message.id


@pytest.mark.parametrize("language", ["nl", "en"])
def test_release_gives_the_conversation_back_to_the_bot(session: Session, language: str) -> None:
    cid = f"r-{language}"
    h = handoff(session, cid, language=language)
    claim_handoff(session=session, handoff_id=h.id, collector="anna")
    message = release_handoff(session=session, handoff_id=h.id, collector="anna")
    assert message.sender == "bot" and message.text == texts.text("gateway.back_to_bot", language)
    assert list_messages(session=session, conversation_id=cid)[-1].id == message.id
    assert h.status == "resolved" and h.outcome == "released" and h.resolved_at is not None
    assert state(session, cid) == "bot"
    assert get_open_handoff(session=session, conversation_id=cid) is None
    with pytest.raises(Conflict, match="resolved"):
        release_handoff(session=session, handoff_id=h.id, collector="anna")
    # a new escalation later opens a new handoff
    again = create_handoff(session=session, conversation_id=cid, reason="dispute")
    assert again.id != h.id and state(session, cid) == "waiting"


def test_resolve_closes_with_outcome_and_note(session: Session) -> None:
    h = handoff(session, "z-1")
    claim_handoff(session=session, handoff_id=h.id, collector="anna")
    with pytest.raises(InvalidInput):
        resolve_handoff(session=session, handoff_id=h.id, collector="anna", outcome="won")
    with pytest.raises(Conflict):
        resolve_handoff(session=session, handoff_id=h.id, collector="bert")
    done = resolve_handoff(
        session=session,
        handoff_id=h.id,
        collector="anna",
        outcome="debt_help",
        note=" Doorverwezen naar schuldhulp ",
    )
    assert (done.status, done.outcome, done.note) == (
        "resolved",
        "debt_help",
        "Doorverwezen naar schuldhulp",
    )
    assert state(session, "z-1") == "closed"
    assert [x.id for x in list_recently_resolved(session=session)][0] == h.id
    event = list_events(session=session, conversation_id="z-1")[-1]
    assert (event.actor, event.action, event.detail["outcome"]) == (
        "collector:anna",
        "handoff_resolved",
        "debt_help",
    )


def test_a_waiting_case_can_be_resolved_without_a_claim(session: Session) -> None:
    h = handoff(session, "z-2")
    done = resolve_handoff(session=session, handoff_id=h.id, collector="anna", actor="admin")
    assert done.outcome == "other" and done.collector == "anna"
    assert list_events(session=session, conversation_id="z-2")[-1].actor == "admin"


# --- a plan outside the policy (the console's hook) ---------------------------------------
def test_a_senior_records_a_plan_outside_the_policy(session: Session) -> None:
    debtor = create_debtor(session=session, reference="P-1", name="Jeroen Smit")
    unverified = handoff(session, "p-0")
    claim_handoff(session=session, handoff_id=unverified.id, collector="sara")
    with pytest.raises(InvalidInput, match="not verified"):
        agree_plan_outside_policy(
            session=session,
            handoff_id=unverified.id,
            collector="sara",
            total=Decimal("100"),
            installments=2,
            first_due=dt.date(2026, 12, 1),
        )
    h = handoff(session, "p-1", debtor_id=debtor.id, level="senior")
    claim_handoff(session=session, handoff_id=h.id, collector="sara")
    plan = agree_plan_outside_policy(
        session=session,
        handoff_id=h.id,
        collector="sara",
        total=Decimal("3180.75"),
        installments=12,
        first_due=dt.date(2026, 12, 31),
    )
    assert plan.outside_policy and plan.agreed_by == "collector:sara"
    assert plan.total == Decimal("3180.75") and plan.debtor_id == debtor.id
    terms = plan.installments
    assert len(terms) == 12 and sum(t.amount for t in terms) == Decimal("3180.75")
    assert terms[0].amount == Decimal("265.07") and terms[-1].amount == Decimal("264.98")
    assert [t.due_date for t in terms[:3]] == [
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 31),
        dt.date(2027, 2, 28),
    ]
    event = list_events(session=session, conversation_id="p-1")[-1]
    assert event.action == "plan_agreed_outside_policy" and event.detail["plan_id"] == plan.id
    with pytest.raises(Conflict):
        agree_plan_outside_policy(
            session=session,
            handoff_id=h.id,
            collector="bert",
            total=Decimal("10"),
            installments=1,
            first_due=dt.date(2026, 12, 1),
        )


# --- collector accounts --------------------------------------------------------------------
def test_collectors_are_created_with_a_hashed_password(session: Session) -> None:
    anna = create_collector(
        session=session,
        username=" Anna ",
        name="Anna de Boer",
        password="correct horse battery",
        role="senior",
    )
    assert anna.username == "anna" and anna.role == "senior" and anna.active
    assert anna.password_hash.startswith("scrypt$") and "correct" not in anna.password_hash
    other = create_collector(
        session=session, username="bert", name="Bert", password="correct horse battery"
    )
    assert other.role == "junior" and other.password_hash != anna.password_hash  # own salt
    with pytest.raises(Conflict):
        create_collector(session=session, username="ANNA", name="A", password="x" * 12)
    for bad in ({"username": "a b"}, {"role": "boss"}, {"password": "short"}, {"name": " "}):
        fields = {"username": "cees", "name": "Cees", "password": "long enough pw", **bad}
        with pytest.raises(InvalidInput):
            create_collector(session=session, **fields)
    assert [c.username for c in list_collectors(session=session)] == ["anna", "bert"]


def test_authenticate(session: Session) -> None:
    create_collector(session=session, username="anna", name="Anna", password="correct horse")
    assert authenticate(session=session, username="Anna", password="correct horse") is not None
    assert authenticate(session=session, username="anna", password="wrong horse!") is None
    assert authenticate(session=session, username="nobody", password="correct horse") is None
    set_password(session=session, username="anna", password="a new password")
    assert authenticate(session=session, username="anna", password="correct horse") is None
    assert authenticate(session=session, username="anna", password="a new password") is not None
    set_active(session=session, username="anna", active=False)
    assert authenticate(session=session, username="anna", password="a new password") is None
