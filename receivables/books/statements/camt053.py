"""CAMT.053 (ISO 20022 bank-to-customer statement, versions 001.02 to 001.08) to statement
lines: one line per transaction detail (TxDtls) of a booked entry.

Read with the standard library's ElementTree behind defusedxml (no DTDs, no entities, no
network: a statement is input from outside). Not pycamt: it takes the first `.//Amt` of an
entry (the instructed amount in another currency on an FX entry), gives every detail of a
batch the entry's reference (so the second detail looked "already imported"), reads neither
PRCD balances, nor the structured reference's type, nor return information, and turns
balances into floats. Elements are matched by local name, so every version reads alike.

Amounts: the entry's `Amt` is what moved on the account. A batch entry is split into its
details only when every detail carries an amount in the entry's currency and the details add
up to the entry; otherwise it stays one line (never more or less money than the bank moved)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from receivables.books.statements.model import (
    Balance,
    Direction,
    Statement,
    StatementError,
    StatementLine,
    content_digest,
)
from receivables.books.statements.references import (
    compact,
    in_free_text,
    reference_type,
    valid_iban,
)
from receivables.common.text import clean_text

SOURCE = "camt053"
_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:([a-z]+\.\d{3})\.\d{3}\.\d{2}")
# bank transaction sub-families that are returns or reversals (ISO 20022 external code list)
_RETURN_FAMILIES = {"RRTN", "RPCR", "PRDD", "UPDD", "ARET", "AREV", "PRCT"}
_NOT_GIVEN = {"", "NOTPROVIDED", "NONREF", "NOT PROVIDED"}


def parse(text: str) -> list[Statement]:
    root = _root(text)
    statements = [_statement(stmt) for stmt in _children(_child(root, "BkToCstmrStmt"), "Stmt")]
    if not statements:
        raise StatementError("the CAMT.053 file holds no statement (no Stmt element)")
    return statements


def _root(text: str) -> Element:
    try:
        root: Element = SafeElementTree.fromstring(text)
    except DefusedXmlException as exc:
        raise StatementError(
            "the XML file declares entities or a DTD, which a bank never sends"
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise StatementError(
            f"the file is not well-formed XML (line {line}, column {column})"
        ) from exc
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.rsplit("}", 1)[-1]
    found = _NAMESPACE.match(namespace)
    kind = found.group(1) if found else None
    if kind is not None and kind != "camt.053":
        raise StatementError(
            f"this is an ISO 20022 {kind} message, not a bank statement (camt.053)"
        )
    if root.tag != "Document" or _child(root, "BkToCstmrStmt") is None:
        raise StatementError("this XML file is not a CAMT.053 bank statement")
    return root


# --- small helpers on elements by local name --------------------------------------------------


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        element = element.find(name)
    return element


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else element.findall(name)


def _text(element: Element | None, *path: str) -> str | None:
    found = _child(element, *path)
    if found is None or found.text is None:
        return None
    value = " ".join(clean_text(found.text).split())
    return value or None


def _ref(element: Element | None, *path: str) -> str | None:
    value = _text(element, *path)
    return None if value is None or value.upper() in _NOT_GIVEN else value


def _amount(element: Element | None, where: str) -> tuple[Decimal, str | None] | None:
    if element is None or element.text is None:
        return None
    try:
        value = Decimal(element.text.strip())
    except InvalidOperation as exc:
        raise StatementError(f"{where}: {element.text.strip()[:30]!r} is not an amount") from exc
    if not value.is_finite() or value < 0:
        raise StatementError(f"{where}: {element.text.strip()[:30]!r} is not an amount")
    return value, element.get("Ccy")


def _date(element: Element | None) -> dt.date | None:
    """`Dt` or `DtTm`; a `Dt` may carry a time zone ("2017-04-01+02:00"): the bank's day."""
    text = _text(element, "Dt") or _text(element, "DtTm")
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise StatementError(f"{text[:30]!r} is not a date") from exc


def _direction(element: Element | None) -> Direction | None:
    mark = _text(element, "CdtDbtInd")
    if mark is None:
        return None
    if mark not in ("CRDT", "DBIT"):
        raise StatementError(f"{mark[:10]!r} is neither CRDT nor DBIT")
    return "credit" if mark == "CRDT" else "debit"


# --- statements ------------------------------------------------------------------------------


