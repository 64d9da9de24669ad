"""One test per quirk banks' files have that the statement reader handles (the real files
show them in tests/unit/test_bank_statement_files.py): envelopes, wrapped fields, de
Volksbank's long reference, reversal marks, odd amounts, PRCD-only balances, encodings,
control characters; and the one-line refusals of what cannot be read."""

from __future__ import annotations

import codecs
from decimal import Decimal

import pytest

from receivables.books.statements import StatementError, parse_statement
from receivables.books.statements.encoding import decode
from receivables.books.statements.mt940_details import read, unwrap
from receivables.books.statements.mt940_quirks import (
    join_wrapped_ing_statement_line,
    join_wrapped_statement_number,
    strip_envelope,
)

MT940 = """:20:STMT1
:25:NL91ABNA0417164300EUR
:28C:1/1
:60F:C261128EUR100,00
{lines}
:62F:C261130EUR{closing}
"""


def mt940(lines: str, closing: str = "100,00") -> str:
    return MT940.format(lines=lines.strip(), closing=closing)


def camt(entries: str, balances: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-11-30T08:00:00.123456789+01:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
{balances}{entries}</Stmt></BkToCstmrStmt></Document>"""


def test_swift_envelope_headers_and_statement_level_86_are_dropped() -> None:
    text = (
        "{1:F01SNSBNL2AXXXX0000000000}{2:O940000000N}{3:{108:X}}{4:\n:20:A\n:25:NL1\n"
        ":60F:C140119EUR1,00\n:62F:C140119EUR1,00\n:86:/SUM/4/4/134,46/36,58/\n-}{5:}\n"
        "ABNANL2A\n940\nABNANL2A\n:20:B\n"
    )
    assert (
        strip_envelope(text) == ":20:A\n:25:NL1\n:60F:C140119EUR1,00\n:62F:C140119EUR1,00\n:20:B\n"
    )


def test_a_wrapped_statement_number_is_joined() -> None:
    assert join_wrapped_statement_number(":28C:0000\n0\n:60F:X") == ":28C:00000\n:60F:X"


def test_an_ing_statement_line_wrapped_at_odd_places_is_joined() -> None:
    wrapped = ":61:1402200220C1,56NTRFEREF//00000000001\n005\n/TRCD/00100/\n:86:x"
    assert join_wrapped_ing_statement_line(wrapped) == (
        ":61:1402200220C1,56NTRFEREF//00000000001005\n/TRCD/00100/\n:86:x"
    )
    slash = ":61:1402200220D119,00NTRF1070123412341234//00000000001012\n/\nTRCD/00108/"
    assert join_wrapped_ing_statement_line(slash).endswith("//00000000001012\n/TRCD/00108/")


def test_de_volksbank_iban_in_the_reference_and_name_on_the_next_line() -> None:
    [line] = parse_statement(
        mt940(
            ":61:1409100910C15000,00NOVBNL11RABO0987654321\nf. spark bedrijf n.v.\n"
            ":86:NL11RABO0987654321 f. spark bedrijf n.v.\n358857495-factuur 2026-7",
            "15100,00",
        )
    ).lines
    assert (line.amount, line.counterparty_account, line.counterparty_name) == (
        Decimal("15000.00"),
        "NL11RABO0987654321",
        "f. spark bedrijf n.v.",
    )
    assert line.remittance == "358857495-factuur 2026-7"


@pytest.mark.parametrize(
    ("mark", "direction", "reversal"),
    [("C", "credit", False), ("D", "debit", False), ("RC", "debit", True), ("RD", "credit", True)],
)
def test_reversal_marks(mark: str, direction: str, reversal: bool) -> None:
    [line] = parse_statement(mt940(f":61:261130{mark}5,00NTRFNONREF//B1\n:86:x")).lines
    assert (line.direction, line.reversal, line.amount) == (direction, reversal, Decimal("5.00"))


def test_amounts_as_banks_write_them() -> None:
    lines = parse_statement(
        mt940(
            ":61:261130C10,NTRFNONREF//A\n:61:261130C0,3NTRFNONREF//B\n"
            ":61:261130C000000000127,50N122NONREF\n:61:261130CR300,NTRFNONREF//D"
        )
    ).lines
    assert [line.amount for line in lines] == [
        Decimal("10"), Decimal("0.3"), Decimal("127.50"), Decimal("300")
    ]  # fmt: skip


def test_descriptions_wrapped_mid_word_at_65_columns_are_glued() -> None:
    lines = [
        "/EREF/02-04-2013 22:56 1120000153447185/BENM//NAME/Nespresso Nede",
        "rland B.V./REMI/674725433",
    ]
    assert "Nespresso Nederland B.V." in unwrap(lines)
    assert read(lines, {}).counterparty_name == "Nespresso Nederland B.V."
    short = ["/ORDP//NAME/Bedrijf B.V./REMI/NR.201303-111/11.3.2013", "NR.201303-112"]
    assert read(short, {}).remittance == "NR.201303-111/11.3.2013 NR.201303-112"


def test_triodos_subfields() -> None:
    details = read(
        [
            "000>100000000000",
            ">20RABONL2U",
            ">21NL12RABO0888888888",
            ">22METSELAARBAASIK PAARDENA PO>23STBUS 969",
        ],
        {},
    )
    assert details.counterparty_account == "NL12RABO0888888888"
    assert details.remittance == "METSELAARBAASIK PAARDENA POSTBUS 969"


def test_only_a_prcd_opening_balance_and_a_debit_closing_balance() -> None:
    balances = """<Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-29</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5.5</Amt>
<CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>"""
    entry = """<Ntry><Amt Ccy="EUR">15.5</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><DtTm>2026-11-30T10:00:00Z</DtTm></BookgDt></Ntry>"""
    [statement] = parse_statement(camt(entry, balances)).statements
    assert statement.opening is not None and statement.opening.amount == Decimal("10")
    assert statement.closing is not None and statement.closing.amount == Decimal("-5.5")
    assert statement.reconciles is True


def test_a_batch_whose_details_do_not_add_up_stays_one_line() -> None:
    entry = """<Ntry><NtryRef>N1</NtryRef><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<BookgDt><Dt>2026-11-30+01:00</Dt></BookgDt><NtryDtls>
<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls></TxDtls>
<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">5.00</Amt></TxAmt></AmtDtls></TxDtls>
</NtryDtls></Ntry>"""
    [line] = parse_statement(camt(entry)).lines
    assert (line.amount, line.key, line.batch_size) == (
        Decimal("30.00"), "NL91ABNA0417164300:N1", None
    )  # fmt: skip


def test_pending_entries_are_not_read() -> None:
    entry = """<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>
<BookgDt><Dt>2026-11-30</Dt></BookgDt></Ntry>"""
    statement = parse_statement(camt(entry))
    assert statement.lines == []
    assert "not booked yet" in statement.all_warnings()[0]


# --- encodings and characters ----------------------------------------------------------------

DUTCH = mt940(
    ":61:261130C12,50NTRFNONREF//B1\n:86:/NAME/Café De Kroon/REMI/coöperatie één €5", "112,50"
)


def test_utf8_with_a_byte_order_mark() -> None:
    statement = parse_statement(codecs.BOM_UTF8 + DUTCH.encode())
    assert statement.encoding == "UTF-8 with a byte-order mark"
    assert statement.lines[0].counterparty_name == "Café De Kroon"


def test_cp1252_is_told_from_cp852() -> None:
    statement = parse_statement(DUTCH.encode("cp1252"))
    assert statement.encoding == "cp1252 (detected)"
    assert statement.lines[0].remittance == "coöperatie één €5"
    hungarian = "Csoportos átutalás jóváírása".encode("cp852")
    assert decode(hungarian) == ("Csoportos átutalás jóváírása", "cp852 (detected)")
    latin1 = "Rückzahlung Überweisung Gebühr für März".encode("latin-1")
    assert decode(latin1)[0] == "Rückzahlung Überweisung Gebühr für März"


def test_crlf_and_control_characters() -> None:
    dirty = "\x01" + DUTCH.replace("\n", "\r\n").replace("Kroon", "Kro\x00on\x1a") + "\x03"
    [line] = parse_statement(dirty.encode()).lines
    assert line.counterparty_name == "Café De Kroon"


def test_an_xml_file_in_its_declared_encoding() -> None:
    entry = """<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<BookgDt><Dt>2026-11-30</Dt></BookgDt><NtryDtls><TxDtls><RmtInf><Ustrd>Gebühr</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry>"""
    data = camt(entry).replace("UTF-8", "ISO-8859-1").encode("latin-1")
    assert parse_statement(data).lines[0].remittance == "Gebühr"


# --- refusals: one line a credit manager understands, never a parser's internals -------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 ...", "a PDF document"),
        (b"naam;bedrag\nJansen;10,00\n", "not a bank statement"),
        (b"<Document><a></Document>", "not well-formed XML (line 1"),
        (b'<!DOCTYPE d [<!ENTITY e "x">]><Document>&e;</Document>', "entities"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
            "pain.001 message, not a bank statement",
        ),
        (mt940(":61:2611XXC5,00NTRF").encode(), "the MT940 field :61: could not be read"),
        (b":20:X\n:25:NL1\n:28C:1\n:34F:EUR0,\n:13D:2611301200+0100\n", "MT942"),
        (camt("<Ntry><Amt>x</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>").encode(), "not an amount"),
    ],
)
def test_what_cannot_be_read_is_refused_in_one_clear_line(data: bytes, says: str) -> None:
    with pytest.raises(StatementError) as refused:
        parse_statement(data)
    message = str(refused.value)
    assert says in message
    assert "\n" not in message and "object at 0x" not in message and "Error" not in message
