"""The console's reminders page in real Chromium: a credit manager sees what goes out today
and tomorrow per step and channel (with the channel's reason), runs a dry run, pauses a debtor
(the step is held back, with the reason) and resumes; pauses a step for everybody; reads the
page in Dutch. Nothing is sent: the page only plans."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice
from receivables.db import session_scope
from receivables.policy.model import load_policy
from receivables.reminders.calendars import calendar_for
from receivables.reminders.models import ReminderPause
from tests.api.test_gateway import FakeRasa
from tests.api.test_handoff_api import PASSWORD, seed_collector
from tests.browser.chromium import ARTIFACTS, Gateway, chromium, running_gateway

ADMIN_TOKEN = "browser-reminders-token"
# e-mail on (the page plans with the channels that are on; nothing is sent)
EMAIL_SETTINGS = {"SETTLE_SMTP_HOST": "127.0.0.1", "SETTLE_SMTP_FROM": "facturen@example.nl"}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    saved = {key: os.environ.get(key) for key in EMAIL_SETTINGS}
    os.environ.update(EMAIL_SETTINGS)
    try:
        with running_gateway(tmp_path_factory.mktemp("reminders"), FakeRasa, ADMIN_TOKEN) as up:
            yield up
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def sending_day() -> tuple[str, dt.date]:
    """Today or tomorrow, whichever reminders may go out on (no Sunday, no holiday)."""
    calendar = calendar_for(load_policy().reminders)
    today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    for key, day in (("today", today), ("tomorrow", today + dt.timedelta(days=1))):
        if calendar.is_send_day(day):
            return key, day
    pytest.fail("neither today nor tomorrow is a sending day")


def seed_debtors(gateway: Gateway, day: dt.date) -> None:
    """Two debtors whose heads-up (five days before the due date) falls on `day`."""
    with session_scope(gateway.sessions) as session:
        for n, name in enumerate(("Lotte Hendriks", "Bram de Wit"), start=1):
            debtor = create_debtor(
                session=session,
                reference=f"RB-{n}",
                name=name,
                email=f"d{n}@example.nl",
                preferred_channel="email",
            )
            create_invoice(
                session=session,
                debtor=debtor,
                number=f"FB-{n}",
                amount=Decimal("95.00"),
                issue_date=day - dt.timedelta(days=20),
                due_date=day + dt.timedelta(days=5),
            )


def sign_in(page: Page, gateway: Gateway, username: str) -> None:
    page.goto(f"{gateway.url}/console/reminders")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{gateway.url}/console/reminders")


def test_preview_and_pause(gateway: Gateway, browser: Browser) -> None:
    key, day = sending_day()
    seed_debtors(gateway, day)
    seed_collector(gateway.sessions, "marieke", "senior")
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    sign_in(page, gateway, "marieke")

    section = page.locator(f"#day-{key}")
    expect(section.locator("table.summary")).to_contain_text("heads_up")
    expect(section.locator("table.summary tbody tr").first).to_contain_text("email")
    lotte = section.locator("tr.due", has_text="Lotte Hendriks")
    expect(lotte).to_contain_text("FB-1")
    expect(lotte).to_contain_text("last answered")
    expect(section.locator("tr.due")).to_have_count(2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-reminders.png"), full_page=True)

    # the dry run: what a round would send now (quiet hours and all), nothing is sent
    page.get_by_role("link", name="Dry run now").click()
    expect(page.locator("#day-now")).to_be_visible()

    # pause one debtor: the step is held back, with the reason, and listed under Pauses
    section = page.locator(f"#day-{key}")
    section.locator("tr.due", has_text="Lotte Hendriks").get_by_role(
        "button", name="Pause debtor"
    ).click()
    expect(section.locator("tr.due")).to_have_count(1)
    expect(section.locator("tr.due")).to_contain_text("Bram de Wit")
    section.get_by_text("Held back").click()
    expect(section.locator("table.held")).to_contain_text("debtor paused")
    expect(page.locator("#pauses")).to_contain_text("Lotte Hendriks")

    # resume: back in the preview
    page.locator("#pauses").get_by_role("button", name="Resume").click()
    expect(page.locator(f"#day-{key} tr.due")).to_have_count(2)

    # pause a step for everybody, in Dutch: the console's own language switch (stored on
    # the collector's account), no ?lang= of the page's own
    page.get_by_role("button", name="NL, Nederlands").click()
    expect(page).to_have_url(f"{gateway.url}/console/reminders")
    expect(page.get_by_role("heading", level=1)).to_have_text("Herinneringen")
    page.get_by_label("Stap").select_option("small/heads_up")
    page.get_by_role("button", name="Stap pauzeren").click()
    expect(page.locator(f"#day-{key} tr.due")).to_have_count(0)
    expect(page.locator("#pauses")).to_contain_text("small / heads_up (iedere debiteur)")
    context.close()


def pause_a_step_as(browser: Browser, gateway: Gateway, username: str) -> tuple[int, str]:
    """Signed in as `username`, the pause form's request with the page's own valid CSRF
    token: what the console answers (redirects not followed)."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, gateway, username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders")
    if username == "joris":
        expect(page.get_by_role("button", name="Pause debtor")).to_have_count(0)
        expect(page.get_by_role("button", name="Pause step")).to_have_count(0)
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert token
    response = page.request.post(
        f"{gateway.url}/console/reminders/pause",
        form={"csrf_token": token, "step": "standard/heads_up"},
        max_redirects=0,
    )
    answer = response.status, response.text()
    context.close()
    return answer


def test_a_junior_sees_the_preview_but_may_not_pause(gateway: Gateway, browser: Browser) -> None:
    seed_collector(gateway.sessions, "joris", "junior")
    seed_collector(gateway.sessions, "ilse", "senior")
    status, text = pause_a_step_as(browser, gateway, "joris")
    assert status == 403 and "only a senior or an admin may pause" in text
    with session_scope(gateway.sessions) as session:
        assert (
            session.scalars(select(ReminderPause).where(ReminderPause.plan == "standard")).all()
            == []
        )
    # the same request from a senior: the token was good, the role was what refused
    status, _ = pause_a_step_as(browser, gateway, "ilse")
    assert status == 303
    with session_scope(gateway.sessions) as session:
        [paused] = session.scalars(select(ReminderPause).where(ReminderPause.plan == "standard"))
        assert (paused.step, paused.by, paused.lifted_at) == ("heads_up", "collector:ilse", None)
