"""The fourteen-day letter printed to PDF (WeasyPrint) in Dutch and in English, read back with
pypdf: the amounts and dates in the letter's own language, the term the law asks for, the
costs for this debt. Figures worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from receivables.collections_law.letter import FourteenDayLetter, LetterInvoice, compose_letter
from receivables.collections_law.letter_pdf import letter_html, render_letter_pdf
from receivables.collections_law.rules import rules_for
from receivables.policy.model import CollectionsLawSettings

D = dt.date


def _letter(language: str, *, vat: bool = True) -> FourteenDayLetter:
    settings = CollectionsLawSettings(enabled=True, vat_deductible=not vat)
    settings = settings.model_copy(
        update={"consumer": settings.consumer.model_copy(update={"statutory_interest": True})}
    )
    return compose_letter(
        invoices=[
            LetterInvoice("F-2025-0042", D(2025, 11, 1), D(2025, 12, 1), Decimal("1234.56")),
            LetterInvoice("F-2025-0050", D(2025, 11, 10), D(2025, 12, 10), Decimal("99.95")),
        ],
        sent_on=D(2025, 12, 23),
        channel="post",
        language=language,
        creditor="Voorbeeld Energie B.V.",
        debtor_name="J. de Vries",
        reference="K-10023",
        rules=rules_for(settings, "consumer"),
        settings=settings.letter,
        address=["Kerkstraat 1", "1234 AB Utrecht"],
        iban="NL91 ABNA 0417 1643 00",
        account_holder="Voorbeeld Energie B.V.",
        pay_url="https://pay.example.nl/p/abc",
    )


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# principal 1,234.56 + 99.95 = 1,334.51; costs 15 % x 1,334.51 = 200.1765 -> 200.18;
# VAT 21 % x 200.18 = 42.0378 -> 42.04; total 242.22.
# Sent Tue 23 Dec 2025 by post: received Sat 27 Dec (Christmas does not count); 27 Dec + 14 =
# Sat 10 Jan 2026 -> Mon 12 Jan; interest from the day after: 13 Jan 2026.
EXPECTED = {
    "nl": [
        "Datum: 23 december 2025",
        "Klantnummer: K-10023",
        "Verzoek om betaling",
        "Beste J. de Vries,",
        "€ 1.234,56",
        "€ 99,95",
        "€ 1.334,51",
        "1 december 2025",
        "binnen veertien dagen, te rekenen vanaf de dag nadat u deze brief heeft ontvangen",
        "uiterlijk op 27 december 2025",
        "uiterlijk op 12 januari 2026",
        "incassokosten van € 242,22 (inclusief € 42,04 btw)",
        "Besluit vergoeding voor buitengerechtelijke incassokosten",
        "vanaf 13 januari 2026 ook de wettelijke rente",
        "https://pay.example.nl/p/abc",
        "NL91 ABNA 0417 1643 00",
        "betalingsregeling",
        "Met vriendelijke groet,",
    ],
    "en": [
        "Date: 23 December 2025",
        "Customer number: K-10023",
        "Request for payment",
        "Dear J. de Vries,",
        "€1,234.56",
        "€99.95",
        "€1,334.51",
        "1 December 2025",
        "within fourteen days, counting from the day after you received this letter",
        "by 27 December 2025 at the latest",
        "If you pay by 12 January 2026",
        "collection costs of €242.22 (including €42.04 VAT)",
        "statutory interest on the outstanding amount from 13 January 2026",
        "payment plan",
        "Kind regards,",
    ],
}
# what the other language would have written
FOREIGN = {
    "nl": ["€1,334.51", "January", "December 2025", "costs"],
    "en": ["€ 1.334,51", "januari", "december 2025", "incassokosten"],
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_pdf_says_it_in_the_letters_language(language: str) -> None:
    pdf = render_letter_pdf(_letter(language))
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1  # one A4 sheet for two invoices
    text = _pdf_text(pdf)
    for expected in EXPECTED[language]:
        assert expected in text, expected
    for foreign in FOREIGN[language]:
        assert foreign not in text, foreign


def test_without_vat_the_costs_are_the_scale_alone() -> None:
    text = _pdf_text(render_letter_pdf(_letter("nl", vat=False)))
    # VAT deducted: 200.18 and no VAT line
    assert "incassokosten van € 200,18 in rekening" in text
    assert "btw" not in text


def test_the_debtors_words_are_escaped() -> None:
    letter = _letter("en")
    tricky = FourteenDayLetter(
        **{**letter.__dict__, "debtor_name": "<b>J. & Co</b>", "pay_url": None, "iban": None}
    )
    html = letter_html(tricky)
    assert "&lt;b&gt;J. &amp; Co&lt;/b&gt;" in html and "<b>J." not in html
    assert "pay easily" not in html and "transfer" not in html
