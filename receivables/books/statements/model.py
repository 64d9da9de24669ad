"""What a bank statement says, whatever the format: neutral lines, one per transaction detail,
for the reconciliation to work on (as OCA's bank-statement-import hands neutral lines on and
matches elsewhere). Pure data; the readers in this package build it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from receivables.errors import InvalidInput

Direction = Literal["credit", "debit"]


class StatementError(InvalidInput):
    """The file is not a statement we can read. The message is one line a credit manager
    understands: what is wrong with the file, never a parser's internals."""


@dataclass(frozen=True)
class Balance:
    """A balance the bank states: signed (a debit balance is negative)."""

    code: str  # OPBD, PRCD, CLBD (CAMT) or 60F, 60M, 62F, 62M (MT940)
    amount: Decimal
    currency: str | None
    on: dt.date | None


@dataclass(frozen=True)
class StatementLine:
    """One transaction detail: a credit or a debit on the statement's account."""

    key: str  # stable and unique: booked once by it; see assign_keys
    source: str  # camt053 | mt940
    account: str | None  # the statement's own account: an IBAN, or the bank's own number
    account_currency: str | None
    statement_id: str | None
    booked_on: dt.date
    value_date: dt.date | None
    amount: Decimal  # positive, as the bank wrote it (not rounded)
    currency: str
    direction: Direction  # the way the money went on this line: in (credit) or out (debit)
    # the line undoes an earlier one in the other direction: CAMT RvslInd or a return
    # (RtrInf, RRTN), MT940 RC/RD, ING /RTRN/, German returns (GVC 159, ?34)
    reversal: bool = False
    return_code: str | None = None  # MS03, AC06, MD06, ...
    reverses: str | None = None  # the original's end-to-end id (or reference), when given
    bank_reference: str | None = None  # the bank's reference of this detail
    entry_reference: str | None = None  # the bank's reference of the entry (a batch's)
    end_to_end_id: str | None = None  # the payer's end-to-end id (not unique: never a key)
    batch_position: int | None = None  # 1-based position in a batch of several details
    batch_size: int | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None  # a valid IBAN only (schwifty)
    counterparty_account: str | None = None  # as written, when not a valid IBAN
    remittance: str = ""  # unstructured remittance, whitespace collapsed
    structured_reference: str | None = None  # the creditor reference, compact
    # RF (ISO 11649), CUR (Dutch betalingskenmerk), BBA (Belgian OGM), ISR/QRR (Swiss),
    # or the bank's own name of the type
    structured_reference_type: str | None = None
    transaction_code: str | None = None  # BkTxCd (Domn/Fmly/SubFmly or Prtry), :61: type
    legacy_key: str | None = None  # the key an earlier Settle stored this line under

    @property
    def is_incoming_payment(self) -> bool:
        """Money in that is not money coming back: the only lines that can be payments."""
        return self.direction == "credit" and not self.reversal

    @property
    def undoes_a_credit(self) -> bool:
        """Money out that reverses an earlier credit (a payment that went back)."""
        return self.direction == "debit" and self.reversal


@dataclass(frozen=True)
class Statement:
    """One statement (one account, one period) in a file; a file may hold many."""

    source: str
    identifier: str | None
    account: str | None
    account_iban: str | None
    currency: str | None
    opening: Balance | None
    closing: Balance | None
    lines: tuple[StatementLine, ...]
    warnings: tuple[str, ...] = ()

    @property
    def reconciles(self) -> bool | None:
        """Opening + the lines = closing; None when the bank gave no such balances. Many
        real files do not add up (excerpts, anonymised samples): a warning, not a refusal."""
        if self.opening is None or self.closing is None:
            return None
        moved = sum((signed(line) for line in self.lines), Decimal(0))
        return self.opening.amount + moved == self.closing.amount


@dataclass(frozen=True)
class StatementFile:
    format: str  # camt053 | mt940
    encoding: str  # how the bytes were read, e.g. "utf-8", "cp852 (detected)"
    statements: tuple[Statement, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def lines(self) -> list[StatementLine]:
        return [line for statement in self.statements for line in statement.lines]

    def all_warnings(self) -> list[str]:
        found = list(self.warnings)
        for statement in self.statements:
            found.extend(statement.warnings)
            if statement.reconciles is False:
                found.append(
                    f"statement {statement.identifier or '?'} of {statement.account or '?'}: "
                    "the opening balance plus the lines is not the closing balance"
                )
        return found


def signed(line: StatementLine) -> Decimal:
    return line.amount if line.direction == "credit" else -line.amount


def content_digest(*parts: object) -> str:
    """A short digest of what a line says, for lines the bank gave no reference."""
    text = "|".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def assign_keys(lines: list[StatementLine]) -> list[StatementLine]:
    """Make the keys of one file unique, deterministically: a key that two lines would share
    (the bank gave two details the same reference, or two lines say exactly the same and
    carry no reference) gets "#2", "#3", ... in the order of the file. The same file read
    again gives the same keys."""
    seen: Counter[str] = Counter()
    unique = []
    for line in lines:
        seen[line.key] += 1
        if seen[line.key] > 1:
            line = replace(line, key=f"{line.key}#{seen[line.key]}")
        unique.append(line)
    if len({line.key for line in unique}) != len(unique):  # "#2" met a bank's own "#2"
        return assign_keys(unique)
    return unique
