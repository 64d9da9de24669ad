"""What Settle needs from a payment provider: create a payment, fetch its status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

# the statuses we act on; anything else a provider reports maps to one of these
PAID, OPEN, CANCELED, EXPIRED, FAILED = "paid", "open", "canceled", "expired", "failed"


class ProviderError(Exception):
    """The provider could not be reached or refused the request."""


@dataclass(frozen=True)
class PaymentRequest:
    amount: Decimal
    currency: str
    description: str
    redirect_url: str
    webhook_url: str
    # ideal, bank_transfer, creditcard, bancontact (the policy's names)
    methods: list[str]
    language: str
    metadata: dict[str, str] = field(default_factory=dict)
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class ProviderPayment:
    id: str
    status: str
    amount: Decimal
    currency: str
    checkout_url: str | None = None
    paid_at: dt.datetime | None = None
    method: str | None = None
    # our ids, as given when the payment was created
    metadata: dict[str, str] = field(default_factory=dict)
    # paid back since: refunds by the creditor, chargebacks by the debtor's bank
    amount_refunded: Decimal = Decimal("0.00")
    amount_charged_back: Decimal = Decimal("0.00")


class PaymentProvider(Protocol):
    name: str

    async def create_payment(self, request: PaymentRequest) -> ProviderPayment: ...

    async def get_payment(self, payment_id: str) -> ProviderPayment | None:
        """The payment as the provider knows it now; None when it does not know the id."""
        ...
