"""The demo page's web chat widget in real Chromium (Debian's, /usr/bin/chromium) against the
real system (Rasa with the trained model, the action server, the gateway): a debtor chats in
Dutch to their balance, the conversation is still there after a reload, the keyboard alone
is enough, and the language switch changes the widget's texts and the bot's language. A
screenshot goes to var/artifacts/webchat-balance.png."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from settle.stack import Stack
from tests.browser.chromium import ARTIFACTS, chromium
from tests.integration.talk import create_debtor

pytestmark = pytest.mark.integration

TURN = 60_000  # ms: one turn through Rasa and the action server, generously


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Uw bericht")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def test_a_debtor_chats_in_dutch_to_the_balance_and_keeps_the_conversation(
    stack: Stack, admin: httpx.Client, browser: Browser
) -> None:
    debtor = create_debtor(admin, language="nl", invoices=[("F1", "1000.00"), ("F2", "234.56")])
    context = browser.new_context(viewport={"width": 1200, "height": 820}, locale="nl-NL")
    page = context.new_page()
    page.goto(stack.api_url + "/")

    # the demo page opens the widget itself; a new conversation starts with a short hint
    log = page.locator("#log")
    expect(page.get_by_role("dialog", name="Settle")).to_be_visible()
    expect(log).to_contain_text("digitale assistent")
    expect(page.get_by_text("48213907").first).to_be_visible()  # the demo text on the page

    say(page, "hoeveel moet ik nog betalen?")
    expect(log.locator(".settle-msg--bot").last).to_contain_text("klantnummer", timeout=TURN)
    expect(log).not_to_contain_text("1.234")
    say(page, debtor["reference"])
    expect(log.locator(".settle-msg--bot").last).to_contain_text("geboortedatum", timeout=TURN)
    say(page, "12-03-1985")
    expect(log).to_contain_text("€ 1.234,56", timeout=TURN)
    expect(log).to_contain_text("Lotte Hendriks")
    expect(page.locator("#typing")).to_be_hidden()
    expect(log.locator(".settle-msg--debtor")).to_have_count(3)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webchat-balance.png"))
    assert (ARTIFACTS / "webchat-balance.png").stat().st_size > 10_000

    # a reload shows the same conversation, from the server (after=0), without the hint
    conversation = page.evaluate("localStorage.getItem('settle.conversation')")
    assert conversation and conversation.startswith("web-")
    with page.expect_response(
        lambda r: f"/conversations/{conversation}/messages?after=0" in r.url
    ) as history:
        page.reload()
    assert history.value.ok
    expect(log).to_contain_text("€ 1.234,56")
    expect(log).to_contain_text("hoeveel moet ik nog betalen?")
    expect(log.locator(".settle-msg--debtor")).to_have_count(3)
    expect(log).not_to_contain_text("digitale assistent")

    # keyboard only: Tab reaches the message box, Enter sends; still verified after the reload
    page.locator("body").focus()
    box = page.get_by_role("textbox", name="Uw bericht")
    for _ in range(25):
        page.keyboard.press("Tab")
        if box.evaluate("node => node.getRootNode().activeElement === node"):
            break
    expect(box).to_be_focused()
    page.keyboard.type("welke facturen staan er open?")
    page.keyboard.press("Enter")
    expect(log).to_contain_text(f"F2-{debtor['reference'][2:]}", timeout=TURN)
    expect(log).to_contain_text("€ 234,56")

    # the language switch: the widget's texts change, and the bot answers in English
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("button", name="Close chat")).to_be_visible()
    english_box = page.get_by_role("textbox", name="Your message")
    expect(english_box).to_have_attribute("placeholder", "Type your message")
    expect(log.locator(".settle-msg--debtor .settle-msg__who").first).to_have_text("You")
    with page.expect_request(lambda r: r.method == "POST" and "/messages" in r.url) as sent:
        english_box.fill("which invoices are still open?")
        english_box.press("Enter")
    assert sent.value.post_data_json == {"text": "which invoices are still open?", "language": "en"}
    expect(log).to_contain_text("€234.56", timeout=TURN)
    assert page.evaluate("localStorage.getItem('settle.language')") == "en"
    context.close()
