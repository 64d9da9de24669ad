"""The scheduler: every round, what the reminder plans say is due now goes out, once.

    settle reminders [--once] [--interval SECONDS] [--now ISO-TIME] [--dry-run]

A round plans the day (receivables.reminders.planner, pure), then for each step: claims it
(a row with a unique key, committed before anything is sent, so several instances never
send a step twice), prepares it (the payment link, the reminder stored in the conversation
on that channel so that an answer lands where the reminder is), sends it through the
channel (e-mail over SMTP; SMS, WhatsApp and Telegram through ChannelSenders, with their
retries) or makes a call task in the collector console, and records the result. Then the
outcomes of earlier steps are brought up to date.

A claimed step whose send failed is recorded as failed and not retried: at most once. A
step that a dead round left claimed ("sending") is failed by the next round once it is older
than receivables.reminders.sends.STALE_AFTER (ten minutes), and not sent again either: it
may have gone out before the process died. The durable outbox (branch `durable`) is where
that should change: `_send` would put the message in the outbox instead of calling the
channel, and the outbox's delivery would `finish` the row.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import signal
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from api.flows.channel_delivery import ChannelSenders, make_channels
from channels.base import DeliveryError, Reply
from channels.email import EMAIL, Mailer, Reminder
from receivables.common.dates import format_date
from receivables.common.money import format_money
from receivables.conversations.service import add_message, get_or_create_conversation
from receivables.db import engine_for, make_session_factory, run_in_session
from receivables.handoffs.service import create_handoff
from receivables.models import Debtor
from receivables.payments.links import get_or_create_link, link_url, resolve_target
from receivables.policy.model import Policy
from receivables.profiles.service import refresh_profiles
from receivables.reminders import calendars, facts, outcomes, sends
from receivables.reminders.planner import CALL, DayPlan, Due, plan_day
from receivables.settings import Settings
from texts import text as reminder_text

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 900.0
PHONE_CHANNELS = ("sms", "whatsapp")
# the texts a reminder step may name in the policy (texts/catalogue/reminders.yml)
STEP_TEXTS = (
    "reminders.heads_up",
    "reminders.due_today",
    "reminders.overdue",
    "reminders.overdue_firm",
    "reminders.plan_offer",
    "reminders.installment_upcoming",
    "reminders.installment_missed",
    "reminders.call_task",
)


def unknown_texts(policy: Policy) -> list[str]:
    """The policy's step texts that are no reminder text (a typo in the policy). Pure."""
    rules = policy.reminders
    named = {s.text for p in rules.plans for s in p.steps}
    named |= {rules.arrangements.before_text, rules.arrangements.missed_text}
    return sorted(named - set(STEP_TEXTS))


def parse_templates(raw: str) -> dict[str, dict[str, str]]:
    """SETTLE_TWILIO_REMINDER_TEMPLATES: {"reminders.heads_up": {"nl": "HX..."}}. Pure."""
    if not raw.strip():
        return {}
    data = json.loads(raw)
    return {
        str(key): {str(lang): str(sid) for lang, sid in per_language.items()}
        for key, per_language in data.items()
    }


