"""The :86: description of an MT940 transaction, in the layouts Dutch and neighbouring banks
use, read into counterparty, remittance, end-to-end id, structured reference and return
code. mt-940 leaves :86: as one string (it splits only the German ?NN layout), so the other
layouts are read here, one function each, like OCA's per-bank mt940 modules. Pure.

- slash codes: ING (/CNTP/iban/bic/name/city/, /REMI/USTD//text/, /REMI/STRD/CUR/ref/,
  /EREF/, /RTRN/), Rabobank (/ORDP//NAME/, /BENM//NAME/, /REMI/, /CDTRREF/), ABN AMRO, bunq
  and Van Lanschot (/TRTP/, /IBAN/, /NAME/, /REMI/, /EREF/);
- German ?NN subfields (Deutsche Bank and others), as mt-940 split them;
- Triodos >NN subfields;
- labelled free text: Knab ("REK: ... /NAAM: ...") and ABN AMRO's older SEPA text
  ("IBAN: ... NAAM: ... OMSCHRIJVING: ... BETALINGSKENM.: ...");
- free text (old ING, de Volksbank's 65-column block, PostFinance, Raiffeisen), where a
  leading valid IBAN is the payer's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from receivables.books.statements.references import (
    compact,
    iban_shaped,
    in_free_text,
    reference_type,
)

WIDTH = 65  # an :86: line is at most 65 characters; a full line was wrapped mid-word

_CODES = (
    "TRTP|IBAN|BIC|NAME|REMI|EREF|ORDP|BENM|ADDR|ID|CNTP|PREF|MARF|CSID|RTRN|ISDT|BUSP|"
    "PURP|ULTC|ULTD|CDTRREFTP|CDTRREF|ISSR|CD|SVCL|TRCD|OCMT|CHGS|EXCH|ULTB|SUM"
)
_SLASH = re.compile(rf"/({_CODES})/")
_ING = re.compile(r"/(CNTP|REMI/USTD|REMI/STRD|PREF|RTRN)/")
_LABELS = re.compile(
    r"\b(REK|IBAN|BIC|NAAM|OMSCHRIJVING|KENMERK|BETALINGSKENM\.|ID DEBITEUR|MACHTIGING|"
    r"INCASSANT ID|INCASSANT):\s*"
)
_GERMAN_RETURN_CODES = {"109", "159"}  # GVC: SEPA direct debit returned, transfer returned
_GERMAN_RETURN_WORDS = re.compile(r"RETOURE|R(?:UE|Ü)CK|STORNO", re.IGNORECASE)
_NOT_GIVEN = {"", "NOTPROVIDED", "NONREF"}


@dataclass(frozen=True)
class Details:
    remittance: str = ""
    counterparty_name: str | None = None
    counterparty_account: str | None = None  # as written; validated by the caller
    end_to_end_id: str | None = None
    structured: tuple[str, str | None] | None = None
    returned: bool = False  # the bank says this line is a return
    return_code: str | None = None


def read(lines: list[str], parsed: dict[str, Any]) -> Details:
    """`lines`: the :86: text's physical lines (the first without ":86:"); `parsed`: what
    mt-940 made of the transaction (its ?NN split for the German layout)."""
    lines = [line.rstrip() for line in lines if line.strip()]
    if not lines:
        return Details()
    glued = "".join(lines)
    if re.match(r"^\d{3}\?\d{2}", glued):
        return _german(parsed)
    if re.match(r"^\d{3}>\d{2}", glued):
        return _triodos(glued)
    if _ING.search(glued):
        return _slash_codes(glued)
    if lines[0].startswith("/") and _SLASH.search(unwrap(lines)):
        return _slash_codes(unwrap(lines))
    text = " ".join(" ".join(lines).split())
    if _LABELS.search(text):
        return _labelled(text)
    return _free_text(lines)


def unwrap(lines: list[str]) -> str:
    """Join the lines of a description: a full line (65 characters, counting ":86:" on the
    first) was wrapped mid-word and is glued to the next; a shorter one ended where the
    payer's line ended and gets a space."""
    text = lines[0]
    for index in range(1, len(lines)):
        length = len(lines[index - 1]) + (4 if index == 1 else 0)
        text += ("" if length >= WIDTH else " ") + lines[index]
    return text


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.strip().strip("/").split())
    return None if value.upper() in _NOT_GIVEN else value


