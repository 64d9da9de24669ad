"""The creditor's policy: loaded from YAML, validated once, passed around as a frozen model.
The limits it sets for one debtor are folded in `receivables.policy.limits`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Literal, TypeVar, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from receivables.errors import InvalidInput

T = TypeVar("T")

DEFAULT_POLICY_FILE = Path(__file__).resolve().parents[2] / "config" / "policy.yml"

ProfileName = Literal[
    "willing_and_able", "unable", "unwilling", "information_available", "no_information"
]
PROFILES: tuple[ProfileName, ...] = get_args(ProfileName)
HandoffLevel = Literal["junior", "senior"]
# the register of the debtor-facing texts: the bot's responses have a variation per tone
Tone = Literal["friendly", "empathetic", "factual", "neutral"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Creditor(_Frozen):
    name: str
    # the account debtors transfer to: checked (country, length, checksum) with schwifty when
    # the policy loads, so a typo stops the start instead of misdirecting payments
    iban: str | None = None
    account_holder: str | None = None
    # the creditor's look in the web chat and on the payment page: a logo (an https or
    # site-relative URL) and the brand colour (#rrggbb; the text on it is chosen for contrast)
    logo_url: str | None = Field(default=None, pattern=r"^(https://|/)\S+$")
    brand_colour: str = Field(default="#0b5d4b", pattern=r"^#[0-9a-fA-F]{6}$")
    # the language debtors are addressed in until theirs is known (a first message that does
    # not tell, a debtor on file without one): receivables.common.language.resolve_language
    language: Literal["nl", "en"] = "nl"

    @field_validator("iban")
    @classmethod
    def _valid_iban(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return str(IBAN(value).formatted)
        except SchwiftyException as exc:
            raise ValueError(f"not a valid IBAN ({exc})") from exc


PaymentMethod = Literal["ideal", "bank_transfer", "creditcard", "bancontact"]


class PaymentSettings(_Frozen):
    methods: list[PaymentMethod] = Field(default=["ideal", "bank_transfer"], min_length=1)
    link_expiry_days: int = Field(default=7, ge=1, le=90)


class PlanBand(_Frozen):
    """Plan limits for balances up to and including `up_to`; unset values come from the
    top-level payment_plan block."""

    up_to: Decimal = Field(gt=0, decimal_places=2)
    max_installments: int | None = Field(default=None, ge=1, le=60)
    min_installment_amount: Decimal | None = Field(default=None, gt=0, decimal_places=2)
    max_months: int | None = Field(default=None, ge=1, le=60)


class PlanFirstOffer(_Frozen):
    """What an open request for a plan ("kan ik een regeling treffen?") gets first. ask: a
    question with these numbers of months as buttons (each only when the policy allows it,
    the most the policy allows always among them) and "I can pay ... a month"; propose: the
    plan of the first number of months right away (or the most allowed, when fewer)."""

    mode: Literal["ask", "propose"] = "ask"
    months: list[int] = Field(default=[3, 6], min_length=1, max_length=4)

    @model_validator(mode="after")
    def _sensible_months(self) -> PlanFirstOffer:
        if any(not 1 <= n <= 60 for n in self.months):
            raise ValueError("months must each be between 1 and 60")
        if len(set(self.months)) != len(self.months):
            raise ValueError("months must not repeat")
        return self


class PaymentPlanSettings(_Frozen):
    max_installments: int = Field(ge=1, le=60)
    min_installment_amount: Decimal = Field(gt=0, decimal_places=2)
    max_months: int = Field(ge=1, le=60)
    first_installment_within_days: int = Field(ge=0, le=90)
    min_balance: Decimal = Field(ge=0)
    max_balance: Decimal = Field(gt=0)
    allow_after_broken_plan: bool = False
    bands: list[PlanBand] = Field(default_factory=list)
    # the first answer to an open request for a plan; a profile may set its own
    first_offer: PlanFirstOffer = Field(default_factory=PlanFirstOffer)

    @model_validator(mode="after")
    def _balance_range(self) -> PaymentPlanSettings:
        if self.min_balance > self.max_balance:
            raise ValueError("min_balance is above max_balance")
        return self


class PromiseSettings(_Frozen):
    max_days_ahead: int = Field(ge=0, le=365)
    max_open_promises: int = Field(default=1, ge=0, le=10)


class PlanOverrides(_Frozen):
    """A profile's own plan limits; unset values come from the band or the top level."""

    max_installments: int | None = Field(default=None, ge=1, le=60)
    min_installment_amount: Decimal | None = Field(default=None, gt=0, decimal_places=2)
    max_months: int | None = Field(default=None, ge=1, le=60)
    first_installment_within_days: int | None = Field(default=None, ge=0, le=90)
    allow_after_broken_plan: bool | None = None


