"""A chat message made fit to be read aloud: amounts and dates written out, links taken out
(they go by text message instead), no emoji or markdown. Pure.

    speakable("Uw saldo is € 1.234,56.\\nhttps://pay.example/x", "nl")
    -> Spoken(text="Uw saldo is duizend tweehonderdvierendertig euro en zesenvijftig cent.",
              links=("https://pay.example/x",))
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from channels.spoken_numbers import amount_words, date_words
from receivables.common.dates import find_calendar_date

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
# "€ 1.234,56", "€5", "-€ 3,10" (Dutch); "€1,234.56" (English); "EUR" for the sign too
_AMOUNT = {
    "nl": re.compile(r"(?:(-)\s?)?(?:€|EUR)\s?(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{2}|-))?(?!\d)"),
    "en": re.compile(r"(?:(-)\s?)?(?:€|EUR)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?(?!\d)"),
}
_MARKUP = re.compile(r"[*_`~]+|^\s*(?:#+|[-•>])\s+", re.MULTILINE)
_DROP = {"\u200d", "\u20e3", "\ufe0e", "\ufe0f"}


@dataclass(frozen=True)
class Spoken:
    text: str
    links: tuple[str, ...] = ()


def _amounts(text: str, language: str) -> str:
    pattern = _AMOUNT["nl" if language == "nl" else "en"]

    def spell(match: re.Match[str]) -> str:
        euros = re.sub(r"[.,]", "", match[2])
        cents = match[3] if match[3] and match[3] != "-" else "00"
        amount = Decimal(f"{euros}.{cents}")
        return amount_words(-amount if match[1] else amount, language)

    return pattern.sub(spell, text)


def _dates(text: str, language: str) -> str:
    while found := find_calendar_date(text):
        date, written = found
        text = text.replace(written, date_words(date, language), 1)
    return text


def _no_symbols(text: str) -> str:
    """Emoji, pictographs and their joiners out; letters, digits and punctuation stay."""
    return "".join(
        ch
        for ch in text
        if ch not in _DROP and unicodedata.category(ch) not in ("So", "Sk", "Cs", "Co", "Cn")
    )


def _sentences(text: str) -> str:
    """Lines become sentences; a line left ending in ':' (its link taken out) ends in '.'."""
    parts = []
    for line in text.splitlines():
        line = re.sub(r"\s+", " ", line).strip()
        if not line:
            continue
        line = re.sub(r"\s*[:(]\s*$", "", line)
        if line and line[-1] not in ".!?":
            line += "."
        parts.append(line)
    return " ".join(parts)


def speakable(text: str, language: str) -> Spoken:
    links = tuple(m[2] for m in _MARKDOWN_LINK.finditer(text))
    text = _MARKDOWN_LINK.sub(r"\1", text)
    links += tuple(m[0].rstrip(".,;:!?") for m in _URL.finditer(text))
    text = _URL.sub("", text)
    text = _MARKUP.sub("", text)
    text = _amounts(text, language)
    text = _dates(text, language)
    text = _no_symbols(text)
    return Spoken(_sentences(text), links)


def spoken_title(title: str, language: str) -> str:
    """A button's title inside a sentence: "Toets 1 voor mijn saldo"."""
    title = speakable(title, language).text.rstrip(".?!")
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        title = title[0].lower() + title[1:]
    return title