@dataclass
class Scheduler:
    sessions: sessionmaker[Session]
    policy: Policy
    settings: Settings
    senders: ChannelSenders
    mailer: Mailer | None = None
    templates: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.policy.handoff.timezone)

    def channels_on(self) -> list[str]:
        """The channels reminders can go out on: e-mail with SMTP settings, WhatsApp only
        with approved templates, SMS and Telegram when configured."""
        on = [name for name in self.senders.names if name != "whatsapp" or self.templates]
        return on + ([EMAIL] if self.mailer else [])

    async def plan(
        self, now: dt.datetime, *, whole_day: bool = False, after: DayPlan | None = None
    ) -> DayPlan:
        """What is due at `now` (whole_day: regardless of the hour, for a preview; after: the
        plan of the day before, taken as sent, for tomorrow's preview)."""
        local = now.astimezone(self.zone)
        return await run_in_session(
            self.sessions,
            _plan,
            policy=self.policy,
            day=local.date(),
            at=None if whole_day else local.time(),
            channels_on=self.channels_on(),
            whatsapp_texts=frozenset(self.templates),
            assume_sent=frozenset(d.key for d in after.due) if after else frozenset(),
        )

    async def run_round(self, now: dt.datetime, *, dry_run: bool = False) -> RoundReport:
        stale = 0
        if not dry_run:
            # the steps an earlier round claimed and never finished (its process died while
            # sending): failed, visibly, not left "sending" for good
            stale = await run_in_session(self.sessions, sends.fail_stale_sends, now=now)
            # the planner picks a debtor's plan by the profile stored on the debtor, and
            # days late grow without anything else changing: the profiles first
            await run_in_session(
                self.sessions,
                refresh_profiles,
                policy=self.policy,
                today=now.astimezone(self.zone).date(),
            )
        plan = await self.plan(now)
        report = RoundReport(plan.day, closed=plan.closed, held=len(plan.held), stale=stale)
        if dry_run:
            report.would_send = Counter(f"{d.step}/{d.channel}" for d in plan.due)
            return report
        for due in plan.due:
            try:
                await self._one(due, plan.day, now, report)
            except Exception:
                # this step (say, paid a moment ago: nothing to pay) stays unclaimed; the
                # others go on
                log.exception("reminder %s not sent", due.key)
                report.count(due, "failed")
        report.outcomes = await run_in_session(
            self.sessions,
            outcomes.record_outcomes,
            now=now,
            outcome_days=self.policy.reminders.outcome_days,
        )
        return report

    async def _one(self, due: Due, day: dt.date, now: dt.datetime, report: RoundReport) -> None:
        prepared = await run_in_session(
            self.sessions, _claim_and_prepare, scheduler=self, due=due, day=day, now=now
        )
        if prepared is None:
            report.skipped += 1  # another instance has it
            return
        status, error = await self._send(prepared)
        await run_in_session(
            self.sessions,
            sends.finish,
            send_id=prepared.send_id,
            status=status,
            conversation_id=prepared.conversation_id,
            payment_link_id=prepared.link_id,
            error=error,
            now=now,
        )
        report.count(due, status)

    async def _send(self, prepared: Prepared) -> tuple[str, str | None]:
        """sent, task or failed (with the error). Here the outbox would take over."""
        if prepared.channel == CALL:
            return "task", None
        try:
            if prepared.channel == EMAIL:
                assert self.mailer is not None and prepared.email is not None
                await self.mailer.send(prepared.email)
                return "sent", None
            channel = self.senders.channel(prepared.channel)
            if channel is None:
                return "failed", f"the {prepared.channel} channel is not configured"
            # one attempt: a reminder that failed is recorded as failed, never sent twice
            await channel.send(prepared.address, prepared.reply)
        except DeliveryError as exc:
            return "failed", str(exc)
        return "sent", None


@dataclass
class RoundReport:
    day: dt.date
    closed: str | None = None
    held: int = 0
    skipped: int = 0
    stale: int = 0
    outcomes: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    would_send: Counter[str] = field(default_factory=Counter)

    def count(self, due: Due, status: str) -> None:
        bucket = self.failed if status == "failed" else self.sent
        bucket[f"{due.step}/{due.channel}"] += 1


@dataclass(frozen=True)
class Prepared:
    send_id: int
    channel: str
    address: str
    reply: Reply
    conversation_id: str | None
    link_id: int | None
    email: Reminder | None = None


def _plan(
    *,
    session: Session,
    policy: Policy,
    day: dt.date,
    at: dt.time | None,
    channels_on: list[str],
    whatsapp_texts: frozenset[str] | None = None,
    assume_sent: frozenset[str] = frozenset(),
) -> DayPlan:
    day_facts = facts.load_day_facts(session=session, day=day)
    return plan_day(
        policy=policy,
        calendar=calendars.calendar_for(policy.reminders),
        day=day,
        at=at,
        debtors=day_facts.debtors,
        invoices=day_facts.invoices,
        arrangements=day_facts.arrangements,
        pauses=day_facts.pauses,
        sent=day_facts.sent | assume_sent,
        recent_messages=day_facts.recent_messages,
        channels_on=channels_on,
        whatsapp_texts=whatsapp_texts,
    )


def reminder_values(due: Due, *, creditor: str, pay_url: str) -> dict[str, str]:
    """The values of a reminder text: only what the creditor may send unasked. Pure."""
    return {
        "creditor": creditor,
        "number": due.number or "",
        "amount": format_money(due.amount, due.language),
        "due_date": format_date(due.due_date, due.language),
        "link": pay_url,
    }


def _address(session: Session, debtor: Debtor, channel: str) -> str:
    if channel == EMAIL:
        return debtor.email or ""
    if channel in PHONE_CHANNELS:
        return debtor.phone or ""
    if channel == "telegram":
        return sends.telegram_chat(session=session, debtor_id=debtor.id) or ""
    return ""