class PromiseOverrides(_Frozen):
    max_days_ahead: int | None = Field(default=None, ge=0, le=365)
    max_open_promises: int | None = Field(default=None, ge=0, le=10)


class ProfileTreatment(_Frozen):
    """How the bot treats a debtor profile: tone, what it may offer, who takes over."""

    tone: Tone = "neutral"
    allow_plan: bool = True
    allow_promise: bool = True
    # None: by amount (handoff.senior_from_amount)
    handoff_level: HandoffLevel | None = None
    # None: payment_plan.first_offer
    plan_first_offer: PlanFirstOffer | None = None
    payment_plan: PlanOverrides = Field(default_factory=PlanOverrides)
    promise_to_pay: PromiseOverrides = Field(default_factory=PromiseOverrides)


class Profiles(_Frozen):
    willing_and_able: ProfileTreatment = Field(default_factory=ProfileTreatment)
    unable: ProfileTreatment = Field(default_factory=ProfileTreatment)
    unwilling: ProfileTreatment = Field(default_factory=ProfileTreatment)
    information_available: ProfileTreatment = Field(default_factory=ProfileTreatment)
    no_information: ProfileTreatment = Field(default_factory=ProfileTreatment)


RiskLevel = Literal["low", "medium", "high"]
RISK_LEVELS: tuple[RiskLevel, ...] = get_args(RiskLevel)


class CreditScoreBands(_Frozen):
    """External credit scores run 0-100 (higher: more creditworthy)."""

    weak_below: int = Field(default=40, ge=0, le=100)
    fair_below: int = Field(default=60, ge=0, le=100)
    strong_from: int = Field(default=80, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> CreditScoreBands:
        if not self.weak_below <= self.fair_below <= self.strong_from:
            raise ValueError("weak_below, fair_below and strong_from must be in that order")
        return self


class RiskPoints(_Frozen):
    """Risk points from which a debtor is medium and high risk (below medium_from: low)."""

    medium_from: int = Field(default=1, ge=-10, le=20)
    high_from: int = Field(default=3, ge=-10, le=20)

    @model_validator(mode="after")
    def _ordered(self) -> RiskPoints:
        if self.high_from <= self.medium_from:
            raise ValueError("high_from must be above medium_from")
        return self


class ProfilingSettings(_Frozen):
    """Thresholds of the debtor profile (P6): which of the five groups, and which risk."""

    # a payment at most this many days after the due date counts as on time
    on_time_grace_days: int = Field(default=3, ge=0, le=60)
    # willing and able: at least this share of the invoices that fell due paid on time
    on_time_share: float = Field(default=0.75, gt=0, le=1)
    # willing and able: at least this share of settled promises and plans kept
    kept_share: float = Field(default=0.75, gt=0, le=1)
    # unwilling: at least this many promises and plans broken, and more broken than kept
    broken_commitments: int = Field(default=2, ge=1, le=20)
    # days late (average, or the oldest open invoice): "late" (risk +1) and "very late" (+2)
    late_days: int = Field(default=30, ge=1, le=365)
    very_late_days: int = Field(default=60, ge=1, le=730)
    # trend: the last `trend_invoices` invoices paid against those paid before; this many days
    # later (or sooner) on average is a worsening (improving) trend
    trend_invoices: int = Field(default=3, ge=1, le=24)
    trend_days: int = Field(default=10, ge=1, le=365)
    # unable: hardship reported (a cannot_pay handoff, one of these flags, referred to debt
    # help) within this many days
    hardship_days: int = Field(default=365, ge=1, le=3650)
    hardship_flags: list[str] = Field(
        default=["debt_help", "job_loss", "illness", "bereavement", "mental_health"]
    )
    credit_score: CreditScoreBands = Field(default_factory=CreditScoreBands)
    # external credit flags that mean the debtor cannot pay (any other flag: risk +2)
    unable_credit_flags: list[str] = Field(
        default=["debt_counselling", "debt_restructuring", "wsnp", "bankruptcy", "insolvency"]
    )
    # businesses in these industries: risk +1
    higher_risk_industries: list[str] = Field(
        default=["construction", "hospitality", "retail", "transport"]
    )
    # a debtor based outside these countries (ISO 3166 codes): risk +1
    home_countries: list[str] = Field(default=["NL"])
    risk: RiskPoints = Field(default_factory=RiskPoints)

    @model_validator(mode="after")
    def _late_before_very_late(self) -> ProfilingSettings:
        if self.very_late_days <= self.late_days:
            raise ValueError("very_late_days must be above late_days")
        return self


class FollowupSettings(_Frozen):
    # days after the due date before an unpaid promise or installment counts as broken
    grace_days: int = Field(default=0, ge=0, le=30)


class WorkingHours(_Frozen):
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]]
    start: dt.time
    end: dt.time


