"""The local test provider: payments live in this process, the checkout is our own page at
/pay/{token}, and completing it goes through the same webhook path as Mollie."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import replace

from payment_providers.base import CANCELED, OPEN, PAID, PaymentRequest, ProviderPayment


class LocalProvider:
    name = "local"

    def __init__(self) -> None:
        self._payments: dict[str, ProviderPayment] = {}

    async def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        payment = ProviderPayment(
            id=f"loc_{secrets.token_hex(8)}",
            status=OPEN,
            amount=request.amount,
            currency=request.currency,
            # the checkout is the link page itself
            checkout_url=request.redirect_url,
            method="ideal",
            metadata=dict(request.metadata),
        )
        self._payments[payment.id] = payment
        return payment

    async def get_payment(self, payment_id: str) -> ProviderPayment | None:
        return self._payments.get(payment_id)

    def complete(self, payment_id: str, outcome: str) -> ProviderPayment:
        """The debtor pressed Pay or Cancel on the checkout page."""
        if outcome not in (PAID, CANCELED):
            raise ValueError(f"unknown outcome {outcome}")
        payment = self._payments[payment_id]
        if payment.status != OPEN:
            return payment
        paid_at = dt.datetime.now(dt.UTC) if outcome == PAID else None
        payment = replace(payment, status=outcome, paid_at=paid_at)
        self._payments[payment_id] = payment
        return payment
