"""Bytes to text, the way banks' files come: UTF-8 with or without a byte-order mark, UTF-16
with one, and the old single-byte code pages (Windows-1252/latin-1 from Dutch and German
banks, DOS CP852 from Central European ones).

How a single-byte file's code page is told (not guessed): a file that is valid UTF-8 is
UTF-8. Otherwise it is decoded as cp1252 and as cp852, and each reading is scored on its
non-ASCII characters: a letter that fits its word (a lowercase letter, or a capital that does
not follow a lowercase letter) counts for it; anything else (box drawing, "¡", "÷", a
no-break space in a word, a C1 control) counts against it. The better reading wins; a tie
goes to cp1252. In CP852 bytes, "jóváírása" read as cp1252 is "j¢v ¡r sa" (symbols); in cp1252
bytes, "Café één" read as CP852 is "CafÚ ÚÚn" (capitals inside words).

Why by hand: charset-normalizer (measured on statement text) read a cp1252 Dutch line as
latin-1, losing the euro sign, and a short CP852 Hungarian line as cp1250; mt-940's own
fallback is UTF-8 then cp852 always, which silently garbles every cp1252 file."""

from __future__ import annotations

import codecs
import re
import unicodedata

from receivables.books.statements.model import StatementError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_SINGLE_BYTE = ("cp1252", "cp852")


def decode(data: bytes) -> tuple[str, str]:
    """The text and a word on how it was read ("utf-8", "cp852 (detected)", ...)."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), name
            except UnicodeDecodeError as exc:
                raise StatementError(f"the file starts as {name} but is not") from exc
    declared = _XML_ENCODING.match(data[:200])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        try:
            codecs.lookup(name)
        except LookupError as exc:
            raise StatementError(f"the file says it is in {name}, an unknown encoding") from exc
        try:
            return data.decode(name), f"{name} (declared)"
        except UnicodeDecodeError as exc:
            raise StatementError(f"the file says it is in {name} but is not") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    readings = []
    for codec in _SINGLE_BYTE:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue  # cp1252 leaves five bytes undefined: then it is not cp1252
        readings.append((_score(text), -_SINGLE_BYTE.index(codec), codec, text))
    if not readings:
        return data.decode("latin-1"), "latin-1 (detected)"
    _, _, codec, text = max(readings)
    return text, f"{codec} (detected)"


def _score(text: str) -> int:
    score = 0
    for index, char in enumerate(text):
        if char < "\x80":
            continue
        before = text[index - 1] if index else " "
        category = unicodedata.category(char)
        if category == "Ll" or char == "€":
            score += 1
        elif category == "Lu" and unicodedata.category(before) != "Ll":
            score += 1
        else:
            score -= 1
    return score
