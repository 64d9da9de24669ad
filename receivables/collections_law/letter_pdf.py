"""The fourteen-day letter as a PDF for post, in the debtor's language: the words from the
text catalogue (`collections_law.letter_*`), amounts and dates as that language writes them
(`receivables.common.money`, `receivables.common.dates`), laid out by `letter.html` (Jinja2)
and printed to PDF by WeasyPrint (HTML and CSS to PDF, maintained, no browser needed).
Pure: a letter in, bytes out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from receivables.collections_law.letter import FourteenDayLetter
from receivables.common.dates import format_date
from receivables.common.money import format_money
from texts import text

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class _Row:
    number: str
    issue_date: str
    due_date: str
    open: str


def _words(letter: FourteenDayLetter) -> dict[str, str]:
    """Every sentence of the letter in its language, values filled in."""
    lang = letter.language

    def money(amount: Decimal) -> str:
        return format_money(amount, lang)

    def day(date: dt.date) -> str:
        return format_date(date, lang)

    costs = letter.costs
    costs_text = money(costs.total)
    if costs.vat:
        costs_text = text(
            "collections_law.letter_costs_with_vat", lang, costs=costs_text, vat=money(costs.vat)
        )
    basis = (
        "collections_law.letter_costs_contract"
        if costs.rule == "contract_percentage"
        else "collections_law.letter_costs_statutory"
    )
    words = {
        "subject": text("collections_law.letter_subject", lang, reference=letter.reference),
        "date": text("collections_law.letter_date", lang, date=day(letter.term.sent_on)),
        "reference": text("collections_law.letter_reference", lang, reference=letter.reference),
        "greeting": text("collections_law.letter_greeting", lang, name=letter.debtor_name),
        "intro": text(
            "collections_law.letter_intro",
            lang,
            creditor=letter.creditor,
            amount=money(letter.principal),
        ),
        "column_invoice": text("collections_law.letter_column_invoice", lang),
        "column_issue_date": text("collections_law.letter_column_issue_date", lang),
        "column_due_date": text("collections_law.letter_column_due_date", lang),
        "column_open": text("collections_law.letter_column_open", lang),
        "total": text("collections_law.letter_total", lang),
        "term": text("collections_law.letter_term", lang),
        "last_day": text(
            "collections_law.letter_last_day",
            lang,
            received_on=day(letter.term.received_on),
            last_day=day(letter.term.last_day),
        ),
        "costs": text("collections_law.letter_costs", lang, costs=costs_text),
        "costs_basis": text(basis, lang),
        "partial": text("collections_law.letter_partial", lang),
        "interest": "",
        "pay_link": "",
        "pay_transfer": "",
        "help": text("collections_law.letter_help", lang),
        "paid_already": text("collections_law.letter_paid_already", lang),
        "closing": text("collections_law.letter_closing", lang),
    }
    if letter.interest_from == "due_date":
        words["interest"] = text("collections_law.letter_interest_from_due", lang)
    elif letter.interest_from == "letter_deadline":
        words["interest"] = text(
            "collections_law.letter_interest_after_term",
            lang,
            date=day(letter.term.costs_from),
        )
    if letter.pay_url:
        words["pay_link"] = text("collections_law.letter_pay_link", lang, link=letter.pay_url)
    if letter.iban:
        words["pay_transfer"] = text(
            "collections_law.letter_pay_transfer",
            lang,
            amount=money(letter.principal),
            iban=letter.iban,
            holder=letter.account_holder or letter.creditor,
            reference=letter.reference,
        )
    return words


def letter_html(letter: FourteenDayLetter) -> str:
    """The letter as HTML (what the PDF is printed from)."""
    lang = letter.language
    rows = [
        _Row(
            number=invoice.number,
            issue_date=format_date(invoice.issue_date, lang),
            due_date=format_date(invoice.due_date, lang),
            open=format_money(invoice.open_amount, lang),
        )
        for invoice in letter.invoices
    ]
    return _TEMPLATES.get_template("letter.html").render(
        language=lang,
        t=_words(letter),
        creditor=letter.creditor,
        debtor_name=letter.debtor_name,
        address=letter.address,
        rows=rows,
        total=format_money(letter.principal, lang),
    )


def render_letter_pdf(letter: FourteenDayLetter) -> bytes:
    """The letter as a PDF (A4), ready to print and post."""
    pdf = HTML(string=letter_html(letter)).write_pdf()
    if not isinstance(pdf, bytes):  # None only when writing to a target, never here
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf
