"""The console in the collector's language: its catalogue (api/console/catalogue/, the format
of texts/), the language a request is shown in, and the labels for stored codes.

    t("console.queue", "nl")                    -> "Wachtrij"
    label("reason", "cannot_pay", "en")          -> "Cannot pay"

    page_texts("dashboard", "nl")["title"]     -> "Dashboard"

A collector's choice is stored on their account (Collector.language); until they choose, the
browser's Accept-Language decides, and English when it names neither Dutch nor English (the
language rule of receivables.common.language with the console's own default: the collectors,
not the debtors, read it).
A page with many words of its own (the dashboard, the reminders) has its own YAML file next to
console.yml and reads it whole with page_texts; amounts and dates go through the bot's
formatters (receivables.common.money.format_money, receivables.common.dates.format_date).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from receivables.common.language import accepted_language, resolve_language
from texts import Catalogue, load_catalogue

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
# a browser that names neither language: English, the language the console began in
FALLBACK = "en"


@cache
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_DIR)


def t(key: str, language: str, /, **values: object) -> str:
    """The console text for `key` in `language`, placeholders filled. KeyError when unknown."""
    template = catalogue()[key][resolve_language(language, default=FALLBACK)]
    return template.format(**values) if values else template


def page_texts(page: str, language: str) -> dict[str, str]:
    """One page's own texts (catalogue/<page>.yml) in `language`, by name: what its template
    reads as {{ labels.<name> }}. KeyError for a page without texts."""
    prefix = f"{page}."
    lang = resolve_language(language, default=FALLBACK)
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
    return entry[resolve_language(language, default=FALLBACK)]


def console_language(chosen: str | None, accept_language: str | None) -> str:
    """The collector's stored choice, else the browser's, else English."""
    return resolve_language(chosen, accepted_language(accept_language), default=FALLBACK)
