"""Reading the files an accounting package exports: CSV with commas or semicolons, Dutch or
English headers mapped to our fields by a small column-mapping file, Dutch or English
decimals, dates as dd-mm-yyyy or ISO. Pure: text in, rows with their line numbers out.

The mapping file (YAML, `config/import-columns.yml` by default) names, per kind of row, the
header names each field may have:

    invoices:
      external_id: [factuur_id, invoice_id, id]
      amount: [bedrag, amount, totaal]
      ...
    decimal: auto        # "," (Dutch), "." (English) or auto: "," when the file uses ";"
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

import yaml
from price_parser import Price

Kind = Literal["debtors", "invoices", "payments"]
KINDS: tuple[Kind, ...] = ("debtors", "invoices", "payments")
DEFAULT_MAPPING_FILE = Path(__file__).resolve().parents[2] / "config" / "import-columns.yml"

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


class ColumnError(ValueError):
    """The file cannot be read at all (no header, an unknown column layout)."""


@dataclass(frozen=True)
class ColumnMapping:
    """Field -> the header names it may have, per kind; and the decimal separator."""

    fields: dict[str, dict[str, tuple[str, ...]]]
    decimal: str  # "," | "." | "auto"


@dataclass(frozen=True)
class Row:
    line: int  # the line in the file (the header is line 1)
    values: dict[str, str]  # our field name -> the cell, stripped; absent when empty


def normalize_header(name: str) -> str:
    """ "Factuur nr." and "factuur_nr" are the same column."""
    return re.sub(r"[^0-9a-z]+", "", name.strip().lstrip("\ufeff").lower())


def load_mapping(path: Path | str | None = None) -> ColumnMapping:
    data = yaml.safe_load(Path(path or DEFAULT_MAPPING_FILE).read_text(encoding="utf-8")) or {}
    fields: dict[str, dict[str, tuple[str, ...]]] = {}
    for kind in KINDS:
        block = data.get(kind) or {}
        if not isinstance(block, dict):
            raise ColumnError(f"mapping: {kind} must map fields to header names")
        fields[kind] = {
            field: tuple(
                normalize_header(str(n)) for n in ([names] if isinstance(names, str) else names)
            )
            for field, names in block.items()
        }
    decimal = str(data.get("decimal", "auto"))
    if decimal not in (",", ".", "auto"):
        raise ColumnError('mapping: decimal must be ",", "." or auto')
    return ColumnMapping(fields, decimal)


def sniff_delimiter(text: str) -> str:
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return ";" if header.count(";") > header.count(",") else ","


def read_rows(
    text: str, kind: Kind, mapping: ColumnMapping, *, required: tuple[str, ...]
) -> tuple[list[Row], str]:
    """The rows of a CSV export, fields named as we name them; and the decimal separator to
    read its amounts with. Raises ColumnError when a required column is missing."""
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ColumnError("the file is empty") from exc
    known = mapping.fields[kind]
    columns: dict[int, str] = {}
    for index, name in enumerate(header):
        key = normalize_header(name)
        for field, names in known.items():
            if key in names or key == normalize_header(field):
                columns.setdefault(index, field)
                break
    missing = [f for f in required if f not in columns.values()]
    if missing:
        raise ColumnError(
            f"no column for {', '.join(missing)} (the header has: {', '.join(header)})"
        )
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {
            columns[i]: cell.strip()
            for i, cell in enumerate(cells)
            if i in columns and cell.strip()
        }
        rows.append(Row(number, values))
    decimal = mapping.decimal
    if decimal == "auto":
        decimal = "," if delimiter == ";" else "."
    return rows, decimal


def parse_amount(text: str, decimal: str) -> Decimal:
    """ "1.234,56", "€ 1.234,56", "50,-", "-12,50" or "(12,50)" with decimal ","; the
    English forms with ".". price-parser reads the digits; the sign is ours (it drops it)."""
    cleaned = text.strip()
    negative = cleaned.startswith("-") or cleaned.endswith("-") and not cleaned.endswith(",-")
    negative = negative or (cleaned.startswith("(") and cleaned.endswith(")"))
    price = Price.fromstring(cleaned.strip("()-"), decimal_separator=decimal)
    if price.amount is None:
        raise ValueError(f"not an amount: {text!r}")
    try:
        amount = Decimal(price.amount).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    return -amount if negative else amount


def parse_date(text: str) -> dt.date:
    """ISO (2026-11-30) or day first (30-11-2026, 30/11/2026, 30.11.2026)."""
    cleaned = text.strip()
    if m := _ISO.match(cleaned):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _DAY_FIRST.match(cleaned):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        raise ValueError(f"not a date (dd-mm-yyyy or yyyy-mm-dd): {text!r}")
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"no such date: {text!r}") from exc


def records_from_json(items: object, kind: Kind) -> Iterator[Row]:
    """A JSON bulk upsert: a list of objects with our field names; line = position (1-based)."""
    if not isinstance(items, list):
        raise ColumnError(f"{kind}: expected a list of objects")
    for position, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            yield Row(position, {"__error__": "not an object"})
            continue
        yield Row(
            position,
            {str(k): str(v).strip() for k, v in item.items() if v is not None and str(v).strip()},
        )
