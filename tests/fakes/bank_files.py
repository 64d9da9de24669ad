"""Bank statements as banks deliver them, made for the tests: CAMT.053 (ISO 20022 XML,
camt.053.001.02) and MT940 (SWIFT), with credits and debits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

ACCOUNT = "NL91ABNA0417164300"


@dataclass(frozen=True)
class Entry:
    reference: str  # the bank's entry reference (AcctSvcrRef / the :61: bank reference)
    amount: Decimal
    remittance: str
    booked_on: dt.date
    debtor_name: str = "J. Jansen"
    debtor_iban: str = "NL02RABO0123456789"
    credit: bool = True
    reversal: bool = False  # CAMT RvslInd; MT940 RC (a credit reversed) or RD
    end_to_end: str = "NOTPROVIDED"
    currency: str = "EUR"


def camt053(entries: list[Entry], *, account: str = ACCOUNT) -> str:
    ntries = "".join(
        f"""
      <Ntry>
        <Amt Ccy="{e.currency}">{e.amount:.2f}</Amt>
        <CdtDbtInd>{"CRDT" if e.credit else "DBIT"}</CdtDbtInd>{"<RvslInd>true</RvslInd>" if e.reversal else ""}
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{e.booked_on.isoformat()}</Dt></BookgDt>
        <ValDt><Dt>{e.booked_on.isoformat()}</Dt></ValDt>
        <AcctSvcrRef>{escape(e.reference)}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{escape(e.end_to_end)}</EndToEndId></Refs>
          <Amt Ccy="{e.currency}">{e.amount:.2f}</Amt>
          <CdtDbtInd>{"CRDT" if e.credit else "DBIT"}</CdtDbtInd>
          <RltdPties>
            <Dbtr><Nm>{escape(e.debtor_name)}</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>{e.debtor_iban}</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf><Ustrd>{escape(e.remittance)}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-11-30T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1-1</Id>
      <CreDtTm>2026-11-30T08:00:00</CreDtTm>
      <Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>{ntries}
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def mt940(entries: list[Entry], *, account: str = ACCOUNT) -> str:
    lines = [":20:STMT1", f":25:{account}", ":28C:1/1", ":60F:C261128EUR0,00"]
    for e in entries:
        amount = f"{e.amount:.2f}".replace(".", ",")
        day = e.booked_on.strftime("%y%m%d")
        # RC takes a credit back (money out), RD a debit (money in)
        sign = ("RD" if e.credit else "RC") if e.reversal else ("C" if e.credit else "D")
        lines.append(
            f":61:{day}{e.booked_on.strftime('%m%d')}{sign}{amount}NTRFNONREF//{e.reference}"
        )
        lines.append(
            f":86:/EREF/{e.end_to_end}/NAME/{e.debtor_name}/IBAN/{e.debtor_iban}"
            f"/REMI/{e.remittance}"
        )
    lines.append(":62F:C261130EUR0,00")
    return "\r\n".join(lines) + "\r\n"


REPOSITORY = Path(__file__).resolve().parents[2]


def shared_statements() -> Path:
    """../shared/bank-statements/ beside the repository (beside a clone, as in CI), or beside
    a folder above it (a worktree under wt/). Missing: the tests fail, never skip."""
    for folder in REPOSITORY.parents:
        candidate = folder / "shared" / "bank-statements"
        if candidate.is_dir():
            return candidate
    raise AssertionError(
        f"the banks' statement files (shared/bank-statements) are missing above {REPOSITORY}"
    )


def statement_files() -> dict[str, Path]:
    """The real banks' files (never copied into this repository), by their short name
    ("C01", "M15")."""
    shared = shared_statements()
    files = {
        path.name[:3]: path
        for folder in ("camt053", "mt940")
        for path in sorted((shared / folder).iterdir())
    }
    if not files:
        raise AssertionError(f"no statement files in {shared}")
    return files
