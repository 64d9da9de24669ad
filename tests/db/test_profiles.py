"""Debtor profiles stored, on SQLite and PostgreSQL: facts gathered, recomputed when they
change, the history kept; credit information and the CSV import; the preferred channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice, get_open_balance
from receivables.audit.events import list_events
from receivables.common import clock
from receivables.conversations.service import attach_debtor, get_or_create_conversation
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.demo import DEMO_DEBTORS, demo_table, load_demo_data
from receivables.errors import InvalidInput, NotFound
from receivables.handoffs.service import create_handoff, resolve_handoff
from receivables.migrate import upgrade
from receivables.models import Debtor, DebtorProfileChange, Promise
from receivables.payments.booking import book_payment
from receivables.policy.model import load_policy
from receivables.profiles.credit_import import import_credit_text, parse_credit_csv
from receivables.profiles.service import (
    current_profile,
    list_debtor_profiles,
    load_facts,
    refresh_profiles,
    set_business_attributes,
    set_credit_info,
    stored_profile,
)
from receivables.settings import settings_from
from tests.cli import settle
from tests.conftest import postgres_schema

TODAY = dt.date(2026, 11, 23)
POLICY = load_policy()


def profile_changes(session: Session, debtor_id: int) -> list[DebtorProfileChange]:
    """The debtor's profile history, oldest first."""
    return list(
        session.scalars(
            select(DebtorProfileChange)
            .where(DebtorProfileChange.debtor_id == debtor_id)
            .order_by(DebtorProfileChange.id)
        )
    )


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def make_debtor(session: Session, reference: str = "48213907", **invoices: str) -> Debtor:
    """A debtor with invoices by number: amount, due 30 days before TODAY unless the
    number says otherwise."""
    debtor = create_debtor(session=session, reference=reference, name="Anna de Vries")
    for number, amount in (invoices or {f"F-{reference}": "150.00"}).items():
        create_invoice(
            session=session,
            debtor=debtor,
            number=number,
            amount=Decimal(amount),
            issue_date=TODAY - dt.timedelta(days=44),
            due_date=TODAY - dt.timedelta(days=30),
        )
    return debtor


def promise(session: Session, debtor: Debtor, status: str, days_ago: int = 10) -> None:
    day = TODAY - dt.timedelta(days=days_ago)
    session.add(
        Promise(
            debtor_id=debtor.id,
            amount=Decimal("50.00"),
            date=day,
            status=status,
            created_at=at(day - dt.timedelta(days=5)),
        )
    )
    session.flush()


# --- facts --------------------------------------------------------------------------------
def test_facts_come_from_invoices_payments_promises_handoffs_and_conversations(
    session: Session,
) -> None:
    debtor = make_debtor(session, **{"F-1": "100.00", "F-2": "80.00"})
    book_payment(
        session=session,
        debtor=debtor,
        amount=Decimal("60.00"),
        received_at=at(TODAY - dt.timedelta(days=25)),
    )
    book_payment(
        session=session,
        debtor=debtor,
        amount=Decimal("40.00"),
        received_at=at(TODAY - dt.timedelta(days=20)),
    )
    promise(session, debtor, "kept")
    get_or_create_conversation(session=session, conversation_id="wa-1", channel="whatsapp")
    # someone who gave this debtor's reference and failed says nothing about the debtor
    create_handoff(
        session=session, conversation_id="wa-1", reason="verification_failed", debtor_id=debtor.id
    )
    facts = load_facts(session=session, debtors=[debtor])[debtor.id]
    first, second = sorted(facts.invoices, key=lambda i: i.number)
    assert (first.paid, first.paid_on) == (Decimal("100.00"), TODAY - dt.timedelta(days=20))
    assert (second.paid, second.paid_on) == (Decimal("0.00"), None)
    assert facts.promises == ("kept",) and facts.handoffs == ()
    assert facts.reacted  # a promise is a reaction
    nobody = make_debtor(session, "KL-2291")
    assert not load_facts(session=session, debtors=[nobody])[nobody.id].reacted
    attach_debtor(session=session, conversation_id="wa-1", debtor_id=nobody.id)
    assert load_facts(session=session, debtors=[nobody])[nobody.id].reacted


