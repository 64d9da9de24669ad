"""Debtor profiles: which of the five groups of credit-management practice a debtor is in,
how risky they are, and why, in plain words. Pure: facts in, a profile out.

The group, the first rule that applies (`compute_profile`):

1. **unable** to pay: hardship reported within `hardship_days` (a handoff with the reason
   cannot_pay or a hardship flag such as job_loss, or a collector's referral to debt help),
   or an external credit flag that means the debtor cannot pay (debt restructuring, say);
2. **unwilling** to pay: at least `broken_commitments` promises and plans broken and more
   broken than kept, or a dispute rejected while the debtor pays late (on average or on the
   oldest open invoice at least `late_days`);
3. **information available**: the debtor has told us something that is still open: a
   disputed invoice on hold, or a dispute or question with a collector not yet resolved;
4. **willing and able** to pay: at least `on_time_share` of the invoices that fell due paid
   on time, or at least `kept_share` of the settled promises and plans kept, or everything
   paid and not `late_days` late on average, or a promise or plan running with none broken;
5. **no information**: none of the above (no reaction yet, no history, or late without a
   known reason).

The risk is a sum of points, each with its reason: lateness (+1 from `late_days`, +2 from
`very_late_days`), a worsening trend (+1), broken promises and plans (+1, +2 from
`broken_commitments`), a rejected dispute (+1), hardship (+1), no reaction while something is
overdue (+1), nothing known yet (+1), paying on time (-1), the external credit score (weak
+2, fair +1, strong -1) and flag (+2), a higher-risk industry (+1), a debtor based abroad
(+1). From `risk.medium_from` points the risk is medium, from `risk.high_from` high.

The reasons name the facts behind the group first, then the others: "3 of 4 promises kept",
"average 41 days late", "hardship reported on 2026-10-02".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from receivables.policy.model import ProfileName, ProfilingSettings, RiskLevel

DebtorKind = Literal["consumer", "business"]
KINDS: tuple[DebtorKind, ...] = ("consumer", "business")
Trend = Literal["worsening", "improving", "steady"]
# handoff reasons that mean the debtor asked or told something a collector has to answer
QUESTION_REASONS = ("dispute", "requested_human", "outside_limits", "other")


@dataclass(frozen=True)
class InvoiceRecord:
    number: str
    amount: Decimal
    due_date: dt.date
    # what has been paid on it so far
    paid: Decimal = Decimal("0.00")
    # the day it was paid in full; None while something is open
    paid_on: dt.date | None = None
    # disputed: not pressed, and not counted as paying late
    on_hold: bool = False


@dataclass(frozen=True)
class HandoffRecord:
    opened_on: dt.date
    # cannot_pay | dispute | requested_human | outside_limits | other
    # (verification_failed handoffs say nothing about the debtor and are left out)
    reason: str
    flags: tuple[str, ...] = ()
    # plan_agreed | promise | dispute_accepted | dispute_rejected | debt_help | other | released
    outcome: str | None = None
    # None: still open (waiting or claimed)
    resolved_on: dt.date | None = None


@dataclass(frozen=True)
class ProfileFacts:
    """What is known of one debtor."""

    invoices: tuple[InvoiceRecord, ...] = ()
    # the statuses of the debtor's promises: open | kept | broken | canceled
    promises: tuple[str, ...] = ()
    # the statuses of the debtor's payment plans: active | completed | broken | canceled
    plans: tuple[str, ...] = ()
    handoffs: tuple[HandoffRecord, ...] = ()
    # external credit information: a score 0-100 (higher: more creditworthy) and a flag
    credit_score: int | None = None
    credit_flag: str | None = None
    kind: str | None = None
    industry: str | None = None
    # ISO 3166-1 alpha-2
    country: str | None = None
    # the debtor verified in a conversation (or made an arrangement, or talked to a collector)
    reacted: bool = False


@dataclass(frozen=True)
class PaymentBehaviour:
    """How the debtor pays their invoices (those on hold left out)."""

    # invoices paid, or open for longer than the grace days after their due date
    fell_due: int
    # of those, paid at most the grace days after the due date
    on_time: int
    # over the invoices paid and the open ones past their due date; None: none of either
    average_days_late: int | None
    # the oldest open invoice's days past its due date (0: nothing overdue)
    oldest_overdue_days: int
    # something was paid (on any invoice)
    paid_any: bool
    # at least one invoice paid in full and nothing open past its due date
    all_paid: bool
    # the last trend_invoices paid invoices against the ones paid before them
    trend: Trend | None = None
    recent_days_late: int | None = None
    earlier_days_late: int | None = None


@dataclass(frozen=True)
class Profile:
    group: ProfileName
    risk: RiskLevel
    reasons: tuple[str, ...]
    # the risk points the level was read from
    points: int


def _average(values: list[int]) -> int:
    """The rounded (half up) average of non-negative whole numbers. Pure."""
    return (2 * sum(values) + len(values)) // (2 * len(values))


def payment_behaviour(
    invoices: Iterable[InvoiceRecord], *, today: dt.date, settings: ProfilingSettings
) -> PaymentBehaviour:
    """Days late on average and their trend, and the share paid on time. Pure."""
    grace = settings.on_time_grace_days
    lateness: list[int] = []
    paid_lateness: list[int] = []
    fell_due = on_time = oldest = 0
    paid_any = paid_in_full = False
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.number)):
        paid_any = paid_any or invoice.paid > 0
        if invoice.on_hold:
            continue
        if invoice.paid_on is not None:
            paid_in_full = True
            days = max(0, (invoice.paid_on - invoice.due_date).days)
            lateness.append(days)
            paid_lateness.append(days)
            fell_due += 1
            on_time += days <= grace
        elif invoice.due_date < today:
            days = (today - invoice.due_date).days
            lateness.append(days)
            oldest = max(oldest, days)
            fell_due += days > grace
    behaviour = PaymentBehaviour(
        fell_due=fell_due,
        on_time=on_time,
        average_days_late=_average(lateness) if lateness else None,
        oldest_overdue_days=oldest,
        paid_any=paid_any,
        all_paid=paid_in_full and oldest == 0,
    )
    # the trend is how they paid: the open invoices count in the lateness, not twice here
    count = settings.trend_invoices
    if len(paid_lateness) <= count:
        return behaviour
    recent, earlier = _average(paid_lateness[-count:]), _average(paid_lateness[:-count])
    trend: Trend = "steady"
    if recent - earlier >= settings.trend_days:
        trend = "worsening"
    elif earlier - recent >= settings.trend_days:
        trend = "improving"
    return replace(behaviour, trend=trend, recent_days_late=recent, earlier_days_late=earlier)


# --- the words ---------------------------------------------------------------------------
def _of(part: int, whole: int, noun: str, plural: str, verb: str) -> str:
    """ "3 of 4 promises kept", "1 of 1 promise kept". Pure."""
    return f"{part} of {whole} {noun if whole == 1 else plural} {verb}"


def _day(day: dt.date) -> str:
    return day.isoformat()


def _words(flag: str) -> str:
    return flag.replace("_", " ")


def _norm(value: str | None) -> str:
    return (value or "").strip().lower().replace("-", "_").replace(" ", "_")


def _lateness_points(days: int, settings: ProfilingSettings) -> int:
    if days >= settings.very_late_days:
        return 2
    return 1 if days >= settings.late_days else 0


@dataclass(frozen=True)
class _Commitments:
    promises_kept: int
    promises_broken: int
    plans_kept: int
    plans_broken: int
    open_promises: int
    active_plans: int

    @property
    def kept(self) -> int:
        return self.promises_kept + self.plans_kept

    @property
    def broken(self) -> int:
        return self.promises_broken + self.plans_broken

    def reasons(self) -> list[str]:
        result = []
        promises = self.promises_kept + self.promises_broken
        if promises:
            result.append(_of(self.promises_kept, promises, "promise", "promises", "kept"))
        plans = self.plans_kept + self.plans_broken
        if plans:
            result.append(_of(self.plans_kept, plans, "payment plan", "payment plans", "kept"))
        return result


def _commitments(facts: ProfileFacts) -> _Commitments:
    return _Commitments(
        promises_kept=facts.promises.count("kept"),
        promises_broken=facts.promises.count("broken"),
        plans_kept=facts.plans.count("completed"),
        plans_broken=facts.plans.count("broken"),
        open_promises=facts.promises.count("open"),
        active_plans=facts.plans.count("active"),
    )


def _hardship(facts: ProfileFacts, today: dt.date, settings: ProfilingSettings) -> list[str]:
    """The latest hardship report and debt-help referral within hardship_days, and an
    external flag that means the debtor cannot pay."""
    since = today - dt.timedelta(days=settings.hardship_days)
    hardship_flags = {_norm(f) for f in settings.hardship_flags}
    reported: HandoffRecord | None = None
    debt_help: dt.date | None = None
    for handoff in sorted(facts.handoffs, key=lambda h: h.opened_on):
        flagged = [f for f in handoff.flags if _norm(f) in hardship_flags]
        if (handoff.reason == "cannot_pay" or flagged) and handoff.opened_on >= since:
            reported = handoff
        helped_on = handoff.resolved_on or handoff.opened_on
        if handoff.outcome == "debt_help" and helped_on >= since:
            debt_help = helped_on
    reasons = []
    if reported is not None:
        flagged = [_words(f) for f in reported.flags if _norm(f) in hardship_flags]
        detail = f" ({', '.join(flagged)})" if flagged else ""
        reasons.append(f"hardship reported on {_day(reported.opened_on)}{detail}")
    if debt_help is not None:
        reasons.append(f"referred to debt help on {_day(debt_help)}")
    if facts.credit_flag and _norm(facts.credit_flag) in {
        _norm(f) for f in settings.unable_credit_flags
    }:
        reasons.append(f"external credit flag: {facts.credit_flag}")
    return reasons


def _rejected_disputes(facts: ProfileFacts) -> list[str]:
    days = sorted(
        h.resolved_on or h.opened_on for h in facts.handoffs if h.outcome == "dispute_rejected"
    )
    return [f"dispute rejected on {_day(days[-1])}"] if days else []


def _on_time_words(behaviour: PaymentBehaviour) -> list[str]:
    if not behaviour.fell_due:
        return []
    return [_of(behaviour.on_time, behaviour.fell_due, "invoice", "invoices", "paid on time")]


def _late_words(behaviour: PaymentBehaviour, settings: ProfilingSettings) -> list[str]:
    """How late: on average, the oldest open invoice (when late), the trend."""
    reasons = []
    if behaviour.average_days_late:
        reasons.append(f"average {behaviour.average_days_late} days late")
    if behaviour.oldest_overdue_days >= settings.late_days:
        reasons.append(f"oldest open invoice {behaviour.oldest_overdue_days} days overdue")
    if behaviour.trend in ("worsening", "improving"):
        word = "later" if behaviour.trend == "worsening" else "sooner"
        reasons.append(
            f"paying {word} lately: {behaviour.recent_days_late} days late on average over "
            f"the last {settings.trend_invoices} invoices paid, {behaviour.earlier_days_late} "
            "before"
        )
    return reasons


def _mostly_on_time(behaviour: PaymentBehaviour, settings: ProfilingSettings) -> bool:
    fell_due = behaviour.fell_due
    return bool(fell_due) and behaviour.on_time / fell_due >= settings.on_time_share


def _open_matters(facts: ProfileFacts) -> list[str]:
    """Disputed invoices on hold and unresolved disputes and questions."""
    reasons = [f"invoice {i.number} disputed (on hold)" for i in facts.invoices if i.on_hold]
    for handoff in sorted(facts.handoffs, key=lambda h: h.opened_on):
        if handoff.resolved_on is not None or handoff.reason not in QUESTION_REASONS:
            continue
        since = _day(handoff.opened_on)
        if handoff.reason == "dispute":
            reasons.append(f"dispute open since {since}")
        elif handoff.reason == "outside_limits":
            reasons.append(f"asked for an arrangement outside the limits on {since}")
        else:
            reasons.append(f"question for a collector open since {since}")
    return reasons


def _willing(
    behaviour: PaymentBehaviour, commitments: _Commitments, settings: ProfilingSettings
) -> list[str]:
    reasons = []
    if _mostly_on_time(behaviour, settings):
        reasons += _on_time_words(behaviour)
    settled = commitments.kept + commitments.broken
    if commitments.kept and commitments.kept / settled >= settings.kept_share:
        reasons += commitments.reasons()
    late = behaviour.average_days_late or 0
    if not reasons and behaviour.all_paid and late < settings.late_days:
        reasons.append("all invoices paid")
    if not reasons and not commitments.broken:
        if commitments.open_promises:
            reasons.append("a promise to pay is open, none broken")
        if commitments.active_plans:
            reasons.append("a payment plan is running, none broken")
    return reasons


def _silent(facts: ProfileFacts, behaviour: PaymentBehaviour) -> bool:
    """Never talked to us, never arranged anything, never paid anything."""
    return not facts.reacted and not behaviour.paid_any


def _group(
    facts: ProfileFacts,
    behaviour: PaymentBehaviour,
    commitments: _Commitments,
    today: dt.date,
    settings: ProfilingSettings,
) -> tuple[ProfileName, list[str]]:
    """The group and the reasons that decided it, by the precedence in the module text."""
    if hardship := _hardship(facts, today, settings):
        return "unable", hardship
    if commitments.broken >= settings.broken_commitments and (
        commitments.broken > commitments.kept
    ):
        return "unwilling", commitments.reasons()
    late = max(behaviour.average_days_late or 0, behaviour.oldest_overdue_days)
    if (rejected := _rejected_disputes(facts)) and late >= settings.late_days:
        return "unwilling", rejected + _late_words(behaviour, settings)
    if matters := _open_matters(facts):
        return "information_available", matters
    if willing := _willing(behaviour, commitments, settings):
        return "willing_and_able", willing
    reasons = []
    if _silent(facts, behaviour):
        reasons.append("no reaction yet")
    if not behaviour.fell_due and not commitments.kept + commitments.broken:
        reasons.append("no payment history yet")
    if not reasons:
        reasons.append("no reason for paying late known yet")
    return "no_information", reasons


def _score_words(score: int, settings: ProfilingSettings) -> tuple[int, str]:
    bands = settings.credit_score
    if score < bands.weak_below:
        return 2, "weak"
    if score < bands.fair_below:
        return 1, "fair"
    if score >= bands.strong_from:
        return -1, "strong"
    return 0, "good"


def _risk(
    facts: ProfileFacts,
    behaviour: PaymentBehaviour,
    commitments: _Commitments,
    group: ProfileName,
    settings: ProfilingSettings,
) -> tuple[int, list[str]]:
    """Risk points, and the facts behind them in words (some may repeat the group's)."""
    points = max(
        _lateness_points(behaviour.average_days_late or 0, settings),
        _lateness_points(behaviour.oldest_overdue_days, settings),
    )
    reasons = _on_time_words(behaviour) + _late_words(behaviour, settings)
    if behaviour.trend == "worsening":
        points += 1
    if commitments.broken >= settings.broken_commitments:
        points += 2
    elif commitments.broken:
        points += 1
    reasons += commitments.reasons()
    if rejected := _rejected_disputes(facts):
        points += 1
        reasons += rejected
    if group == "unable":
        points += 1
    if _silent(facts, behaviour) and behaviour.fell_due:
        points += 1
        reasons.append("no reaction yet")
    known = behaviour.fell_due or commitments.kept + commitments.broken
    if not known and facts.credit_score is None:
        points += 1
        reasons.append("nothing known yet")
    if _mostly_on_time(behaviour, settings):
        points -= 1
    if facts.credit_score is not None:
        score_points, words = _score_words(facts.credit_score, settings)
        points += score_points
        reasons.append(f"external credit score {facts.credit_score} of 100 ({words})")
    if facts.credit_flag:
        points += 2
        reasons.append(f"external credit flag: {facts.credit_flag}")
    # an industry is a business's risk; a consumer's industry (their employer's) is not
    risky = {_norm(i) for i in settings.higher_risk_industries}
    if facts.kind != "consumer" and facts.industry and _norm(facts.industry) in risky:
        points += 1
        reasons.append(f"business in a higher-risk industry ({facts.industry})")
    homes = {c.strip().upper() for c in settings.home_countries}
    if facts.country and facts.country.upper() not in homes:
        points += 1
        reasons.append(f"based abroad ({facts.country.upper()})")
    return points, reasons


def risk_level(points: int, settings: ProfilingSettings) -> RiskLevel:
    if points >= settings.risk.high_from:
        return "high"
    return "medium" if points >= settings.risk.medium_from else "low"


def compute_profile(facts: ProfileFacts, *, today: dt.date, settings: ProfilingSettings) -> Profile:
    """The debtor's group, risk and reasons (see the module text). Deterministic and pure."""
    behaviour = payment_behaviour(facts.invoices, today=today, settings=settings)
    commitments = _commitments(facts)
    group, group_reasons = _group(facts, behaviour, commitments, today, settings)
    points, risk_reasons = _risk(facts, behaviour, commitments, group, settings)
    reasons = list(dict.fromkeys([*group_reasons, *risk_reasons]))
    return Profile(
        group=group, risk=risk_level(points, settings), reasons=tuple(reasons), points=points
    )
