"""The credit manager's dashboard in real Chromium: a senior signs in, opens it in Dutch,
changes the period, sees the charts drawn without console errors and downloads a CSV; a
junior gets no dashboard. Screenshots go to var/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.api.test_gateway import FakeRasa
from tests.api.test_handoff_api import PASSWORD, seed_case, seed_collector
from tests.browser.chromium import ARTIFACTS, Gateway, chromium, running_gateway


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("dashboard"), FakeRasa, "dash-admin") as running:
        sessions = running.sessions
        seed_collector(sessions, "marit", "admin")
        seed_collector(sessions, "joost", "junior")
        seed_case(sessions, "web-dash-1")
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def sign_in(browser: Browser, gateway: Gateway, username: str, width: int = 1280):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{gateway.url}/console/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{gateway.url}/console")
    return context, page


def test_a_credit_manager_reads_the_dashboard_in_dutch(gateway: Gateway, browser: Browser) -> None:
    context, page = sign_in(browser, gateway, "marit")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(f"{gateway.url}/console/dashboard")
    page.goto(f"{gateway.url}/console/dashboard?lang=nl")  # the browser speaks English
    expect(page.get_by_role("heading", name="Ouderdom van de openstaande posten")).to_be_visible()
    page.get_by_label("van", exact=True).fill("2026-10-01")
    page.get_by_label("tot en met", exact=True).fill("2026-11-30")
    page.get_by_role("button", name="Toon").click()
    expect(page).to_have_url(
        f"{gateway.url}/console/dashboard?lang=nl&from=2026-10-01&to=2026-11-30"
    )
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(7)
    assert charts.first.bounding_box()["width"] > 200  # type: ignore[index]
    page.screenshot(path=str(ARTIFACTS / "dashboard-laptop.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#h-ageing").locator("xpath=..").get_by_role(
            "link", name="Download CSV"
        ).click()
    path = download.value.path()
    assert path.read_text(encoding="utf-8").startswith("Ouderdom,Bedrag,Aantal")
    tablet = context.new_page()
    tablet.set_viewport_size({"width": 820, "height": 1180})
    tablet.goto(f"{gateway.url}/console/dashboard?lang=nl")
    assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    tablet.screenshot(path=str(ARTIFACTS / "dashboard-tablet.png"), full_page=True)
    assert errors == []
    context.close()


def test_a_junior_gets_no_dashboard(gateway: Gateway, browser: Browser) -> None:
    context, page = sign_in(browser, gateway, "joost")
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    answer = page.goto(f"{gateway.url}/console/dashboard")
    assert answer is not None and answer.status == 403
    context.close()
