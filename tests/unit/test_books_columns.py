"""Reading accounting exports: amounts, dates, headers in Dutch and English."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from receivables.books.columns import (
    ColumnError,
    load_mapping,
    normalize_header,
    parse_amount,
    parse_date,
    read_rows,
    records_from_json,
)


@pytest.mark.parametrize(
    ("text", "decimal", "amount"),
    [
        ("1.234,56", ",", "1234.56"),
        ("€ 1.234,56", ",", "1234.56"),
        ("1234,56", ",", "1234.56"),
        ("50,-", ",", "50.00"),
        ("-12,50", ",", "-12.50"),
        ("12,50-", ",", "-12.50"),
        ("(12,50)", ",", "-12.50"),
        ("EUR 89,95", ",", "89.95"),
        ("1,234.56", ".", "1234.56"),
        ("€1,234.56", ".", "1234.56"),
        ("-45.99", ".", "-45.99"),
        ("12", ".", "12.00"),
    ],
)
def test_amounts_as_exports_write_them(text: str, decimal: str, amount: str) -> None:
    assert parse_amount(text, decimal) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "n.v.t."])
def test_what_is_no_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text, ",")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("30-11-2026", dt.date(2026, 11, 30)),
        ("1-2-2026", dt.date(2026, 2, 1)),
        ("30/11/2026", dt.date(2026, 11, 30)),
        ("30.11.2026", dt.date(2026, 11, 30)),
        ("2026-11-30", dt.date(2026, 11, 30)),
        ("2026-11-30T10:00:00", dt.date(2026, 11, 30)),
    ],
)
def test_dates_day_first_or_iso(text: str, date: dt.date) -> None:
    assert parse_date(text) == date


@pytest.mark.parametrize("text", ["31-02-2026", "11/30/2026", "30 nov", "2026-13-01"])
def test_no_such_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_headers_match_whatever_their_case_and_punctuation() -> None:
    assert normalize_header(" Factuur nr. ") == normalize_header("factuur_nr") == "factuurnr"


def test_a_dutch_export_with_semicolons() -> None:
    text = (
        "\ufeffFactuur ID;Debiteurnummer;Factuurnummer;Bedrag;Factuurdatum;Vervaldatum\n"
        "A-1;D-1;F-100;1.234,56;01-11-2026;15-11-2026\n"
        ";;;;;\n"
        "A-2;D-1;F-101;50,-;02-11-2026;16-11-2026\n"
    )
    rows, decimal = read_rows(text, "invoices", load_mapping(), required=("external_id", "amount"))
    assert decimal == ","
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].values == {
        "external_id": "A-1",
        "debtor_external_id": "D-1",
        "number": "F-100",
        "amount": "1.234,56",
        "issue_date": "01-11-2026",
        "due_date": "15-11-2026",
    }


def test_an_english_export_with_commas() -> None:
    text = 'invoice_id,customer_id,amount,due date\nX1,C1,"1,234.56",2026-11-15\n'
    rows, decimal = read_rows(text, "invoices", load_mapping(), required=("external_id",))
    assert decimal == "."
    assert rows[0].values["amount"] == "1,234.56"
    assert rows[0].values["due_date"] == "2026-11-15"


def test_a_missing_required_column_is_named() -> None:
    with pytest.raises(ColumnError, match="amount"):
        read_rows("factuur_id;naam\n1;x\n", "invoices", load_mapping(), required=("amount",))


def test_json_rows_keep_their_position() -> None:
    rows = list(records_from_json([{"external_id": "1"}, "nonsense"], "debtors"))
    assert rows[0].values == {"external_id": "1"} and rows[0].line == 1
    assert rows[1].values == {"__error__": "not an object"} and rows[1].line == 2
