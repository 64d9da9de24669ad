"""Debtor profiles, stored: gather what is known of a debtor, compute the profile
(`receivables.profiles.compute`), and keep it on the debtor.

The profile is recomputed whenever it is read (`current_profile`, `list_debtor_profiles`,
`refresh_profiles`): a handful of queries for any number of debtors, so it follows the facts
without hooks in every service that changes them. When the group or the risk changed, the
debtor gets the new values, a `DebtorProfileChange` history row and a "profile_changed" audit
event; when only the reasons' wording changed (days late grow every day), the reasons are
updated without a history row. The caller owns the transaction.

Thresholds come from the policy's `profiling` block; without a policy the defaults apply
(those of the shipped config/policy.yml).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.common.money import to_money
from receivables.errors import InvalidInput, NotFound
from receivables.models import (
    Conversation,
    Debtor,
    DebtorProfileChange,
    Handoff,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    Promise,
    utcnow,
)
from receivables.policy.model import (
    PROFILES,
    RISK_LEVELS,
    Policy,
    ProfileName,
    ProfilingSettings,
    RiskLevel,
)
from receivables.profiles.compute import (
    KINDS,
    HandoffRecord,
    InvoiceRecord,
    Profile,
    ProfileFacts,
    compute_profile,
)

DEFAULT_TIMEZONE = "Europe/Amsterdam"
_CHUNK = 500
_RISK_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class ProfileView:
    """A debtor's profile as the API, the console and the bot use it."""

    group: ProfileName
    risk: RiskLevel
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "risk": self.risk, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class DebtorProfileRow:
    """One line of the profile listing."""

    debtor: Debtor
    balance: Decimal
    profile: ProfileView


# --- business attributes and credit information: checked, normalized --------------------
def check_credit_score(score: int | None) -> int | None:
    """A score is a whole number 0-100. Pure."""
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise InvalidInput(f"credit score must be a whole number from 0 to 100, not {score!r}")
    return score


def normalize_credit_flag(flag: str | None) -> str | None:
    """ "Debt restructuring" -> "debt_restructuring"; empty -> None. Pure."""
    key = (flag or "").strip().lower().replace("-", "_").replace(" ", "_")
    if not key:
        return None
    if len(key) > 64 or not all(c.isalnum() or c == "_" for c in key):
        raise InvalidInput(f"credit flag must be a short word (letters, digits, _), not {flag!r}")
    return key


def normalize_kind(kind: str | None) -> str | None:
    key = (kind or "").strip().lower()
    if not key:
        return None
    if key not in KINDS:
        raise InvalidInput(f"kind must be consumer or business, not {kind!r}")
    return key


def normalize_industry(industry: str | None) -> str | None:
    key = " ".join((industry or "").split()).lower()
    if len(key) > 64:
        raise InvalidInput("industry is longer than 64 characters")
    return key or None