# --- stored, recomputed, history ----------------------------------------------------------
def test_the_first_profile_is_stored_with_a_history_row_and_an_audit_event(
    session: Session,
) -> None:
    debtor = make_debtor(session)
    view = current_profile(session=session, debtor_id=debtor.id, policy=POLICY, today=TODAY)
    assert (view.group, view.risk) == ("no_information", "medium")
    assert view.reasons[:3] == (
        "no reaction yet",
        "0 of 1 invoice paid on time",
        "average 30 days late",
    )
    assert (debtor.profile_group, debtor.profile_risk) == ("no_information", "medium")
    assert debtor.profile_reasons == list(view.reasons) and debtor.profile_updated_at
    assert stored_profile(debtor) == view
    [change] = profile_changes(session, debtor.id)
    assert (change.group, change.risk, change.previous_group) == ("no_information", "medium", None)
    [event] = [
        e
        for e in list_events(session=session, debtor_id=debtor.id)
        if e.action == "profile_changed"
    ]
    assert event.detail["group"] == "no_information" and event.detail["previous_group"] is None


def test_reading_again_without_a_change_adds_no_history(session: Session) -> None:
    debtor = make_debtor(session)
    first = current_profile(session=session, debtor_id=debtor.id, policy=POLICY, today=TODAY)
    again = current_profile(session=session, debtor_id=debtor.id, policy=POLICY, today=TODAY)
    assert first == again
    # a day later the days late grew: the reasons follow, without a history row
    later = current_profile(
        session=session, debtor_id=debtor.id, policy=POLICY, today=TODAY + dt.timedelta(days=1)
    )
    assert "average 31 days late" in later.reasons
    assert debtor.profile_reasons == list(later.reasons)
    assert len(profile_changes(session, debtor.id)) == 1


def test_the_profile_follows_the_facts_and_the_history_keeps_each_change(
    session: Session,
) -> None:
    debtor = make_debtor(session)
    conversation = get_or_create_conversation(session=session, conversation_id="web-1")
    attach_debtor(session=session, conversation_id=conversation.id, debtor_id=debtor.id)

    def group() -> str:
        return current_profile(
            session=session, debtor_id=debtor.id, policy=POLICY, today=TODAY
        ).group

    assert group() == "no_information"
    promise(session, debtor, "broken", 20)
    promise(session, debtor, "broken", 5)
    assert group() == "unwilling"
    handoff = create_handoff(
        session=session,
        conversation_id="web-1",
        reason="cannot_pay",
        debtor_id=debtor.id,
        flags=["job_loss"],
    )
    assert group() == "unable"
    resolve_handoff(session=session, handoff_id=handoff.id, collector="lotte", outcome="debt_help")
    assert group() == "unable"
    changes = profile_changes(session, debtor.id)
    assert [(c.previous_group, c.group) for c in changes] == [
        (None, "no_information"),
        ("no_information", "unwilling"),
        ("unwilling", "unable"),
    ]
    assert changes[-1].reasons[0].startswith("hardship reported on ")
    assert "(job loss)" in changes[-1].reasons[0]


def test_a_payment_makes_a_late_payer_willing_and_able(session: Session) -> None:
    debtor = make_debtor(session)
    assert current_profile(session=session, debtor_id=debtor.id, today=TODAY).group == (
        "no_information"
    )
    # paid 20 days after the due date: all paid, and not late_days late on average
    book_payment(
        session=session,
        debtor=debtor,
        amount=Decimal("150.00"),
        received_at=at(TODAY - dt.timedelta(days=10)),
    )
    view = current_profile(session=session, debtor_id=debtor.id, today=TODAY)
    assert view.group == "willing_and_able"
    assert view.reasons[:3] == (
        "all invoices paid",
        "0 of 1 invoice paid on time",
        "average 20 days late",
    )


def test_an_unknown_debtor_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        current_profile(session=session, debtor_id=987654)


