"""What the conversation view shows: the handoff, its transcript and audit trail, and the
debtor with balance, open invoices, payments, plans (with installments) and promises."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from receivables.accounts.debtors import debtor_labels, get_debtor
from receivables.accounts.invoices import OpenInvoice, get_open_balance, list_open_invoices
from receivables.arrangements.plans import list_plans
from receivables.arrangements.promises import list_promises
from receivables.audit.events import list_events
from receivables.collectors.service import collector_names
from receivables.conversations import outbox
from receivables.conversations.service import get_conversation, list_messages
from receivables.errors import NotFound
from receivables.models import (
    AuditEvent,
    Conversation,
    Debtor,
    Handoff,
    Message,
    Payment,
    PaymentPlan,
    Promise,
)
from receivables.payments.booking import list_payments
from receivables.policy.model import Policy
from receivables.profiles.service import ProfileView, current_profile, stored_profile


@dataclass(frozen=True)
class DebtorPanel:
    debtor: Debtor
    balance: Decimal
    invoices: list[OpenInvoice]
    payments: list[Payment]
    plans: list[PaymentPlan]
    promises: list[Promise]
    profile: ProfileView | None = None


@dataclass(frozen=True)
class CaseView:
    handoff: Handoff
    conversation: Conversation
    messages: list[Message]
    events: list[AuditEvent]
    debtor: DebtorPanel | None
    # message id -> how sending it to the debtor's channel stands (outbox; failed ones shown)
    delivery: dict[int, str] = field(default_factory=dict)
    # what the debtor agreed to in this conversation (plans and promises made in it)
    agreed_plans: list[PaymentPlan] = field(default_factory=list)
    agreed_promises: list[Promise] = field(default_factory=list)
    # username -> display name, for everyone the page names
    collectors: dict[str, str] = field(default_factory=dict)

    @property
    def titles(self) -> dict[str, str]:
        return button_titles(self.messages)

    @property
    def wrote(self) -> str:
        return summary_line(self.handoff.summary, "Debtor wrote: ")

    @property
    def offered(self) -> str:
        return summary_line(self.handoff.summary, "Bot offered: ")


def button_titles(messages: list[Message]) -> dict[str, str]:
    """Payload -> the title the debtor saw on the button ("/affirm" -> "Ja, graag"): a
    button press is stored as its payload. Pure."""
    return {
        str(b["payload"]): str(b["title"])
        for m in messages
        for b in (m.buttons or [])
        if b.get("payload") and b.get("title")
    }


def summary_line(summary: str | None, prefix: str) -> str:
    """One line of the stored handoff summary ("Debtor wrote: ..."), without its prefix."""
    for line in (summary or "").splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :]
    return ""


def _profile(session: Session, debtor: Debtor, policy: Policy | None) -> ProfileView:
    """With the policy: the profile as the facts are now. Without it: the one last stored
    (by the bot at verification, the API or the follow-up job, with the policy's
    thresholds), computed with the default thresholds only when there is none yet."""
    if policy is None and (stored := stored_profile(debtor)) is not None:
        return stored
    return current_profile(session=session, debtor_id=debtor.id, policy=policy)


def load_debtor_panel(
    *, session: Session, debtor_id: int, policy: Policy | None = None
) -> DebtorPanel | None:
    try:
        debtor = get_debtor(session=session, debtor_id=debtor_id)
    except NotFound:
        return None
    # newest first
    plans = reversed(list_plans(session=session, debtor_id=debtor_id))
    promises = sorted(list_promises(session=session, debtor_id=debtor_id), key=lambda p: -p.id)
    payments = sorted(list_payments(session=session, debtor_id=debtor_id), key=lambda p: -p.id)
    return DebtorPanel(
        debtor=debtor,
        balance=get_open_balance(session=session, debtor_id=debtor_id),
        invoices=list_open_invoices(session=session, debtor_id=debtor_id),
        payments=list(payments),
        plans=list(plans),
        promises=list(promises),
        profile=_profile(session, debtor, policy),
    )


def load_case(*, session: Session, handoff: Handoff, policy: Policy | None = None) -> CaseView:
    conversation = get_conversation(session=session, conversation_id=handoff.conversation_id)
    debtor_id = handoff.debtor_id or conversation.debtor_id
    panel = None
    if debtor_id:
        panel = load_debtor_panel(session=session, debtor_id=debtor_id, policy=policy)
    events = list_events(session=session, conversation_id=conversation.id)
    names = {handoff.collector} if handoff.collector else set()
    names |= {
        e.actor.removeprefix("collector:") for e in events if e.actor.startswith("collector:")
    }
    if panel:
        names |= {p.agreed_by.removeprefix("collector:") for p in panel.plans}
    return CaseView(
        handoff=handoff,
        conversation=conversation,
        messages=list_messages(session=session, conversation_id=conversation.id),
        events=events,
        debtor=panel,
        delivery=outbox.statuses(session=session, conversation_id=conversation.id),
        agreed_plans=[p for p in panel.plans if p.conversation_id == conversation.id]
        if panel
        else [],
        agreed_promises=[p for p in panel.promises if p.conversation_id == conversation.id]
        if panel
        else [],
        collectors=collector_names(session=session, usernames=names),
    )


def handoff_collectors(*, session: Session, handoffs: list[Handoff]) -> dict[str, str]:
    """Username -> display name for the collectors these handoffs are with."""
    return collector_names(
        session=session, usernames={h.collector for h in handoffs if h.collector}
    )


def debtor_names(*, session: Session, handoffs: list[Handoff]) -> dict[int, str]:
    """Debtor id -> "name (reference)" for the queue."""
    ids = {h.debtor_id for h in handoffs if h.debtor_id is not None}
    return debtor_labels(session=session, debtor_ids=ids)
