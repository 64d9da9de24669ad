"""Plan schedules and the negotiation: exact cents, month ends, counter-offers inside the
policy, refusals with a reason; property tests that nothing returned leaves the policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from receivables.arrangements.schedule import (
    PlanProposal,
    Schedule,
    add_months,
    build_schedule,
    default_first_date,
    fewest_installments,
    latest_due_date,
    monthly_dates,
    monthly_schedule,
    plan_within_policy,
    propose_plan,
    split_by_amount,
    split_evenly,
)
from receivables.policy.limits import PlanLimits, effective_plan_limits
from receivables.policy.model import PROFILES, load_policy

TODAY = dt.date(2026, 11, 23)  # a Monday
D = Decimal
CENT = D("0.01")
LIMITS = PlanLimits(
    max_installments=6,
    min_installment_amount=D("25.00"),
    max_months=6,
    first_installment_within_days=14,
    min_balance=D("50.00"),
    max_balance=D("5000.00"),
    allow_after_broken_plan=False,
)


def amounts(schedule: Schedule | None) -> list[str]:
    assert schedule is not None
    return [str(i.amount) for i in schedule]


def dates(schedule: Schedule | None) -> list[str]:
    assert schedule is not None
    return [i.due_date.isoformat() for i in schedule]


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-01-31", 2, "2026-03-31"),  # counted from the start, not from 28 Feb
        ("2026-11-23", 1, "2026-12-23"),
        ("2026-12-15", 1, "2027-01-15"),
        ("2026-08-31", 6, "2027-02-28"),
        ("2026-05-10", 0, "2026-05-10"),
        ("2026-05-10", 24, "2028-05-10"),
    ],
)
def test_add_months(date: str, months: int, expected: str) -> None:
    assert add_months(dt.date.fromisoformat(date), months) == dt.date.fromisoformat(expected)


def test_monthly_dates_keep_the_day_after_a_short_month() -> None:
    assert [d.isoformat() for d in monthly_dates(dt.date(2026, 1, 31), 5)] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
    ]


def test_first_and_latest_dates() -> None:
    assert default_first_date(today=TODAY, limits=LIMITS) == dt.date(2026, 12, 7)
    assert latest_due_date(today=TODAY, limits=LIMITS) == dt.date(2027, 5, 23)
    # a first-installment window longer than the plan may last is cut to the plan's end
    short = replace(LIMITS, max_months=1, first_installment_within_days=60)
    assert default_first_date(today=TODAY, limits=short) == dt.date(2026, 12, 23)


# --- amounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        ("1250.00", 6, ["208.34"] * 5 + ["208.30"]),
        ("100.00", 3, ["33.34", "33.34", "33.32"]),
        ("90.00", 3, ["30.00", "30.00", "30.00"]),
        ("75.50", 1, ["75.50"]),
        ("0.05", 6, None),  # less than a cent each
    ],
)
def test_split_evenly_last_absorbs_the_remainder(
    total: str, count: int, expected: list[str] | None
) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            split_evenly(D(total), count)
        return
    assert [str(a) for a in split_evenly(D(total), count)] == expected


def test_split_evenly_rounds_down_when_the_last_would_fall_below_the_minimum() -> None:
    # rounded up: 25.01 x 3 + 24.98; rounded down: 25.00 x 3 + 25.01
    assert [str(a) for a in split_evenly(D("100.01"), 4, minimum=D("25"))] == [
        "25.00",
        "25.00",
        "25.00",
        "25.01",
    ]


def test_split_evenly_needs_a_count() -> None:
    with pytest.raises(ValueError):
        split_evenly(D("100"), 0)


@pytest.mark.parametrize(
    ("total", "amount", "expected"),
    [
        ("300.00", "100", ["100.00"] * 3),
        ("350.00", "100", ["100.00"] * 3 + ["50.00"]),
        # 10 is below the minimum of 25: four even ones, none above 100
        ("310.00", "100", ["77.50"] * 4),
        # the example: not 250, 250, 265.17
        ("765.17", "250", ["191.30"] * 3 + ["191.27"]),
        ("300.02", "100.00", ["75.01"] * 3 + ["74.99"]),
        ("50.00", "100", ["50.00"]),
        ("100.00", "100", ["100.00"]),
    ],
)
def test_split_by_amount(total: str, amount: str, expected: list[str]) -> None:
    assert [str(a) for a in split_by_amount(D(total), D(amount), minimum=D("25"))] == expected


def test_split_by_amount_needs_a_positive_amount() -> None:
    with pytest.raises(ValueError):
        split_by_amount(D("100"), D("0"), minimum=D("25"))


# --- schedules -------------------------------------------------------------------------


def test_a_schedule_as_json() -> None:
    schedule = monthly_schedule([D("60.00"), D("40.00")], first=dt.date(2027, 1, 31))
    data = schedule.to_json()
    assert data == [
        {"amount": "60.00", "due_date": "2027-01-31"},
        {"amount": "40.00", "due_date": "2027-02-28"},
    ]
    assert (schedule.count, schedule.total, schedule.amount) == (2, D("100.00"), D("60.00"))
    assert [i.sequence for i in schedule] == [1, 2]


def test_build_schedule_needs_a_date_per_amount() -> None:
    with pytest.raises(ValueError):
        build_schedule(amounts=[D("1")], dates=[])


# --- plan_within_policy ----------------------------------------------------------------


def test_a_schedule_inside_the_policy_has_no_violations() -> None:
    schedule = monthly_schedule(split_evenly(D("1250"), 6), first=dt.date(2026, 12, 7))
    assert plan_within_policy(schedule, balance=D("1250.00"), limits=LIMITS, today=TODAY) == []


@pytest.mark.parametrize(
    ("amounts_", "first", "balance", "limits", "fragment"),
    [
        (["100.00"] * 7, "2026-12-01", "700.00", LIMITS, "7 installments; at most 6"),
        (["20.00", "40.00"], "2026-12-01", "60.00", LIMITS, "below the minimum 25.00"),
        (["50.00", "50.00"], "2026-12-01", "120.00", LIMITS, "add up to 100.00, not the balance"),
        (["50.00", "50.00"], "2026-11-22", "100.00", LIMITS, "before today"),
        (["50.00", "50.00"], "2026-12-08", "100.00", LIMITS, "due after 2026-12-07"),
        (
            ["100.00"] * 6,
            "2027-01-01",
            "600.00",
            replace(LIMITS, first_installment_within_days=60),
            "last installment is due after",
        ),
        (["20.00", "20.00"], "2026-12-01", "40.00", LIMITS, "below min_balance"),
        (["3000.00", "3000.00"], "2026-12-01", "6000.00", LIMITS, "above max_balance"),
        (
            ["50.00", "50.00"],
            "2026-12-01",
            "100.00",
            replace(LIMITS, allowed=False),
            "profile gets no plan",
        ),
        (["50.005", "50.00"], "2026-12-01", "100.005", LIMITS, "whole cents"),
    ],
)
def test_plan_within_policy_names_each_violation(
    amounts_: list[str], first: str, balance: str, limits: PlanLimits, fragment: str
) -> None:
    schedule = monthly_schedule([D(a) for a in amounts_], first=dt.date.fromisoformat(first))
    problems = plan_within_policy(schedule, balance=D(balance), limits=limits, today=TODAY)
    assert any(fragment in p for p in problems), problems


def test_plan_within_policy_checks_order_and_numbering() -> None:
    schedule = build_schedule(
        amounts=[D("50"), D("50")], dates=[dt.date(2026, 12, 5), dt.date(2026, 12, 1)]
    )
    problems = plan_within_policy(schedule, balance=D("100"), limits=LIMITS, today=TODAY)
    assert "due dates are not in increasing order" in problems
    assert plan_within_policy(Schedule(()), balance=D("100"), limits=LIMITS, today=TODAY) == [
        "the schedule has no installments"
    ]


# --- propose_plan ----------------------------------------------------------------------


def propose(balance: str, limits: PlanLimits = LIMITS, **request: Any) -> PlanProposal:
    return propose_plan(balance=D(balance), limits=limits, today=TODAY, **request)


def test_a_request_inside_the_policy_is_accepted_as_asked() -> None:
    proposal = propose("1250.00", installments=3)
    assert proposal.status == "accepted" and proposal.offered
    assert amounts(proposal.schedule) == ["416.67", "416.67", "416.66"]
    assert dates(proposal.schedule) == ["2026-12-07", "2027-01-07", "2027-02-07"]
    assert proposal.violations == () and proposal.reason is None


def test_too_many_installments_get_the_most_the_policy_allows() -> None:
    # the example: "the most I can offer is 6 monthly installments of € 208,34"
    proposal = propose("1250.00", installments=12)
    assert proposal.status == "counter"
    assert amounts(proposal.schedule) == ["208.34"] * 5 + ["208.30"]
    assert proposal.schedule is not None and proposal.schedule.last_date == dt.date(2027, 5, 7)
    assert proposal.violations == ("12 installments; at most 6 allowed",)


def test_no_request_offers_the_longest_plan_allowed() -> None:
    proposal = propose("1250.00")
    assert proposal.status == "accepted"
    assert proposal.schedule is not None and proposal.schedule.count == 6


def test_a_monthly_amount_that_fits() -> None:
    proposal = propose("1250.00", monthly_amount=D("300"))
    assert proposal.status == "accepted"
    assert amounts(proposal.schedule) == ["300.00"] * 4 + ["50.00"]


def test_a_monthly_amount_whose_remainder_is_below_the_minimum_is_spread_evenly() -> None:
    proposal = propose("310.00", monthly_amount=D("100"))
    assert proposal.status == "accepted"
    assert amounts(proposal.schedule) == ["77.50"] * 4


def test_a_monthly_amount_is_never_exceeded() -> None:
    # the issue: 250 a month for 765.17 became 250, 250, 265.17
    proposal = propose("765.17", monthly_amount=D("250"))
    assert proposal.status == "accepted"
    assert amounts(proposal.schedule) == ["191.30"] * 3 + ["191.27"]


def test_a_monthly_amount_ends_with_a_smaller_last_one_when_that_fits() -> None:
    proposal = propose("765.17", monthly_amount=D("200"))
    assert proposal.status == "accepted"
    assert amounts(proposal.schedule) == ["200.00"] * 3 + ["165.17"]


def test_a_monthly_amount_that_cannot_be_kept_inside_the_policy_is_countered() -> None:
    # 35 at 30 a month: two terms would each be below the minimum of 25, one is above 30
    proposal = propose("60.00", monthly_amount=D("40"))
    assert proposal.status == "accepted" and amounts(proposal.schedule) == ["30.00"] * 2
    limits = replace(LIMITS, min_balance=D("10"))
    proposal = propose("35.00", limits, monthly_amount=D("30"))
    assert proposal.status == "counter"
    assert amounts(proposal.schedule) == ["35.00"]
    assert any("below the minimum" in v for v in proposal.violations)


def test_a_monthly_amount_too_small_for_the_term_gets_the_longest_plan() -> None:
    proposal = propose("1250.00", monthly_amount=D("100"))
    assert proposal.status == "counter"
    assert amounts(proposal.schedule) == ["208.34"] * 5 + ["208.30"]
    assert "more than 6 installments" in proposal.violations[0]


def test_a_monthly_amount_below_the_minimum_gets_the_minimum() -> None:
    proposal = propose("100.00", monthly_amount=D("20"))
    assert proposal.status == "counter"
    assert amounts(proposal.schedule) == ["25.00"] * 4


def test_a_monthly_amount_above_the_balance_is_one_payment() -> None:
    proposal = propose("80.00", monthly_amount=D("500"))
    assert proposal.status == "accepted"
    assert amounts(proposal.schedule) == ["80.00"]


def test_a_small_balance_gets_fewer_installments_not_smaller_ones() -> None:
    proposal = propose("60.00", installments=3)
    assert proposal.status == "counter"
    assert amounts(proposal.schedule) == ["30.00", "30.00"]
    assert any("below the minimum" in v for v in proposal.violations)
    assert propose("60.00", installments=2).status == "accepted"


def test_the_plan_may_not_run_past_max_months() -> None:
    limits = replace(LIMITS, max_months=3, first_installment_within_days=30)
    proposal = propose("1200.00", limits, installments=6)
    assert proposal.status == "counter"
    # first on 23 Dec, then 23 Jan, 23 Feb; 23 Mar would be past 23 Feb (3 months)
    assert dates(proposal.schedule) == ["2026-12-23", "2027-01-23", "2027-02-23"]


def test_a_first_date_inside_the_window_is_kept() -> None:
    proposal = propose("300.00", installments=3, first_date=dt.date(2026, 11, 30))
    assert proposal.status == "accepted"
    assert dates(proposal.schedule) == ["2026-11-30", "2026-12-30", "2027-01-30"]


def test_a_first_date_outside_the_window_is_countered_with_ours() -> None:
    proposal = propose("300.00", installments=3, first_date=dt.date(2027, 1, 15))
    assert proposal.status == "counter"
    assert amounts(proposal.schedule) == ["100.00"] * 3
    assert dates(proposal.schedule)[0] == "2026-12-07"
    assert proposal.violations == ("the first installment cannot be due on 2027-01-15",)


def test_month_ends_in_a_proposal() -> None:
    proposal = propose_plan(
        balance=D("400.00"), limits=LIMITS, today=dt.date(2027, 1, 17), installments=4
    )
    assert dates(proposal.schedule) == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]


@pytest.mark.parametrize(
    ("balance", "limits", "broken", "reason"),
    [
        ("0.00", LIMITS, False, "nothing_to_pay"),
        ("-5.00", LIMITS, False, "nothing_to_pay"),
        ("500.00", replace(LIMITS, allowed=False), False, "not_allowed"),
        ("500.00", LIMITS, True, "broken_plan"),
        ("49.99", LIMITS, False, "below_min_balance"),
        ("5000.01", LIMITS, False, "above_max_balance"),
        ("20.00", replace(LIMITS, min_balance=D("10")), False, "no_schedule"),
    ],
)
def test_refusals_say_why(balance: str, limits: PlanLimits, broken: bool, reason: str) -> None:
    proposal = propose(balance, limits, installments=2, broken_plan=broken)
    assert (proposal.status, proposal.reason, proposal.schedule) == ("refused", reason, None)
    assert not proposal.offered


def test_a_broken_plan_is_no_refusal_when_the_policy_allows_a_new_one() -> None:
    limits = replace(LIMITS, allow_after_broken_plan=True)
    assert propose("500.00", limits, installments=2, broken_plan=True).status == "accepted"


def test_the_balance_on_the_edges() -> None:
    assert propose("50.00").status == "accepted"
    assert propose("5000.00", installments=6).status == "accepted"


@pytest.mark.parametrize(
    "request_",
    [
        {"installments": 0},
        {"installments": -3},
        {"monthly_amount": D("0")},
        {"monthly_amount": D("-10")},
        {"monthly_amount": D("0.004")},
        {"installments": 3, "monthly_amount": D("100")},
    ],
)
def test_requests_that_make_no_sense_are_programming_errors(request_: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        propose("500.00", **request_)


def test_money_is_never_a_float() -> None:
    with pytest.raises(TypeError):
        propose_plan(balance=500.0, limits=LIMITS, today=TODAY)  # type: ignore[arg-type]


def test_an_absurd_request_is_answered_quickly() -> None:
    assert propose("5000.00", installments=10**9).status == "counter"
    assert propose("5000.00", monthly_amount=D("0.01")).status == "counter"


# --- properties ------------------------------------------------------------------------

money = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2035, 12, 31))


@st.composite
def plan_limits(draw: st.DrawFn) -> PlanLimits:
    min_balance = draw(st.decimals(min_value=0, max_value=1000, places=2))
    return PlanLimits(
        max_installments=draw(st.integers(1, 60)),
        min_installment_amount=draw(st.decimals(min_value=D("0.01"), max_value=500, places=2)),
        max_months=draw(st.integers(1, 60)),
        first_installment_within_days=draw(st.integers(0, 90)),
        min_balance=min_balance,
        max_balance=min_balance + draw(st.decimals(min_value=0, max_value=50_000, places=2)),
        allow_after_broken_plan=draw(st.booleans()),
        allowed=draw(st.booleans()),
    )


requests = st.one_of(
    st.just({}),
    st.builds(lambda n: {"installments": n}, st.integers(1, 200)),
    st.builds(lambda m: {"monthly_amount": m}, money),
)


@given(total=money, count=st.integers(1, 60))
def test_property_split_evenly_is_exact(total: Decimal, count: int) -> None:
    assume(total >= count * D("0.01"))
    parts = split_evenly(total, count)
    assert len(parts) == count
    assert sum(parts) == total
    assert all(p > 0 and p == p.quantize(D("0.01")) for p in parts)
    assert len(set(parts[:-1])) <= 1  # equal terms, the last one absorbs the remainder


@given(total=money, amount=money, minimum=st.decimals(min_value=D("0.01"), max_value=100, places=2))
def test_property_split_by_amount_is_exact(
    total: Decimal, amount: Decimal, minimum: Decimal
) -> None:
    assume(total / amount <= 500)
    parts = split_by_amount(total, amount, minimum=minimum)
    assert sum(parts) == total
    assert all(CENT <= p <= amount and p == p.quantize(CENT) for p in parts)
    # as few installments as can be
    assert len(parts) == fewest_installments(total, amount)
    # equal installments (the amount asked, or spread evenly) and a last one that takes
    # the remainder, or the cents shared out one by one
    assert len(set(parts[:-1])) <= 1 or max(parts) - min(parts) <= CENT


def check_proposal(
    proposal: PlanProposal, *, balance: Decimal, limits: PlanLimits, today: dt.date
) -> None:
    """What every offered schedule must satisfy, spelled out (not only through
    plan_within_policy, which is itself under test)."""
    if proposal.status == "refused":
        assert proposal.schedule is None and proposal.reason is not None
        return
    schedule = proposal.schedule
    assert schedule is not None and proposal.reason is None
    assert plan_within_policy(schedule, balance=balance, limits=limits, today=today) == []
    assert schedule.total == balance
    assert all(i.amount >= limits.min_installment_amount for i in schedule)
    assert 1 <= schedule.count <= limits.max_installments
    assert (
        today
        <= schedule.first_date
        <= today + dt.timedelta(days=limits.first_installment_within_days)
    )
    assert schedule.last_date <= add_months(today, limits.max_months)
    assert [i.due_date for i in schedule] == sorted({i.due_date for i in schedule})


@settings(max_examples=400, deadline=None)
@given(
    balance=st.decimals(min_value=-100, max_value=200_000, places=2),
    limits=plan_limits(),
    request=requests,
    today=days,
    broken=st.booleans(),
    first_offset=st.one_of(st.none(), st.integers(-30, 120)),
)
def test_property_no_proposal_leaves_the_policy(
    balance: Decimal,
    limits: PlanLimits,
    request: dict[str, object],
    today: dt.date,
    broken: bool,
    first_offset: int | None,
) -> None:
    first = None if first_offset is None else today + dt.timedelta(days=first_offset)
    proposal = propose_plan(
        balance=balance,
        limits=limits,
        today=today,
        first_date=first,
        broken_plan=broken,
        **request,  # type: ignore[arg-type]
    )
    check_proposal(proposal, balance=balance, limits=limits, today=today)
    # refused only for a reason that holds
    if proposal.status == "refused":
        reason = proposal.reason
        assert (
            (reason == "nothing_to_pay" and balance <= 0)
            or (reason == "not_allowed" and not limits.allowed)
            or (reason == "broken_plan" and broken and not limits.allow_after_broken_plan)
            or (reason == "below_min_balance" and balance < limits.min_balance)
            or (reason == "above_max_balance" and balance > limits.max_balance)
            or (reason == "no_schedule" and balance < limits.min_installment_amount)
        ), (reason, balance, limits)
    # an accepted request is what was asked
    if proposal.status == "accepted" and "installments" in request:
        assert proposal.schedule is not None
        assert proposal.schedule.count == request["installments"]
    if proposal.status == "accepted" and "monthly_amount" in request:
        assert proposal.schedule is not None
        # no installment above the amount the debtor named, and no more than needed
        asked = request["monthly_amount"]
        assert isinstance(asked, Decimal)
        assert all(i.amount <= asked for i in proposal.schedule)
        assert proposal.schedule.count == fewest_installments(balance, asked)


@settings(max_examples=300, deadline=None)
@given(
    balance=st.decimals(min_value=0, max_value=6000, places=2),
    profile=st.sampled_from([None, *PROFILES]),
    request=requests,
    today=days,
)
def test_property_no_proposal_leaves_the_shipped_policy(
    balance: Decimal, profile: str | None, request: dict[str, object], today: dt.date
) -> None:
    limits = effective_plan_limits(load_policy(), balance=balance, profile=profile)
    proposal = propose_plan(balance=balance, limits=limits, today=today, **request)  # type: ignore[arg-type]
    check_proposal(proposal, balance=balance, limits=limits, today=today)
    if limits.min_balance <= balance <= limits.max_balance:
        assert proposal.status != "refused"
