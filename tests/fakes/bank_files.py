"""Bank statements as banks deliver them, made for the tests: CAMT.053 (ISO 20022 XML,
camt.053.001.02) and MT940 (SWIFT), with credits and debits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
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


def camt053(entries: list[Entry], *, account: str = ACCOUNT) -> str:
    ntries = "".join(
        f"""
      <Ntry>
        <Amt Ccy="EUR">{e.amount:.2f}</Amt>
        <CdtDbtInd>{"CRDT" if e.credit else "DBIT"}</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{e.booked_on.isoformat()}</Dt></BookgDt>
        <ValDt><Dt>{e.booked_on.isoformat()}</Dt></ValDt>
        <AcctSvcrRef>{escape(e.reference)}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <Amt Ccy="EUR">{e.amount:.2f}</Amt>
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
        sign = "C" if e.credit else "D"
        lines.append(
            f":61:{day}{e.booked_on.strftime('%m%d')}{sign}{amount}NTRFNONREF//{e.reference}"
        )
        lines.append(f":86:/NAME/{e.debtor_name}/IBAN/{e.debtor_iban}/REMI/{e.remittance}")
    lines.append(":62F:C261130EUR0,00")
    return "\r\n".join(lines) + "\r\n"
