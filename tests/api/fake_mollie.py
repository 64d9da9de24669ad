"""A fake Mollie on loopback speaking the v2 payments API (create, get), enough to drive the
real mollie-api-python client: JSON bodies, HAL links, 404 as Mollie formats it."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any

from tests.fakes.loopback import Handler, serve


class FakeMollie:
    def __init__(self) -> None:
        self.payments: dict[str, dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.authorizations: list[str] = []
        self.url = ""

    def set_status(self, payment_id: str, status: str) -> None:
        self.payments[payment_id]["status"] = status
        if status == "paid":
            self.payments[payment_id]["paidAt"] = "2026-11-23T10:00:00+00:00"

    def refund(self, payment_id: str, amount: str, *, chargeback: bool = False) -> None:
        """The creditor refunded, or the debtor's bank charged back, part of a payment."""
        field = "amountChargedBack" if chargeback else "amountRefunded"
        self.payments[payment_id][field] = {"value": amount, "currency": "EUR"}

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        self.created.append(body)
        payment_id = f"tr_{secrets.token_hex(5)}"
        payment = {
            "resource": "payment",
            "id": payment_id,
            "mode": "test",
            "status": "open",
            "createdAt": "2026-11-23T09:00:00+00:00",
            "amount": body["amount"],
            "description": body["description"],
            "method": None,
            "metadata": body.get("metadata"),
            "redirectUrl": body.get("redirectUrl"),
            "webhookUrl": body.get("webhookUrl"),
            "locale": body.get("locale"),
            "_links": {
                "self": {
                    "href": f"{self.url}/v2/payments/{payment_id}",
                    "type": "application/hal+json",
                },
                "checkout": {
                    "href": f"https://www.mollie.com/checkout/select-method/{payment_id}",
                    "type": "text/html",
                },
            },
        }
        self.payments[payment_id] = payment
        return payment


def _handler(fake: FakeMollie) -> type[Handler]:
    class MollieHandler(Handler):
        def do_POST(self) -> None:  # noqa: N802
            fake.authorizations.append(self.headers.get("Authorization", ""))
            body = json.loads(self.body() or b"{}")
            if self.path.split("?")[0] != "/v2/payments":
                return self.answer(404, _error(404, "Not Found", "unknown path"))
            if not re.fullmatch(r"\d+\.\d{2}", str(body.get("amount", {}).get("value", ""))):
                return self.answer(422, _error(422, "Unprocessable Entity", "bad amount"))
            self.answer(201, fake.create(body))

        def do_GET(self) -> None:  # noqa: N802
            fake.authorizations.append(self.headers.get("Authorization", ""))
            match = re.fullmatch(r"/v2/payments/(tr_\w+)", self.path.split("?")[0])
            payment = fake.payments.get(match[1]) if match else None
            if payment is None:
                return self.answer(404, _error(404, "Not Found", "No payment exists with token"))
            self.answer(200, payment)

    return MollieHandler


def _error(status: int, title: str, detail: str) -> dict[str, Any]:
    return {
        "status": status,
        "title": title,
        "detail": detail,
        "_links": {"documentation": {"href": "https://docs.mollie.com/", "type": "text/html"}},
    }


@contextmanager
def fake_mollie() -> Iterator[FakeMollie]:
    fake = FakeMollie()
    with serve(ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))) as url:
        fake.url = url
        yield fake
