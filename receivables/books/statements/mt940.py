"""MT940 (SWIFT customer statement) to statement lines, one per :61:.

Read with the `mt-940` library (the maintained one on PyPI: tag splitting, :61: fields,
balances, German ?NN subfields), each statement of a file on its own
(`mt940.parse_statements`), after the text is mended for the quirks it does not expect
(mt940_quirks) and with a :61: pattern that takes de Volksbank's 18-character IBAN in the
16-character reference. The :86: layouts are read in mt940_details. The reversal marks are
taken from the :61: mark itself (RC: a credit reversed, money out; RD: a debit reversed,
money in), never from mt-940's signed amount, whose sign for RC depends on an option."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

import mt940 as mt940_library
from mt940 import processors as mt940_processors
from mt940 import tags as mt940_tags

from receivables.books.statements import mt940_details, mt940_quirks
from receivables.books.statements.model import (
    Balance,
    Direction,
    Statement,
    StatementError,
    StatementLine,
    content_digest,
)
from receivables.books.statements.references import iban_shaped, valid_iban

SOURCE = "mt940"
_NOT_GIVEN = {"", "NONREF", "NOTPROVIDED"}


class _StatementLineTag(mt940_tags.Statement):
    """:61: with room for de Volksbank's (SNS, ASN, RegioBank) counterparty IBAN in the
    customer-reference subfield: 18 characters where SWIFT allows 16."""

    pattern: ClassVar[str] = mt940_tags.Statement.pattern.replace(
        "(?P<customer_reference>((?!//)[^\\n]){0,16})",
        "(?P<customer_reference>((?!//)[^\\n]){0,34})",
    )


def _keep_lines(
    transactions: Any, tag: Any, tag_dict: dict[str, Any], *args: Any
) -> dict[str, Any]:
    """Keep the :86: text's own lines (before mt-940 glues the German layout's): the
    layouts are read in mt940_details."""
    tag_dict["details_lines"] = str(tag_dict.get("transaction_details") or "").split("\n")
    return tag_dict


_OPTIONS = mt940_library.Options(
    applicant_iban=True,
    merge_keeps_values=True,
    unbounded_details=True,
    case_insensitive_marks=True,
    strip_bom=True,
)
_PROCESSORS: dict[str, list[Callable[..., dict[str, Any]]]] = {
    "pre_transaction_details": [_keep_lines],
    "post_transaction_details": [mt940_processors.transaction_details_post_processor],
}


def parse(text: str) -> list[Statement]:
    text = mt940_quirks.prepare(text)
    if not re.search(r"^:61:|^:6[02][FM]:", text, re.MULTILINE):
        raise StatementError("the MT940 file has no balances and no transactions (:60F:, :61:)")
    try:
        blocks = mt940_library.parse_statements(
            text, processors=_PROCESSORS, tags={61: _StatementLineTag()}, options=_OPTIONS
        )
    except Exception as exc:  # noqa: BLE001 - the library raises bare RuntimeErrors
        raise StatementError(_what_failed(exc)) from exc
    statements = [_statement(block) for block in blocks]
    if not statements:
        raise StatementError("the MT940 file holds no statement (no :20: field)")
    return statements


def _what_failed(exc: Exception) -> str:
    """One line naming the field that could not be read, never the library's text."""
    detail = exc.args[2] if len(exc.args) > 2 else ""
    tag = getattr(exc.args[1], "id", None) if len(exc.args) > 1 else None
    if tag is not None:
        value = " ".join(str(detail).split())[:60]
        return f"the MT940 field :{tag}: could not be read: {value!r}"
    return "the file looks like MT940 but one of its fields could not be read"


