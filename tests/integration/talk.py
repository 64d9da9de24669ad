"""Talking to the running system through the public HTTP contract."""

from __future__ import annotations

import uuid

import httpx


def new_conversation() -> str:
    return f"it-{uuid.uuid4().hex[:12]}"


def say(api: httpx.Client, conversation_id: str, text: str, **extra: str) -> dict:
    response = api.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": text, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()


def texts(reply: dict) -> str:
    return "\n".join(m["text"] for m in reply["messages"])


def create_debtor(admin: httpx.Client, *, language: str, invoices: list[tuple[str, str]]) -> dict:
    suffix = f"{uuid.uuid4().int % 10**8:08d}"
    debtor = admin.post(
        "/api/v1/debtors",
        json={
            "reference": f"C-{suffix}",
            "name": "Lotte Hendriks" if language == "nl" else "Oliver Brown",
            "date_of_birth": "1985-03-12",
            "postcode": "3512 JK",
            "language": language,
        },
    )
    assert debtor.status_code == 201, debtor.text
    body = debtor.json()
    for number, amount in invoices:
        created = admin.post(
            f"/api/v1/debtors/{body['id']}/invoices",
            json={
                "number": f"{number}-{suffix}",
                "amount": amount,
                "currency": "EUR",
                "issue_date": "2026-10-01",
                "due_date": "2026-10-15",
                "description": "Energie",
            },
        )
        assert created.status_code == 201, created.text
    return body
