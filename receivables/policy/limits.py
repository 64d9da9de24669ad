"""The limits the policy sets for one debtor.

Plan and promise limits come in three layers, and `effective_plan_limits` /
`effective_promise_limits` fold them into the limits in force for one debtor:

1. the top-level `payment_plan` and `promise_to_pay` blocks: the outer bounds that nothing
   below may go beyond (no more installments, no smaller installment, no longer plan, no
   later promise, no more open promises), and the values used when nothing below applies;
2. `payment_plan.bands`: limits by amount, the first band whose `up_to` the balance does not
   exceed applies (small amounts get fewer terms);
3. `profiles.<group>`: the treatment of a debtor profile (P6); a value set there replaces the
   band's value, still inside the outer bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from receivables.policy.model import PROFILES, HandoffLevel, PlanBand, Policy, ProfileTreatment

T = TypeVar("T")


@dataclass(frozen=True)
class PlanLimits:
    """The plan limits in force for one debtor (balance band and profile applied)."""

    max_installments: int
    min_installment_amount: Decimal
    max_months: int
    first_installment_within_days: int
    min_balance: Decimal
    max_balance: Decimal
    allow_after_broken_plan: bool
    # False: this debtor's profile gets no plan from the bot
    allowed: bool = True


@dataclass(frozen=True)
class PromiseLimits:
    """The promise-to-pay limits in force for one debtor (profile applied)."""

    max_days_ahead: int
    max_open_promises: int
    # False: this debtor's profile gets no promise to pay from the bot
    allowed: bool = True


def profile_treatment(policy: Policy, *, profile: str | None) -> ProfileTreatment:
    """The treatment configured for a profile; no profile: the neutral default treatment.
    An unknown profile name is a programming error (ValueError). Pure."""
    if profile is None:
        return ProfileTreatment()
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    treatment: ProfileTreatment = getattr(policy.profiles, profile)
    return treatment


def band_for(policy: Policy, *, balance: Decimal) -> PlanBand | None:
    """The first amount band whose up_to the balance does not exceed, or None. Pure."""
    return next((band for band in policy.payment_plan.bands if balance <= band.up_to), None)


def _pick(*values: T | None) -> T:
    """The first value that is set."""
    for value in values:
        if value is not None:
            return value
    raise ValueError("no value set")


def effective_plan_limits(
    policy: Policy, *, balance: Decimal, profile: str | None = None
) -> PlanLimits:
    """The plan limits for a debtor with this balance and profile: for each limit the
    profile's value, else the amount band's, else the top level's. Validation has kept every
    one of them inside the outer bounds. An unknown profile raises ValueError. Pure."""
    top = policy.payment_plan
    # above the last band: no band values, the top level's apply
    band = band_for(policy, balance=balance) or PlanBand.model_construct(up_to=balance)
    treatment = profile_treatment(policy, profile=profile)
    own = treatment.payment_plan
    return PlanLimits(
        max_installments=_pick(own.max_installments, band.max_installments, top.max_installments),
        min_installment_amount=_pick(
            own.min_installment_amount, band.min_installment_amount, top.min_installment_amount
        ),
        max_months=_pick(own.max_months, band.max_months, top.max_months),
        first_installment_within_days=_pick(
            own.first_installment_within_days, top.first_installment_within_days
        ),
        min_balance=top.min_balance,
        max_balance=top.max_balance,
        allow_after_broken_plan=_pick(own.allow_after_broken_plan, top.allow_after_broken_plan),
        allowed=treatment.allow_plan,
    )


def effective_promise_limits(policy: Policy, *, profile: str | None = None) -> PromiseLimits:
    """The promise-to-pay limits for a debtor with this profile. Pure."""
    top = policy.promise_to_pay
    treatment = profile_treatment(policy, profile=profile)
    own = treatment.promise_to_pay
    return PromiseLimits(
        max_days_ahead=_pick(own.max_days_ahead, top.max_days_ahead),
        max_open_promises=_pick(own.max_open_promises, top.max_open_promises),
        allowed=treatment.allow_promise,
    )


def handoff_level(balance: Decimal, policy: Policy, *, profile: str | None = None) -> HandoffLevel:
    """junior or senior: the profile's level when it sets one, else by the amount at stake.
    Pure."""
    level = profile_treatment(policy, profile=profile).handoff_level
    if level is not None:
        return level
    return "senior" if balance >= policy.handoff.senior_from_amount else "junior"
