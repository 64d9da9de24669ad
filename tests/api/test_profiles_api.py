"""Debtor profiles over HTTP: the read model carries the profile, the credit information is
set through the admin API, the listing by group and risk, and the console's debtor panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from receivables.arrangements.promises import create_promise
from receivables.conversations.service import attach_debtor, get_or_create_conversation
from receivables.db import session_scope
from tests.api.test_handoff_api import log_in, seed_case, seed_collector, sessions_of
from tests.api.test_payments import ADMIN, make_client

TODAY = dt.date.today()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    test_client, _url = make_client(tmp_path)
    with test_client:
        yield test_client


def add_debtor(
    client: TestClient, reference: str, amount: str = "239.95", due_days_ago: int = 40
) -> int:
    debtor = client.post(
        "/api/v1/debtors",
        headers=ADMIN,
        json={
            "reference": reference,
            "name": f"Debtor {reference}",
            "date_of_birth": "1985-03-12",
        },
    ).json()
    due = TODAY - dt.timedelta(days=due_days_ago)
    response = client.post(
        f"/api/v1/debtors/{debtor['id']}/invoices",
        headers=ADMIN,
        json={
            "number": f"F-{reference}",
            "amount": amount,
            "currency": "EUR",
            "issue_date": (due - dt.timedelta(days=14)).isoformat(),
            "due_date": due.isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    return int(debtor["id"])


def read(client: TestClient, debtor_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_read_model_carries_the_profile_and_keeps_the_contract(client: TestClient) -> None:
    debtor_id = add_debtor(client, "48213907")
    body = read(client, debtor_id)
    for field in (
        "id",
        "reference",
        "name",
        "balance",
        "invoices",
        "payment_plans",
        "promises",
        "payments",
        "preferred_channel",
    ):
        assert field in body
    assert body["balance"] == "239.95"
    assert body["profile"] == {
        "group": "no_information",
        "risk": "medium",
        "reasons": [
            "no reaction yet",
            "0 of 1 invoice paid on time",
            "average 40 days late",
            "oldest open invoice 40 days overdue",
        ],
    }
    assert body["credit"] == {"score": None, "flag": None, "source": None, "updated_at": None}
    assert (body["kind"], body["industry"], body["country"]) == (None, None, None)


def test_credit_information_through_the_admin_api_changes_the_profile(client: TestClient) -> None:
    debtor_id = add_debtor(client, "48213907")
    response = client.put(
        f"/api/v1/debtors/{debtor_id}/credit",
        headers=ADMIN,
        json={
            "score": 31,
            "flag": "debt restructuring",
            "source": "creditsafe",
            "kind": "business",
            "industry": "Hospitality",
            "country": "nl",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["credit"]["score"] == 31 and body["credit"]["flag"] == "debt_restructuring"
    assert body["credit"]["source"] == "creditsafe" and body["credit"]["updated_at"]
    assert (body["kind"], body["industry"], body["country"]) == ("business", "hospitality", "NL")
    assert body["profile"]["group"] == "unable" and body["profile"]["risk"] == "high"
    assert body["profile"]["reasons"][0] == "external credit flag: debt_restructuring"
    # the score and flag are replaced; the business attributes stay unless given
    again = client.put(f"/api/v1/debtors/{debtor_id}/credit", headers=ADMIN, json={"score": 90})
    body = again.json()
    assert (body["credit"]["score"], body["credit"]["flag"], body["kind"]) == (90, None, "business")
    assert body["profile"]["group"] == "no_information"
    assert read(client, debtor_id)["credit"]["score"] == 90


@pytest.mark.parametrize(
    "payload",
    [
        {"score": 101},
        {"score": -1},
        {"score": 50.5},
        {"score": True},
        {"score": "50"},
        {"flag": "not a flag!"},
        {"country": "NLD"},
        {"kind": "company"},
        {"scor": 50},
    ],
)
def test_bad_credit_information_is_a_422(client: TestClient, payload: dict[str, Any]) -> None:
    debtor_id = add_debtor(client, "48213907")
    response = client.put(f"/api/v1/debtors/{debtor_id}/credit", headers=ADMIN, json=payload)
    assert response.status_code == 422, response.text
    assert "detail" in response.json()
    assert read(client, debtor_id)["credit"]["score"] is None


def test_the_listing_by_group_and_risk(client: TestClient) -> None:
    silent = add_debtor(client, "S-1", "100.00")
    broke = add_debtor(client, "B-1", "500.00")
    with session_scope(sessions_of(client)) as session:
        get_or_create_conversation(session=session, conversation_id="wa-1", channel="whatsapp")
        attach_debtor(session=session, conversation_id="wa-1", debtor_id=broke)
        for days in (3, 10):
            promise = create_promise(
                session=session,
                debtor_id=broke,
                outside_policy=True,
                date=TODAY - dt.timedelta(days=days),
                agreed_by="collector:lotte",
            )
            promise.status = "broken"
    everyone = client.get("/api/v1/debtors", headers=ADMIN)
    assert everyone.status_code == 200
    rows = everyone.json()
    assert [r["reference"] for r in rows] == ["B-1", "S-1"]  # high risk first
    assert rows[0] == {
        "id": broke,
        "reference": "B-1",
        "name": "Debtor B-1",
        "language": "nl",
        "preferred_channel": "whatsapp",
        "kind": None,
        "country": None,
        "balance": "500.00",
        "profile": {"group": "unwilling", "risk": "high", "reasons": rows[0]["profile"]["reasons"]},
    }
    assert rows[0]["profile"]["reasons"][0] == "0 of 2 promises kept"
    unwilling = client.get("/api/v1/debtors", headers=ADMIN, params={"group": "unwilling"}).json()
    assert [r["id"] for r in unwilling] == [broke]
    medium = client.get(
        "/api/v1/debtors", headers=ADMIN, params={"group": "no_information", "risk": "medium"}
    ).json()
    assert [r["id"] for r in medium] == [silent]
    assert client.get("/api/v1/debtors", headers=ADMIN, params={"risk": "low"}).json() == []


@pytest.mark.parametrize("params", [{"group": "grumpy"}, {"risk": "extreme"}, {"group": ""}])
def test_the_listing_rejects_unknown_groups_and_risks(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/api/v1/debtors", headers=ADMIN, params=params)
    assert response.status_code == 422
    assert "detail" in response.json()


def test_the_profile_api_needs_the_admin_token(client: TestClient) -> None:
    debtor_id = add_debtor(client, "48213907")
    for method, path, body in (
        ("get", "/api/v1/debtors", None),
        ("get", "/api/v1/debtors?group=unable", None),
        ("put", f"/api/v1/debtors/{debtor_id}/credit", {"score": 50}),
    ):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = client.request(method, path, headers=headers, json=body)
            assert response.status_code == 401, (method, path)
    assert read(client, debtor_id)["credit"]["score"] is None
    missing = client.put("/api/v1/debtors/987654/credit", headers=ADMIN, json={"score": 50})
    assert missing.status_code == 404 and "detail" in missing.json()


def test_the_console_panel_shows_profile_reasons_and_preferred_channel(
    client: TestClient,
) -> None:
    case = seed_case(sessions_of(client), "web-panel")
    seed_collector(sessions_of(client), "lotte", "junior")
    log_in(client, "lotte")
    page = client.get(f"/console/handoffs/{case.handoff_id}")
    assert page.status_code == 200
    html = page.text
    # a cannot_pay handoff flagged illness: unable to pay; verified on the web chat
    assert 'data-group="unable"' in html and "Unable to pay" in html
    assert 'Answers on</dt><dd id="preferred-channel">Web chat' in html
    today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the policy's time zone
    assert f"hardship reported on {today.isoformat()} (illness)" in html
