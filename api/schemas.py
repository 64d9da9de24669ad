"""Request and response bodies of the public HTTP contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    field_validator,
    model_validator,
)

from receivables.common.identifiers import normalize_postcode
from receivables.common.text import clean_values
from receivables.policy.model import ProfileName, RiskLevel


def _decimal_text(value: object) -> object:
    # JSON numbers are taken through their text, never through a float
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


MoneyIn = Annotated[
    Decimal, BeforeValidator(_decimal_text), Field(gt=0, max_digits=12, decimal_places=2)
]
MoneyOut = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
Language = Literal["nl", "en"]
Sender = Literal["bot", "collector", "debtor", "system"]
State = Literal["bot", "waiting", "human", "closed"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text is empty")
    return value.strip()


# what a debtor or a collector writes: not blank, stored without surrounding space
MessageText = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_not_blank)]


class CleanInput(BaseModel):
    """A request body: NUL and other control characters and lone surrogates are removed
    from every string before anything else looks at it."""

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: object) -> object:
        return clean_values(data)


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- conversations ---------------------------------------------------------------------
class MessageCreate(CleanInput):
    model_config = ConfigDict(extra="ignore")
    text: MessageText
    language: Language | None = None
    # the web chat's navigator.language ("en-GB"), sent with the first message when the page
    # chose no language: used only when the message itself does not tell the language
    browser_language: str | None = Field(default=None, max_length=35)


class Button(BaseModel):
    title: str
    payload: str


class MessageRead(_Read):
    id: int
    sender: Sender
    text: str
    buttons: list[Button]
    created_at: dt.datetime


class ConversationMessages(BaseModel):
    conversation_id: str
    state: State
    messages: list[MessageRead]
    # only in the answer to a new web chat conversation's first message: its secret, to be
    # sent as X-Conversation-Token with every later request
    conversation_token: str | None = None


# --- debtors and invoices --------------------------------------------------------------
class DebtorCreate(CleanInput):
    reference: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9 ./-]*[A-Za-z0-9])?$"
    )
    name: str = Field(min_length=1, max_length=200)
    date_of_birth: dt.date | None = None
    postcode: str | None = Field(default=None, max_length=16)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()-]{6,30}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    # left out: the creditor's default (the policy's creditor.language)
    language: Language | None = None
    preferred_channel: (
        Literal["whatsapp", "telegram", "webchat", "voice", "sms", "email"] | None
    ) = None

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name is empty")
        return value.strip()

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: dt.date | None) -> dt.date | None:
        if value and (value > dt.date.today() or value.year < 1900):
            raise ValueError("date_of_birth must be a real date in the past")
        return value

    @field_validator("postcode")
    @classmethod
    def _dutch_postcode(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normalized = normalize_postcode(value)
        if normalized is None or len(value.replace(" ", "")) != 6:
            raise ValueError("postcode must be a Dutch postcode such as 1234 AB")
        return normalized


class InvoiceCreate(CleanInput):
    number: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9 ./-]*[A-Za-z0-9])?$"
    )
    amount: MoneyIn
    currency: Literal["EUR"] = "EUR"
    issue_date: dt.date
    due_date: dt.date
    description: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _due_after_issue(self) -> InvoiceCreate:
        if self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        return self


class InvoiceRead(_Read):
    id: int
    number: str
    amount: MoneyOut
    open_amount: MoneyOut
    currency: str
    issue_date: dt.date
    due_date: dt.date
    description: str | None
    status: str


class AllocationRead(BaseModel):
    invoice_number: str
    amount: MoneyOut


class PaymentRead(BaseModel):
    id: int
    amount: MoneyOut
    currency: str
    received_at: dt.datetime
    method: str
    allocations: list[AllocationRead]


class DebtorRead(_Read):
    id: int
    reference: str
    name: str
    date_of_birth: dt.date | None
    postcode: str | None
    phone: str | None
    email: str | None
    language: str
    preferred_channel: str | None
    created_at: dt.datetime


class PaymentLinkRead(BaseModel):
    id: int
    url: str
    target: str
    amount: MoneyOut
    currency: str
    description: str
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime


class InstallmentRead(_Read):
    id: int
    sequence: int
    amount: MoneyOut
    due_date: dt.date
    status: str


class PaymentPlanRead(_Read):
    id: int
    status: str
    total: MoneyOut
    agreed_by: str
    outside_policy: bool
    created_at: dt.datetime
    installments: list[InstallmentRead]


class PromiseRead(_Read):
    id: int
    amount: MoneyOut
    date: dt.date
    status: str
    created_at: dt.datetime


class ProfileRead(BaseModel):
    """The debtor's profile (P6): one of the five groups, the risk, and why."""

    group: ProfileName
    risk: RiskLevel
    reasons: list[str]


class CreditRead(BaseModel):
    score: int | None
    flag: str | None
    source: str | None
    updated_at: dt.datetime | None


class DebtorDetail(DebtorRead):
    balance: MoneyOut
    invoices: list[InvoiceRead]
    payments: list[PaymentRead]
    payment_links: list[PaymentLinkRead]
    payment_plans: list[PaymentPlanRead]
    promises: list[PromiseRead]
    # additions (P6): business attributes, external credit information, the profile
    kind: str | None = None
    industry: str | None = None
    country: str | None = None
    credit: CreditRead | None = None
    profile: ProfileRead | None = None


class DebtorProfileItem(BaseModel):
    """One debtor in the listing by profile (GET /api/v1/debtors?group=&risk=)."""

    id: int
    reference: str
    name: str
    language: str
    preferred_channel: str | None
    kind: str | None
    country: str | None
    balance: MoneyOut
    profile: ProfileRead


class DebtorCreditUpdate(CleanInput):
    """PUT /api/v1/debtors/{id}/credit: the score and flag are replaced (left out: none);
    kind, industry and country change only when given (null clears one)."""

    model_config = ConfigDict(extra="forbid")
    score: StrictInt | None = Field(default=None, ge=0, le=100)
    flag: str | None = Field(default=None, max_length=64)
    source: str | None = Field(default=None, max_length=100)
    kind: Literal["consumer", "business"] | None = None
    industry: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")


# --- handoffs --------------------------------------------------------------------------
class HandoffRead(_Read):
    id: int
    conversation_id: str
    debtor_id: int | None
    reason: str
    level: str
    status: str
    summary: str
    created_at: dt.datetime
