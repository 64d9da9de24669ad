"""Which language a debtor writes in: Dutch, English, or not enough to tell. Pure."""

from __future__ import annotations

import re

Language = str  # "nl" | "en"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

_DUTCH = set(
    """ik je jij u uw mijn me mij wij we ons onze het een de en of niet geen wel is ben bent zijn
    was heb hebt heeft hebben kan kun kunt kunnen wil wilt moet moeten mag graag hoeveel hoe wat
    wanneer waarom welke wie waar nog al ook maar dan dat die dit deze zo nu even hoi hallo
    goedemorgen goedemiddag goedenavond dag doei bedankt dank dankjewel dankuwel alstublieft
    alsjeblieft aub ja nee klopt betalen betaal betaald saldo factuur facturen openstaand
    openstaande bedrag schuld rekening termijnen vervaldatum geboortedatum klantnummer
    factuurnummer postcode geboren maart mei juni juli oktober robot mens medewerker spreken
    praten staat staan er te van voor met op aan bij naar om uit over tot prima goed fijn
    tot ziens""".split()
)
_ENGLISH = set(
    """i you your my me we our us the a an and or not no is am are was were have has had can
    could would will want need must may please how what when why which who where still also
    but then that this these those so now just hello morning evening good bye goodbye
    thanks thank thx yes yeah yep nope pay paid payment balance invoice invoices bill
    bills owe outstanding due amount debt account installments date birth customer number
    postcode born march may june july october bot human person agent speak talk to of for
    with on at by from about it do does did much many there hiya howdy afternoon send
    months month instalments installment instalment get would like""".split()
)
_WORD = re.compile(r"[a-zà-ÿ']+")
# customer and invoice numbers say nothing about the language ("EN-1001" is not Dutch "en")
_IDENTIFIER = re.compile(r"[\w/.-]*\d[\w/.-]*")


def detect_language(text: str) -> Language | None:
    """'nl' or 'en' when the words say so clearly, None for numbers, dates and one-word
    greetings that both languages share ('ok', 'hi', '48213907')."""
    words = _WORD.findall(_IDENTIFIER.sub(" ", text.lower()))
    dutch = sum(w in _DUTCH for w in words) + sum(w.endswith("ij") for w in words)
    english = sum(w in _ENGLISH for w in words)
    if dutch > english:
        return "nl"
    if english > dutch:
        return "en"
    return None


def language_of_tag(tag: str | None) -> Language | None:
    """'nl' or 'en' for a browser's language tag ('en-GB', 'nl-BE', 'EN'), else None."""
    primary = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None
