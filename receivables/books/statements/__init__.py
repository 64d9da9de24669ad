"""Bank statements read into neutral lines: CAMT.053 (camt053) and MT940 (mt940, with the banks'
quirks in mt940_quirks and their :86: layouts in mt940_details), bytes to text in encoding.
`parse_statement` is the one entry; what the lines are booked to is
receivables.books.bank_statements' business. Pure: no database, no clock."""

from __future__ import annotations

import re
from dataclasses import replace

from receivables.books.statements import camt053, mt940
from receivables.books.statements.encoding import decode
from receivables.books.statements.model import (
    Balance,
    Statement,
    StatementError,
    StatementFile,
    StatementLine,
    assign_keys,
)
from receivables.common.text import clean_text

__all__ = [
    "Balance",
    "Statement",
    "StatementError",
    "StatementFile",
    "StatementLine",
    "parse_statement",
]

_NOT_STATEMENTS = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or a spreadsheet"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word document"),
    (b"OFXHEADER", "an OFX file"),
)


def parse_statement(data: bytes | str) -> StatementFile:
    """The statements in a CAMT.053 or MT940 file, told apart by their content. Refuses with
    a StatementError (one line, for a person) what it cannot read."""
    if isinstance(data, str):
        text, encoding = data, "text"
    else:
        for magic, what in _NOT_STATEMENTS:
            if data.lstrip()[: len(magic)].upper() == magic.upper():
                raise StatementError(
                    f"this is {what}, not a bank statement: upload the CAMT.053 (XML) or "
                    "MT940 file your bank offers for download"
                )
        text, encoding = decode(data)
    # no NUL or other control characters (SOH/ETX, Ctrl-Z) reach the parsers or the database
    text = clean_text(text).lstrip("\ufeff \t\r\n")
    if not text:
        raise StatementError("the file is empty")
    if text.startswith("<"):
        statements, kind = camt053.parse(text), "camt053"
    elif re.search(r"^:20:", text, re.MULTILINE) and re.search(r"^:25:", text, re.MULTILINE):
        if not re.search(r"^:6[02][FM]:", text, re.MULTILINE) and re.search(
            r"^:34F:", text, re.MULTILINE
        ):
            raise StatementError("this is an MT942 interim report, not a statement (MT940)")
        statements, kind = mt940.parse(text), "mt940"
    else:
        raise StatementError(
            "this is not a bank statement: Settle reads CAMT.053 (XML) and MT940 files"
        )
    keyed = iter(assign_keys([line for s in statements for line in s.lines]))
    statements = [replace(s, lines=tuple(next(keyed) for _ in s.lines)) for s in statements]
    return StatementFile(format=kind, encoding=encoding, statements=tuple(statements))
