"""The real banks' statement files of ../shared/bank-statements/ (read from there, never
copied here), read into lines: per file the credits counted by hand from the file (how many,
their total), the lines that take money back (reversals and returns), the debits that are
not payments, and a few references. Every file is read; no two lines of a file share a key."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from receivables.books.statements import StatementFile, parse_statement
from tests.fakes.bank_files import statement_files


@dataclass(frozen=True)
class Expect:
    statements: int
    credits: int  # incoming payments: credit lines that are not reversals or returns
    total: str  # their sum, in the statement's currency
    reversals: int  # lines that undo an earlier one (RvslInd, RC/RD, /RTRN/, returns)
    debits: int  # money out that is not a reversal: never a payment
    currency: str = "EUR"
    reconciles: bool = True  # opening + lines = closing, for every statement


# Counted by hand from each file (and from its README entry). A batch's details count one by one.
FILES = {
    # 2 DBIT (a direct debit; a reversed batch of 2 details: 564.05 + 100.00), 1 CRDT
    "C01": Expect(1, 1, "1405.31", 2, 1, reconciles=False),
    # one CRDT batch of 2 details, both with an ISR reference: 2187.00 + 1296.00 CHF
    "C02": Expect(1, 2, "3483.00", 0, 0, "CHF"),
    # 132 daily statements; credits 2016Q3-0004/5/6 (4425.25, 2982.99, 4516.68) and 5823.83
    # on the savings account
    "C04": Expect(132, 4, "17748.75", 0, 5),
    # 4 CRDT: "Opname" 500.00 and three credit interests (103.98, 93.84, 103.92)
    "C05": Expect(2, 4, "801.74", 0, 7),
    # 13 CRDT of which 5 RvslInd (money back); one DBIT return (RRTN); 8 credits of 1 + 7x10
    "C06": Expect(1, 8, "71.00", 6, 5, "USD"),
    # 2 CRDT (2688.00 TERUGGAAF, 5000.00); the DBIT batch with only Btch is one line
    "C07": Expect(1, 2, "7688.00", 0, 1, reconciles=False),
    # batches of 10 (1000.00), 8 (620.00), 2 (24.00) and 1 (56.56) details; a batch of 3
    # returns (ICDT RRTN) and 2 reversed direct debits; 6 charges
    "C09": Expect(1, 21, "1700.56", 5, 6, "CHF"),
    # 474.4 (one decimal) and 88.85 with an RF reference; one EUR debit with a QRR
    "C10": Expect(1, 2, "563.25", 0, 1, "CHF", reconciles=False),
    "C11": Expect(1, 1, "8.85", 0, 0, reconciles=False),
    # 9 ESR credits, text only in AddtlNtryInf; CRLF and tabs
    "C13": Expect(1, 9, "22773.10", 0, 0, "CHF"),
    # 268 entries: 264 DBIT, 4 CRDT (3 x 50000, 30000), amounts without decimals
    "C16": Expect(1, 4, "180000", 0, 264),
    # 21 :61:, 18 D, 3 C: 20.00, 100.00, 14520.00
    "M01": Expect(1, 3, "14640.00", 0, 18),
    # 4 C of which one a return (/RTRN/MS03/ NRTI); one D return; 3 D
    "M02": Expect(1, 3, "35.01", 2, 3),
    "M03": Expect(1, 2, "4.68", 0, 5, reconciles=False),
    # 2 days; 5 C zero-padded: 169.90, 1640.76, 2050.95, 1923.90, 13431.00
    "M04": Expect(2, 5, "19216.51", 0, 4),
    "M05": Expect(4, 1, "400.00", 0, 1),
    # one C "4," (iDEAL); 9 D, amounts 5,1 and 10, and 1000,
    "M07": Expect(2, 1, "4", 0, 9, reconciles=False),
    "M09": Expect(1, 1, "1000.00", 0, 2),
    "M10": Expect(1, 2, "1010", 0, 0),
    # 16 daily SWIFT messages, 4 C: 12.45 interest, 15000, 10000, 20000
    "M11": Expect(16, 4, "45012.45", 0, 0),
    "M13": Expect(1, 26, "761.66", 0, 85),
    # 26 statements of 20 accounts: 41 C of which 17 RETOURE (GVC 159, returned transfers)
    # and 2 RC (a credit reversed); 54 D
    "M15": Expect(26, 24, "2038680.20", 19, 54),
    # one statement on 2 pages (:62M: -> :60M:); 3 C in CHF; page 2 does not add up
    "M17": Expect(2, 3, "239.3", 0, 1, "CHF", reconciles=False),
    "M20": Expect(1, 1, "10.5", 0, 0, reconciles=False),
    # CP852; 1 C and 6 D in HUF
    "M22": Expect(1, 1, "2066637.00", 0, 6, "HUF", reconciles=False),
}


@pytest.fixture(scope="module")
def parsed() -> dict[str, StatementFile]:
    return {name: parse_statement(path.read_bytes()) for name, path in statement_files().items()}


def test_every_file_in_shared_is_in_the_table(parsed: dict[str, StatementFile]) -> None:
    assert sorted(parsed) == sorted(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_file_reads_with_the_credits_counted_by_hand(
    name: str, parsed: dict[str, StatementFile]
) -> None:
    expect, statement = FILES[name], parsed[name]
    lines = statement.lines
    credits = [line for line in lines if line.is_incoming_payment]
    assert len(statement.statements) == expect.statements
    assert len(credits) == expect.credits
    assert sum((line.amount for line in credits), Decimal(0)) == Decimal(expect.total)
    assert sum(line.reversal for line in lines) == expect.reversals
    assert sum(line.direction == "debit" and not line.reversal for line in lines) == expect.debits
    assert {line.currency for line in credits} <= {expect.currency}
    assert all(line.amount > 0 for line in lines)
    assert all(s.reconciles is not False for s in statement.statements) is expect.reconciles


@pytest.mark.parametrize("name", sorted(FILES))
def test_no_two_lines_of_a_file_share_a_key(name: str, parsed: dict[str, StatementFile]) -> None:
    keys = [line.key for line in parsed[name].lines]
    assert len(keys) == len(set(keys))
    assert all(0 < len(key) <= 200 for key in keys)


def test_reading_a_file_twice_gives_the_same_keys() -> None:
    for path in statement_files().values():
        first, second = parse_statement(path.read_bytes()), parse_statement(path.read_bytes())
        assert [line.key for line in first.lines] == [line.key for line in second.lines]


def test_batch_details_keep_their_own_references(parsed: dict[str, StatementFile]) -> None:
    # C09: ten details of one entry, each with the bank's own AcctSvcrRef
    batch = [line for line in parsed["C09"].lines if line.batch_size == 10]
    assert [line.amount for line in batch][:3] == [
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("200.00"),
    ]
    assert batch[1].bank_reference == "160527CH00T3KWWA"
    assert batch[1].key == "CH0309000000250090342:160527CH00T3KWWA"
    assert (batch[1].structured_reference, batch[1].structured_reference_type) == (
        "000000000002016030002820804",
        "ISR",
    )
    # C02: the bank gave both details the same AcctSvcrRef: entry reference plus position
    keys = [line.key for line in parsed["C02"].lines]
    assert keys == [
        "CH1111000000123456789:20170323001234567891234567891234/1",
        "CH1111000000123456789:20170323001234567891234567891234/2",
    ]


def test_structured_references_as_banks_carry_them(parsed: dict[str, StatementFile]) -> None:
    def refs(name: str) -> set[tuple[str | None, str | None]]:
        return {
            (line.structured_reference, line.structured_reference_type)
            for line in parsed[name].lines
            if line.structured_reference
        }

    assert ("1067931951601240", "CUR") in refs("C04")  # Strd SCOR/CUR and BETALINGSKENM.
    assert ("RF38000000000000000000552", "RF") in refs("C10")  # ISO 11649
    assert ("000000270148751802165444888", "QRR") in refs("C10")
    assert refs("C11") == {("4654654654654654", "BBA")}
    assert ("9001123412341234", "CUR") in refs("M02")  # ING /REMI/STRD/CUR/
    assert refs("M20") == {("4420043232693268", "CUR")}  # ABN AMRO "ISSUER: CUR REF:"
    assert ("1234567890098876", "CUR") in refs("M07")  # "BETALINGSKENM.:" in free text


def test_counterparties_and_remittance(parsed: dict[str, StatementFile]) -> None:
    [rabo] = [line for line in parsed["C04"].lines if line.remittance == "2016Q3-0005"]
    assert (rabo.counterparty_name, rabo.counterparty_iban) == ("XS NEWS B V", "NL62ABNA0408441224")
    m04 = [line for line in parsed["M04"].lines if line.is_incoming_payment]
    assert m04[3].counterparty_iban == "NL82RBOS0602069890"  # on the :61:'s second line
    assert m04[3].remittance == "Ref: 201302-080"
    knab = parsed["M10"].lines[1]
    assert (knab.counterparty_name, knab.counterparty_account) == (
        "STICHTING DERDEN JAAP JANSSEN",
        "NL76INGB0444444444",  # anonymised: not a valid IBAN, kept as written
    )
    assert knab.counterparty_iban is None
    german = [line for line in parsed["M15"].lines if line.counterparty_iban][0]
    assert german.counterparty_iban == "DE42100100100043921105"
    hungarian = parsed["M22"].lines[0]
    assert "összevont" in hungarian.remittance  # CP852 read as CP852


def test_reversals_name_what_they_reverse(parsed: dict[str, StatementFile]) -> None:
    m02 = {line.bank_reference: line for line in parsed["M02"].lines}
    back = m02["00000000001010"]  # ING: a collected direct debit returned (D, /RTRN/MS03/)
    assert (back.direction, back.reversal, back.return_code) == ("debit", True, "MS03")
    assert back.reverses == "20120501P0123478"
    assert back.undoes_a_credit and not back.is_incoming_payment
    rc = [line for line in parsed["M15"].lines if line.transaction_code == "NRTI"]
    assert {(line.direction, line.reversal) for line in rc} == {("debit", True)}  # RC
    c01 = [line for line in parsed["C01"].lines if line.reversal]
    assert [(line.amount, line.return_code) for line in c01] == [
        (Decimal("564.05"), "AC06"),
        (Decimal("100.00"), "AC06"),
    ]


def test_amounts_come_from_the_entry_not_the_instructed_amount(
    parsed: dict[str, StatementFile],
) -> None:
    # C06: an FX entry of 29.06 EUR whose detail was instructed as 25.00 USD
    [fx] = [line for line in parsed["C06"].lines if line.currency == "EUR"]
    assert fx.amount == Decimal("29.06")
    assert parsed["C06"].statements[0].reconciles is True
