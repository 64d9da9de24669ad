"""Import external credit information and business attributes per debtor from a CSV file.

    settle credit-import FILE [--source NAME] [--dry-run]

The file has a header row; columns in any order, separated by commas or semicolons (as a
Dutch spreadsheet saves it), UTF-8 (with or without a byte order mark):

    reference      the debtor's customer number (required)
    credit_score   a whole number 0-100 (higher: more creditworthy)
    credit_flag    a short word such as debt_restructuring or payment_arrears
    kind           consumer | business
    industry       construction, hospitality, ...
    country        a two-letter ISO code such as NL

A column that is there is imported for every row, and an empty cell clears that value; a
column left out leaves that value as it is. The file is imported whole or not at all: every
bad row (an unknown reference, a reference twice, a score out of range, ...) is reported with
its line number, and nothing changes. After an import the profiles of the debtors in it are
recomputed with the policy's thresholds.

Reads SETTLE_DATABASE_URL and SETTLE_POLICY_FILE. Exit status: 0 imported (or checked, with
--dry-run), 1 the file has bad rows or cannot be read, 2 wrong usage.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.common.identifiers import normalize_reference
from receivables.errors import InvalidInput
from receivables.models import Debtor
from receivables.policy.model import Policy
from receivables.profiles.service import (
    current_profile,
    normalize_country,
    normalize_credit_flag,
    normalize_industry,
    normalize_kind,
    set_business_attributes,
    set_credit_info,
)

COLUMNS = ("reference", "credit_score", "credit_flag", "kind", "industry", "country")
CREDIT_COLUMNS = ("credit_score", "credit_flag")
BUSINESS_COLUMNS = ("kind", "industry", "country")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class CreditRow:
    line: int
    reference: str
    # the columns in the file (but reference), checked and normalized
    values: dict[str, Any]


@dataclass
class CreditImport:
    """What an import did: the debtors changed, or the errors (and then nothing changed)."""

    columns: tuple[str, ...] = ()
    # the rows read (not blank)
    rows: int = 0
    imported: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _score(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise InvalidInput(f"credit_score must be a whole number from 0 to 100, not {text!r}")
    return int(text)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "credit_score": _score,
    "credit_flag": normalize_credit_flag,
    "kind": normalize_kind,
    "industry": normalize_industry,
    "country": normalize_country,
}


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def parse_credit_csv(text: str) -> tuple[list[CreditRow], list[RowError], tuple[str, ...]]:
    """The rows of a credit file, the errors with their line numbers, and the columns.
    Checks the header and every cell; not whether the references exist. Pure."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    header = next(reader, None)
    if header is None:
        return [], [RowError(1, "the file is empty; the first line names the columns")], ()
    columns = tuple(c.strip().lower() for c in header)
    unknown = [c for c in columns if c not in COLUMNS]
    problems = [f"unknown column {c!r}" for c in unknown]
    if "reference" not in columns:
        problems.append("the column reference is missing")
    if duplicated := sorted({c for c in columns if columns.count(c) > 1}):
        problems.append(f"column {', '.join(duplicated)} more than once")
    if len(set(columns) - {"reference"}) == 0 and not problems:
        problems.append("no column to import besides reference")
    if problems:
        wanted = ", ".join(COLUMNS)
        return [], [RowError(1, f"{'; '.join(problems)} (columns: {wanted})")], columns
    rows: list[CreditRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            errors.append(RowError(line, f"{len(cells)} cells, the header has {len(columns)}"))
            continue
        record = dict(zip(columns, cells, strict=True))
        reference = normalize_reference(record.pop("reference"))
        if not reference:
            errors.append(RowError(line, "the reference is empty"))
            continue
        if reference in seen:
            errors.append(RowError(line, f"reference {reference} is on line {seen[reference]} too"))
            continue
        seen[reference] = line
        values, problems = {}, []
        for column, cell in record.items():
            try:
                values[column] = _PARSERS[column](cell)
            except InvalidInput as exc:
                problems.append(str(exc))
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        rows.append(CreditRow(line=line, reference=reference, values=values))
    return rows, errors, columns


def import_credit_text(
    *,
    session: Session,
    text: str,
    source: str,
    policy: Policy | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
    actor: str = "system",
) -> CreditImport:
    """Check the whole file, then (unless there are errors, or with dry_run) store every row
    and recompute those debtors' profiles. Nothing is stored when any row is bad."""
    rows, errors, columns = parse_credit_csv(text)
    result = CreditImport(columns=columns, rows=len(rows) + len(errors), errors=errors)
    keys = [r.reference for r in rows]
    found = (
        {
            normalize_reference(reference): debtor_id
            for debtor_id, reference in session.execute(
                select(Debtor.id, Debtor.reference).where(func.upper(Debtor.reference).in_(keys))
            )
        }
        if keys
        else {}
    )
    for row in rows:
        if row.reference not in found:
            result.errors.append(RowError(row.line, f"no debtor with reference {row.reference}"))
    result.errors.sort(key=lambda e: e.line)
    if result.errors or dry_run:
        return result
    for row in rows:
        debtor_id = found[row.reference]
        _store_row(session, debtor_id, row, columns, source, actor)
        current_profile(session=session, debtor_id=debtor_id, policy=policy, today=today)
        result.imported.append(row.reference)
    return result


def _store_row(
    session: Session,
    debtor_id: int,
    row: CreditRow,
    columns: tuple[str, ...],
    source: str,
    actor: str,
) -> None:
    if any(c in columns for c in CREDIT_COLUMNS):
        debtor = session.get(Debtor, debtor_id)
        assert debtor is not None
        score = row.values.get("credit_score", debtor.credit_score)
        flag = row.values.get("credit_flag", debtor.credit_flag)
        set_credit_info(
            session=session,
            debtor_id=debtor_id,
            score=score,
            flag=flag,
            source=source,
            actor=actor,
        )
    business = {c: row.values[c] for c in BUSINESS_COLUMNS if c in columns}
    if business:
        set_business_attributes(session=session, debtor_id=debtor_id, actor=actor, **business)
