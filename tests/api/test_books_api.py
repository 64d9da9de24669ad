"""The books through the admin API: imports, bank statements (the debtor hears of their
transfer), assigning a credit, the events export, signed webhooks to a receiver that is
sometimes down, and a Mollie refund."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.flows.books_out import deliver_due
from receivables.books.events import sign
from receivables.db import make_engine, make_session_factory
from settle.stack import free_port
from tests.api.fake_mollie import FakeMollie
from tests.api.test_payments import ADMIN, add_debtor, make_client, make_link, messages
from tests.fakes.bank_files import Entry, camt053, mt940, statement_files

SECRET = "books-secret"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    client, url = make_client(tmp_path)
    with client:
        yield client, url


def test_imports_need_the_admin_token_and_report_by_line(
    client: tuple[TestClient, str],
) -> None:
    api, _ = client
    csv_text = "debiteurnummer;naam;postcode\nD-1;Lotte Hendriks;1012 AB\nD-2;;\n"
    assert api.post("/api/v1/imports/debtors", content=csv_text).status_code == 401
    answer = api.post(
        "/api/v1/imports/debtors",
        content=csv_text,
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["created"], body["problems"]) == (
        1,
        [{"line": 3, "reason": "a new debtor needs a name"}],
    )
    json_rows = [{"external_id": "D-1", "name": "Lotte Hendriks-de Boer"}, {"external_id": ""}]
    answer = api.post("/api/v1/imports/debtors", json=json_rows, headers=ADMIN).json()
    assert (answer["updated"], [p["line"] for p in answer["problems"]]) == (1, [2])
    dry = api.post(
        "/api/v1/imports/debtors?dry_run=true",
        json=[{"external_id": "D-3", "name": "Nobody"}],
        headers=ADMIN,
    ).json()
    assert dry["created"] == 1 and dry["dry_run"] is True
    again = api.post("/api/v1/imports/debtors", json=[{"external_id": "D-3"}], headers=ADMIN)
    assert again.json()["problems"] == [{"line": 1, "reason": "a new debtor needs a name"}]
    assert api.post("/api/v1/imports/widgets", json=[], headers=ADMIN).status_code == 422
    bad = api.post(
        "/api/v1/imports/invoices",
        content="x;y\n1;2\n",
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert bad.status_code == 422 and "no column for external_id" in bad.json()["detail"]


@pytest.mark.parametrize("fmt", [camt053, mt940])
def test_a_bank_transfer_is_booked_and_the_debtor_hears_of_it(
    client: tuple[TestClient, str], fmt: Any
) -> None:
    api, url = client
    debtor_id = add_debtor(api)
    make_link(
        url, debtor_id, "nl"
    )  # the debtor's conversation web-1 (with a link they did not use)
    from receivables.conversations.service import attach_debtor
    from receivables.db import session_scope

    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        attach_debtor(session=session, conversation_id="web-1", debtor_id=debtor_id)
    engine.dispose()
    today = dt.date.today()
    statement = fmt(
        [
            Entry("T1", Decimal("150.00"), "F2026-0042", today),
            Entry("T2", Decimal("7.77"), "?", today),
        ]
    )
    first = api.post("/api/v1/bank-statements", content=statement, headers=ADMIN).json()
    second = api.post("/api/v1/bank-statements", content=statement, headers=ADMIN).json()
    assert (first["booked"], first["unmatched"]) == (1, 1)
    assert (second["booked"], second["already_imported"]) == (0, 2)
    assert [m["text"] for m in messages(api)] == [
        "We hebben € 150,00 ontvangen, dank u wel. Uw openstaande saldo is nu € 89,95."
    ]
    debtor = api.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()
    assert debtor["balance"] == "89.95"
    [waiting] = api.get("/api/v1/bank-transactions?status=unmatched", headers=ADMIN).json()
    assigned = api.post(
        f"/api/v1/bank-transactions/{waiting['id']}/assign",
        json={"debtor_id": debtor_id},
        headers=ADMIN,
    )
    assert assigned.status_code == 200
    assert api.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()["balance"] == "82.18"
    again = api.post(
        f"/api/v1/bank-transactions/{waiting['id']}/assign",
        json={"debtor_id": debtor_id},
        headers=ADMIN,
    )
    assert again.status_code == 422
    assert (
        api.post("/api/v1/bank-statements", content="not a statement", headers=ADMIN).status_code
        == 422
    )
    export = api.get(f"/api/v1/exports/events.csv?from={today}&to={today}", headers=ADMIN)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert sum(",payment.booked," in line for line in export.text.splitlines()) == 2


def signature_holds(secret: str, body: bytes, header: str, now: float) -> bool:
    """The receiver's own check, written from the documented scheme and nothing of Settle's:
    "t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", t within five minutes."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    signed = parts["t"].encode() + b"." + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return abs(now - int(parts["t"])) <= 300 and hmac.compare_digest(mac, parts["v1"])


