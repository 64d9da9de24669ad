"""What an admin call creates is committed before its answer goes out: a client that got a
201 can use what it created at once, and a failure at commit is never answered with 201."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.main import create_app
from receivables.migrate import upgrade
from receivables.settings import Settings

ADMIN = {"Authorization": "Bearer t"}
DEBTOR = {"reference": "C-1", "name": "Lotte Hendriks", "language": "nl"}


def client(tmp_path: Path) -> TestClient:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    return TestClient(
        create_app(Settings(database_url=url, admin_token="t")), raise_server_exceptions=False
    )


def test_a_failing_commit_is_not_answered_as_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with client(tmp_path) as c:

        def broken_commit(self: Session) -> None:
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(Session, "commit", broken_commit)
        assert c.post("/api/v1/debtors", headers=ADMIN, json=DEBTOR).status_code == 500
        monkeypatch.undo()
        created = c.post("/api/v1/debtors", headers=ADMIN, json=DEBTOR)
        assert created.status_code == 201
        invoice = c.post(
            f"/api/v1/debtors/{created.json()['id']}/invoices",
            headers=ADMIN,
            json={
                "number": "F-1",
                "amount": "10.00",
                "currency": "EUR",
                "issue_date": "2026-11-01",
                "due_date": "2026-11-15",
            },
        )
        assert invoice.status_code == 201
