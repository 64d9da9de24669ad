"""Flags and the summary a collector reads first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from receivables.handoffs.summary import SummaryFacts, handoff_summary, vulnerability_flags


@pytest.mark.parametrize(
    ("texts", "flags"),
    [
        (["ik ben ziek en lig in het ziekenhuis"], ["illness"]),
        (["mijn man is overleden"], ["bereavement"]),
        (["ik zit in de schuldhulpverlening", "ik heb een bewindvoerder"], ["debt_help"]),
        (["I lost my job"], ["job_loss"]),
        (["my wife passed away and I'm ill"], ["illness", "bereavement"]),
        (["I'm working with a debt advisor"], ["debt_help"]),
        (["deze factuur klopt niet"], []),
        (["I will pay tomorrow"], []),
    ],
)
def test_signs_of_vulnerability_become_flags(texts: list[str], flags: list[str]) -> None:
    assert vulnerability_flags(texts) == flags


def test_the_summary_says_who_what_and_how_much() -> None:
    summary = handoff_summary(
        SummaryFacts(
            reason="cannot_pay",
            debtor_name="Anna de Vries",
            reference="48213907",
            verified=True,
            balance=Decimal("239.95"),
            asked=["ik ben mijn baan kwijt"],
            offered=["payment link"],
            flags=["job_loss"],
        )
    )
    assert summary.splitlines() == [
        "Anna de Vries (48213907), verified.",
        "Reason: cannot pay.",
        "Open balance: EUR 239.95.",
        "Flags: job loss.",
        'Debtor wrote: "ik ben mijn baan kwijt"',
        "Bot offered: payment link",
    ]


def test_an_unverified_summary_shows_no_account_data() -> None:
    summary = handoff_summary(
        SummaryFacts(
            reason="requested_human",
            debtor_name=None,
            reference=None,
            verified=False,
            balance=None,
            asked=["mens graag"],
            offered=[],
            flags=[],
        )
    )
    assert summary.startswith("Unknown debtor, NOT verified.") and "balance" not in summary