def test_refresh_and_the_listing_recompute_every_debtor(session: Session) -> None:
    late = make_debtor(session, "L-1", **{"F-L1": "900.00"})
    promise(session, late, "broken", 20)
    promise(session, late, "broken", 5)
    good = make_debtor(session, "G-1", **{"F-G1": "100.00"})
    book_payment(
        session=session,
        debtor=good,
        amount=Decimal("100.00"),
        received_at=at(TODAY - dt.timedelta(days=31)),
    )
    assert refresh_profiles(session=session, policy=POLICY, today=TODAY) >= 2
    assert refresh_profiles(session=session, policy=POLICY, today=TODAY) == 0
    rows = list_debtor_profiles(session=session, policy=POLICY, today=TODAY)
    mine = [r for r in rows if r.debtor.reference in ("L-1", "G-1")]
    # highest risk first
    assert [(r.debtor.reference, r.profile.group, r.profile.risk) for r in mine] == [
        ("L-1", "unwilling", "high"),
        ("G-1", "willing_and_able", "low"),
    ]
    assert mine[0].balance == Decimal("900.00") and mine[1].balance == Decimal("0.00")
    unwilling = list_debtor_profiles(
        session=session, policy=POLICY, today=TODAY, group="unwilling", risk="high"
    )
    assert "L-1" in [r.debtor.reference for r in unwilling]
    assert all(r.profile.group == "unwilling" for r in unwilling)
    with pytest.raises(InvalidInput):
        list_debtor_profiles(session=session, group="grumpy")
    with pytest.raises(InvalidInput):
        list_debtor_profiles(session=session, risk="extreme")


# --- preferred channel --------------------------------------------------------------------
def test_the_channel_the_debtor_answers_on_becomes_the_preferred_channel(
    session: Session,
) -> None:
    debtor = make_debtor(session)
    assert debtor.preferred_channel is None
    get_or_create_conversation(session=session, conversation_id="whatsapp:+316", channel="whatsapp")
    attach_debtor(session=session, conversation_id="whatsapp:+316", debtor_id=debtor.id)
    assert debtor.preferred_channel == "whatsapp"
    get_or_create_conversation(session=session, conversation_id="telegram:42", channel="telegram")
    attach_debtor(session=session, conversation_id="telegram:42", debtor_id=debtor.id)
    session.expire_all()
    assert session.get(Debtor, debtor.id).preferred_channel == "telegram"  # type: ignore[union-attr]
    # an API client's conversation is not a channel the debtor answers on
    attach_debtor(session=session, conversation_id="created-by-the-api", debtor_id=debtor.id)
    assert session.get(Debtor, debtor.id).preferred_channel == "telegram"  # type: ignore[union-attr]


# --- credit information and business attributes --------------------------------------------
def test_credit_information_is_stored_checked_and_changes_the_profile(session: Session) -> None:
    debtor = make_debtor(session)
    set_credit_info(
        session=session,
        debtor_id=debtor.id,
        score=72,
        flag="Debt restructuring",
        source="creditsafe",
    )
    assert (debtor.credit_score, debtor.credit_flag, debtor.credit_source) == (
        72,
        "debt_restructuring",
        "creditsafe",
    )
    assert debtor.credit_updated_at is not None
    view = current_profile(session=session, debtor_id=debtor.id, policy=POLICY, today=TODAY)
    assert view.group == "unable" and view.reasons[0] == "external credit flag: debt_restructuring"
    for score in (-1, 101, True):
        with pytest.raises(InvalidInput):
            set_credit_info(
                session=session, debtor_id=debtor.id, score=score, flag=None, source=None
            )
    with pytest.raises(InvalidInput):
        set_credit_info(session=session, debtor_id=debtor.id, score=None, flag="no!", source=None)
    with pytest.raises(NotFound):
        set_credit_info(session=session, debtor_id=987654, score=50, flag=None, source=None)
    set_credit_info(session=session, debtor_id=debtor.id, score=None, flag=None, source=None)
    assert (debtor.credit_score, debtor.credit_flag) == (None, None)
    actions = [e.action for e in list_events(session=session, debtor_id=debtor.id)]
    assert actions.count("credit_info_set") == 2


