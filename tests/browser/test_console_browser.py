"""The console and the web chat in real Chromium (Debian's, /usr/bin/chromium): a collector
signs in, sees a new handoff arrive without a reload, opens it, claims and replies, and the
debtor's web chat shows the reply live. The gateway runs under uvicorn on a free port with a
temporary SQLite database and a fake Rasa; a screenshot of the console goes to var/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.test_gateway import FakeRasa
from tests.api.test_handoff_api import PASSWORD, seed_case, seed_collector
from tests.browser.chromium import ARTIFACTS, Gateway, chromium, running_gateway
from tests.conversation_tokens import SEEDED_TOKEN

ADMIN_TOKEN = "browser-admin-token"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("browser"), FakeRasa, ADMIN_TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def sign_in(page: Page, gateway: Gateway, username: str) -> None:
    page.goto(f"{gateway.url}/console")
    expect(page).to_have_url(f"{gateway.url}/console/login?next=/console")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{gateway.url}/console")


def test_without_a_login_the_console_and_the_api_refuse(gateway: Gateway, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{gateway.url}/console/handoffs/1")
    expect(page).to_have_url(f"{gateway.url}/console/login?next=/console/handoffs/1")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.request.get(f"{gateway.url}/api/v1/handoffs").status == 401
    assert (
        page.request.post(f"{gateway.url}/api/v1/handoffs/1/claim", data={"collector": "x"}).status
        == 401
    )
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    context.close()


def test_a_collector_picks_up_a_new_handoff_and_the_debtor_sees_the_reply(
    gateway: Gateway, browser: Browser
) -> None:
    seed_collector(gateway.sessions, "anna", "senior")
    console = browser.new_context(viewport={"width": 1360, "height": 860})
    page = console.new_page()
    sign_in(page, gateway, "anna")
    expect(page.locator("#queue-rows")).to_contain_text("Nobody is waiting")
    page.evaluate("window.__sameDocument = true")

    # the handoff is made after the page is open (as the action server would: database only)
    case = seed_case(gateway.sessions, "web-browser-1", flags=("illness",))
    row = page.locator(f"#handoff-{case.handoff_id}")
    expect(row).to_be_visible(timeout=10_000)
    expect(row).to_contain_text("Cannot pay")
    expect(row).to_contain_text("Illness")
    expect(row).to_contain_text("€239.95")
    assert page.evaluate("window.__sameDocument") is True  # no reload
    expect(page.locator("#live")).to_contain_text("Live")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-queue.png"))

    row.get_by_role("link").click()
    expect(page).to_have_url(f"{gateway.url}/console/handoffs/{case.handoff_id}")
    expect(page.locator("#transcript")).to_contain_text("Ik ben ziek en kan nu niet betalen")
    expect(page.locator("#balance")).to_have_text("€239.95")
    page.keyboard.press("c")  # claim
    reply_box = page.get_by_label("Reply to the debtor")
    expect(reply_box).to_be_focused()

    # the debtor's web chat, open on the same conversation
    debtor = browser.new_context(viewport={"width": 480, "height": 760})
    debtor.add_init_script(
        f"window.localStorage.setItem('settle.conversation', '{case.conversation_id}');"
        f"window.localStorage.setItem('settle.conversation_of_token', '{case.conversation_id}');"
        f"window.localStorage.setItem('settle.conversation_token', '{SEEDED_TOKEN}');"
        "window.localStorage.setItem('settle.language', 'nl');"
    )
    chat = debtor.new_page()
    chat.goto(f"{gateway.url}/")
    expect(chat.locator("#log")).to_contain_text("Ik ben ziek en kan nu niet betalen")
    expect(chat.locator("#state")).to_have_text("U chat nu met een medewerker.")

    reply = "Goedemiddag, u spreekt met Anna. Wat vervelend dat u ziek bent."
    reply_box.fill(reply)
    reply_box.press("Control+Enter")
    expect(page.locator("#transcript .msg--collector")).to_contain_text(reply)
    expect(reply_box).to_have_value("")
    expect(chat.locator("#log .msg--collector")).to_contain_text(reply, timeout=10_000)

    # and the debtor's answer shows in the console without a reload
    chat.locator("#text").fill("Dank u wel, dat is fijn.")
    chat.locator("#text").press("Enter")
    expect(page.locator("#transcript .msg--debtor").last).to_contain_text(
        "Dank u wel, dat is fijn.", timeout=10_000
    )

    page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)
    chat.screenshot(path=str(ARTIFACTS / "webchat.png"))
    assert (ARTIFACTS / "console.png").stat().st_size > 10_000

    # back to the assistant: the debtor reads it in the chat
    page.get_by_role("button", name="Back to the assistant").click()
    expect(page).to_have_url(f"{gateway.url}/console")
    expect(chat.locator("#log .msg--bot").last).to_contain_text("Mijn collega heeft het gesprek")
    expect(chat.locator("#state")).to_be_hidden()
    debtor.close()
    console.close()
