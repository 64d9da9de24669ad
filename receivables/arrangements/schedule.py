"""Payment plan schedules: amounts in cents, monthly due dates, and the negotiation of a
debtor's request against the plan limits in force. Pure functions, no database.

    limits = effective_plan_limits(policy, balance=balance, profile=profile)
    proposal = propose_plan(balance=balance, limits=limits, today=today, installments=12)
    proposal.status    # "counter"
    proposal.schedule  # 6 monthly installments: 5 x 208.34 and a last one of 208.30
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

from receivables.common.money import CENT, to_money
from receivables.policy.limits import PlanLimits

ProposalStatus = Literal["accepted", "counter", "refused"]
RefusalReason = Literal[
    # the balance is zero or negative
    "nothing_to_pay",
    # the debtor's profile gets no plan from the bot
    "not_allowed",
    # the debtor broke a plan and the policy says a person decides on a new one
    "broken_plan",
    # below payment_plan.min_balance: pay in one go
    "below_min_balance",
    # above payment_plan.max_balance: a collector arranges it
    "above_max_balance",
    # not even one installment of the minimum amount fits (balance below the minimum)
    "no_schedule",
]


@dataclass(frozen=True)
class ScheduledInstallment:
    sequence: int  # 1, 2, ...
    amount: Decimal
    due_date: dt.date


@dataclass(frozen=True)
class Schedule:
    """Installments in due-date order; the last one absorbs the remainder."""

    installments: tuple[ScheduledInstallment, ...]

    @property
    def count(self) -> int:
        return len(self.installments)

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.installments), Decimal("0.00"))

    @property
    def amount(self) -> Decimal:
        """The regular installment (the first one's amount)."""
        return self.installments[0].amount

    @property
    def first_date(self) -> dt.date:
        return self.installments[0].due_date

    @property
    def last_date(self) -> dt.date:
        return self.installments[-1].due_date

    def to_json(self) -> list[dict[str, str]]:
        """[{"amount": "208.34", "due_date": "2026-12-07"}, ...]: for a slot or an audit event."""
        return [{"amount": str(i.amount), "due_date": i.due_date.isoformat()} for i in self]

    def __iter__(self) -> Iterator[ScheduledInstallment]:
        return iter(self.installments)


@dataclass(frozen=True)
class PlanProposal:
    """The answer to a debtor's plan request.

    accepted: the request fits; `schedule` is it (no request: the longest plan allowed).
    counter: the request does not fit; `schedule` is the closest one inside the policy,
        `violations` say why the request did not fit.
    refused: no plan from the bot; `reason` says why, `schedule` is None.
    """

    status: ProposalStatus
    schedule: Schedule | None = None
    reason: RefusalReason | None = None
    violations: tuple[str, ...] = field(default=())

    @property
    def offered(self) -> bool:
        return self.schedule is not None


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the month lacks becomes its last (31 Jan + 1 month
    is 28 or 29 Feb)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    return date.replace(year=year, month=month, day=min(date.day, _month_days(year, month)))


def _month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def monthly_dates(first: dt.date, count: int) -> list[dt.date]:
    """count dates a month apart, each counted from the first (31 Jan, 28 Feb, 31 Mar)."""
    return [add_months(first, k) for k in range(count)]


def latest_due_date(*, today: dt.date, limits: PlanLimits) -> dt.date:
    """The last day a plan agreed today may end: max_months from today."""
    return add_months(today, limits.max_months)


def default_first_date(*, today: dt.date, limits: PlanLimits) -> dt.date:
    """The first due date the bot offers: first_installment_within_days from today (never
    after the latest due date)."""
    first = today + dt.timedelta(days=limits.first_installment_within_days)
    return min(first, latest_due_date(today=today, limits=limits))


def split_evenly(total: Decimal, count: int, *, minimum: Decimal | None = None) -> list[Decimal]:
    """count installments that add up to total exactly: equal amounts rounded up to the
    cent and a last one that absorbs the remainder (1250.00 in 6: 5 x 208.34 + 208.30). When
    that would leave the last one empty or below `minimum`, the equal amounts are rounded
    down instead and the last one is slightly larger."""
    if count < 1:
        raise ValueError("count must be at least 1")
    total = to_money(total)
    if total < CENT * count:
        raise ValueError(f"{total} cannot be split into {count} installments of a cent or more")
    share = total / count
    for rounding in (ROUND_CEILING, ROUND_FLOOR):
        regular = share.quantize(CENT, rounding=rounding)
        last = total - regular * (count - 1)
        if last > 0 and (minimum is None or last >= minimum):
            break
    return [regular] * (count - 1) + [last]


def split_by_amount(total: Decimal, amount: Decimal, *, minimum: Decimal) -> list[Decimal]:
    """Installments of at most `amount` (what the debtor can pay a month) that add up to
    total, as few as can be: `amount` each and a smaller last one (350 at 100: 100, 100,
    100, 50). When that last one would fall below `minimum`, the same number of
    installments spread evenly instead (310 at 100 with a minimum of 25: 77.50 x 4; 765.17
    at 250: 191.30 x 3 + 191.27), never one above the amount the debtor named."""
    total, amount = to_money(total), to_money(amount)
    if amount <= 0:
        raise ValueError("the monthly amount must be positive")
    if amount >= total:
        return [total]
    full, remainder = divmod(total, amount)
    if remainder == 0:
        return [amount] * int(full)
    if remainder >= minimum:
        return [amount] * int(full) + [remainder]
    return _spread(total, int(full) + 1, ceiling=amount)


def fewest_installments(total: Decimal, amount: Decimal) -> int:
    """How many installments of at most `amount` it takes to pay total."""
    return int((total / amount).to_integral_value(rounding=ROUND_CEILING))


def _spread(total: Decimal, count: int, *, ceiling: Decimal) -> list[Decimal]:
    """total in count installments no larger than ceiling (total <= count x ceiling): the
    usual even split, or, when rounding up to the cent would pass the ceiling, the cents
    shared out one by one (the first ones a cent larger)."""
    parts = split_evenly(total, count)
    if max(parts) <= ceiling:
        return parts
    cents, extra = divmod(int(total / CENT), count)
    return [CENT * (cents + 1)] * extra + [CENT * cents] * (count - extra)


def build_schedule(*, amounts: list[Decimal], dates: list[dt.date]) -> Schedule:
    if len(amounts) != len(dates) or not amounts:
        raise ValueError("a schedule needs one due date per amount, and at least one")
    return Schedule(
        tuple(
            ScheduledInstallment(sequence=n, amount=amount, due_date=date)
            for n, (amount, date) in enumerate(zip(amounts, dates, strict=True), start=1)
        )
    )


def monthly_schedule(amounts: list[Decimal], *, first: dt.date) -> Schedule:
    """The amounts on monthly due dates from first."""
    return build_schedule(amounts=amounts, dates=monthly_dates(first, len(amounts)))


def plan_within_policy(
    schedule: Schedule, *, balance: Decimal, limits: PlanLimits, today: dt.date
) -> list[str]:
    """Every way the schedule leaves the policy, in plain words; empty when it is inside.
    The last guard before a plan is stored."""
    problems = []
    if not limits.allowed:
        problems.append("the debtor's profile gets no plan from the bot")
    if balance < limits.min_balance:
        problems.append(f"balance {balance} is below min_balance {limits.min_balance}")
    if balance > limits.max_balance:
        problems.append(f"balance {balance} is above max_balance {limits.max_balance}")
    if not schedule.installments:
        return [*problems, "the schedule has no installments"]
    if schedule.total != balance:
        problems.append(f"installments add up to {schedule.total}, not the balance {balance}")
    if schedule.count > limits.max_installments:
        problems.append(f"{schedule.count} installments; at most {limits.max_installments} allowed")
    if [i.sequence for i in schedule] != list(range(1, schedule.count + 1)):
        problems.append("installments are not numbered 1, 2, 3, ...")
    for item in schedule:
        if item.amount != item.amount.quantize(CENT):
            problems.append(f"installment {item.sequence} is not in whole cents")
        if item.amount < limits.min_installment_amount:
            problems.append(
                f"installment {item.sequence} of {item.amount} is below the minimum "
                f"{limits.min_installment_amount}"
            )
    dates = [i.due_date for i in schedule]
    if any(later <= earlier for earlier, later in zip(dates, dates[1:], strict=False)):
        problems.append("due dates are not in increasing order")
    first_latest = today + dt.timedelta(days=limits.first_installment_within_days)
    if schedule.first_date < today:
        problems.append(f"the first installment is due before today ({today})")
    elif schedule.first_date > first_latest:
        problems.append(
            f"the first installment is due after {first_latest} "
            f"(within {limits.first_installment_within_days} days)"
        )
    latest = latest_due_date(today=today, limits=limits)
    if schedule.last_date > latest:
        problems.append(
            f"the last installment is due after {latest} (within {limits.max_months} months)"
        )
    return problems


def _refusal(*, balance: Decimal, limits: PlanLimits, broken_plan: bool) -> RefusalReason | None:
    if balance <= 0:
        return "nothing_to_pay"
    if not limits.allowed:
        return "not_allowed"
    if broken_plan and not limits.allow_after_broken_plan:
        return "broken_plan"
    if balance < limits.min_balance:
        return "below_min_balance"
    if balance > limits.max_balance:
        return "above_max_balance"
    return None


def _even(balance: Decimal, count: int, *, first: dt.date, limits: PlanLimits) -> Schedule:
    amounts = split_evenly(balance, count, minimum=limits.min_installment_amount)
    return monthly_schedule(amounts, first=first)


def propose_plan(
    *,
    balance: Decimal,
    limits: PlanLimits,
    today: dt.date,
    installments: int | None = None,
    monthly_amount: Decimal | None = None,
    first_date: dt.date | None = None,
    broken_plan: bool = False,
) -> PlanProposal:
    """Negotiate a plan for `balance` under `limits` (see policy.effective_plan_limits).

    The debtor asks for a number of `installments` ("in 3 termijnen"), or a `monthly_amount`
    ("ik kan 50 per maand missen"), or neither ("kan ik in termijnen betalen?": the longest
    plan allowed is offered); optionally a `first_date` for the first installment (else
    first_installment_within_days from today). `broken_plan`: the debtor has a broken plan.

    Returns accepted (the request as asked; for a monthly amount, no installment above it),
    counter (the closest schedule inside the policy: the most installments allowed up to
    the number asked, or implied by the monthly amount) or refused with a reason. Every schedule returned passes `plan_within_policy`.
    Raises ValueError for installments below 1, a monthly amount that is not positive in
    cents, or both at once.
    """
    if installments is not None and monthly_amount is not None:
        raise ValueError("ask for a number of installments or a monthly amount, not both")
    if installments is not None and installments < 1:
        raise ValueError("installments must be at least 1")
    if monthly_amount is not None and to_money(monthly_amount) <= 0:
        raise ValueError("the monthly amount must be positive")
    balance = to_money(balance)
    reason = _refusal(balance=balance, limits=limits, broken_plan=broken_plan)
    if reason:
        return PlanProposal(status="refused", reason=reason)
    first, violations = _first_date(first_date, today=today, limits=limits)
    feasible = _feasible_counts(balance, first=first, limits=limits, today=today)
    if not feasible:
        return PlanProposal(status="refused", reason="no_schedule")

    if monthly_amount is not None:
        requested, wanted, problems = _by_amount(balance, to_money(monthly_amount), first, limits)
    else:
        wanted = installments or max(feasible)
        requested, problems = _by_count(balance, wanted, first, limits)
    if requested is not None:
        problems += plan_within_policy(requested, balance=balance, limits=limits, today=today)
    if requested is not None and not problems:
        # accepted as asked; a counter when only the first date asked for was moved
        status: ProposalStatus = "counter" if violations else "accepted"
        return PlanProposal(status=status, schedule=requested, violations=tuple(violations))
    closest = max((n for n in feasible if n <= wanted), default=min(feasible))
    return PlanProposal(
        status="counter",
        schedule=_even(balance, closest, first=first, limits=limits),
        violations=tuple(violations + problems),
    )


def _first_date(
    asked: dt.date | None, *, today: dt.date, limits: PlanLimits
) -> tuple[dt.date, list[str]]:
    """The first due date asked for when the policy allows it, else ours (and why)."""
    ours = default_first_date(today=today, limits=limits)
    if asked is None or today <= asked <= ours:
        return asked or ours, []
    return ours, [f"the first installment cannot be due on {asked}"]


def _feasible_counts(
    balance: Decimal, *, first: dt.date, limits: PlanLimits, today: dt.date
) -> list[int]:
    """Every number of even installments that fits the policy (none above what the
    minimum installment allows)."""
    most = min(limits.max_installments, int(balance // limits.min_installment_amount))
    return [
        n
        for n in range(1, most + 1)
        if not plan_within_policy(
            _even(balance, n, first=first, limits=limits),
            balance=balance,
            limits=limits,
            today=today,
        )
    ]


def _by_count(
    balance: Decimal, count: int, first: dt.date, limits: PlanLimits
) -> tuple[Schedule | None, list[str]]:
    """`count` even installments, or None (and why) when that many cannot be allowed; an
    absurd count ("in 1000 termijnen") is never built."""
    if count > limits.max_installments:
        return None, [f"{count} installments; at most {limits.max_installments} allowed"]
    if count > balance // limits.min_installment_amount:
        minimum = limits.min_installment_amount
        return None, [f"{count} installments would each be below the minimum {minimum}"]
    return _even(balance, count, first=first, limits=limits), []


def _by_amount(
    balance: Decimal, amount: Decimal, first: dt.date, limits: PlanLimits
) -> tuple[Schedule | None, int, list[str]]:
    """Installments of at most the monthly amount and how many; None (and why) when there
    would be more than allowed. Below the minimum installment the policy decides (the
    counter-offer is the closest plan inside it)."""
    needed = fewest_installments(balance, amount)
    if needed > limits.max_installments:
        why = f"{amount} a month takes more than {limits.max_installments} installments"
        return None, limits.max_installments, [why]
    amounts = split_by_amount(balance, amount, minimum=limits.min_installment_amount)
    return monthly_schedule(amounts, first=first), len(amounts), []