def _slash_codes(text: str) -> Details:
    parts = _SLASH.split(text)
    fields: dict[str, str] = {}
    for index in range(1, len(parts) - 1, 2):
        fields.setdefault(parts[index], parts[index + 1])
    name = _clean(fields.get("NAME"))
    account = _clean(fields.get("IBAN"))
    if "CNTP" in fields:  # ING: iban/bic/name/city
        cntp = (fields["CNTP"].split("/") + ["", "", ""])[:4]
        account = account or _clean(cntp[0])
        name = name or _clean(cntp[2])
    remi = fields.get("REMI", "")
    structured = None
    strd = re.match(r"STRD/(\w+)/([^/]*)", remi)
    if strd:  # ING: /REMI/STRD/CUR/9001123412341234/
        reference = compact(strd.group(2))
        structured = (reference, reference_type(None, strd.group(1), reference))
        remi = ""
    remittance = _clean(re.sub(r"^USTD//", "", remi)) or ""
    if "CDTRREF" in fields:  # Rabobank: /REMI//CDTRREFTP//CD/SCOR/ISSR/CUR/CDTRREF/...
        reference = compact(_clean(fields["CDTRREF"]) or "")
        if reference:
            structured = (
                reference,
                reference_type(_clean(fields.get("CD")), _clean(fields.get("ISSR")), reference),
            )
    structured = structured or in_free_text(remittance)
    return_code = _clean(fields.get("RTRN"))
    return Details(
        remittance=remittance,
        counterparty_name=name,
        counterparty_account=account,
        end_to_end_id=_clean(fields.get("EREF")),
        structured=structured,
        returned=return_code is not None,
        return_code=return_code,
    )


def _german(parsed: dict[str, Any]) -> Details:
    code = str(parsed.get("transaction_code") or "")
    posting = str(parsed.get("posting_text") or "")
    return_code = _clean(str(parsed.get("return_debit_notes") or ""))
    purpose = parsed.get("purpose_remittance") or parsed.get("purpose") or ""
    remittance = " ".join(str(purpose).split())
    returned = (
        code in _GERMAN_RETURN_CODES
        or return_code is not None
        or bool(_GERMAN_RETURN_WORDS.search(posting))
    )
    name = " ".join(str(parsed.get("applicant_name") or "").split()) or None
    return Details(
        remittance=remittance or posting,
        counterparty_name=name,
        counterparty_account=_clean(str(parsed.get("applicant_iban") or "")),
        end_to_end_id=_clean(str(parsed.get("end_to_end_reference") or "")),
        structured=in_free_text(remittance),
        returned=returned,
        return_code=return_code,
    )


def _triodos(text: str) -> Details:
    """ "000>100000000000>20BIC>21IBAN>22name and description ...>310454545454": the >22 to
    >29 subfields are fixed-width pieces of one text (glued); >31 is the own account."""
    fields = dict(re.findall(r">(\d{2})((?:(?!>\d{2}).)*)", text))
    account = _clean(fields.get("21"))
    pieces = _glue_pieces([fields.get(str(code), "") for code in range(22, 30)])
    if account and not iban_shaped(account):  # a card payment's text, not an account
        pieces, account = account + " " + pieces, None
    remittance = " ".join(pieces.split())
    return Details(
        remittance=remittance, counterparty_account=account, structured=in_free_text(remittance)
    )


def _glue_pieces(pieces: list[str]) -> str:
    """Triodos cuts its text into 27-character subfields: a full one was cut mid-word."""
    text, previous = "", ""
    for piece in (p for p in pieces if p):
        text += ("" if not text or len(previous) >= 27 else " ") + piece
        previous = piece
    return text


def _labelled(text: str) -> Details:
    parts = _LABELS.split(text)
    before = parts[0].strip()
    fields: dict[str, str] = {}
    for index in range(1, len(parts) - 1, 2):
        fields.setdefault(parts[index], parts[index + 1].strip().strip("/").strip())
    account = fields.get("REK") or fields.get("IBAN")
    remittance = " ".join(p for p in (before, fields.get("OMSCHRIJVING", "")) if p)
    return Details(
        remittance=remittance,
        counterparty_name=_clean(fields.get("NAAM")),
        counterparty_account=_clean(account),
        end_to_end_id=_clean(fields.get("KENMERK")),
        structured=in_free_text(text),
    )


def _free_text(lines: list[str]) -> Details:
    """Free text; a valid IBAN opening the first line is the counterparty's, and the rest of
    that line its name (de Volksbank's block: "NL11RABO0987654321 f. spark bedrijf n.v.")."""
    first = lines[0].split(maxsplit=1)
    if first and iban_shaped(first[0]):
        name = first[1].strip() if len(first) > 1 else None
        rest = " ".join(" ".join(lines[1:]).split())
        return Details(
            remittance=rest,
            counterparty_name=name,
            counterparty_account=first[0],
            structured=in_free_text(rest),
        )
    text = " ".join(" ".join(lines).split())
    return Details(remittance=text, structured=in_free_text(text))
