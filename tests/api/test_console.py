"""The collector console: password hashes and the signed session cookie (pure), sign-in,
the pages, the forms, the live endpoints, the plan hook and the CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.console.live import change_events
from api.console.session import MAX_AGE, make_cookie, read_cookie
from api.outbound import Outbound
from receivables.arrangements.promises import create_promise
from receivables.collectors.service import hash_password, set_active, set_password, verify_password
from receivables.conversations.outbox import (
    claim_next,
    enqueue,
    mark_failed_attempt,
    mark_sent,
)
from receivables.conversations.service import add_message, get_conversation
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.handoffs.service import create_handoff
from receivables.migrate import upgrade
from receivables.models import AuditEvent, Collector, PaymentPlan
from receivables.reminders.models import ReminderPause
from receivables.settings import settings_from
from tests.api.test_gateway import FakeRasa, fake_rasa  # noqa: F401
from tests.api.test_handoff_api import log_in, seed_case, seed_collector, sessions_of
from tests.cli import settle
from tests.fakes.gateway import make_client

SECRET = b"test-secret"


@pytest.fixture
def client(tmp_path: Path, fake_rasa: str) -> Iterator[TestClient]:  # noqa: F811
    FakeRasa.received.clear()
    # served over plain http here: the console's cookies without Secure
    with make_client(tmp_path, fake_rasa, public_url="http://testserver") as test_client:
        yield test_client


# --- pure: hashes and cookies ---------------------------------------------------------------
def test_password_hashes_are_salted_scrypt_and_checked() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.split("$")[:4] == ["scrypt", "16384", "8", "1"]
    assert verify_password("correct horse", first) and verify_password("correct horse", second)
    assert not verify_password("correct hors", first)
    for broken in ("", "plain", "scrypt$1$2$3$x$y", "bcrypt$16384$8$1$AAAA$AAAA", first + "x"):
        assert not verify_password("correct horse", broken)


def test_the_session_cookie_is_signed_and_expires() -> None:
    now = 1_800_000_000.0
    cookie = make_cookie("anna", "scrypt$hash", SECRET, now=now)
    claims = read_cookie(cookie, SECRET, now=now + 60)
    assert claims is not None and claims.username == "anna" and claims.issued == int(now)
    assert read_cookie(cookie, b"other-secret", now=now) is None
    assert read_cookie(cookie, SECRET, now=now + MAX_AGE + 1) is None
    forged = cookie.replace(cookie.split(".")[1], "Ym9i")  # "bob", same signature
    assert read_cookie(forged, SECRET, now=now) is None
    for junk in ("", ".", "v1.a.b.c.d", "x" * 200):
        assert read_cookie(junk, SECRET, now=now) is None


# --- signing in ----------------------------------------------------------------------------
def test_without_a_session_the_console_sends_you_to_sign_in(client: TestClient) -> None:
    for path in ("/console", "/console/resolved", "/console/handoffs/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login?next=/console")
    for path in ("/console/events", "/console/queue/rows", "/console/handoffs/1/live"):
        assert client.get(path).status_code == 401
    posted = client.post("/console/handoffs/1/claim", follow_redirects=False)
    assert posted.status_code == 303 and "/console/login" in posted.headers["location"]
    page = client.get("/console/login")
    assert page.status_code == 200 and 'name="password"' in page.text


def test_sign_in_sets_a_safe_cookie_and_sign_out_clears_it(client: TestClient) -> None:
    seed_collector(sessions_of(client), "anna", "senior")
    wrong = client.post("/console/login", data={"username": "anna", "password": "nope"})
    assert wrong.status_code == 401 and "do not match" in wrong.text
    assert "settle_console" not in client.cookies
    response = client.post(
        "/console/login",
        follow_redirects=False,
        data={"username": "Anna", "password": "a long test password", "next": "/console/resolved"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/resolved"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert client.get("/console").status_code == 200
    # already signed in: the sign-in page moves on; an outside `next` is ignored
    moved = client.get(
        "/console/login", params={"next": "//evil.example/x"}, follow_redirects=False
    )
    assert moved.headers["location"] == "/console"
    out = client.post("/console/logout", follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_a_new_password_or_a_deactivated_account_ends_the_session(client: TestClient) -> None:
    sessions = sessions_of(client)
    seed_collector(sessions, "anna", "senior")
    log_in(client, "anna")
    assert client.get("/console/queue/rows").status_code == 200
    with session_scope(sessions) as session:
        set_password(session=session, username="anna", password="another long password")
    assert client.get("/console/queue/rows").status_code == 401
    client.post("/console/login", data={"username": "anna", "password": "another long password"})
    assert client.get("/console/queue/rows").status_code == 200
    with session_scope(sessions) as session:
        set_active(session=session, username="anna", active=False)
    assert client.get("/console/queue/rows").status_code == 401


# --- the pages and forms -------------------------------------------------------------------
def test_the_queue_shows_level_reason_flags_amount_and_waiting(client: TestClient) -> None:
    sessions = sessions_of(client)
    case = seed_case(sessions, "page-1", flags=("illness", "debt_help"))
    seed_collector(sessions, "anna", "senior")
    log_in(client, "anna")
    page = client.get("/console").text
    row = page[page.index(f'id="handoff-{case.handoff_id}"') :]
    row = row[: row.index("</tr>")]
    for expected in (
        "junior",
        "Cannot pay",
        "Anna de Vries (48213907)",
        "Illness",
        "Debt counselling",
        "€239.95",
        "0 min",
        "waiting",
    ):
        assert expected in row, expected
    assert client.get("/console/queue/rows").text.count("<tr") == 1


def test_the_case_page_claim_reply_and_resolve(client: TestClient) -> None:
    sessions = sessions_of(client)
    case = seed_case(sessions, "page-2")
    seed_collector(sessions, "anna", "junior")
    log_in(client, "anna")
    url = f"/console/handoffs/{case.handoff_id}"
    page = client.get(url).text
    assert "Ik ben ziek en kan nu niet betalen" in page  # the transcript
    assert "€239.95" in page and "F1-48213907" in page  # the balance and open invoices
    assert f'action="/console/handoffs/{case.handoff_id}/claim"' in page
    assert "/reply" not in page  # no reply box before the claim
    assert "Agree a plan outside the limits" not in page

    claimed = client.post(f"{url}/claim", follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"] == url
    page = client.get(url).text
    assert 'id="reply-text"' in page and "with Anna" in page

    live = client.get(f"{url}/live", params={"after": 0}).json()
    assert live["status"] == "claimed" and live["collector"] == "anna"
    last = live["last_id"]
    sent = client.post(
        f"{url}/reply",
        data={"text": "Goedemiddag, met Anna."},
        headers={"Accept": "application/json"},
    )
    assert sent.status_code == 200 and sent.json()["id"] > last
    live = client.get(f"{url}/live", params={"after": last}).json()
    assert "Goedemiddag, met Anna." in live["html"] and live["last_id"] == sent.json()["id"]
    assert (
        "<script"
        not in client.post(
            f"{url}/reply", data={"text": "<script>x</script>"}, follow_redirects=True
        ).text.split("transcript")[1]
    )
    empty = client.post(f"{url}/reply", data={"text": " "}, headers={"Accept": "application/json"})
    assert empty.status_code == 409 and "empty" in empty.json()["detail"]

    done = client.post(
        f"{url}/resolve",
        data={"outcome": "promise", "note": "Betaalt vrijdag"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/console"
    resolved = client.get("/console/resolved").text
    assert "Promise to pay" in resolved and "Betaalt vrijdag" in resolved
    # a second resolve comes back to the page with the reason, not an error page
    again = client.post(f"{url}/resolve", data={"outcome": "other"}, follow_redirects=False)
    assert "notice=" in again.headers["location"]
    assert "already resolved" in client.get(again.headers["location"]).text
    with session_scope(sessions) as session:
        actors = {
            e.actor
            for e in session.scalars(select(AuditEvent))
            if e.action != "handoff_created" and not e.action.startswith("profile")
        }
    assert actors == {"collector:anna"}


def test_release_from_the_console(client: TestClient) -> None:
    sessions = sessions_of(client)
    case = seed_case(sessions, "page-3", language="en", reference="EN-1001")
    seed_collector(sessions, "anna", "junior")
    log_in(client, "anna")
    url = f"/console/handoffs/{case.handoff_id}"
    client.post(f"{url}/claim")
    assert client.post(f"{url}/release", follow_redirects=False).headers["location"] == "/console"
    chat = client.get(f"/api/v1/conversations/{case.conversation_id}/messages").json()
    assert chat["state"] == "bot" and chat["messages"][-1]["text"].startswith("My colleague")


def test_a_junior_neither_sees_nor_opens_a_fresh_senior_case(client: TestClient) -> None:
    sessions = sessions_of(client)
    case = seed_case(sessions, "sen-1", level="senior")
    seed_collector(sessions, "jan", "junior")
    log_in(client, "jan")
    assert f"handoff-{case.handoff_id}" not in client.get("/console").text
    assert client.get(f"/console/handoffs/{case.handoff_id}").status_code == 403
    client.app.state.settings.handoff_junior_wait_minutes = 0  # type: ignore[attr-defined]
    assert f"handoff-{case.handoff_id}" in client.get("/console").text


def test_the_plan_hook_is_for_seniors_only(client: TestClient) -> None:
    sessions = sessions_of(client)
    case = seed_case(sessions, "plan-1", level="senior")
    junior_case = seed_case(sessions, "plan-2", reference="KL-2291")
    seed_collector(sessions, "sara", "senior")
    seed_collector(sessions, "jan", "junior")
    form = {"total": "239.95", "installments": "4", "first_due": "2026-12-31"}

    log_in(client, "jan")
    client.post(f"/console/handoffs/{junior_case.handoff_id}/claim")
    refused = client.post(f"/console/handoffs/{junior_case.handoff_id}/plan", data=form)
    assert refused.status_code == 403

    log_in(client, "sara")
    url = f"/console/handoffs/{case.handoff_id}"
    client.post(f"{url}/claim")
    assert "Agree a plan outside the limits" in client.get(url).text
    assert client.post(f"{url}/plan", data={**form, "total": "-1"}).status_code == 422
    made = client.post(f"{url}/plan", data=form, follow_redirects=False)
    assert made.status_code == 303 and "outside%20policy" in made.headers["location"]
    with session_scope(sessions) as session:
        plan = session.scalars(select(PaymentPlan)).one()
        terms = [(t.amount, t.due_date) for t in plan.installments]
        assert plan.outside_policy and plan.agreed_by == "collector:sara"
        assert plan.debtor_id == case.debtor_id and plan.total == Decimal("239.95")
    assert terms == [
        (Decimal("59.99"), dt.date(2026, 12, 31)),
        (Decimal("59.99"), dt.date(2027, 1, 31)),
        (Decimal("59.99"), dt.date(2027, 2, 28)),
        (Decimal("59.98"), dt.date(2027, 3, 31)),
    ]
    page = client.get(url).text
    assert "outside policy" in page and "collector:sara" in page


# --- live updates --------------------------------------------------------------------------
async def test_the_event_stream_reports_changes_from_this_and_other_processes(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    outbound = Outbound()
    events: list[str] = []

    async def read() -> None:
        async for chunk in change_events(sessions, outbound, stream_for=3.0):
            events.append(chunk)

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.2)
    outbound.notify()  # this process: at once
    await asyncio.sleep(0.2)
    changes_after_notify = sum("event: change" in e for e in events)

    def write_elsewhere() -> None:  # as the action server would: only the database changes
        with session_scope(sessions) as session:
            create_handoff(session=session, conversation_id="elsewhere", reason="dispute")

    await asyncio.to_thread(write_elsewhere)
    await reader
    engine.dispose()
    assert events[0].startswith("retry: 1000\nevent: change")
    assert changes_after_notify == 2
    assert sum("event: change" in e for e in events) == 3
    assert all(
        re.fullmatch(r"(retry: \d+\n)?event: change\ndata: \d+\n\n|: idle\n\n", e) for e in events
    )


def test_the_event_stream_needs_a_session(client: TestClient) -> None:
    assert client.get("/console/events").status_code == 401


# --- the CLI -------------------------------------------------------------------------------
def test_the_cli_creates_and_lists_collectors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    settings = settings_from({"SETTLE_DATABASE_URL": url})
    create = ["collectors", "create", "--username"]
    anna = [*create, "anna", "--name", "Anna de Boer", "--role", "senior", "--language", "nl"]
    assert settle([*anna, "--password", "a long password"], settings).exit_code == 0
    # left out, the password is asked for twice and not shown
    prompted = settle([*create, "bert", "--name", "Bert"], settings, input="prompted pw\n" * 2)
    assert prompted.exit_code == 0 and "prompted pw" not in prompted.output
    twice = settle([*create, "anna", "--name", "A", "--password", "another password"], settings)
    assert twice.exit_code == 1 and "already exists" in twice.stderr
    short = settle(
        ["collectors", "set-password", "--username", "bert", "--password", "short"], settings
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.stderr
    assert settle(["collectors", "deactivate", "--username", "bert"], settings).exit_code == 0
    listed = settle(["collectors", "list"], settings)
    assert listed.exit_code == 0
    assert re.search(r"anna\s+senior\s+active\s+Anna de Boer", listed.stdout)
    assert re.search(r"bert\s+junior\s+inactive\s+Bert", listed.stdout)
    unknown = settle(["collectors", "activate", "--username", "nobody"], settings)
    assert unknown.exit_code == 1
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        bert = session.scalars(select(Collector).where(Collector.username == "bert")).one()
        assert verify_password("prompted pw", bert.password_hash)
        anna = session.scalars(select(Collector).where(Collector.username == "anna")).one()
        assert (anna.language, bert.language) == ("nl", None)
    engine.dispose()


def test_a_message_that_could_not_be_delivered_is_marked_in_the_transcript(
    client: TestClient,
) -> None:
    sessions = sessions_of(client)
    case = seed_case(sessions, "whatsapp:+31612345678")
    with session_scope(sessions) as session:
        conversation = get_conversation(session=session, conversation_id=case.conversation_id)
        sent = add_message(session=session, conversation=conversation, sender="bot", text="a").id
        failed = add_message(session=session, conversation=conversation, sender="bot", text="b").id
        for message_id in (sent, failed):
            enqueue(
                session=session,
                conversation_id=case.conversation_id,
                channel="whatsapp",
                address="+31612345678",
                message_ids=[message_id],
            )
        claimed = claim_next(session=session, conversation_id=case.conversation_id)
        assert claimed is not None
        mark_sent(session=session, row_id=claimed.id, provider_id="SM1")
        claimed = claim_next(session=session, conversation_id=case.conversation_id)
        assert claimed is not None
        mark_failed_attempt(session=session, claimed=claimed, error="Twilio 400", retry_in=None)
    seed_collector(sessions, "anna", "junior")
    log_in(client, "anna")
    page = client.get(f"/console/handoffs/{case.handoff_id}").text
    assert page.count("Not delivered to the debtor") == 1
    live = client.get(f"/console/handoffs/{case.handoff_id}/live?after={sent}").json()
    assert "Not delivered to the debtor" in live["html"]
    queue = client.get("/console").text  # listed for everyone, handed off or not
    assert "Not delivered (last 7 days)" in queue and "Twilio 400" in queue


def test_the_console_speaks_the_collectors_language_and_says_what_was_agreed(
    client: TestClient,
) -> None:
    sessions = sessions_of(client)
    seed_collector(sessions, "anna", "senior")
    case = seed_case(sessions, "web-agreed")
    assert case.debtor_id is not None
    with session_scope(sessions) as session:
        create_promise(
            session=session,
            debtor_id=case.debtor_id,
            date=dt.date.today() + dt.timedelta(days=7),
            amount=Decimal("50.00"),
            conversation_id="web-agreed",
            agreed_by="collector:anna",
            outside_policy=True,
        )
    log_in(client, "anna")
    url = f"/console/handoffs/{case.handoff_id}"
    english = client.get(url, headers={"Accept-Language": "en-GB"}).text
    assert 'lang="en"' in english and "promise to pay €50.00 on " in english
    dutch_browser = client.get(url, headers={"Accept-Language": "nl-NL,nl;q=0.9"}).text
    assert 'lang="nl"' in dutch_browser and "belofte om € 50,00 te betalen op " in dutch_browser

    # the switch stores the choice: an English browser now reads Dutch
    switched = client.post(
        "/console/language", data={"language": "nl", "next": url}, follow_redirects=False
    )
    assert switched.status_code == 303 and switched.headers["location"] == url
    page = client.get(url, headers={"Accept-Language": "en-GB"}).text
    assert 'lang="nl"' in page and "Gesprek overnemen" in page and "€ 239,95" in page
    with session_scope(sessions) as session:
        anna = session.scalars(select(Collector).where(Collector.username == "anna")).one()
        assert anna.language == "nl"
    refused = client.post("/console/language", data={"language": "de"}, follow_redirects=False)
    assert refused.status_code == 303
    assert 'lang="nl"' in client.get("/console").text


def test_the_reminders_page_speaks_the_collectors_stored_language(client: TestClient) -> None:
    """Like every console page, and reached from the console's nav without a ?lang=."""
    seed_collector(sessions_of(client), "anna", "senior")
    log_in(client, "anna")
    english = client.get("/console/reminders", headers={"Accept-Language": "en-GB"}).text
    assert 'lang="en"' in english and "<h1>Reminders</h1>" in english
    client.post("/console/language", data={"language": "nl", "next": "/console/reminders"})
    dutch = client.get("/console/reminders", headers={"Accept-Language": "en-GB"}).text
    assert 'lang="nl"' in dutch and "<h1>Herinneringen</h1>" in dutch and "Pauzes" in dutch
    assert "Pauses" not in dutch


@pytest.mark.parametrize(("role", "status"), [("junior", 403), ("senior", 303)])
def test_only_a_senior_pauses_reminders(client: TestClient, role: str, status: int) -> None:
    """The same request, with the form's valid security token (the test client repeats the
    CSRF cookie): only the role decides."""
    sessions = sessions_of(client)
    seed_collector(sessions, "sam", role)
    log_in(client, "sam")
    client.get("/console/reminders")  # the page that sets the CSRF cookie
    response = client.post(
        "/console/reminders/pause", data={"step": "small/heads_up"}, follow_redirects=False
    )
    assert response.status_code == status, response.text
    with session_scope(sessions) as session:
        paused = session.scalars(select(ReminderPause.step)).all()
    assert paused == ([] if role == "junior" else ["heads_up"])
    if role == "junior":
        assert "only a senior or an admin may pause" in response.text
