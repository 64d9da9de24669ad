"""What a debtor and a collector see, in real Chromium (Debian's) on a phone (390 x 844) and a
laptop: the web chat shows a payment link as a button and answered buttons can't be pressed
again; the payment page reads its amount out; the console fits a phone and speaks Dutch; and
axe-core finds no serious or critical violation on any of them. Screenshots of each page at
both sizes go to var/artifacts/."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice
from receivables.conversations.service import (
    add_message,
    attach_debtor,
    get_or_create_conversation,
)
from receivables.db import session_scope
from receivables.handoffs.service import create_handoff
from receivables.payments.links import get_or_create_link, resolve_target
from tests.api.test_gateway import FakeRasa
from tests.api.test_handoff_api import PASSWORD, seed_collector
from tests.browser.chromium import (
    Gateway,
    axe_problems,
    chromium,
    no_horizontal_scroll,
    running_gateway,
    screenshot,
)

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 820}
SIZES = {"phone": PHONE, "laptop": LAPTOP}


class PayingRasa(FakeRasa):
    """Answers every turn with a payment link (for a link made in the database) and a button."""

    link: ClassVar[str] = ""

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("message", "").startswith("/ask_invoices"):
            self.answer(200, [{"text": "Deze facturen staan nog open:\n• F1: € 79,99"}])
            return
        self.answer(
            200,
            [
                {"text": "Dank u wel, Anna de Vries."},
                {
                    "text": "Hier is uw veilige betaallink voor € 79,99 (factuur F1):\n"
                    f"{PayingRasa.link}\nDe link is geldig tot en met 7 december 2026.",
                    "buttons": [{"title": "Toon mijn facturen", "payload": "/ask_invoices"}],
                },
            ],
        )


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("seen"), PayingRasa, "seen-admin") as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def pay_token(gateway: Gateway) -> str:
    """A debtor with one invoice of € 79,99 and an open link for it, from a web chat."""
    with session_scope(gateway.sessions) as session:
        debtor = create_debtor(session=session, reference="48213907", name="Anna de Vries")
        create_invoice(
            session=session,
            debtor=debtor,
            number="F1",
            amount=Decimal("79.99"),
            issue_date=dt.date.today() - dt.timedelta(days=40),
            due_date=dt.date.today() - dt.timedelta(days=10),
        )
        get_or_create_conversation(session=session, conversation_id="web-pay", channel="webchat")
        target = resolve_target(session=session, debtor_id=debtor.id, invoice_number=None)
        link = get_or_create_link(
            session=session,
            debtor_id=debtor.id,
            target=target,
            language="nl",
            provider="local",
            expiry_days=7,
            conversation_id="web-pay",
        )
        token = link.token
    PayingRasa.link = f"{gateway.url}/pay/{token}"
    return token


def context_for(browser: Browser, size: str) -> BrowserContext:
    return browser.new_context(viewport=SIZES[size], locale="nl-NL")  # type: ignore[arg-type]


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_web_chat_shows_a_pay_button_and_retires_answered_buttons(
    gateway: Gateway, browser: Browser, pay_token: str, size: str
) -> None:
    context = context_for(browser, size)
    page = context.new_page()
    page.goto(f"{gateway.url}/")
    log = page.locator("#log")
    expect(log).to_contain_text("digitale assistent")
    box = page.get_by_role("textbox", name="Uw bericht")
    box.fill("ik wil betalen")
    box.press("Enter")

    pay = log.get_by_role("link", name=re.compile(r"^Betaal € 79,99"))
    expect(pay).to_be_visible()
    assert pay.get_attribute("href") == f"{gateway.url}/pay/{pay_token}"
    expect(log).not_to_contain_text("/pay/")  # the token-length URL is behind the button
    # one speaker twice in a row: the name shows once
    bot_names = log.locator(".settle-msg--bot .settle-msg__who:not(.settle-sr)")
    expect(log.locator(".settle-msg--bot")).to_have_count(2)
    expect(bot_names).to_have_count(1)
    assert axe_problems(page) == []
    screenshot(page, f"webchat-{size}")

    chip = log.get_by_role("button", name="Toon mijn facturen")
    expect(chip).to_be_enabled()
    chip.click()
    expect(log).to_contain_text("Deze facturen staan nog open")
    expect(chip).to_be_disabled()  # answered: can't be pressed again
    assert no_horizontal_scroll(page)
    context.close()


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_payment_page_reads_out_the_amount_and_offers_a_quiet_not_now(
    gateway: Gateway, browser: Browser, pay_token: str, size: str
) -> None:
    context = context_for(browser, size)
    page = context.new_page()
    page.goto(f"{gateway.url}/pay/{pay_token}")
    expect(page.get_by_role("heading", level=1)).to_have_accessible_name("Bedrag: € 79,99")
    expect(page.locator("#customer")).to_have_text("Klantnummer 48213907")
    expect(page.get_by_role("button", name="Betalen € 79,99")).to_be_visible()
    expect(page.get_by_role("button", name="Nu niet")).to_be_visible()
    expect(page.get_by_role("link", name="Terug naar het gesprek")).to_have_attribute(
        "href", f"{gateway.url}/"
    )
    # the creditor's colour reaches the page through its Content-Security-Policy
    brand = page.evaluate("getComputedStyle(document.body).getPropertyValue('--brand')")
    assert brand.strip().lower() == "#0b5d4b"
    assert no_horizontal_scroll(page)
    assert axe_problems(page) == []
    screenshot(page, f"pay-{size}")
    context.close()


@pytest.fixture(scope="module")
def case_id(gateway: Gateway) -> int:
    """A handoff whose debtor pressed a button (stored as its payload)."""
    seed_collector(gateway.sessions, "anna", "senior")
    with session_scope(gateway.sessions) as session:
        debtor = create_debtor(
            session=session, reference="55120348", name="Fatima El Amrani", phone="+31611111111"
        )
        create_invoice(
            session=session,
            debtor=debtor,
            number="F2026-0200",
            amount=Decimal("64.30"),
            issue_date=dt.date.today() - dt.timedelta(days=45),
            due_date=dt.date.today() - dt.timedelta(days=31),
        )
        conversation = get_or_create_conversation(
            session=session, conversation_id="demo-55120348", channel="whatsapp"
        )
        conversation.language = "nl"
        attach_debtor(session=session, conversation_id=conversation.id, debtor_id=debtor.id)
        buttons = [{"title": "Ja, graag", "payload": "/affirm"}]
        add_message(
            session=session,
            conversation=conversation,
            sender="bot",
            text="Zal ik u met een collega verbinden?",
            buttons=buttons,
        )
        add_message(session=session, conversation=conversation, sender="debtor", text="/affirm")
        handoff = create_handoff(
            session=session,
            conversation_id=conversation.id,
            reason="requested_human",
            debtor_id=debtor.id,
            balance=Decimal("64.30"),
            summary='Debtor wrote: "ik wil iemand spreken"',
        )
        return handoff.id


def sign_in(page: Page, gateway: Gateway) -> None:
    page.goto(f"{gateway.url}/console")
    page.locator("#username").fill("anna")
    page.locator("#password").fill(PASSWORD)
    page.locator("button.primary").click()
    expect(page).to_have_url(f"{gateway.url}/console")


def every_control_on_screen(page: Page, width: int) -> None:
    for control in page.locator("header.top a, header.top button").all():
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def test_the_console_fits_a_phone_and_switches_to_dutch(
    gateway: Gateway, browser: Browser, case_id: int
) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-GB")  # type: ignore[arg-type]
    page = context.new_page()
    sign_in(page, gateway)
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    assert no_horizontal_scroll(page)
    every_control_on_screen(page, PHONE["width"])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="NL, Nederlands").click()
    expect(page.get_by_role("heading", name="Wachtrij")).to_be_visible()
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()
    row = page.locator(f"#handoff-{case_id}")
    expect(row).to_contain_text("Wil een medewerker")
    expect(row).to_contain_text("€ 64,30")
    assert no_horizontal_scroll(page)
    every_control_on_screen(page, PHONE["width"])
    assert axe_problems(page) == []
    screenshot(page, "console-queue-phone")

    row.get_by_role("link").click()
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("Ja, graag")  # the title the debtor tapped
    expect(transcript).not_to_contain_text("/affirm")
    expect(page.locator("#balance")).to_have_text("€ 64,30")
    expect(page.locator(".overdue")).to_contain_text("dagen over de vervaldatum")
    expect(page.locator("#agreed")).to_contain_text("Nog niets afgesproken")
    expect(page.get_by_role("button", name=re.compile("Gesprek overnemen"))).to_be_visible()
    assert no_horizontal_scroll(page)
    every_control_on_screen(page, PHONE["width"])
    assert axe_problems(page) == []
    screenshot(page, "console-case-phone")
    context.close()

    # the choice is stored with the account: another browser (English) shows Dutch too
    laptop = browser.new_context(viewport=LAPTOP, locale="en-GB")  # type: ignore[arg-type]
    page = laptop.new_page()
    sign_in(page, gateway)
    expect(page.get_by_role("heading", name="Wachtrij")).to_be_visible()
    assert axe_problems(page) == []
    screenshot(page, "console-queue-laptop")
    page.goto(f"{gateway.url}/console/handoffs/{case_id}")
    expect(page.locator("#transcript")).to_contain_text("Ja, graag")
    assert axe_problems(page) == []
    screenshot(page, "console-case-laptop")
    page.get_by_role("button", name="EN, English").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    laptop.close()