def _statement(stmt: Element) -> Statement:
    identifier = _text(stmt, "Id")
    account_iban_text = _text(stmt, "Acct", "Id", "IBAN")
    account = (
        compact(account_iban_text) if account_iban_text else _text(stmt, "Acct", "Id", "Othr", "Id")
    )
    balances = {}
    for bal in _children(stmt, "Bal"):
        code = _text(bal, "Tp", "CdOrPrtry", "Cd") or _text(bal, "Tp", "CdOrPrtry", "Prtry")
        amount = _amount(_child(bal, "Amt"), "a balance")
        if code is None or amount is None or code in balances:
            continue
        value, currency = amount
        # a balance without CdtDbtInd is read as a credit balance (seen in real files)
        sign = -1 if _direction(bal) == "debit" else 1
        balances[code] = Balance(code, sign * value, currency, _date(_child(bal, "Dt")))
    opening = balances.get("OPBD") or balances.get("PRCD")  # some banks give only PRCD
    closing = balances.get("CLBD")
    currency = _text(stmt, "Acct", "Ccy") or next(
        (b.currency for b in (opening, closing) if b is not None and b.currency), None
    )
    context = _Context(identifier, account, currency, account_iban_text)
    lines: list[StatementLine] = []
    skipped = 0
    for position, ntry in enumerate(_children(stmt, "Ntry"), start=1):
        status = _text(ntry, "Sts", "Cd") or _text(ntry, "Sts")
        if status is not None and status != "BOOK":
            skipped += 1  # pending or information only: not money on the account yet
            continue
        lines.extend(_entry_lines(ntry, position, context))
    warnings = []
    if skipped:
        warnings.append(
            f"statement {identifier or '?'}: {skipped} entries not booked yet, not read"
        )
    if account is None:
        warnings.append(f"statement {identifier or '?'} names no account")
    return Statement(
        source=SOURCE,
        identifier=identifier,
        account=account,
        account_iban=valid_iban(account_iban_text),
        currency=currency,
        opening=opening,
        closing=closing,
        lines=tuple(lines),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class _Context:
    statement_id: str | None
    account: str | None
    currency: str | None
    legacy_account: str | None  # the IBAN as pycamt read it, for keys stored before


@dataclass(frozen=True)
class _Detail:
    """What one TxDtls (or an entry without details) says."""

    element: Element | None
    amount: Decimal | None
    currency: str | None
    direction: Direction | None


def _entry_lines(ntry: Element, position: int, context: _Context) -> Iterator[StatementLine]:
    where = f"entry {position} of statement {context.statement_id or '?'}"
    amount = _amount(_child(ntry, "Amt"), where)
    direction = _direction(ntry)
    if amount is None or direction is None:
        raise StatementError(f"{where} has no amount or no credit/debit mark")
    entry_amount, entry_currency = amount
    entry_currency = entry_currency or context.currency or "EUR"
    booked_on = _date(_child(ntry, "BookgDt")) or _date(_child(ntry, "ValDt"))
    if booked_on is None:
        raise StatementError(f"{where} has no booking date")
    details = [tx for dtls in _children(ntry, "NtryDtls") for tx in _children(dtls, "TxDtls")]
    split = _split(details, entry_amount, entry_currency, direction)
    entry_reversal = (_text(ntry, "RvslInd") or "").lower() in ("true", "1")
    entry_ref = _ref(ntry, "AcctSvcrRef") or _ref(ntry, "NtryRef")
    family = _family(ntry)
    legacy_ref = _ref(ntry, "AcctSvcrRef") or next(
        (r for tx in details if (r := _ref(tx, "Refs", "AcctSvcrRef"))), None
    )
    own_refs = [
        _ref(d.element, "Refs", "AcctSvcrRef") or _ref(d.element, "Refs", "TxId") for d in split
    ]
    for index, detail in enumerate(split, start=1):
        tx = detail.element
        line_direction = detail.direction or direction
        code = _family(tx) or family
        sub_family = (code or "").split("/")[-1]
        returned = _child(tx, "RtrInf") is not None
        reversal = entry_reversal or returned or sub_family in _RETURN_FAMILIES
        party, party_account = (
            ("Dbtr", "DbtrAcct") if line_direction == "credit" else ("Cdtr", "CdtrAcct")
        )
        name = _text(tx, "RltdPties", party, "Nm") or _text(tx, "RltdPties", party, "Pty", "Nm")
        iban_text = _text(tx, "RltdPties", party_account, "Id", "IBAN")
        other_account = iban_text or _text(tx, "RltdPties", party_account, "Id", "Othr", "Id")
        iban = valid_iban(other_account)
        remittance = _remittance(tx, ntry if len(split) == 1 else None)
        structured = _structured(tx) or in_free_text(remittance)
        end_to_end = _ref(tx, "Refs", "EndToEndId")
        own = own_refs[index - 1]
        if own is not None and own_refs.count(own) == 1:
            ref = own
        elif entry_ref is not None:
            ref = entry_ref if len(split) == 1 else f"{entry_ref}/{index}"
        else:
            ref = "sha256:" + content_digest(
                booked_on,
                line_direction,
                detail.amount,
                detail.currency,
                reversal,
                end_to_end,
                other_account,
                remittance,
                structured,
                index,
            )
        key = f"{context.account or '-'}:{ref}" + (":reversal" if reversal else "")
        if len(key) > 200:
            key = f"{context.account or '-'}:sha256:{content_digest(key)}"
        legacy = None
        if legacy_ref is not None and index == 1:
            legacy = f"{context.legacy_account or '-'}:{legacy_ref}"[:200]
        yield StatementLine(
            key=key,
            source=SOURCE,
            account=context.account,
            account_currency=context.currency,
            statement_id=context.statement_id,
            booked_on=booked_on,
            value_date=_date(_child(ntry, "ValDt")),
            amount=detail.amount if detail.amount is not None else entry_amount,
            currency=detail.currency or entry_currency,
            direction=line_direction,
            reversal=reversal,
            return_code=_text(tx, "RtrInf", "Rsn", "Cd") or _text(tx, "RtrInf", "Rsn", "Prtry"),
            reverses=end_to_end if reversal else None,
            bank_reference=own,
            entry_reference=entry_ref,
            end_to_end_id=end_to_end,
            batch_position=index if len(split) > 1 else None,
            batch_size=len(split) if len(split) > 1 else None,
            counterparty_name=name,
            counterparty_iban=iban,
            counterparty_account=None if iban else other_account,
            remittance=remittance,
            structured_reference=structured[0] if structured else None,
            structured_reference_type=structured[1] if structured else None,
            transaction_code=code,
            legacy_key=legacy,
        )


def _split(
    details: list[Element], amount: Decimal, currency: str, direction: Direction
) -> list[_Detail]:
    """The entry's details with their own amounts, when they add up to the entry; else one
    detail carrying the entry amount (the first TxDtls, if any, for the counterparty)."""
    whole = [_Detail(details[0] if details else None, amount, currency, direction)]
    if len(details) < 2:
        return whole
    split = []
    for tx in details:
        found = (
            _amount(_child(tx, "Amt"), "a transaction detail")
            or _amount(_child(tx, "AmtDtls", "TxAmt", "Amt"), "a transaction detail")
            or _amount(_child(tx, "AmtDtls", "InstdAmt", "Amt"), "a transaction detail")
        )
        if found is None or (found[1] or currency) != currency:
            return whole
        split.append(_Detail(tx, found[0], currency, _direction(tx) or direction))
    signed = sum((d.amount or 0) * (1 if d.direction == "credit" else -1) for d in split)
    if signed != (amount if direction == "credit" else -amount):
        return whole
    return split


def _family(element: Element | None) -> str | None:
    domain = _child(element, "BkTxCd", "Domn")
    if domain is not None:
        parts = [
            _text(domain, "Cd"),
            _text(domain, "Fmly", "Cd"),
            _text(domain, "Fmly", "SubFmlyCd"),
        ]
        return "/".join(p for p in parts if p) or None
    return _text(element, "BkTxCd", "Prtry", "Cd")


def _remittance(tx: Element | None, ntry: Element | None) -> str:
    """The unstructured remittance (several Ustrd joined); without it, the bank's extra text
    on the detail, or on the entry when the entry is this one line."""
    parts = [_text(u) for u in _children(_child(tx, "RmtInf"), "Ustrd")]
    text = " ".join(p for p in parts if p)
    return text or _text(tx, "AddtlTxInf") or _text(ntry, "AddtlNtryInf") or ""


def _structured(tx: Element | None) -> tuple[str, str | None] | None:
    for strd in _children(_child(tx, "RmtInf"), "Strd"):
        for info in _children(strd, "CdtrRefInf"):
            reference = _text(info, "Ref")
            if reference:
                value = compact(reference)
                kind = reference_type(
                    _text(info, "Tp", "CdOrPrtry", "Cd") or _text(info, "Tp", "CdOrPrtry", "Prtry"),
                    _text(info, "Tp", "Issr"),
                    value,
                )
                return value, kind
    return None
