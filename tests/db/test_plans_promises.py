"""Plans, promises, payments against them and the follow-up job, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice
from receivables.arrangements.followup import creditor_today, mark_broken
from receivables.arrangements.plans import (
    apply_payment,
    create_plan,
    get_active_plan,
    get_next_installment,
    has_broken_plan,
    list_missed_installments,
    list_plans,
    settle_installments,
)
from receivables.arrangements.promises import (
    count_open_promises,
    create_promise,
    list_promises,
    payable_balance,
)
from receivables.arrangements.schedule import Schedule, monthly_schedule, propose_plan
from receivables.audit.events import list_events
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.errors import Conflict, InvalidInput, NotFound
from receivables.migrate import upgrade
from receivables.models import Debtor, Payment, PaymentPlan, Promise
from receivables.payments.booking import book_payment
from receivables.policy.limits import (
    PlanLimits,
    PromiseLimits,
    effective_plan_limits,
    effective_promise_limits,
)
from receivables.policy.model import OutsidePolicy, load_policy
from receivables.settings import settings_from
from tests.cli import SETTLE, settle

D = Decimal
TODAY = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]
PLAN_LIMITS = PlanLimits(
    max_installments=6,
    min_installment_amount=D("25.00"),
    max_months=6,
    first_installment_within_days=14,
    min_balance=D("50.00"),
    max_balance=D("5000.00"),
    allow_after_broken_plan=False,
)
PROMISE_LIMITS = PromiseLimits(max_days_ahead=14, max_open_promises=1)


def debtor_owing(session: Session, amount: str = "1250.00", reference: str = "77001") -> Debtor:
    debtor = create_debtor(session=session, reference=reference, name="Kees Jansen")
    create_invoice(
        session=session,
        debtor=debtor,
        number=f"F-{reference}",
        amount=D(amount),
        issue_date=TODAY - dt.timedelta(days=45),
        due_date=TODAY - dt.timedelta(days=15),
    )
    return debtor


def six_terms(balance: str = "1250.00", today: dt.date = TODAY) -> Schedule:
    proposal = propose_plan(balance=D(balance), limits=PLAN_LIMITS, today=today, installments=6)
    assert proposal.status == "accepted" and proposal.schedule is not None
    return proposal.schedule


def agree(
    session: Session, debtor: Debtor, schedule: Schedule | None = None, **kw: Any
) -> PaymentPlan:
    return create_plan(
        session=session,
        debtor_id=debtor.id,
        schedule=schedule or six_terms(),
        limits=PLAN_LIMITS,
        today=TODAY,
        **kw,
    )


def pay(session: Session, debtor: Debtor, amount: str, ref: str) -> Payment:
    return book_payment(session=session, debtor=debtor, amount=D(amount), external_id=ref)


# --- plans -----------------------------------------------------------------------------


def test_a_plan_is_stored_with_its_installments_and_audited(session: Session) -> None:
    debtor = debtor_owing(session)
    plan = agree(session, debtor, conversation_id="c-1")
    assert (plan.status, plan.total, plan.agreed_by, plan.outside_policy) == (
        "active",
        D("1250.00"),
        "bot",
        False,
    )
    assert [(i.sequence, i.amount, i.status) for i in plan.installments] == [
        (n, D("208.34") if n < 6 else D("208.30"), "open") for n in range(1, 7)
    ]
    assert plan.installments[0].due_date == dt.date(2026, 12, 7)
    assert plan.installments[-1].due_date == dt.date(2027, 5, 7)
    events = list_events(session=session, debtor_id=debtor.id)
    assert [e.action for e in events] == ["plan_agreed"]
    assert events[0].conversation_id == "c-1" and events[0].actor == "bot"
    assert events[0].detail["installments"][0] == {"amount": "208.34", "due_date": "2026-12-07"}
    assert events[0].detail["plan_id"] == plan.id
    assert get_active_plan(session=session, debtor_id=debtor.id) == plan
    assert list_plans(session=session, debtor_id=debtor.id) == [plan]
    assert get_next_installment(session=session, debtor_id=debtor.id) == plan.installments[0]


def test_a_retried_create_returns_the_same_plan(session: Session) -> None:
    debtor = debtor_owing(session)
    first = agree(session, debtor, conversation_id="c-1")
    again = agree(session, debtor, conversation_id="c-1", schedule=six_terms())
    assert again.id == first.id
    assert len(list_plans(session=session, debtor_id=debtor.id)) == 1
    assert len(list_events(session=session, debtor_id=debtor.id)) == 1


def test_a_late_retry_finds_the_plan_even_when_it_is_no_longer_active(session: Session) -> None:
    debtor = debtor_owing(session)
    first = agree(session, debtor, conversation_id="c-1")
    mark_broken(session=session, today=dt.date(2026, 12, 8))
    lenient = replace(PLAN_LIMITS, allow_after_broken_plan=True)
    again = create_plan(
        session=session,
        debtor_id=debtor.id,
        schedule=six_terms(),
        limits=lenient,
        today=TODAY,
        conversation_id="c-1",
    )
    assert again.id == first.id and again.status == "broken"


@pytest.mark.parametrize(("conversation_id", "schedule_terms"), [("c-1", 3), ("c-2", 6), (None, 6)])
def test_never_two_active_plans(
    session: Session, conversation_id: str | None, schedule_terms: int
) -> None:
    debtor = debtor_owing(session)
    agree(session, debtor, conversation_id="c-1")
    other = propose_plan(
        balance=D("1250"), limits=PLAN_LIMITS, today=TODAY, installments=schedule_terms
    ).schedule
    with pytest.raises(Conflict, match="already has an active payment plan"):
        agree(session, debtor, schedule=other, conversation_id=conversation_id)


def test_a_plan_outside_the_policy_is_not_stored(session: Session) -> None:
    debtor = debtor_owing(session)
    too_long = monthly_schedule([D("125.00")] * 10, first=dt.date(2026, 12, 1))
    with pytest.raises(OutsidePolicy) as excinfo:
        agree(session, debtor, schedule=too_long)
    assert "10 installments; at most 6 allowed" in excinfo.value.violations
    assert isinstance(excinfo.value, InvalidInput)
    assert list_plans(session=session, debtor_id=debtor.id) == []


def test_a_plan_must_cover_what_is_owed_now(session: Session) -> None:
    debtor = debtor_owing(session)
    schedule = six_terms()  # offered for 1250.00
    pay(session, debtor, "50.00", "p-before-confirm")
    with pytest.raises(OutsidePolicy, match="not the balance 1200.00"):
        agree(session, debtor, schedule=schedule, conversation_id="c-1")


def test_the_guard_needs_the_limits(session: Session) -> None:
    debtor = debtor_owing(session)
    with pytest.raises(ValueError, match="limits are required"):
        create_plan(session=session, debtor_id=debtor.id, schedule=six_terms())


def test_only_a_person_stores_a_plan_outside_the_policy(session: Session) -> None:
    debtor = debtor_owing(session)
    long = monthly_schedule([D("125.00")] * 10, first=dt.date(2026, 12, 1))
    with pytest.raises(InvalidInput, match="bot never agrees"):
        create_plan(session=session, debtor_id=debtor.id, schedule=long, outside_policy=True)
    plan = create_plan(
        session=session,
        debtor_id=debtor.id,
        schedule=long,
        outside_policy=True,
        agreed_by="collector:marieke",
    )
    assert plan.outside_policy and plan.agreed_by == "collector:marieke"
    assert len(plan.installments) == 10
    (event,) = list_events(session=session, debtor_id=debtor.id)
    assert event.actor == "collector:marieke" and event.detail["outside_policy"] is True


def test_a_plan_for_an_unknown_debtor(session: Session) -> None:
    with pytest.raises(NotFound):
        create_plan(session=session, debtor_id=999_999, schedule=six_terms(), limits=PLAN_LIMITS)


def test_an_empty_schedule_is_refused(session: Session) -> None:
    debtor = debtor_owing(session)
    with pytest.raises(InvalidInput):
        agree(session, debtor, schedule=Schedule(()))


def test_a_broken_plan_blocks_a_new_one_unless_the_policy_allows(session: Session) -> None:
    debtor = debtor_owing(session)
    plan = agree(session, debtor)
    mark_broken(session=session, today=dt.date(2026, 12, 8))
    assert plan.status == "broken"
    assert has_broken_plan(session=session, debtor_id=debtor.id)
    assert get_active_plan(session=session, debtor_id=debtor.id) is None
    with pytest.raises(OutsidePolicy, match="broke a plan before"):
        agree(session, debtor)
    lenient = replace(PLAN_LIMITS, allow_after_broken_plan=True)
    new = create_plan(
        session=session, debtor_id=debtor.id, schedule=six_terms(), limits=lenient, today=TODAY
    )
    assert new.status == "active"
    assert [p.status for p in list_plans(session=session, debtor_id=debtor.id)] == [
        "broken",
        "active",
    ]


def test_the_shipped_policy_end_to_end(session: Session) -> None:
    """A debtor of 200 asks for 6 terms: the band allows 3, so 3 are offered and stored."""
    debtor = debtor_owing(session, "200.00")
    limits = effective_plan_limits(load_policy(), balance=D("200.00"))
    proposal = propose_plan(balance=D("200.00"), limits=limits, today=TODAY, installments=6)
    assert proposal.status == "counter" and proposal.schedule is not None
    plan = create_plan(
        session=session,
        debtor_id=debtor.id,
        schedule=proposal.schedule,
        limits=limits,
        today=TODAY,
        conversation_id="c-9",
    )
    assert [i.amount for i in plan.installments] == [D("66.67"), D("66.67"), D("66.66")]


# --- promises --------------------------------------------------------------------------


def promise(session: Session, debtor: Debtor, date: dt.date, **kw: Any) -> Promise:
    kw.setdefault("limits", PROMISE_LIMITS)
    return create_promise(
        session=session,
        debtor_id=debtor.id,
        date=date,
        today=TODAY,
        **kw,
    )


def test_a_promise_is_stored_and_audited(session: Session) -> None:
    debtor = debtor_owing(session)
    made = promise(session, debtor, dt.date(2026, 12, 4), amount=D("100"), conversation_id="c-1")
    assert (made.amount, made.date, made.status) == (D("100.00"), dt.date(2026, 12, 4), "open")
    (event,) = list_events(session=session, debtor_id=debtor.id)
    assert event.action == "promise_made" and event.conversation_id == "c-1"
    assert event.detail == {
        "promise_id": made.id,
        "amount": "100.00",
        "date": "2026-12-04",
        "outside_policy": False,
    }
    assert list_promises(session=session, debtor_id=debtor.id) == [made]
    assert count_open_promises(session=session, debtor_id=debtor.id) == 1


def test_without_an_amount_the_promise_is_for_the_whole_balance(session: Session) -> None:
    debtor = debtor_owing(session, "239.95")
    pay(session, debtor, "39.95", "p-0")
    made = promise(session, debtor, dt.date(2026, 12, 4))
    assert made.amount == D("200.00") == payable_balance(session=session, debtor_id=debtor.id)


def test_a_retried_promise_is_the_same_promise(session: Session) -> None:
    debtor = debtor_owing(session)
    first = promise(session, debtor, dt.date(2026, 12, 4), conversation_id="c-1")
    again = promise(session, debtor, dt.date(2026, 12, 4), conversation_id="c-1")
    assert again.id == first.id
    assert len(list_promises(session=session, debtor_id=debtor.id)) == 1


@pytest.mark.parametrize(
    ("date", "fragment"),
    [
        (dt.date(2026, 12, 8), "too_late (latest allowed 2026-12-07)"),
        (dt.date(2026, 11, 22), "in_past"),
    ],
)
def test_a_promise_outside_the_policy_is_refused(
    session: Session, date: dt.date, fragment: str
) -> None:
    debtor = debtor_owing(session)
    with pytest.raises(OutsidePolicy, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        promise(session, debtor, date)
    assert list_promises(session=session, debtor_id=debtor.id) == []


def test_one_open_promise_at_a_time(session: Session) -> None:
    debtor = debtor_owing(session)
    promise(session, debtor, dt.date(2026, 12, 4), conversation_id="c-1")
    with pytest.raises(OutsidePolicy, match="too_many_open"):
        promise(session, debtor, dt.date(2026, 12, 5), conversation_id="c-2")


def test_a_profile_without_promises(session: Session) -> None:
    debtor = debtor_owing(session)
    limits = effective_promise_limits(load_policy(), profile="unwilling")
    with pytest.raises(OutsidePolicy, match="not_allowed"):
        promise(session, debtor, dt.date(2026, 12, 4), limits=limits)


def test_promise_input_errors(session: Session) -> None:
    debtor = debtor_owing(session)
    with pytest.raises(InvalidInput, match="positive"):
        promise(session, debtor, dt.date(2026, 12, 4), amount=D("0"))
    with pytest.raises(ValueError, match="limits are required"):
        promise(session, debtor, dt.date(2026, 12, 4), limits=None)
    with pytest.raises(InvalidInput, match="bot never agrees"):
        promise(session, debtor, dt.date(2027, 6, 1), outside_policy=True)
    with pytest.raises(OutsidePolicy, match="more than the 1250.00 owed"):
        promise(session, debtor, dt.date(2026, 12, 4), amount=D("1250.01"))
    with pytest.raises(NotFound):
        create_promise(session=session, debtor_id=999_999, date=TODAY, limits=PROMISE_LIMITS)
    late = promise(
        session, debtor, dt.date(2027, 6, 1), outside_policy=True, agreed_by="collector:joop"
    )
    assert late.status == "open"


# --- payments against plans and promises -----------------------------------------------


def test_a_payment_for_an_installment_marks_it_paid(session: Session) -> None:
    debtor = debtor_owing(session)
    plan = agree(session, debtor)
    second = plan.installments[1]
    payment = pay(session, debtor, "208.34", "p-1")
    result = apply_payment(
        session=session,
        debtor_id=debtor.id,
        payment=payment,
        installment_id=second.id,
    )
    assert result.installments_paid == [second.id]
    assert [i.status for i in plan.installments] == ["open", "paid"] + ["open"] * 4
    assert second.paid_at is not None
    assert get_next_installment(session=session, debtor_id=debtor.id) == plan.installments[0]
    # applied again: nothing changes
    again = apply_payment(
        session=session,
        debtor_id=debtor.id,
        payment=payment,
        installment_id=second.id,
    )
    assert again.installments_paid == [] and again.plans_completed == []


def test_payments_cover_the_oldest_installments_and_add_up(session: Session) -> None:
    debtor = debtor_owing(session)
    plan = agree(session, debtor)
    first = pay(session, debtor, "100.00", "p-1")
    assert (
        apply_payment(session=session, debtor_id=debtor.id, payment=first).installments_paid == []
    )
    second = pay(session, debtor, "400.00", "p-2")  # 500 in all: two installments and a bit
    result = apply_payment(session=session, debtor_id=debtor.id, payment=second)
    assert result.installments_paid == [plan.installments[0].id, plan.installments[1].id]
    assert [i.status for i in plan.installments] == ["paid", "paid"] + ["open"] * 4
    actions = [e.action for e in list_events(session=session, debtor_id=debtor.id)]
    assert actions.count("installment_paid") == 2


def test_a_plan_paid_in_full_is_completed(session: Session) -> None:
    debtor = debtor_owing(session)
    plan = agree(session, debtor)
    for n, installment in enumerate(plan.installments):
        payment = pay(session, debtor, str(installment.amount), f"p-{n}")
        result = apply_payment(
            session=session,
            debtor_id=debtor.id,
            payment=payment,
            installment_id=installment.id,
        )
    assert result.plans_completed == [plan.id]
    assert plan.status == "completed"
    assert get_active_plan(session=session, debtor_id=debtor.id) is None
    assert get_next_installment(session=session, debtor_id=debtor.id) is None
    assert [e.action for e in list_events(session=session, debtor_id=debtor.id)][-1] == (
        "plan_completed"
    )


def test_a_payment_must_be_the_debtors(session: Session) -> None:
    debtor = debtor_owing(session)
    other = debtor_owing(session, reference="77002")
    plan = agree(session, debtor)
    payment = pay(session, other, "10.00", "p-x")
    with pytest.raises(InvalidInput):
        apply_payment(session=session, debtor_id=debtor.id, payment=payment)
    with pytest.raises(NotFound):
        apply_payment(
            session=session,
            debtor_id=other.id,
            payment=payment,
            installment_id=plan.installments[0].id,
        )


def test_a_promise_is_kept_when_the_payments_since_cover_it(session: Session) -> None:
    debtor = debtor_owing(session)
    made = promise(session, debtor, dt.date(2026, 12, 4), amount=D("300"))
    part = pay(session, debtor, "200.00", "p-1")
    assert apply_payment(session=session, debtor_id=debtor.id, payment=part).promises_kept == []
    assert made.status == "open"
    rest = pay(session, debtor, "100.00", "p-2")
    assert apply_payment(session=session, debtor_id=debtor.id, payment=rest).promises_kept == [
        made.id
    ]
    assert made.status == "kept" and made.settled_at is not None
    assert count_open_promises(session=session, debtor_id=debtor.id) == 0
    assert "promise_kept" in [e.action for e in list_events(session=session, debtor_id=debtor.id)]


def test_a_promise_is_kept_when_nothing_is_left_to_pay(session: Session) -> None:
    debtor = debtor_owing(session, "80.00")
    made = promise(  # a collector's promise, for more than is owed now
        session,
        debtor,
        dt.date(2026, 12, 4),
        amount=D("100"),
        outside_policy=True,
        agreed_by="collector:joop",
    )
    payment = pay(session, debtor, "80.00", "p-1")
    apply_payment(session=session, debtor_id=debtor.id, payment=payment)
    assert made.status == "kept"


# --- the follow-up job -----------------------------------------------------------------


def test_unpaid_promises_and_installments_become_broken_once(session: Session) -> None:
    debtor = debtor_owing(session)
    plan = agree(session, debtor)
    made = promise(session, debtor, dt.date(2026, 12, 4), amount=D("100"))
    assert mark_broken(session=session, today=dt.date(2026, 12, 4)).promises_broken == []
    result = mark_broken(session=session, today=dt.date(2026, 12, 5))
    assert result.promises_broken == [made.id] and made.status == "broken"
    assert result.installments_broken == []
    result = mark_broken(session=session, today=dt.date(2026, 12, 8))
    assert result.installments_broken == [plan.installments[0].id]
    assert result.plans_broken == [plan.id]
    assert plan.status == "broken" and plan.installments[1].status == "open"
    assert list_missed_installments(session=session, debtor_id=debtor.id) == [plan.installments[0]]
    # a second run the same day changes nothing
    again = mark_broken(session=session, today=dt.date(2026, 12, 8))
    assert (again.promises_broken, again.installments_broken, again.plans_broken) == ([], [], [])
    actions = [e.action for e in list_events(session=session, debtor_id=debtor.id)]
    assert actions.count("promise_broken") == 1
    assert actions.count("installment_missed") == 1 and actions.count("plan_broken") == 1
    # the next missed installment of a broken plan is recorded too, the plan stays broken
    later = mark_broken(session=session, today=dt.date(2027, 1, 8))
    assert later.installments_broken == [plan.installments[1].id] and later.plans_broken == []


def test_grace_days(session: Session) -> None:
    debtor = debtor_owing(session)
    made = promise(session, debtor, dt.date(2026, 12, 4), amount=D("100"))
    assert (
        mark_broken(session=session, today=dt.date(2026, 12, 6), grace_days=2).promises_broken == []
    )
    assert mark_broken(
        session=session, today=dt.date(2026, 12, 7), grace_days=2
    ).promises_broken == [made.id]


def test_payments_booked_without_apply_payment_still_count(session: Session) -> None:
    debtor = debtor_owing(session)
    plan = agree(session, debtor)
    made = promise(session, debtor, dt.date(2026, 12, 4), amount=D("208.34"))
    pay(session, debtor, "208.34", "bank-1")  # a bank transfer, booked by an import
    result = mark_broken(session=session, today=dt.date(2026, 12, 10))
    assert result.promises_broken == [] and result.installments_broken == []
    assert made.status == "kept" and plan.installments[0].status == "paid"
    assert plan.status == "active"


def test_settle_installments_without_a_plan(session: Session) -> None:
    debtor = debtor_owing(session)
    assert settle_installments(session=session, debtor_id=debtor.id) == []


def test_completed_plans_are_left_alone(session: Session) -> None:
    debtor = debtor_owing(session)
    plan = agree(session, debtor)
    payment = pay(session, debtor, "1250.00", "p-all")
    assert apply_payment(session=session, debtor_id=debtor.id, payment=payment).plans_completed == [
        plan.id
    ]
    assert mark_broken(session=session, today=dt.date(2027, 12, 1)).installments_broken == []
    assert plan.status == "completed"


def test_creditor_today_is_in_the_creditors_time_zone() -> None:
    policy = load_policy()
    late_evening_utc = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
    assert creditor_today(policy, late_evening_utc) == dt.date(2026, 11, 24)  # Amsterdam


# --- the job as a process ----------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'settle.db'}"
    upgrade(url)
    monkeypatch.setenv("SETTLE_DATABASE_URL", url)
    monkeypatch.delenv("SETTLE_POLICY_FILE", raising=False)
    return url


def overdue_promise(url: str) -> int:
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            debtor = debtor_owing(session)
            made = create_promise(
                session=session,
                debtor_id=debtor.id,
                amount=D("50"),
                date=dt.date.today() - dt.timedelta(days=10),
                outside_policy=True,
                agreed_by="collector:test",
            )
            return made.id
    finally:
        engine.dispose()


def promise_status(url: str, promise_id: int) -> str:
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return session.scalars(select(Promise.status).where(Promise.id == promise_id)).one()
    finally:
        engine.dispose()


def test_the_command_once(database: str) -> None:
    promise_id = overdue_promise(database)
    assert settle(["followup", "--once"]).exit_code == 0
    assert promise_status(database, promise_id) == "broken"
    assert settle(["followup", "--once"]).exit_code == 0  # nothing left to do, still fine


def test_the_command_reports_a_database_failure(tmp_path: Path) -> None:
    empty = settings_from({"SETTLE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    assert settle(["followup", "--once"], empty).exit_code == 1  # no tables


def test_the_command_refuses_a_bad_policy(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "policy.yml"
    bad.write_text("creditor: {}\n")
    settings = settings_from({"SETTLE_DATABASE_URL": database, "SETTLE_POLICY_FILE": str(bad)})
    refused = settle(["followup", "--once"], settings)
    assert refused.exit_code == 2 and "creditor" in refused.stderr


def test_the_job_runs_until_sigterm(database: str) -> None:
    promise_id = overdue_promise(database)
    job = subprocess.Popen(
        [str(SETTLE), "followup", "--interval", "3600"],
        cwd=ROOT,
        env={**os.environ, "SETTLE_DATABASE_URL": database},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while promise_status(database, promise_id) != "broken" and time.monotonic() < deadline:
            assert job.poll() is None
            time.sleep(0.2)
        assert promise_status(database, promise_id) == "broken"
        job.send_signal(signal.SIGTERM)
        assert job.wait(timeout=10) == 0
        output = job.stdout.read().decode() if job.stdout else ""
        assert "1 promises, 0 installments and 0 plans marked broken" in output
        assert "SIGTERM: stopping" in output
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
