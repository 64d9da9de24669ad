"""Structured creditor references as banks carry them, read out of a line: the type named by
the bank (CAMT CdtrRefInf/Tp, MT940 /REMI/STRD/CUR/, /CDTRREF/) or recognised in free text
("BETALINGSKENM.", ABN AMRO's "ISSUER: CUR REF:", a valid ISO 11649 "RF.." reference).
Reading only: whether a reference is one of ours is the reconciliation's question. Pure."""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649

# a Dutch betalingskenmerk: 7 to 16 digits, printed with or without spaces
_KENMERK = r"(\d(?:\s?\d){6,15})"
_FREE_TEXT = (
    re.compile(r"BETALINGSKENM(?:ERK)?\.?:?\s*" + _KENMERK, re.IGNORECASE),
    re.compile(r"ISSUER:\s*CUR\s+REF:\s*" + _KENMERK, re.IGNORECASE),
)
_RF = re.compile(r"\bRF\d{2}[0-9A-Z]{1,21}\b", re.IGNORECASE)
_TYPES = {"SCOR": None, "ISR REFERENCE": "ISR", "ESR": "ISR", "QRR": "QRR"}


def compact(reference: str) -> str:
    return re.sub(r"[\s.]", "", reference).upper()


def reference_type(code: str | None, issuer: str | None, reference: str) -> str | None:
    """One name per kind: RF, CUR, BBA, ISR, QRR; else the bank's own name of the type."""
    if iso11649.is_valid(reference):
        return "RF"
    if issuer and issuer.upper() in ("CUR", "BBA"):
        return issuer.upper()
    if code is None:
        return None
    return _TYPES.get(code.upper(), code) or code


def in_free_text(text: str) -> tuple[str, str] | None:
    """(reference, type) written in an unstructured text, or None."""
    for pattern in _FREE_TEXT:
        found = pattern.search(text)
        if found:
            return compact(found.group(1)), "CUR"
    for candidate in _RF.findall(text):
        if iso11649.is_valid(candidate):
            return compact(candidate), "RF"
    return None


_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def iban_shaped(text: str | None) -> bool:
    """Written like an IBAN (anonymised files carry ones whose checksum fails): enough to
    say where an account number stands, never proof of a payer."""
    if not text:
        return False
    return _IBAN_SHAPE.fullmatch(text.strip().replace(" ", "").upper()) is not None


def valid_iban(text: str | None) -> str | None:
    """The IBAN in compact form when `text` is a valid one (checksum and country length),
    else None: anonymised samples carry invalid ones, and those are no proof of a payer."""
    if not text:
        return None
    try:
        return IBAN(text.strip()).compact
    except (SchwiftyException, ValueError):
        return None