def normalize_country(country: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code such as NL, upper case. Pure."""
    key = (country or "").strip().upper()
    if not key:
        return None
    if len(key) != 2 or not key.isascii() or not key.isalpha():
        raise InvalidInput(f"country must be a two-letter ISO code such as NL, not {country!r}")
    return key


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


def _debtor(session: Session, debtor_id: int) -> Debtor:
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NotFound("debtor", debtor_id)
    return debtor


def set_credit_info(
    *,
    session: Session,
    debtor_id: int,
    score: int | None,
    flag: str | None,
    source: str | None,
    actor: str = "admin",
) -> Debtor:
    """Store the debtor's external credit information (None: none known) and record a
    "credit_info_set" audit event. Raises InvalidInput for a bad score or flag, NotFound for
    an unknown debtor. The profile follows at its next read (or `current_profile`)."""
    score, flag = check_credit_score(score), normalize_credit_flag(flag)
    source = (source or "").strip()[:100] or None
    debtor = _debtor(session, debtor_id)
    debtor.credit_score, debtor.credit_flag, debtor.credit_source = score, flag, source
    debtor.credit_updated_at = utcnow()
    session.flush()
    record_event(
        session=session,
        actor=actor,
        action="credit_info_set",
        debtor_id=debtor_id,
        detail={"score": score, "flag": flag, "source": source},
    )
    return debtor


def set_business_attributes(
    *,
    session: Session,
    debtor_id: int,
    kind: str | None | _Keep = KEEP,
    industry: str | None | _Keep = KEEP,
    country: str | None | _Keep = KEEP,
    actor: str = "admin",
) -> Debtor:
    """Set the attributes given (KEEP, the default, leaves one as it is; None clears it),
    with an audit event when something changed."""
    values: dict[str, str | None] = {}
    if not isinstance(kind, _Keep):
        values["kind"] = normalize_kind(kind)
    if not isinstance(industry, _Keep):
        values["industry"] = normalize_industry(industry)
    if not isinstance(country, _Keep):
        values["country"] = normalize_country(country)
    debtor = _debtor(session, debtor_id)
    changed = {k: v for k, v in values.items() if getattr(debtor, k) != v}
    for name, value in changed.items():
        setattr(debtor, name, value)
    if changed:
        session.flush()
        record_event(
            session=session,
            actor=actor,
            action="business_attributes_set",
            debtor_id=debtor_id,
            detail=changed,
        )
    return debtor


# --- facts ---------------------------------------------------------------------------------
def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _day(moment: dt.datetime | None, zone: ZoneInfo) -> dt.date | None:
    return moment.astimezone(zone).date() if moment is not None else None


def _invoice_records(
    session: Session, ids: list[int], zone: ZoneInfo
) -> dict[int, list[InvoiceRecord]]:
    paid: dict[int, list[tuple[Decimal, dt.datetime]]] = defaultdict(list)
    rows = session.execute(
        select(PaymentAllocation.invoice_id, PaymentAllocation.amount, Payment.received_at)
        .join(Payment, PaymentAllocation.payment_id == Payment.id)
        .join(Invoice, PaymentAllocation.invoice_id == Invoice.id)
        .where(Invoice.debtor_id.in_(ids))
        .order_by(Payment.received_at, Payment.id)
    )
    for invoice_id, amount, received_at in rows:
        paid[invoice_id].append((to_money(amount), received_at))
    result: dict[int, list[InvoiceRecord]] = defaultdict(list)
    invoices = session.execute(
        select(
            Invoice.id,
            Invoice.debtor_id,
            Invoice.number,
            Invoice.amount,
            Invoice.due_date,
            Invoice.status,
        ).where(Invoice.debtor_id.in_(ids))
    )
    for invoice_id, debtor_id, number, amount, due_date, status in invoices:
        amount, total, paid_on = to_money(amount), Decimal("0.00"), None
        for part, received_at in paid[invoice_id]:
            total += part
            if paid_on is None and total >= amount:
                paid_on = _day(received_at, zone)
        result[debtor_id].append(
            InvoiceRecord(
                number=number,
                amount=amount,
                due_date=due_date,
                paid=total,
                paid_on=paid_on,
                on_hold=status == "on_hold",
            )
        )
    return result


def _statuses(
    session: Session, model: type[Promise] | type[PaymentPlan], ids: list[int]
) -> dict[int, list[str]]:
    rows = session.execute(select(model.debtor_id, model.status).where(model.debtor_id.in_(ids)))
    result: dict[int, list[str]] = defaultdict(list)
    for debtor_id, status in rows:
        result[debtor_id].append(status)
    return result


def _handoff_records(
    session: Session, ids: list[int], zone: ZoneInfo
) -> dict[int, list[HandoffRecord]]:
    # a failed verification names the reference someone tried, not what the debtor did
    handoffs = session.scalars(
        select(Handoff)
        .where(Handoff.debtor_id.in_(ids), Handoff.reason != "verification_failed")
        .order_by(Handoff.id)
    )
    result: dict[int, list[HandoffRecord]] = defaultdict(list)
    for handoff in handoffs:
        opened_on = _day(handoff.created_at, zone)
        assert opened_on is not None and handoff.debtor_id is not None
        result[handoff.debtor_id].append(
            HandoffRecord(
                opened_on=opened_on,
                reason=handoff.reason,
                flags=tuple(handoff.flags or ()),
                outcome=handoff.outcome,
                resolved_on=_day(handoff.resolved_at, zone)
                if handoff.status == "resolved"
                else None,
            )
        )
    return result


def load_facts(
    *, session: Session, debtors: Collection[Debtor], timezone: str = DEFAULT_TIMEZONE
) -> dict[int, ProfileFacts]:
    """What is known of each of these debtors, by debtor id, in a few queries."""
    zone = ZoneInfo(timezone)
    ids = sorted(d.id for d in debtors)
    invoices: dict[int, list[InvoiceRecord]] = {}
    promises: dict[int, list[str]] = {}
    plans: dict[int, list[str]] = {}
    handoffs: dict[int, list[HandoffRecord]] = {}
    talked: set[int] = set()
    for chunk in _chunks(ids):
        invoices.update(_invoice_records(session, chunk, zone))
        promises.update(_statuses(session, Promise, chunk))
        plans.update(_statuses(session, PaymentPlan, chunk))
        handoffs.update(_handoff_records(session, chunk, zone))
        talked.update(
            session.scalars(
                select(Conversation.debtor_id).where(Conversation.debtor_id.in_(chunk)).distinct()
            )
        )
    return {
        d.id: ProfileFacts(
            invoices=tuple(invoices.get(d.id, ())),
            promises=tuple(promises.get(d.id, ())),
            plans=tuple(plans.get(d.id, ())),
            handoffs=tuple(handoffs.get(d.id, ())),
            credit_score=d.credit_score,
            credit_flag=d.credit_flag,
            kind=d.kind,
            industry=d.industry,
            country=d.country,
            reacted=d.id in talked or d.id in promises or d.id in plans or d.id in handoffs,
        )
        for d in debtors
    }


# --- computing and storing -----------------------------------------------------------------
def _settings(policy: Policy | None) -> tuple[ProfilingSettings, str]:
    if policy is None:
        return ProfilingSettings(), DEFAULT_TIMEZONE
    return policy.profiling, policy.handoff.timezone


def _today(today: dt.date | None, timezone: str) -> dt.date:
    return today or dt.datetime.now(dt.UTC).astimezone(ZoneInfo(timezone)).date()


def stored_profile(debtor: Debtor) -> ProfileView | None:
    """The profile last stored on the debtor, or None when it was never computed. Pure."""
    if debtor.profile_group not in PROFILES or debtor.profile_risk not in RISK_LEVELS:
        return None
    return ProfileView(
        group=debtor.profile_group,
        risk=debtor.profile_risk,
        reasons=tuple(debtor.profile_reasons or ()),
    )


def _store(session: Session, debtor: Debtor, profile: Profile) -> bool:
    """Keep the computed profile on the debtor; a history row and an audit event when the
    group or the risk changed. Returns whether the group or the risk changed."""
    reasons = list(profile.reasons)
    if (debtor.profile_group, debtor.profile_risk) == (profile.group, profile.risk):
        if list(debtor.profile_reasons or ()) != reasons:
            debtor.profile_reasons = reasons
            session.flush()
        return False
    # lock the row and look again, so that two readers record one change, not two
    locked = session.scalar(
        select(Debtor)
        .where(Debtor.id == debtor.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    previous_group, previous_risk = locked.profile_group, locked.profile_risk
    changed = (previous_group, previous_risk) != (profile.group, profile.risk)
    now = utcnow()
    locked.profile_group, locked.profile_risk = profile.group, profile.risk
    locked.profile_reasons = reasons
    if changed:
        locked.profile_updated_at = now
        session.add(
            DebtorProfileChange(
                debtor_id=locked.id,
                at=now,
                group=profile.group,
                risk=profile.risk,
                reasons=reasons,
                previous_group=previous_group,
                previous_risk=previous_risk,
            )
        )
        session.flush()
        record_event(
            session=session,
            actor="system",
            action="profile_changed",
            debtor_id=locked.id,
            detail={
                "group": profile.group,
                "risk": profile.risk,
                "reasons": reasons,
                "previous_group": previous_group,
                "previous_risk": previous_risk,
            },
        )
    session.flush()
    return changed


@dataclass(frozen=True)
class _Computed:
    profile: ProfileView
    balance: Decimal
    changed: bool


def _recompute(
    session: Session, debtors: Sequence[Debtor], policy: Policy | None, today: dt.date | None
) -> dict[int, _Computed]:
    settings, timezone = _settings(policy)
    day = _today(today, timezone)
    facts = load_facts(session=session, debtors=debtors, timezone=timezone)
    result = {}
    for debtor in debtors:
        own = facts[debtor.id]
        profile = compute_profile(own, today=day, settings=settings)
        changed = _store(session, debtor, profile)
        balance = sum((max(i.amount - i.paid, Decimal("0")) for i in own.invoices), Decimal(0))
        result[debtor.id] = _Computed(
            ProfileView(group=profile.group, risk=profile.risk, reasons=profile.reasons),
            to_money(balance),
            changed,
        )
    return result


def current_profile(
    *,
    session: Session,
    debtor_id: int,
    policy: Policy | None = None,
    today: dt.date | None = None,
) -> ProfileView:
    """The debtor's profile from the facts as they are now, stored when it changed (with a
    history row and an audit event when the group or risk did). `policy`: its `profiling`
    thresholds and time zone (None: the defaults); `today` defaults to today where the
    creditor is. Raises NotFound for an unknown debtor. What the bot calls at verification."""
    debtor = _debtor(session, debtor_id)
    return _recompute(session, [debtor], policy, today)[debtor_id].profile


def refresh_profiles(
    *, session: Session, policy: Policy | None = None, today: dt.date | None = None
) -> int:
    """Recompute every debtor's profile (for the follow-up job: days late grow without any
    other change). Returns how many changed group or risk."""
    changed = 0
    ids = list(session.scalars(select(Debtor.id).order_by(Debtor.id)))
    for chunk in _chunks(ids):
        debtors = list(session.scalars(select(Debtor).where(Debtor.id.in_(chunk))))
        changed += sum(c.changed for c in _recompute(session, debtors, policy, today).values())
    return changed


def list_debtor_profiles(
    *,
    session: Session,
    policy: Policy | None = None,
    today: dt.date | None = None,
    group: str | None = None,
    risk: str | None = None,
) -> list[DebtorProfileRow]:
    """Debtors with their current profile and open balance, filtered by group and risk: the
    highest risk first, then the largest balance. Raises InvalidInput for an unknown group or
    risk."""
    if group is not None and group not in PROFILES:
        raise InvalidInput(f"group must be one of {', '.join(PROFILES)}")
    if risk is not None and risk not in RISK_LEVELS:
        raise InvalidInput(f"risk must be one of {', '.join(RISK_LEVELS)}")
    rows = []
    ids = list(session.scalars(select(Debtor.id).order_by(Debtor.id)))
    for chunk in _chunks(ids):
        debtors = list(session.scalars(select(Debtor).where(Debtor.id.in_(chunk))))
        computed = _recompute(session, debtors, policy, today)
        for debtor in debtors:
            view, balance = computed[debtor.id].profile, computed[debtor.id].balance
            if (group is None or view.group == group) and (risk is None or view.risk == risk):
                rows.append(DebtorProfileRow(debtor=debtor, balance=balance, profile=view))
    rows.sort(key=lambda r: (_RISK_ORDER[r.profile.risk], -r.balance, r.debtor.reference))
    return rows