class HandoffSettings(_Frozen):
    senior_from_amount: Decimal = Field(gt=0)
    timezone: str = "Europe/Amsterdam"
    working_hours: WorkingHours


# --- reminder plans (P14): Settle speaks first ------------------------------------------
ReminderChannel = Literal["email", "sms", "whatsapp", "telegram", "call"]
REMINDER_CHANNELS: tuple[ReminderChannel, ...] = get_args(ReminderChannel)
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_TEXT_KEY = r"^reminders\.[a-z0-9_]+$"


class ReminderStep(_Frozen):
    """One step of a plan: `day` relative to the invoice's due date (-5: five days before),
    the channel it prefers when the debtor stated none, its tone and its text."""

    name: str = Field(pattern=r"^[a-z0-9_]+$", max_length=40)
    day: int = Field(ge=-60, le=180)
    channel: ReminderChannel = "email"
    tone: Tone = "neutral"
    # a key of texts/catalogue/reminders.yml; a call step's text is the collector's task
    text: str = Field(pattern=_TEXT_KEY)


class ReminderPlan(_Frozen):
    """The steps for the debtors of these profile groups (empty: every group) whose open
    amount on the invoice is at most `up_to` (None: any amount). The first plan that fits
    applies."""

    name: str = Field(pattern=r"^[a-z0-9_]+$", max_length=40)
    groups: list[ProfileName] = Field(default_factory=list)
    up_to: Decimal | None = Field(default=None, gt=0, decimal_places=2)
    steps: list[ReminderStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _steps_in_order(self) -> ReminderPlan:
        days = [step.day for step in self.steps]
        if days != sorted(set(days)):
            raise ValueError(f"plan {self.name}: steps must be in day order, one per day")
        names = [step.name for step in self.steps]
        if len(names) != len(set(names)):
            raise ValueError(f"plan {self.name}: step names must be unique")
        return self


class ArrangementReminders(_Frozen):
    """A debtor with a plan or promise follows its installments instead of the invoice steps."""

    before_days: int = Field(default=2, ge=1, le=14)
    missed_after_days: int = Field(default=1, ge=1, le=14)
    channel: ReminderChannel = "sms"
    before_text: str = Field(default="reminders.installment_upcoming", pattern=_TEXT_KEY)
    missed_text: str = Field(default="reminders.installment_missed", pattern=_TEXT_KEY)


class QuietHours(_Frozen):
    """Nothing goes out from `start` until `end` (local time, across midnight)."""

    start: dt.time = dt.time(20, 0)
    end: dt.time = dt.time(9, 0)


class ReminderSettings(_Frozen):
    enabled: bool = True
    # the days reminders may go out (a public holiday of `holidays_country` never)
    send_days: list[Weekday] = Field(default=["mon", "tue", "wed", "thu", "fri", "sat"])
    holidays_country: str = Field(default="NL", pattern=r"^[A-Z]{2}$")
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    # at most this many messages to one debtor in 7 days (call tasks do not count)
    max_per_week: int = Field(default=3, ge=1, le=14)
    # a step whose day passed unsent (the scheduler was down, a holiday, the cap) still goes
    # out this many days late, unless a later step is due
    catch_up_days: int = Field(default=3, ge=0, le=14)
    # an outcome (paid, promised, disputed) counts for a step within this many days
    outcome_days: int = Field(default=7, ge=1, le=60)
    arrangements: ArrangementReminders = Field(default_factory=ArrangementReminders)
    plans: list[ReminderPlan] = Field(default_factory=list)

    @model_validator(mode="after")
    def _plan_names_unique(self) -> ReminderSettings:
        names = [plan.name for plan in self.plans]
        if len(names) != len(set(names)):
            raise ValueError("reminder plan names must be unique")
        return self


# --- collections by Dutch law (P19): the fourteen-day letter, costs and interest ----------
CostRule = Literal["statutory_scale", "contract_percentage"]
# from when statutory interest runs: the day after the due date, or the day after the
# fourteen-day letter's term (a consumer is then in default beyond doubt)
InterestFrom = Literal["due_date", "letter_deadline"]


class LetterSettings(_Frozen):
    """The fourteen-day letter (art. 6:96 lid 6 BW): when it goes out and when it counts as
    received (conservatively: receipt starts the fourteen days, HR 25 November 2016)."""

    # days after the due date the letter goes out (the debtor must be in default: at least 1)
    after_due_days: int = Field(default=7, ge=1, le=180)
    # a posted letter counts as received on this many-th delivery day after sending ...
    post_delivery_days: int = Field(default=2, ge=1, le=10)
    # ... counting no holiday and none of these days (no letters delivered)
    post_no_delivery: list[Weekday] = Field(default=["sun", "mon"])
    # an e-mail counts as received this many days after sending (0: the same day)
    email_delivery_days: int = Field(default=0, ge=0, le=5)

    @model_validator(mode="after")
    def _some_delivery_day(self) -> LetterSettings:
        if len(set(self.post_no_delivery)) != len(self.post_no_delivery):
            raise ValueError("post_no_delivery must not repeat a day")
        if len(self.post_no_delivery) == 7:
            raise ValueError("post_no_delivery leaves no day on which post is delivered")
        return self


class ConsumerCollections(_Frozen):
    """A consumer (or a debtor of unknown kind): the statutory scale only, and only after
    the fourteen-day letter's term passed unpaid (art. 6:96 lid 5 and 6 BW)."""

    collection_costs: bool = True
    statutory_interest: bool = False
    interest_from: InterestFrom = "letter_deadline"


class BusinessCollections(_Frozen):
    """A business debtor: the statutory scale or the percentage its contract sets, after the
    letter's term or a number of days after the due date; commercial interest (art. 6:119a)."""

    collection_costs: bool = True
    cost_rule: CostRule = "statutory_scale"
    # contract_percentage: percent of the principal, at least contract_minimum
    contract_percentage: Decimal | None = Field(default=None, gt=0, le=100)
    contract_minimum: Decimal = Field(default=Decimal("40.00"), ge=0, decimal_places=2)
    # true: the same fourteen-day letter first; false: costs costs_after_days after the due date
    send_letter: bool = True
    costs_after_days: int = Field(default=30, ge=1, le=365)
    statutory_interest: bool = True
    interest_from: InterestFrom = "due_date"

    @model_validator(mode="after")
    def _rule_complete(self) -> BusinessCollections:
        if self.cost_rule == "contract_percentage" and self.contract_percentage is None:
            raise ValueError("cost_rule contract_percentage needs contract_percentage")
        if self.cost_rule == "statutory_scale" and self.contract_percentage is not None:
            raise ValueError("contract_percentage is only read with cost_rule contract_percentage")
        if self.interest_from == "letter_deadline" and not self.send_letter:
            raise ValueError("interest_from letter_deadline needs send_letter: true")
        return self


class CostWaiver(_Frozen):
    """When the creditor forgoes the collection costs."""

    # a plan agreed before the costs would be charged: they are not charged
    plan_agreed: bool = True
    # everything paid within this many days after the costs were charged: they are taken
    # back (0: never)
    paid_within_days: int = Field(default=0, ge=0, le=90)


class CollectionsLawSettings(_Frozen):
    """Collections by Dutch law (P19). Off until the creditor switches it on: Settle then
    announces and charges collection costs and statutory interest as set here."""

    enabled: bool = False
    # the creditor deducts VAT: the costs carry none; otherwise vat_rate percent is added
    # (art. 2 lid 3 Besluit vergoeding voor buitengerechtelijke incassokosten)
    vat_deductible: bool = True
    vat_rate: Decimal = Field(default=Decimal("21"), ge=0, le=100)
    letter: LetterSettings = Field(default_factory=LetterSettings)
    consumer: ConsumerCollections = Field(default_factory=ConsumerCollections)
    business: BusinessCollections = Field(default_factory=BusinessCollections)
    waive: CostWaiver = Field(default_factory=CostWaiver)


class VerificationSettings(_Frozen):
    """How long a verification lasts and when a debtor's verification is locked."""

    # a verified conversation quiet for this long must verify again
    idle_minutes: float = Field(default=30, gt=0, le=24 * 60)
    # this many wrong second factors for one debtor (any conversation, any channel) ...
    max_failures_per_debtor: int = Field(default=5, ge=1, le=100)
    # ... within this many hours lock the debtor's verification until a collector unlocks it
    failure_window_hours: float = Field(default=24, gt=0, le=24 * 90)


class RetentionSettings(_Frozen):
    # conversation transcripts older than this are deleted by the retention job
    transcript_days: int = Field(default=365, ge=1, le=3650)


class Policy(_Frozen):
    creditor: Creditor
    payment: PaymentSettings = Field(default_factory=PaymentSettings)
    payment_plan: PaymentPlanSettings
    promise_to_pay: PromiseSettings
    profiles: Profiles = Field(default_factory=Profiles)
    followup: FollowupSettings = Field(default_factory=FollowupSettings)
    handoff: HandoffSettings
    profiling: ProfilingSettings = Field(default_factory=ProfilingSettings)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    verification: VerificationSettings = Field(default_factory=VerificationSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    collections_law: CollectionsLawSettings = Field(default_factory=CollectionsLawSettings)

    @model_validator(mode="after")
    def _inside_outer_bounds(self) -> Policy:
        problems = _band_problems(self.payment_plan)
        for name in PROFILES:
            problems += _profile_problems(name, getattr(self.profiles, name), self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _bound_problems(
    where: str, values: PlanBand | PlanOverrides, top: PaymentPlanSettings
) -> list[str]:
    problems = []
    if values.max_installments is not None and values.max_installments > top.max_installments:
        problems.append(
            f"{where}.max_installments {values.max_installments} is above the outer bound "
            f"payment_plan.max_installments {top.max_installments}"
        )
    minimum = values.min_installment_amount
    if minimum is not None and minimum < top.min_installment_amount:
        problems.append(
            f"{where}.min_installment_amount {minimum} is below the outer bound "
            f"payment_plan.min_installment_amount {top.min_installment_amount}"
        )
    if values.max_months is not None and values.max_months > top.max_months:
        problems.append(
            f"{where}.max_months {values.max_months} is above the outer bound "
            f"payment_plan.max_months {top.max_months}"
        )
    return problems


def _band_problems(plan: PaymentPlanSettings) -> list[str]:
    problems = []
    for index, band in enumerate(plan.bands):
        where = f"payment_plan.bands.{index}"
        problems += _bound_problems(where, band, plan)
        if index and band.up_to <= plan.bands[index - 1].up_to:
            problems.append(f"{where}.up_to must be above the previous band's up_to")
    return problems


def _profile_problems(name: str, treatment: ProfileTreatment, policy: Policy) -> list[str]:
    where = f"profiles.{name}"
    problems = _bound_problems(f"{where}.payment_plan", treatment.payment_plan, policy.payment_plan)
    top, own = policy.promise_to_pay, treatment.promise_to_pay
    if own.max_days_ahead is not None and own.max_days_ahead > top.max_days_ahead:
        problems.append(
            f"{where}.promise_to_pay.max_days_ahead {own.max_days_ahead} is above the outer "
            f"bound promise_to_pay.max_days_ahead {top.max_days_ahead}"
        )
    if own.max_open_promises is not None and own.max_open_promises > top.max_open_promises:
        problems.append(
            f"{where}.promise_to_pay.max_open_promises {own.max_open_promises} is above the "
            f"outer bound promise_to_pay.max_open_promises {top.max_open_promises}"
        )
    return problems


class PolicyError(Exception):
    """The policy file is missing or invalid; the message says where."""


class OutsidePolicy(InvalidInput):
    """A plan or promise the bot may not agree; `violations` say why, in plain words."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__("outside the policy: " + "; ".join(violations))
        self.violations = violations


def load_policy(path: Path | str | None = None) -> Policy:
    path = Path(path) if path else DEFAULT_POLICY_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path} is not valid YAML: {exc}") from exc
    try:
        return Policy.model_validate(data or {})
    except ValidationError as exc:
        problems = "; ".join(_describe(err["loc"], err["msg"]) for err in exc.errors())
        raise PolicyError(f"policy file {path} is invalid: {problems}") from exc


def _describe(loc: tuple[int | str, ...], message: str) -> str:
    message = message.removeprefix("Value error, ")
    return f"{'.'.join(str(p) for p in loc)}: {message}" if loc else message