@dataclass(frozen=True)
class Delivery:
    key: str
    event: str
    signed: bool
    body: dict[str, Any]


class Receiver:
    """The creditor's ERP, as a test sees it: every POST recorded as it came (a duplicate
    is seen, not hidden), its signature checked independently."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers.get("Settle-Signature", "")
                signed = signature_holds(SECRET, body, header, time.time())
                receiver.deliveries.append(
                    Delivery(
                        self.headers["Idempotency-Key"],
                        self.headers["Settle-Event"],
                        signed,
                        json.loads(body),
                    )
                )
                self.send_response(204 if signed else 401)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.handler = Handler
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/settle-events"

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def test_a_receiver_that_is_down_gets_the_events_later_in_order_once_each(
    client: tuple[TestClient, str],
) -> None:
    api, url = client
    debtor_id = add_debtor(api)
    api.post(
        "/api/v1/bank-statements",
        content=camt053([Entry("W1", Decimal("150.00"), "F2026-0042", dt.date.today())]),
        headers=ADMIN,
    )
    api.post(
        "/api/v1/bank-statements",
        content=camt053([Entry("W2", Decimal("89.95"), "F2026-0107", dt.date.today())]),
        headers=ADMIN,
    )
    sessions = make_session_factory(make_engine(url))
    receiver = Receiver()
    assert deliver_due(sessions, url=receiver.url, secret=SECRET) == 0  # down: nothing lost
    receiver.start()
    try:
        time.sleep(1.1)  # the first retry is due after a second
        assert deliver_due(sessions, url=receiver.url, secret=SECRET) == 2
        assert deliver_due(sessions, url=receiver.url, secret=SECRET) == 0
    finally:
        receiver.stop()
    # exactly two POSTs, each signed, each event once, in order
    deliveries = receiver.deliveries
    assert [(d.event, d.body["data"]["amount"], d.signed) for d in deliveries] == [
        ("payment.booked", "150.00", True),
        ("payment.booked", "89.95", True),
    ]
    assert [d.key for d in deliveries] == [str(d.body["id"]) for d in deliveries]
    assert int(deliveries[0].key) < int(deliveries[1].key)
    assert deliveries[0].body["debtor"]["id"] == debtor_id


def test_the_receiver_refuses_a_wrong_signature() -> None:
    """The test's own check is no rubber stamp: another secret, another body or an old time
    fail it."""
    body, now = b'{"id":1}', int(time.time())
    header = sign(SECRET, body, now)
    assert signature_holds(SECRET, body, header, now)
    assert not signature_holds("another secret", body, header, now)
    assert not signature_holds(SECRET, b'{"id":2}', header, now)
    assert not signature_holds(SECRET, body, header, now + 301)
    assert not signature_holds(SECRET, body, "v1=" + header.partition("v1=")[2], now)


def test_a_mollie_refund_reopens_the_invoice(tmp_path: Path) -> None:
    from tests.api.fake_mollie import fake_mollie

    with fake_mollie() as fake:
        api, url = make_client(
            tmp_path,
            payment_provider="mollie",
            mollie_api_key="test_abcdefghijklmnopqrstuvwxyz12",
            mollie_api_url=fake.url,
        )
        with api:
            debtor_id = add_debtor(api, "en")
            token = make_link(url, debtor_id, "en", invoice="F2026-0107", provider="mollie")
            api.post(f"/pay/{token}", data={"outcome": "pay"})
            [payment_id] = fake.payments
            fake.set_status(payment_id, "paid")
            api.post("/payments/webhook", data={"id": payment_id})
            assert (
                api.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()["balance"] == "150.00"
            )
            _refund(fake, payment_id)
            for _ in range(2):  # Mollie may call twice; the refund counts once
                api.post("/payments/webhook", data={"id": payment_id})
            debtor = api.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()
            assert debtor["balance"] == "239.95"
            assert "F2026-0107" in [
                i["number"] for i in debtor["invoices"] if i["open_amount"] != "0.00"
            ]


def _refund(fake: FakeMollie, payment_id: str) -> None:
    fake.refund(payment_id, "89.95")


def test_a_collector_assigns_an_unmatched_credit_in_the_console(
    client: tuple[TestClient, str],
) -> None:
    api, url = client
    debtor_id = add_debtor(api)
    engine = make_engine(url)
    from receivables.collectors.service import create_collector
    from receivables.db import session_scope

    with session_scope(make_session_factory(engine)) as session:
        create_collector(
            session=session,
            username="eva",
            name="Eva de Boer",
            password="a long password!",
            role="junior",
        )
    engine.dispose()
    statement = camt053([Entry("C1", Decimal("12.50"), "onbekend", dt.date.today())])
    api.post("/api/v1/bank-statements", content=statement, headers=ADMIN)
    api.post("/console/login", data={"username": "eva", "password": "a long password!"})
    page = api.get("/console/bank")
    assert page.status_code == 200 and "onbekend" in page.text and "€12.50" in page.text
    [waiting] = api.get("/api/v1/bank-transactions?status=unmatched", headers=ADMIN).json()
    wrong = api.post(f"/console/bank/{waiting['id']}/assign", data={"reference": "nobody"})
    assert "no debtor with customer or invoice number" in api.get(wrong.headers["location"]).text
    done = api.post(f"/console/bank/{waiting['id']}/assign", data={"reference": "48213907"})
    assert done.status_code == 303
    assert "Every credit is matched." in api.get("/console/bank").text
    assert api.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()["balance"] == "227.45"


def test_real_banks_files_as_they_are_sent(client: tuple[TestClient, str]) -> None:
    """The bytes as the bank sent them: a CP852 MT940, de Volksbank's MT940 and a CAMT batch
    read (every detail its own credit, nothing "already imported" the first time); a file
    that cannot be read answers 422 with one line for a person."""
    api, _ = client
    files = statement_files()
    answers = {}
    for name in ("M22", "M11", "C09", "M02"):
        response = api.post(
            "/api/v1/bank-statements", content=files[name].read_bytes(), headers=ADMIN
        )
        assert response.status_code == 200, response.text
        answers[name] = response.json()
    assert answers["M22"]["encoding"] == "cp852 (detected)"
    assert answers["M11"]["credits"] == 4 and answers["M11"]["statements"] == 16
    c09 = answers["C09"]
    assert (c09["credits"], c09["already_imported"], c09["other_currency"]) == (21, 0, 21)
    assert (c09["reversals"], c09["not_payments"]) == (2, 9)
    assert answers["M02"]["reversals"] == 1  # the returned direct debit; nothing booked
    waiting = api.get("/api/v1/bank-transactions?status=unmatched", headers=ADMIN).json()
    assert {"structured_reference", "end_to_end_id", "reason"} <= set(waiting[0])
    again = api.post("/api/v1/bank-statements", content=files["C09"].read_bytes(), headers=ADMIN)
    assert again.json()["already_imported"] == 21 + 2
    broken = files["M02"].read_bytes().replace(b":61:1402200220C1,56", b":61:14022XX220C1,56")
    refused = api.post("/api/v1/bank-statements", content=broken, headers=ADMIN)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("the MT940 field :61: could not be read")
    assert "object at" not in refused.json()["detail"]
