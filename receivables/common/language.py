"""The debtor's language: the one place that decides it. Pure.

Settle writes Dutch and English. Every layer that needs a language for a debtor (the bot's
replies, the gateway's texts, channel notices, reminders, payment news, the pay page, the
phone menu) takes it from `resolve_language`, with one fallback rule: what the conversation
or the debtor says (the caller passes what it knows, most specific first), else the
creditor's default (the policy's creditor.language), else Dutch. The other functions read a
language from what people send: a language code or tag, an Accept-Language header, a text.
"""

from __future__ import annotations

import re

Language = str  # "nl" | "en"
LANGUAGES = ("nl", "en")
# when nothing says otherwise, not even the policy: Settle's creditors are Dutch
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


def language_code(value: str | None) -> Language | None:
    """'nl' or 'en' for a language code or tag we write ('en', 'EN', 'en-GB', 'nl_BE'),
    None for anything else (None, '', 'de', 'fr-FR')."""
    primary = (value or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def resolve_language(*said: str | None, default: str | None = None) -> Language:
    """The one fallback rule: the first of `said` that is a language we write (the caller
    passes what it knows, most specific first: the conversation's, the debtor's on file, what
    the client or the channel says), else `default` (the creditor's: the policy's
    creditor.language), else Dutch."""
    for value in (*said, default):
        if (code := language_code(value)) is not None:
            return code
    return DEFAULT_LANGUAGE


def accepted_language(header: str | None) -> Language | None:
    """The first of nl or en in an Accept-Language header, by preference
    ("de-DE,en;q=0.5,nl;q=0.7" -> nl); None when it names neither."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = language_code(tag)
        if code is not None and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None
