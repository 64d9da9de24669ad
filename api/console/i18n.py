"""The console in the collector's language: its catalogue (api/console/catalogue/, the format
of texts/), the language a request is shown in, and the labels for stored codes.

    t("console.queue", "nl")                    -> "Wachtrij"
    label("reason", "cannot_pay", "en")          -> "Cannot pay"

    page_texts("dashboard", "nl")["title"]     -> "Dashboard"

A collector's choice is stored on their account (Collector.language); until they choose, the
browser's Accept-Language decides, and English when it names neither Dutch nor English.
A page with many words of its own (the dashboard, the reminders) has its own YAML file next to
console.yml and reads it whole with page_texts; amounts and dates go through the bot's
formatters (receivables.common.money.format_money, receivables.common.dates.format_date).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from texts import Catalogue, load_catalogue

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
LANGUAGES = ("nl", "en")
# a browser that names neither language: English, the language the console began in
FALLBACK = "en"


@cache
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_DIR)


def t(key: str, language: str, /, **values: object) -> str:
    """The console text for `key` in `language`, placeholders filled. KeyError when unknown."""
    template = catalogue()[key][language if language in LANGUAGES else FALLBACK]
    return template.format(**values) if values else template


def page_texts(page: str, language: str) -> dict[str, str]:
    """One page's own texts (catalogue/<page>.yml) in `language`, by name: what its template
    reads as {{ labels.<name> }}. KeyError for a page without texts."""
    prefix = f"{page}."
    lang = language if language in LANGUAGES else FALLBACK
    texts = {k[len(prefix) :]: v[lang] for k, v in catalogue().items() if k.startswith(prefix)}
    if not texts:
        raise KeyError(page)
    return texts


def label(kind: str, code: str | None, language: str) -> str:
    """The words for a stored code ("reason", "cannot_pay"); an unknown code readable as is."""
    if not code:
        return ""
    entry = catalogue().get(f"labels.{kind}_{code}")
    if entry is None:
        return code.replace("_", " ").capitalize()
    return entry[language if language in LANGUAGES else FALLBACK]


def browser_language(accept_language: str | None) -> str:
    """The first of nl or en in an Accept-Language header ("nl-NL,nl;q=0.9,en;q=0.8" -> nl)."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower()[:2]
        if code in LANGUAGES and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else FALLBACK


def console_language(chosen: str | None, accept_language: str | None) -> str:
    """The collector's stored choice, else the browser's."""
    return chosen if chosen in LANGUAGES else browser_language(accept_language)