def _claim_and_prepare(
    *, session: Session, scheduler: Scheduler, due: Due, day: dt.date, now: dt.datetime
) -> Prepared | None:
    """Claim the step (None: taken already), then the link, the text and the conversation.
    Committed together before the send."""
    send = sends.claim(session=session, due=due, day=day, now=now)
    if send is None:
        return None
    policy, settings = scheduler.policy, scheduler.settings
    debtor = session.get(Debtor, due.debtor_id)
    assert debtor is not None
    if due.channel == CALL:
        return _call_task(session, send.id, due, debtor, policy)
    address = _address(session, debtor, due.channel)
    # where an answer lands (and the payment's confirmation): the conversation on that channel
    conversation_id = None if due.channel == EMAIL else f"{due.channel}:{address}"
    target = resolve_target(
        session=session,
        debtor_id=due.debtor_id,
        invoice_number=due.number,
        installment_id=due.installment_id,
    )
    link = get_or_create_link(
        session=session,
        debtor_id=due.debtor_id,
        target=target,
        language=due.language,
        provider=settings.payment_provider,
        expiry_days=policy.payment.link_expiry_days,
        conversation_id=conversation_id,
        now=now,
    )
    pay_url = link_url(settings.public_url, link.token)
    values = reminder_values(due, creditor=policy.creditor.name, pay_url=pay_url)
    body = reminder_text(due.text_key, due.language, **values)
    if due.channel == EMAIL:
        stop_url = f"{settings.public_url.rstrip('/')}/reminders/stop/{send.stop_token}"
        subject = reminder_text("reminders.email_subject", due.language, **values)
        email = Reminder(
            to=address,
            language=due.language,
            subject=subject,
            body=body,
            pay_url=pay_url,
            stop_url=stop_url,
            reply_to=settings.reply_to,
        )
        reply = Reply(body, language=due.language)
        return Prepared(send.id, EMAIL, address, reply, None, link.id, email)
    assert conversation_id is not None
    conversation = get_or_create_conversation(
        session=session, conversation_id=conversation_id, channel=due.channel
    )
    if conversation.language is None:
        conversation.language = due.language
    text = f"{body}\n\n{reminder_text('reminders.stop_hint', due.language)}"
    # the reminder is part of the conversation: the debtor's answer continues it
    add_message(session=session, conversation=conversation, sender="bot", text=text)
    sid = scheduler.templates.get(due.text_key, {}).get(due.language)
    variables = tuple(
        (str(n), values[name]) for n, name in enumerate(("number", "amount", "due_date", "link"), 1)
    )
    reply = Reply(
        text,
        language=due.language,
        template_sid=sid if due.channel == "whatsapp" else None,
        template_variables=variables,
    )
    if due.channel == "whatsapp" and not sid:
        reply = Reply(text, language=due.language, outside_window=True)
    return Prepared(send.id, due.channel, address, reply, conversation_id, link.id)


def _call_task(
    session: Session, send_id: int, due: Due, debtor: Debtor, policy: Policy
) -> Prepared:
    """A call for a collector of the right level, in the console's queue."""
    conversation_id = f"call:{due.key}"
    values = reminder_values(due, creditor=policy.creditor.name, pay_url="")
    summary = reminder_text(due.text_key, "en", **values)
    create_handoff(
        session=session,
        conversation_id=conversation_id,
        reason="call_task",
        debtor_id=debtor.id,
        level=due.level or "junior",
        summary=f"{debtor.name} ({debtor.reference}): {summary}",
        actor="system",
        balance=due.amount,
    )
    return Prepared(send_id, CALL, "", Reply(summary), conversation_id, None)


# --- the worker ---------------------------------------------------------------------------
def make_mailer(settings: Settings, policy: Policy) -> Mailer | None:
    if not settings.smtp_host or not settings.smtp_from:
        return None
    return Mailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        sender_name=policy.creditor.name,
        username=settings.smtp_user,
        password=settings.smtp_password,
        security=settings.smtp_security,
    )


@dataclass(frozen=True)
class Rounds:
    """How the scheduler runs: one round or every `interval` seconds; `now`: the moment to
    plan for (a simulation); `dry_run`: say what would go out, send nothing."""

    once: bool = False
    interval: float = DEFAULT_INTERVAL
    now: dt.datetime | None = None
    dry_run: bool = False


async def serve(args: Rounds, settings: Settings, policy: Policy) -> int:
    """Rounds until SIGTERM or Ctrl-C (or one); the exit status (1: the one round failed)."""
    sessions = make_session_factory(engine_for(settings.database_url))
    senders = ChannelSenders(sessions=sessions, channels=make_channels(settings))
    scheduler = Scheduler(
        sessions=sessions,
        policy=policy,
        settings=settings,
        senders=senders,
        mailer=make_mailer(settings, policy),
        templates=parse_templates(settings.twilio_reminder_templates),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        while True:
            now = args.now or dt.datetime.now(dt.UTC)
            try:
                report = await scheduler.run_round(now, dry_run=args.dry_run)
                log.info("%s", report)
            except Exception:
                log.exception("round failed")
                if args.once:
                    return 1
            if args.once:
                return 0
            try:
                await asyncio.wait_for(stop.wait(), args.interval)
                return 0
            except TimeoutError:
                continue
    finally:
        await senders.close()
