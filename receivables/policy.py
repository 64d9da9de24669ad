"""The creditor's policy: loaded from YAML, validated once, passed around as a frozen model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "config" / "policy.yml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Creditor(_Frozen):
    name: str
    iban: str | None = None
    account_holder: str | None = None


PaymentMethod = Literal["ideal", "bank_transfer", "creditcard", "bancontact"]


class PaymentSettings(_Frozen):
    methods: list[PaymentMethod] = Field(default=["ideal", "bank_transfer"], min_length=1)
    link_expiry_days: int = Field(default=7, ge=1, le=90)


class PaymentPlanLimits(_Frozen):
    max_installments: int = Field(ge=1, le=60)
    min_installment_amount: Decimal = Field(gt=0)
    max_months: int = Field(ge=1, le=60)
    first_installment_within_days: int = Field(ge=0, le=90)
    min_balance: Decimal = Field(ge=0)
    max_balance: Decimal = Field(gt=0)
    allow_after_broken_plan: bool = False

    @model_validator(mode="after")
    def _balance_range(self) -> PaymentPlanLimits:
        if self.min_balance > self.max_balance:
            raise ValueError("min_balance is above max_balance")
        return self


class PromiseLimits(_Frozen):
    max_days_ahead: int = Field(ge=0, le=365)
    max_open_promises: int = Field(default=1, ge=0, le=10)


class WorkingHours(_Frozen):
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]]
    start: dt.time
    end: dt.time


class HandoffSettings(_Frozen):
    senior_from_amount: Decimal = Field(gt=0)
    timezone: str = "Europe/Amsterdam"
    working_hours: WorkingHours


class Policy(_Frozen):
    creditor: Creditor
    payment: PaymentSettings = Field(default_factory=PaymentSettings)
    payment_plan: PaymentPlanLimits
    promise_to_pay: PromiseLimits
    handoff: HandoffSettings


class PolicyError(Exception):
    """The policy file is missing or invalid; the message says where."""


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
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise PolicyError(f"policy file {path} is invalid: {problems}") from exc


def handoff_level(balance: Decimal, policy: Policy) -> str:
    """junior or senior, by the amount at stake. Pure."""
    return "senior" if balance >= policy.handoff.senior_from_amount else "junior"