def test_business_attributes_change_only_what_is_given(session: Session) -> None:
    debtor = make_debtor(session)
    set_business_attributes(
        session=session,
        debtor_id=debtor.id,
        kind="Business",
        industry=" Construction ",
        country="nl",
    )
    assert (debtor.kind, debtor.industry, debtor.country) == ("business", "construction", "NL")
    set_business_attributes(session=session, debtor_id=debtor.id, country="BE")
    assert (debtor.kind, debtor.industry, debtor.country) == ("business", "construction", "BE")
    set_business_attributes(session=session, debtor_id=debtor.id, industry=None)
    assert debtor.industry is None
    for bad in ({"kind": "company"}, {"country": "NLD"}, {"country": "1A"}):
        with pytest.raises(InvalidInput):
            set_business_attributes(session=session, debtor_id=debtor.id, **bad)


# --- the CSV import -----------------------------------------------------------------------
GOOD = """reference,credit_score,credit_flag,kind,industry,country
48213907,35,payment_arrears,business,construction,NL
kl-2291,88,,consumer,,BE
"""


def test_a_good_file_is_imported_and_the_profiles_recomputed(session: Session) -> None:
    anna, mark = make_debtor(session), make_debtor(session, "KL-2291")
    result = import_credit_text(
        session=session, text=GOOD, source="csv:test.csv", policy=POLICY, today=TODAY
    )
    assert result.ok and result.imported == ["48213907", "KL-2291"]
    assert (anna.credit_score, anna.credit_flag, anna.credit_source) == (
        35,
        "payment_arrears",
        "csv:test.csv",
    )
    assert (anna.kind, anna.industry, anna.country) == ("business", "construction", "NL")
    assert (mark.credit_score, mark.credit_flag, mark.kind, mark.country) == (
        88,
        None,
        "consumer",
        "BE",
    )
    assert anna.profile_risk == "high"
    assert "external credit flag: payment_arrears" in anna.profile_reasons
    assert mark.profile_group == "no_information"
    assert "based abroad (BE)" in mark.profile_reasons


def test_a_bad_file_reports_every_bad_row_by_line_and_changes_nothing(session: Session) -> None:
    anna = make_debtor(session)
    make_debtor(session, "KL-2291")
    make_debtor(session, "EN-1001")
    text = (
        "reference;credit_score;credit_flag;country\n"
        "48213907;70;;NL\n"
        "NOPE-1;50;;NL\n"
        "KL-2291;101;;NL\n"
        "\n"
        "48213907;60;;NL\n"
        "EN-1001;12;bad flag!;NLD\n"
    )
    result = import_credit_text(session=session, text=text, source="x", today=TODAY)
    assert [str(e) for e in result.errors] == [
        "line 3: no debtor with reference NOPE-1",
        "line 4: credit_score must be a whole number from 0 to 100, not '101'",
        "line 6: reference 48213907 is on line 2 too",
        "line 7: credit flag must be a short word (letters, digits, _), not 'bad flag!'; "
        "country must be a two-letter ISO code such as NL, not 'NLD'",
    ]
    assert anna.credit_score is None and result.imported == []


def test_the_header_is_checked() -> None:
    for text, message in (
        ("", "the file is empty"),
        ("ref,credit_score\n1,2\n", "unknown column 'ref'; the column reference is missing"),
        ("reference\n48213907\n", "no column to import besides reference"),
        ("reference,kind,kind\n1,a,b\n", "column kind more than once"),
    ):
        rows, errors, _ = parse_credit_csv(text)
        assert rows == [] and len(errors) == 1
        assert errors[0].line == 1 and message in errors[0].message


def test_a_spreadsheet_export_with_semicolons_and_a_byte_order_mark_is_read() -> None:
    text = '\ufeffReference;Credit_Score;Kind\r\n48213907;35;Business\r\n"KL-2291";;\r\n'
    rows, errors, columns = parse_credit_csv(text)
    assert errors == [] and columns == ("reference", "credit_score", "kind")
    assert [(r.line, r.reference, r.values) for r in rows] == [
        (2, "48213907", {"credit_score": 35, "kind": "business"}),
        (3, "KL-2291", {"credit_score": None, "kind": None}),
    ]


def test_a_column_left_out_is_kept_and_an_empty_cell_clears(session: Session) -> None:
    debtor = make_debtor(session)
    set_credit_info(session=session, debtor_id=debtor.id, score=50, flag="fraud", source="a")
    set_business_attributes(session=session, debtor_id=debtor.id, kind="business", country="NL")
    result = import_credit_text(
        session=session, text="reference,credit_flag,kind\n48213907,,\n", source="b", today=TODAY
    )
    assert result.ok
    assert (debtor.credit_score, debtor.credit_flag, debtor.credit_source) == (50, None, "b")
    assert (debtor.kind, debtor.country) == (None, "NL")