def _account(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """ ":25:" as the bank wrote it, to (account, valid IBAN, currency): "NL77INGB0574908765EUR",
    "NL34RABO0142623393 EUR", "TRIODOSBANK/0454545454", "50880050/0194774600888"."""
    if not raw:
        return None, None, None
    text = " ".join(raw.split())
    currency = None
    found = re.fullmatch(r"(.*?)[ /]?([A-Z]{3})", text)
    if found and (
        valid_iban(found.group(1)) or (iban_shaped(found.group(1)) and not valid_iban(text))
    ):
        text, currency = found.group(1), found.group(2)
    iban = valid_iban(text)
    return iban or text, iban, currency


def _balance(block: Any, *names: str) -> Balance | None:
    for name in names:
        balance = block.data.get(name)
        if balance is not None:
            code = {"final_opening_balance": "60F", "intermediate_opening_balance": "60M"}.get(
                name, {"final_closing_balance": "62F"}.get(name, "62M")
            )
            amount = balance.amount
            on = balance.date
            return Balance(
                code,
                Decimal(amount.amount),
                amount.currency,
                dt.date(on.year, on.month, on.day) if on else None,
            )
    return None


def _statement(block: Any) -> Statement:
    data = block.data
    raw_account = data.get("account_identification")
    account, iban, currency = _account(raw_account)
    opening = _balance(block, "final_opening_balance", "intermediate_opening_balance")
    closing = _balance(block, "final_closing_balance", "intermediate_closing_balance")
    currency = currency or next(
        (b.currency for b in (opening, closing) if b is not None and b.currency), None
    )
    number = data.get("statement_number")
    identifier = (
        " ".join(str(part) for part in (data.get("transaction_reference"), number) if part) or None
    )
    references = Counter(
        _ref(tx.data.get("bank_reference")) for tx in block.transactions if tx.data.get("status")
    )
    lines = [
        _line(tx.data, account, raw_account, currency, identifier, references)
        for tx in block.transactions
        if tx.data.get("status")  # mt-940 opens an empty transaction for a lone :86:
    ]
    return Statement(
        source=SOURCE,
        identifier=identifier,
        account=account,
        account_iban=iban,
        currency=currency,
        opening=opening,
        closing=closing,
        lines=tuple(lines),
    )


def _ref(value: object) -> str | None:
    text = " ".join(str(value or "").split())
    return None if text.upper() in _NOT_GIVEN else text


def _line(
    values: dict[str, Any],
    account: str | None,
    raw_account: str | None,
    currency: str | None,
    statement_id: str | None,
    references: Counter[str | None],
) -> StatementLine:
    mark = str(values["status"]).upper()
    direction: Direction = "credit" if mark in ("C", "RD") else "debit"
    amount = abs(Decimal(values["amount"].amount))
    line_currency = values["amount"].currency or currency or "EUR"
    value_date = _day(values.get("date"))
    booked_on = _day(values.get("entry_date")) or value_date
    if booked_on is None:
        raise StatementError("an MT940 transaction (:61:) has no date")
    details = mt940_details.read(values.get("details_lines") or [], values)
    customer_reference = _ref(values.get("customer_reference"))
    extra = " ".join(str(values.get("extra_details") or "").split()) or None
    counterparty_account = details.counterparty_account
    name = details.counterparty_name
    if counterparty_account is None:
        # Rabobank: the payer's IBAN on the :61:'s 2nd line; de Volksbank: in the reference,
        # with the name on the 2nd line
        if extra and iban_shaped(extra.split()[0]):
            counterparty_account = extra.split()[0]
        elif customer_reference and iban_shaped(customer_reference):
            counterparty_account, name = customer_reference, name or extra
    iban = valid_iban(counterparty_account)
    reversal = mark.startswith("R") or details.returned
    bank_reference = _ref(values.get("bank_reference"))
    if bank_reference is not None and references[bank_reference] == 1:
        ref = bank_reference
    else:
        ref = "sha256:" + content_digest(
            value_date,
            booked_on,
            mark,
            amount,
            line_currency,
            values.get("id"),
            customer_reference,
            extra,
            "\n".join(values.get("details_lines") or []),
        )
    key = f"{account or '-'}:{ref}" + (":reversal" if reversal else "")
    legacy = f"{raw_account or '-'}:{bank_reference}"[:200] if bank_reference else None
    structured = details.structured
    return StatementLine(
        key=key if len(key) <= 200 else f"{account or '-'}:sha256:{content_digest(key)}",
        source=SOURCE,
        account=account,
        account_currency=currency,
        statement_id=statement_id,
        booked_on=booked_on,
        value_date=value_date,
        amount=amount,
        currency=line_currency,
        direction=direction,
        reversal=reversal,
        return_code=details.return_code,
        reverses=details.end_to_end_id if reversal else None,
        bank_reference=bank_reference,
        end_to_end_id=details.end_to_end_id,
        counterparty_name=name,
        counterparty_iban=iban,
        counterparty_account=None if iban else counterparty_account,
        remittance=details.remittance,
        structured_reference=structured[0] if structured else None,
        structured_reference_type=structured[1] if structured else None,
        transaction_code=str(values.get("id") or "") or None,
        legacy_key=legacy,
    )


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    return dt.date(value.year, value.month, value.day)
