"""The console's language and words: the collector's choice, else the browser's; every console
text in Dutch and English with the same placeholders; stored codes as labels; button presses
as the titles the debtor saw."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from api.console.i18n import catalogue, console_language, label, page_texts, t
from api.console.pages import waited
from api.console.panel import button_titles, summary_line
from texts import parity_problems


def test_every_console_text_has_dutch_and_english_with_the_same_placeholders() -> None:
    assert len(catalogue()) > 100
    assert parity_problems(catalogue()) == []


def test_the_dashboard_and_the_reminders_page_read_their_words_from_the_catalogue() -> None:
    """Their own files next to console.yml, under the parity test above; no labels in code."""
    for page, words in (("dashboard", 45), ("reminders", 26)):
        dutch, english = page_texts(page, "nl"), page_texts(page, "en")
        assert len(dutch) == len(english) == words
    assert page_texts("reminders", "nl")["title"] == "Herinneringen"
    assert page_texts("dashboard", "en")["ageing"] == "Ageing of open items"
    assert page_texts("dashboard", "fr") == page_texts("dashboard", "en")


def test_the_collectors_choice_wins_then_the_browser_then_english() -> None:
    assert console_language("nl", "en-GB,en;q=0.9") == "nl"
    assert console_language(None, "nl-NL,nl;q=0.9,en;q=0.8") == "nl"
    assert console_language(None, "de-DE,en;q=0.5,nl;q=0.7") == "nl"
    assert console_language(None, "fr-FR") == "en"
    assert console_language(None, None) == "en"
    assert console_language(None, "en;q=0,nl;q=0.1") == "nl"


def test_codes_become_labels_in_the_collectors_language() -> None:
    assert label("reason", "cannot_pay", "nl") == "Kan niet betalen"
    assert label("method", "bank_transfer", "en") == "Bank transfer"
    assert label("method", "bank_transfer", "nl") == "Overschrijving"
    assert label("reason", "something_new", "nl") == "Something new"  # readable, never raw
    assert t("console.days_overdue", "nl", days=31) == "31 dagen over de vervaldatum"
    assert t("console.with_collector", "en", name="Eva de Boer") == "with Eva de Boer"


def test_waiting_times_read_in_either_language() -> None:
    now = dt.datetime(2026, 11, 30, 12, 0)
    assert waited(now - dt.timedelta(minutes=125), now, "nl") == "2 u 05"
    assert waited(now - dt.timedelta(minutes=125), now, "en") == "2 h 05"


def message(sender: str, text: str, buttons: list[dict[str, str]] | None = None) -> Any:
    return SimpleNamespace(sender=sender, text=text, buttons=buttons or [])


def test_a_button_press_is_shown_by_the_title_the_debtor_saw() -> None:
    messages = [
        message("bot", "Zal ik u doorverbinden?", [{"title": "Ja, graag", "payload": "/affirm"}]),
        message("debtor", "/affirm"),
    ]
    assert button_titles(messages) == {"/affirm": "Ja, graag"}


def test_lines_of_the_stored_summary() -> None:
    summary = 'Anna (1), verified.\nDebtor wrote: "help"\nBot offered: a payment link'
    assert summary_line(summary, "Bot offered: ") == "a payment link"
    assert summary_line(summary, "Nothing: ") == ""
