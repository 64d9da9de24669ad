"""Debtor profiles (pure): each of the five groups from a constructed history, the
precedence between them, the risk levels, and the reasons as a person reads them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from receivables.policy.model import (
    DEFAULT_POLICY_FILE,
    PolicyError,
    ProfilingSettings,
    load_policy,
)
from receivables.profiles.compute import (
    HandoffRecord,
    InvoiceRecord,
    Profile,
    ProfileFacts,
    compute_profile,
    payment_behaviour,
    risk_level,
)

TODAY = dt.date(2026, 11, 23)
SETTINGS = ProfilingSettings()


def day(days_ago: int) -> dt.date:
    return TODAY - dt.timedelta(days=days_ago)


def paid(number: str, due_days_ago: int, late: int, amount: str = "100.00") -> InvoiceRecord:
    """An invoice that fell due `due_days_ago` days ago, paid `late` days after that."""
    due = day(due_days_ago)
    return InvoiceRecord(
        number=number,
        amount=Decimal(amount),
        due_date=due,
        paid=Decimal(amount),
        paid_on=due + dt.timedelta(days=late),
    )


def open_invoice(number: str, due_days_ago: int, amount: str = "100.00") -> InvoiceRecord:
    """An invoice with nothing paid, due `due_days_ago` days ago (negative: still to come)."""
    return InvoiceRecord(number=number, amount=Decimal(amount), due_date=day(due_days_ago))


def on_time_history(count: int = 3) -> tuple[InvoiceRecord, ...]:
    return tuple(paid(f"P{n}", 30 * (n + 2), 0) for n in range(count))


def profile(facts: ProfileFacts, settings: ProfilingSettings = SETTINGS) -> Profile:
    return compute_profile(facts, today=TODAY, settings=settings)


# --- payment behaviour --------------------------------------------------------------------
def test_days_late_average_over_paid_and_overdue_invoices_rounded_half_up() -> None:
    invoices = [paid("A", 100, 40), paid("B", 70, 41), open_invoice("C", 42), open_invoice("D", -5)]
    behaviour = payment_behaviour(invoices, today=TODAY, settings=SETTINGS)
    # 40, 41 and 42 days late; D is not due yet and does not count
    assert behaviour.average_days_late == 41
    assert behaviour.oldest_overdue_days == 42
    assert (behaviour.fell_due, behaviour.on_time) == (3, 0)
    halves = payment_behaviour([paid("A", 90, 1), paid("B", 60, 2)], today=TODAY, settings=SETTINGS)
    assert halves.average_days_late == 2  # 1.5 rounds up


def test_paid_within_the_grace_days_is_on_time_and_a_disputed_invoice_is_left_out() -> None:
    invoices = [
        paid("A", 90, 0),
        paid("B", 60, 3),
        paid("C", 30, 4),
        InvoiceRecord("D", Decimal("50.00"), day(80), on_hold=True),
    ]
    behaviour = payment_behaviour(invoices, today=TODAY, settings=SETTINGS)
    assert (behaviour.on_time, behaviour.fell_due) == (2, 3)
    assert behaviour.oldest_overdue_days == 0 and behaviour.all_paid
    # an open invoice inside the grace days is late so far, but has not "fallen due" yet
    fresh = payment_behaviour([open_invoice("E", 2)], today=TODAY, settings=SETTINGS)
    assert (fresh.fell_due, fresh.average_days_late, fresh.all_paid) == (0, 2, False)


def test_the_trend_compares_the_last_invoices_paid_with_those_before() -> None:
    worse = [
        paid("A", 200, 0),
        paid("B", 170, 2),
        paid("C", 140, 20),
        paid("D", 110, 25),
        paid("E", 80, 30),
    ]
    behaviour = payment_behaviour(worse, today=TODAY, settings=SETTINGS)
    assert (behaviour.trend, behaviour.recent_days_late, behaviour.earlier_days_late) == (
        "worsening",
        25,
        1,
    )
    better = payment_behaviour(
        [
            paid("A", 200, 40),
            paid("B", 170, 30),
            paid("C", 140, 5),
            paid("D", 110, 0),
            paid("E", 80, 1),
        ],
        today=TODAY,
        settings=SETTINGS,
    )
    assert better.trend == "improving"
    assert payment_behaviour(worse[:3], today=TODAY, settings=SETTINGS).trend is None
    reasons = profile(ProfileFacts(invoices=tuple(worse))).reasons
    assert (
        "paying later lately: 25 days late on average over the last 3 invoices paid, 1 before"
        in reasons
    )


# --- the five groups ----------------------------------------------------------------------
def test_willing_and_able_pays_mostly_on_time_even_when_late_once() -> None:
    facts = ProfileFacts(invoices=(*on_time_history(3), open_invoice("NOW", 12)))
    result = profile(facts)
    assert result.group == "willing_and_able"
    assert result.reasons[0] == "3 of 4 invoices paid on time"
    assert result.risk == "low"


def test_willing_and_able_keeps_promises() -> None:
    facts = ProfileFacts(
        invoices=(open_invoice("A", 20),),
        promises=("kept", "kept", "kept", "broken"),
        reacted=True,
    )
    result = profile(facts)
    assert result.group == "willing_and_able"
    assert result.reasons[0] == "3 of 4 promises kept"


def test_willing_and_able_paid_everything_or_keeps_a_running_arrangement() -> None:
    everything = profile(ProfileFacts(invoices=(paid("A", 10, 6),)))
    assert everything.group == "willing_and_able"
    assert everything.reasons[:2] == ("all invoices paid", "0 of 1 invoice paid on time")
    promised = profile(
        ProfileFacts(invoices=(open_invoice("A", 20),), promises=("open",), reacted=True)
    )
    assert promised.group == "willing_and_able"
    assert promised.reasons[0] == "a promise to pay is open, none broken"
    planned = profile(
        ProfileFacts(invoices=(open_invoice("A", 20),), plans=("active",), reacted=True)
    )
    assert planned.reasons[0] == "a payment plan is running, none broken"


def test_unable_when_hardship_was_reported() -> None:
    facts = ProfileFacts(
        invoices=(open_invoice("A", 41),),
        handoffs=(
            HandoffRecord(
                opened_on=dt.date(2026, 10, 2),
                reason="cannot_pay",
                flags=("job_loss",),
                outcome="plan_agreed",
                resolved_on=dt.date(2026, 10, 3),
            ),
        ),
        reacted=True,
    )
    result = profile(facts)
    assert result.group == "unable"
    assert result.reasons[0] == "hardship reported on 2026-10-02 (job loss)"
    assert "average 41 days late" in result.reasons


def test_unable_when_referred_to_debt_help_or_flagged_by_the_credit_agency() -> None:
    helped = ProfileFacts(
        handoffs=(
            HandoffRecord(
                opened_on=day(30),
                reason="requested_human",
                outcome="debt_help",
                resolved_on=day(29),
            ),
        )
    )
    result = profile(helped)
    assert result.group == "unable"
    assert result.reasons[0] == f"referred to debt help on {day(29).isoformat()}"
    flagged = profile(ProfileFacts(credit_flag="debt_restructuring"))
    assert flagged.group == "unable"
    assert flagged.reasons[0] == "external credit flag: debt_restructuring"
    # a vulnerability flag on any handoff is hardship too
    ill = ProfileFacts(handoffs=(HandoffRecord(day(5), "requested_human", ("illness",)),))
    assert profile(ill).reasons[0] == f"hardship reported on {day(5).isoformat()} (illness)"


def test_hardship_longer_ago_than_hardship_days_no_longer_counts() -> None:
    old = ProfileFacts(
        invoices=on_time_history(),
        handoffs=(HandoffRecord(opened_on=day(400), reason="cannot_pay", resolved_on=day(399)),),
    )
    assert profile(old).group == "willing_and_able"
    assert profile(old, ProfilingSettings(hardship_days=500)).group == "unable"


def test_unwilling_when_promises_and_plans_are_broken_repeatedly() -> None:
    facts = ProfileFacts(
        invoices=(open_invoice("A", 50),),
        promises=("kept", "broken", "broken"),
        plans=("broken",),
        reacted=True,
    )
    result = profile(facts)
    assert result.group == "unwilling"
    assert result.reasons[:2] == ("1 of 3 promises kept", "0 of 1 payment plan kept")
    assert result.risk == "high"


def test_as_many_kept_as_broken_is_not_unwilling() -> None:
    facts = ProfileFacts(promises=("kept", "kept", "broken", "broken"), reacted=True)
    assert profile(facts).group != "unwilling"
    one = ProfileFacts(promises=("broken",), reacted=True)
    assert profile(one).group != "unwilling"
    assert profile(one, ProfilingSettings(broken_commitments=1)).group == "unwilling"


def test_unwilling_when_a_dispute_was_rejected_and_the_debtor_pays_late() -> None:
    rejected = HandoffRecord(
        opened_on=dt.date(2026, 9, 10),
        reason="dispute",
        outcome="dispute_rejected",
        resolved_on=dt.date(2026, 9, 12),
    )
    late = ProfileFacts(invoices=(open_invoice("A", 41),), handoffs=(rejected,), reacted=True)
    result = profile(late)
    assert result.group == "unwilling"
    assert result.reasons[:2] == ("dispute rejected on 2026-09-12", "average 41 days late")
    on_time = ProfileFacts(invoices=on_time_history(), handoffs=(rejected,), reacted=True)
    assert profile(on_time).group == "willing_and_able"


def test_information_available_while_a_dispute_or_question_is_open() -> None:
    on_hold = ProfileFacts(
        invoices=(InvoiceRecord("F2026-0042", Decimal("150.00"), day(30), on_hold=True),)
    )
    result = profile(on_hold)
    assert result.group == "information_available"
    assert result.reasons[0] == "invoice F2026-0042 disputed (on hold)"
    dispute = ProfileFacts(handoffs=(HandoffRecord(dt.date(2026, 11, 2), "dispute"),))
    assert profile(dispute).reasons[0] == "dispute open since 2026-11-02"
    question = ProfileFacts(handoffs=(HandoffRecord(dt.date(2026, 11, 20), "requested_human"),))
    assert profile(question).reasons[0] == "question for a collector open since 2026-11-20"
    wider = ProfileFacts(handoffs=(HandoffRecord(dt.date(2026, 11, 21), "outside_limits"),))
    assert profile(wider).reasons[0] == (
        "asked for an arrangement outside the limits on 2026-11-21"
    )
    resolved = ProfileFacts(
        handoffs=(HandoffRecord(day(9), "dispute", outcome="dispute_accepted", resolved_on=day(8)),)
    )
    assert profile(resolved).group == "no_information"


def test_no_information_when_nothing_is_known_or_no_reason_was_given() -> None:
    nothing = profile(ProfileFacts(invoices=(open_invoice("A", -10),)))
    assert nothing.group == "no_information"
    assert nothing.reasons == ("no reaction yet", "no payment history yet", "nothing known yet")
    assert nothing.risk == "medium"
    silent = profile(ProfileFacts(invoices=(open_invoice("A", 41),)))
    assert silent.reasons[:3] == (
        "no reaction yet",
        "0 of 1 invoice paid on time",
        "average 41 days late",
    )
    talked = profile(ProfileFacts(invoices=(open_invoice("A", 41),), reacted=True))
    assert talked.group == "no_information"
    assert talked.reasons[0] == "no reason for paying late known yet"
    assert "no reaction yet" not in talked.reasons


# --- precedence ---------------------------------------------------------------------------
def test_hardship_goes_before_broken_promises_and_open_questions() -> None:
    facts = ProfileFacts(
        promises=("broken", "broken", "broken"),
        handoffs=(HandoffRecord(day(3), "dispute"), HandoffRecord(day(2), "cannot_pay")),
        reacted=True,
    )
    assert profile(facts).group == "unable"


def test_broken_promises_go_before_an_open_question_and_an_open_question_before_paying() -> None:
    question = HandoffRecord(day(1), "requested_human")
    broken = ProfileFacts(promises=("broken", "broken"), handoffs=(question,), reacted=True)
    assert profile(broken).group == "unwilling"
    good = ProfileFacts(invoices=on_time_history(), handoffs=(question,), reacted=True)
    assert profile(good).group == "information_available"


def test_the_result_does_not_depend_on_the_order_of_the_facts() -> None:
    invoices = [paid("A", 100, 3), paid("B", 70, 40), open_invoice("C", 35), paid("D", 40, 0)]
    first = profile(ProfileFacts(invoices=tuple(invoices), promises=("kept", "broken")))
    random.Random(7).shuffle(invoices)
    again = profile(ProfileFacts(invoices=tuple(invoices), promises=("broken", "kept")))
    assert first == again


def test_verification_failed_handoffs_are_not_hardship_nor_questions() -> None:
    # the service leaves them out; a fact of that reason changes nothing either way
    facts = ProfileFacts(handoffs=(HandoffRecord(day(1), "verification_failed", resolved_on=None),))
    assert profile(facts).group == "no_information"


# --- risk ---------------------------------------------------------------------------------
def test_risk_low_medium_and_high() -> None:
    strong = profile(ProfileFacts(invoices=on_time_history(), credit_score=85))
    assert (strong.risk, strong.points) == ("low", -2)
    assert "external credit score 85 of 100 (strong)" in strong.reasons
    new = profile(ProfileFacts())
    assert (new.risk, new.points) == ("medium", 1)
    bad = profile(
        ProfileFacts(
            invoices=(open_invoice("A", 65),),
            credit_score=35,
            credit_flag="payment_arrears",
            kind="business",
            industry="Construction",
            country="be",
        )
    )
    assert bad.risk == "high"
    # very late 2, no reaction 1, weak score 2, flag 2, industry 1, abroad 1
    assert bad.points == 9
    assert bad.reasons == (
        "no reaction yet",
        "0 of 1 invoice paid on time",
        "average 65 days late",
        "oldest open invoice 65 days overdue",
        "external credit score 35 of 100 (weak)",
        "external credit flag: payment_arrears",
        "business in a higher-risk industry (Construction)",
        "based abroad (BE)",
    )


def test_a_consumer_industry_and_a_home_country_add_no_risk() -> None:
    facts = ProfileFacts(
        invoices=on_time_history(), kind="consumer", industry="construction", country="NL"
    )
    result = profile(facts)
    assert result.points == -1
    assert not any("industry" in r or "abroad" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("score", "words", "points"),
    [
        (0, "weak", 2),
        (39, "weak", 2),
        (40, "fair", 1),
        (59, "fair", 1),
        (60, "good", 0),
        (79, "good", 0),
        (80, "strong", -1),
        (100, "strong", -1),
    ],
)
def test_credit_score_bands(score: int, words: str, points: int) -> None:
    history = on_time_history()
    base = profile(ProfileFacts(invoices=history)).points
    result = profile(ProfileFacts(invoices=history, credit_score=score))
    assert result.points - base == points
    assert f"external credit score {score} of 100 ({words})" in result.reasons


def test_risk_levels_follow_the_configured_points() -> None:
    assert [risk_level(p, SETTINGS) for p in (-2, 0, 1, 2, 3, 9)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    strict = ProfilingSettings.model_validate({"risk": {"medium_from": 0, "high_from": 1}})
    assert risk_level(0, strict) == "medium" and risk_level(1, strict) == "high"


def test_thresholds_from_the_policy_change_the_group() -> None:
    facts = ProfileFacts(invoices=(*on_time_history(3), open_invoice("NOW", 12)))
    assert profile(facts).group == "willing_and_able"
    assert profile(facts, ProfilingSettings(on_time_share=1.0)).group == "no_information"


# --- the policy file ----------------------------------------------------------------------
def test_the_shipped_policy_has_the_default_thresholds() -> None:
    assert load_policy().profiling == ProfilingSettings()


def test_a_policy_without_profiling_gets_the_defaults(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    del data["profiling"]
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_policy(path).profiling == ProfilingSettings()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"late_days": 60, "very_late_days": 30}, "very_late_days must be above late_days"),
        ({"risk": {"medium_from": 3, "high_from": 2}}, "high_from must be above medium_from"),
        ({"credit_score": {"weak_below": 70, "fair_below": 60}}, "in that order"),
        ({"on_time_share": 1.5}, "profiling.on_time_share"),
        ({"unknown": 1}, "profiling.unknown"),
    ],
)
def test_bad_thresholds_stop_the_start_naming_the_field(
    tmp_path: Path, change: dict[str, object], named: str
) -> None:
    data = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    data["profiling"].update(change)
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PolicyError, match=named):
        load_policy(path)


def test_silence_while_something_is_overdue_adds_risk_in_any_group() -> None:
    facts = ProfileFacts(invoices=(open_invoice("A", 20),), credit_flag="wsnp")
    result = profile(facts)
    assert result.group == "unable"
    assert result.reasons[0] == "external credit flag: wsnp"
    assert "no reaction yet" in result.reasons
    # flag 2, unable 1, no reaction 1
    assert (result.points, result.risk) == (4, "high")
