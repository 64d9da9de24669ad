"""The embeddable web chat widget in real Chromium (Debian's, /usr/bin/chromium): one script
tag on a host page builds it, it leaves the page alone, opens from its launcher and closes with
Escape, sends chips and the language, shows a typing indicator, links open in a new tab, a
colleague's message arrives live, the history survives a reload, a phone gets a full-screen
panel, and it finds the API and its CSS from its own src. The gateway runs under uvicorn with
a temporary SQLite database and a fake Rasa whose answers each test sets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from receivables.conversations.service import add_message, get_conversation
from receivables.db import session_scope
from tests.api.test_gateway import FakeRasa
from tests.browser.chromium import ARTIFACTS, Gateway, chromium, running_gateway

GREETING = {
    "text": "Hello! How can I help?",
    "buttons": [{"title": "Balance", "payload": "/ask_balance"}],
}


class ScriptedRasa(FakeRasa):
    """Answers with `replies`; holds each answer until `gate` is open."""

    received: ClassVar[list[dict[str, object]]] = []
    replies: ClassVar[list[dict[str, object]]] = [GREETING]
    gate = threading.Event()

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ScriptedRasa.received.append(body)
        ScriptedRasa.gate.wait(15)
        self.answer(200, ScriptedRasa.replies)


class CreditorSite(BaseHTTPRequestHandler):
    """A creditor's own website, on an origin of its own."""

    page: ClassVar[bytes] = b""

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(
        tmp_path_factory.mktemp("widget"), ScriptedRasa, "widget-admin"
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(autouse=True)
def scripted_rasa() -> Iterator[None]:
    ScriptedRasa.received.clear()
    ScriptedRasa.replies = [GREETING]
    ScriptedRasa.gate.set()
    yield
    ScriptedRasa.gate.set()


def widget(page: Page) -> Locator:
    return page.locator("settle-chat")


def test_one_script_tag_builds_the_widget_and_leaves_the_page_alone(
    gateway: Gateway, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.add_init_script("window.__before = Object.getOwnPropertyNames(window);")
    page = context.new_page()
    page.goto(f"{gateway.url}/static/embed-demo.html")
    chat = widget(page)
    launcher = chat.get_by_role("button", name="Chat with us")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(chat.get_by_role("dialog")).to_be_hidden()

    # one global, the page's own elements untouched, its stylesheet only inside the widget
    leaked = page.evaluate(
        "Object.getOwnPropertyNames(window).filter(n => !window.__before.includes(n) && n !== '__before')"
    )
    assert leaked == ["SettleChat"]
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.querySelectorAll('link[href*=webchat]').length") == 0
    expect(page.locator("body > main #log")).to_have_text('The page\'s own list with the id "log"')
    expect(page.locator("body > main #state")).to_have_text(
        'The page\'s own paragraph with the id "state"'
    )
    expect(chat).to_have_count(1)
    css = chat.evaluate("host => host.shadowRoot.querySelector('link[rel=stylesheet]').href")
    assert css == f"{gateway.url}/static/webchat.css"
    # the host page's `button { background: red; text-transform: uppercase }` does not reach in
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 93, 75)"
    assert launcher.evaluate("b => getComputedStyle(b).textTransform") == "none"

    # opens from the launcher, focus to the message box; Escape closes, focus back
    launcher.click()
    dialog = chat.get_by_role("dialog", name="Example Energy")
    expect(dialog).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.get_by_role("textbox", name="Your message")).to_be_focused()
    expect(chat.locator("#log")).to_contain_text("digital assistant")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_be_focused()

    # and by keyboard alone: Enter on the launcher, Escape again
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(chat.get_by_role("textbox", name="Your message")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    context.close()


def test_chips_typing_language_links_and_the_history_after_a_reload(
    gateway: Gateway, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.add_init_script(  # a first visit in Dutch; what the debtor picks later sticks
        "localStorage.getItem('settle.language') || localStorage.setItem('settle.language', 'nl');"
    )
    page = context.new_page()
    page.goto(f"{gateway.url}/")  # the demo page: opened on the first visit
    chat = widget(page)
    log = chat.locator("#log")
    box = chat.get_by_role("textbox", name="Uw bericht")
    expect(box).to_be_visible()

    # while the assistant thinks, a typing indicator
    ScriptedRasa.gate.clear()
    with page.expect_request(lambda r: r.method == "POST") as sent:
        box.fill("hallo")
        box.press("Enter")
    assert sent.value.post_data_json == {"text": "hallo", "language": "nl"}
    expect(chat.locator("#typing")).to_be_visible()
    expect(log.locator(".settle-msg--debtor .settle-msg__text")).to_have_text("hallo")
    ScriptedRasa.gate.set()
    expect(log.locator(".settle-msg--bot")).to_contain_text("Hello! How can I help?")
    expect(chat.locator("#typing")).to_be_hidden()

    # a chip sends its payload and shows its title; in English after the switch
    chat.get_by_role("button", name="English").click()
    expect(chat.get_by_role("button", name="Send")).to_be_visible()
    expect(chat.get_by_role("button", name="Close chat")).to_be_visible()
    expect(log.locator(".settle-msg__who").first).to_have_text("You")
    ScriptedRasa.replies = [
        {"text": f"Here is your secure payment link:\n{gateway.url}/pay/demo-token."}
    ]
    with page.expect_request(lambda r: r.method == "POST") as sent:
        log.get_by_role("button", name="Balance").click()
    assert sent.value.post_data_json == {"text": "/ask_balance", "language": "en"}
    expect(log.locator(".settle-msg--debtor .settle-msg__text").last).to_have_text("Balance")

    # the payment link opens in a new tab (the full stop after it is not part of it)
    link = log.get_by_role("link", name=f"{gateway.url}/pay/demo-token")
    expect(link).to_have_attribute("href", f"{gateway.url}/pay/demo-token")
    assert ScriptedRasa.received[-1]["message"] == "/ask_balance"
    assert ScriptedRasa.received[-1]["metadata"]["language"] == "en"  # type: ignore[index]
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    with context.expect_page() as tab:
        link.click()
    assert tab.value.url == f"{gateway.url}/pay/demo-token"
    tab.value.close()

    # a reload: the whole history from the server, the chip shown by its title, in English
    page.reload()
    expect(log.locator(".settle-msg")).to_have_count(4)
    expect(log.locator(".settle-msg--debtor .settle-msg__text").last).to_have_text("Balance")
    expect(log).not_to_contain_text("/ask_balance")
    expect(chat.get_by_role("textbox", name="Your message")).to_be_visible()
    context.close()


def test_a_colleague_s_reply_arrives_live_and_the_launcher_says_so(
    gateway: Gateway, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.add_init_script("window.localStorage.setItem('settle.language', 'en');")
    page = context.new_page()
    page.goto(f"{gateway.url}/static/embed-demo.html")
    chat = widget(page)
    launcher = chat.get_by_role("button", name="Chat with us")
    launcher.click()
    box = chat.get_by_role("textbox", name="Your message")
    box.fill("I want to talk to a person")
    box.press("Enter")
    expect(chat.locator("#log .settle-msg--bot")).to_contain_text("Hello! How can I help?")
    page.keyboard.press("Escape")
    conversation_id = page.evaluate("localStorage.getItem('settle.conversation')")

    # a collector answers (written by another process, as the console would)
    with session_scope(gateway.sessions) as session:
        conversation = get_conversation(session=session, conversation_id=conversation_id)
        conversation.state = "human"
        add_message(
            session=session,
            conversation=conversation,
            sender="collector",
            text="Good afternoon, this is Anna. How can I help?",
        )
    expect(launcher).to_have_accessible_name("Chat with us, 1 new message", timeout=10_000)
    launcher.click()
    expect(chat.locator("#log .settle-msg--collector")).to_contain_text("this is Anna")
    expect(chat.locator("#state")).to_have_text("You are now chatting with a colleague.")
    expect(launcher).to_have_accessible_name("Chat with us")
    context.close()


def test_on_a_phone_the_panel_takes_the_whole_screen(gateway: Gateway, browser: Browser) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{gateway.url}/static/embed-demo.html")
    chat = widget(page)
    launcher = chat.get_by_role("button", name="Chat with us")
    launcher.tap()
    dialog = chat.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert dialog.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 667}
    expect(launcher).to_be_hidden()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webchat-phone.png"))
    chat.get_by_role("button", name="Close chat").tap()
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_visible()
    context.close()


def test_on_another_site_it_finds_its_api_and_css_from_its_src_and_can_render_inline(
    gateway: Gateway, browser: Browser
) -> None:
    context = browser.new_context()
    page = context.new_page()
    host_page = (
        "<!doctype html><html lang='nl'><title>Creditor</title><body><h1>Creditor</h1>"
        "<div id='help' style='height:520px'></div>"
        f"<script src='{gateway.url}/static/webchat.js?v=7' data-target='#help' "
        "data-language='nl' data-title='Hulp bij betalen' defer></script></body></html>"
    )
    creditor = ThreadingHTTPServer(("127.0.0.1", 0), CreditorSite)  # another origin
    CreditorSite.page = host_page.encode()
    threading.Thread(target=creditor.serve_forever, daemon=True).start()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)
    page.goto(f"http://127.0.0.1:{creditor.server_port}/invoices")
    chat = page.locator("#help settle-chat")
    expect(chat.get_by_role("heading", name="Hulp bij betalen")).to_be_visible()
    expect(chat.get_by_role("textbox", name="Uw bericht")).to_be_visible()  # inline: no launcher
    expect(chat.get_by_role("button", name="Chat met ons")).to_have_count(0)
    css = chat.evaluate("host => host.shadowRoot.querySelector('link[rel=stylesheet]').href")
    assert css == f"{gateway.url}/static/webchat.css?v=7"
    expect(chat.locator("#log")).to_contain_text("digitale assistent")
    # its labels from the gateway's text catalogue, then the conversation
    assert requests[0] == f"{gateway.url}/api/v1/webchat/texts", requests
    assert requests[1:] and all(
        url.startswith(f"{gateway.url}/api/v1/conversations/web-") for url in requests[1:]
    ), requests
    context.close()
    creditor.shutdown()