def test_a_dry_run_checks_and_changes_nothing(session: Session) -> None:
    debtor = make_debtor(session)
    result = import_credit_text(
        session=session, text="reference,credit_score\n48213907,40\n", source="x", dry_run=True
    )
    assert result.ok and result.rows == 1 and result.imported == []
    assert debtor.credit_score is None


def test_the_command_imports_a_file_or_reports_and_fails(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'import.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        make_debtor(session)
    settings = settings_from({"SETTLE_DATABASE_URL": url})
    bad = tmp_path / "bad.csv"
    bad.write_text("reference,credit_score\n48213907,12\nNOPE,1\n", encoding="utf-8")
    refused = settle(["credit-import", str(bad)], settings)
    assert refused.exit_code == 1
    assert "bad.csv: line 3: no debtor with reference NOPE" in refused.stderr
    assert "nothing imported" in refused.stderr
    good = tmp_path / "good.csv"
    good.write_text("reference,credit_score,credit_flag\n48213907,12,wsnp\n", encoding="utf-8")
    assert settle(["credit-import", str(good), "--dry-run"], settings).exit_code == 0
    with session_scope(factory) as session:
        assert session.scalars(select(Debtor)).one().credit_score is None  # a dry run
    done = settle(["credit-import", str(good)], settings)
    assert done.exit_code == 0 and "imported 1 debtors" in done.stdout
    with session_scope(factory) as session:
        debtor = session.scalars(select(Debtor)).one()
        assert (debtor.credit_score, debtor.credit_source) == (12, "csv:good.csv")
        assert debtor.profile_group == "unable"
        assert session.scalars(select(DebtorProfileChange)).all()
    assert settle(["credit-import", str(tmp_path / "missing.csv")], settings).exit_code == 2
    engine.dispose()


# --- the demo -----------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def empty_session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    """A database of its own, migrated and empty: the demo's references are free, whatever
    other tests left in the shared one."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'demo.db'}"
            upgrade(url)
        else:
            url = stack.enter_context(postgres_schema("settle_demo"))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        with session_scope(make_session_factory(engine)) as session:
            yield session


def test_the_demo_debtors_show_all_five_groups_with_their_balances_unchanged(
    empty_session: Session,
) -> None:
    session = empty_session
    assert session.scalar(select(Debtor.id)) is None
    # the demo books its payments now: its today is the app's
    today = clock.today()
    assert load_demo_data(session=session, today=today) == len(DEMO_DEBTORS)
    profiles = {
        r.debtor.reference: (r.profile.group, r.profile.risk, r.debtor.preferred_channel)
        for r in list_debtor_profiles(session=session, policy=POLICY, today=today)
    }
    assert profiles == {
        "48213907": ("willing_and_able", "low", None),
        "KL-2291": ("unable", "medium", "whatsapp"),
        "55120348": ("no_information", "medium", None),
        "61002377": ("unwilling", "high", "webchat"),
        "KL-3050": ("willing_and_able", "low", None),
        "73319006": ("no_information", "high", None),
        "EN-1001": ("information_available", "medium", "telegram"),
        "EN-1002": ("no_information", "low", None),
        "EN-1003": ("no_information", "medium", None),
        "EN-1004": ("unwilling", "high", None),
        "EN-1005": ("willing_and_able", "low", None),
        "39904512": ("no_information", "medium", None),
    }
    for reference, _name, _dob, _pc, _phone, _lang, invoices, paid in DEMO_DEBTORS:
        debtor = session.scalars(select(Debtor).where(Debtor.reference == reference)).one()
        expected = sum(Decimal(i[1]) for i in invoices) - Decimal(paid or 0)
        assert get_open_balance(session=session, debtor_id=debtor.id) == expected
    assert demo_table(session=session).splitlines()[0].split() == [
        "customer",
        "no.",
        "name",
        "lang",
        "date",
        "of",
        "birth",
        "postcode",
        "balance",
    ]
