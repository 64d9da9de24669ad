"""Mollie, through the official mollie-api-python client (v2 payments API).

The client is synchronous (requests), so every call runs in a worker thread. Mollie's webhook
carries only the payment id; the status always comes from `get_payment`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

from mollie.api.client import Client
from mollie.api.error import Error as MollieError
from mollie.api.error import IdentifierError, NotFoundError

from payment_providers.base import (
    CANCELED,
    EXPIRED,
    FAILED,
    OPEN,
    PAID,
    PaymentRequest,
    ProviderError,
    ProviderPayment,
)

# our method names (config/policy.yml) -> Mollie's
METHODS = {
    "ideal": "ideal",
    "bank_transfer": "banktransfer",
    "creditcard": "creditcard",
    "bancontact": "bancontact",
}
LOCALES = {"nl": "nl_NL", "en": "en_US"}
# Mollie's statuses -> what we act on ("pending" and "authorized" are not money yet)
STATUSES = {
    "paid": PAID,
    "open": OPEN,
    "pending": OPEN,
    "authorized": OPEN,
    "canceled": CANCELED,
    "expired": EXPIRED,
    "failed": FAILED,
}


def mollie_amount(amount: Decimal, currency: str) -> dict[str, str]:
    """Mollie wants the value as a string with exactly two decimals. Pure."""
    return {"currency": currency, "value": f"{amount.quantize(Decimal('0.01')):.2f}"}


def payment_body(request: PaymentRequest) -> dict[str, Any]:
    """The create-payment request body. Pure."""
    methods = [METHODS[m] for m in request.methods if m in METHODS]
    body: dict[str, Any] = {
        "amount": mollie_amount(request.amount, request.currency),
        "description": request.description[:255],
        "redirectUrl": request.redirect_url,
        "webhookUrl": request.webhook_url,
        "locale": LOCALES.get(request.language, "nl_NL"),
        "metadata": request.metadata,
    }
    if methods:
        body["method"] = methods if len(methods) > 1 else methods[0]
    return body


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _to_provider_payment(payment: Any) -> ProviderPayment:
    amount = payment.amount or {}
    return ProviderPayment(
        id=payment.id,
        status=STATUSES.get(payment.status, OPEN),
        amount=Decimal(amount.get("value", "0")),
        currency=amount.get("currency", "EUR"),
        checkout_url=payment.checkout_url,
        paid_at=_parse_time(payment.paid_at),
        method=payment.method,
        metadata={str(k): str(v) for k, v in (payment.metadata or {}).items()},
        amount_refunded=_value(payment.amount_refunded),
        amount_charged_back=_value(payment.amount_chargedback),
    )


def _value(amount: Any) -> Decimal:
    """A Mollie amount object ({"value": "10.00", "currency": "EUR"}), or nothing."""
    return Decimal(str((amount or {}).get("value", "0")))


class MollieProvider:
    name = "mollie"

    def __init__(self, api_key: str, api_endpoint: str | None = None) -> None:
        self._client = Client(api_endpoint=api_endpoint or "", timeout=(3, 10))
        self._client.set_api_key(api_key)

    async def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        try:
            payment = await asyncio.to_thread(self._client.payments.create, payment_body(request))
        except MollieError as exc:
            raise ProviderError(f"Mollie refused the payment: {exc}") from exc
        return _to_provider_payment(payment)

    async def get_payment(self, payment_id: str) -> ProviderPayment | None:
        try:
            payment = await asyncio.to_thread(self._client.payments.get, payment_id)
        except (NotFoundError, IdentifierError):
            return None
        except MollieError as exc:
            raise ProviderError(f"Mollie did not answer for {payment_id}: {exc}") from exc
        return _to_provider_payment(payment)
