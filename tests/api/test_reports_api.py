"""The reports API: for the admin token and senior collectors, not for juniors; periods
checked; every figure present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from receivables.collectors.service import create_collector
from receivables.db import make_engine, make_session_factory, session_scope
from tests.api.test_payments import ADMIN, add_debtor, make_client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    api, url = make_client(tmp_path)
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        for username, role in (("jan", "junior"), ("sara", "senior")):
            create_collector(
                session=session,
                username=username,
                name=username.title(),
                password="a long password!",
                role=role,
            )
    engine.dispose()
    with api:
        yield api


def test_every_figure_for_the_admin_token(client: TestClient) -> None:
    add_debtor(client)
    assert client.get("/api/v1/reports").status_code == 401
    body = client.get("/api/v1/reports?from=2026-11-01&to=2026-11-30", headers=ADMIN).json()
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert body["previous"] == {"from": "2026-10-02", "to": "2026-10-31"}
    assert set(body) >= {"dso", "ageing", "payments", "assistant", "arrangements", "portfolio"}
    assert body["dso"]["method"].startswith("receivables at the end of the period")
    assert sum(int(b["count"]) for b in body["ageing"]["buckets"]) == 2
    one = client.get("/api/v1/reports/ageing", headers=ADMIN).json()
    assert [b["bucket"] for b in one["ageing"]["buckets"]] == [
        "not_due",
        "1-30",
        "31-60",
        "61-90",
        "90+",
    ]


def test_seniors_yes_juniors_no_and_periods_checked(client: TestClient) -> None:
    client.post("/console/login", data={"username": "jan", "password": "a long password!"})
    assert client.get("/api/v1/reports/dso").status_code == 403
    client.post("/console/logout")
    client.post("/console/login", data={"username": "sara", "password": "a long password!"})
    assert client.get("/api/v1/reports/dso").status_code == 200
    assert client.get("/api/v1/reports/nonsense").status_code == 404
    backwards = client.get("/api/v1/reports/dso?from=2026-11-30&to=2026-11-01")
    assert backwards.status_code == 422 and backwards.json()["detail"] == "to is before from"
    assert client.get("/api/v1/reports/dso?from=2020-01-01&to=2026-11-01").status_code == 422
    assert client.get("/api/v1/reports/dso?from=yesterday").status_code == 422


def test_the_dashboard_in_dutch_with_charts_tables_and_csv(client: TestClient) -> None:
    add_debtor(client)
    client.post("/console/login", data={"username": "jan", "password": "a long password!"})
    assert client.get("/console/dashboard").status_code == 403
    assert "Dashboard" not in client.get("/console").text.split("<main")[0]  # no menu item
    client.post("/console/logout")
    client.post("/console/login", data={"username": "sara", "password": "a long password!"})
    page = client.get("/console/dashboard?lang=nl&from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    assert "Ouderdom van de openstaande posten" in page.text and "nog niet vervallen" in page.text
    assert page.text.count("<svg") == 7 and 'role="img"' in page.text
    english = client.get("/console/dashboard?lang=en")
    assert "Ageing of open items" in english.text
    download = client.get("/console/dashboard/ageing.csv?lang=en&from=2026-11-01&to=2026-11-30")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    lines = download.text.splitlines()
    assert lines[0] == "Age,Amount,Count" and len(lines) == 6
    assert client.get("/console/dashboard/nothing.csv").status_code == 404
