"""Statutory collection costs: the scale of the Besluit vergoeding voor buitengerechtelijke
incassokosten (Stb. 2012, 141; "BIK"), the compensation of art. 6:96 lid 2 sub c BW.

Art. 2 lid 1 of the Besluit: 15 % of the principal ("hoofdsom") over the first € 2,500,
10 % over the next € 2,500, 5 % over the next € 5,000, 1 % over the next € 190,000 and 0.5 %
over the rest, at most € 6,775; lid 2: at least € 40; lid 3: raised by the VAT percentage
when the creditor cannot deduct the VAT on the collection work. The scale is written here
as data (`BANDS`): no library computes it.

Rounding: the scale is applied to the exact principal, the minimum and maximum to that exact
result, and only the outcome is rounded to whole cents, half up (€ 185.1855 -> € 185.19), the
commercial rounding that `receivables.common.money` uses for every amount: an amount owed is
in whole cents, and rounding once keeps it within half a cent of the scale. The VAT is
computed on the rounded costs and rounded the same way, as on an invoice line.

The principal is what the letter or claim is for. Several invoices of one debtor claimed
together are one principal (`cost_base`); a later claim for the same debtor adds only what
the scale adds for the larger sum (`added_costs`), never a second minimum: the conservative
reading of the case law on splitting claims ("cumulatie"), and never more than one claim for
everything would have cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from receivables.common.money import to_money

# (width of the band, or None for "the rest"; share of the principal in that band)
BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("2500"), Decimal("0.15")),
    (Decimal("2500"), Decimal("0.10")),
    (Decimal("5000"), Decimal("0.05")),
    (Decimal("190000"), Decimal("0.01")),
    (None, Decimal("0.005")),
)
MINIMUM = Decimal("40.00")
MAXIMUM = Decimal("6775.00")
ZERO = Decimal("0.00")

CostRule = Literal["statutory_scale", "contract_percentage"]


@dataclass(frozen=True)
class Costs:
    """Collection costs for one principal: the costs, the VAT on them (0 when the creditor
    deducts VAT) and which rule gave them."""

    base: Decimal
    amount: Decimal
    vat: Decimal
    rule: CostRule = "statutory_scale"

    @property
    def total(self) -> Decimal:
        return self.amount + self.vat


def _checked(principal: Decimal) -> Decimal:
    if isinstance(principal, float):
        raise TypeError("money is never a float")
    if principal < 0:
        raise ValueError(f"a principal is never negative: {principal}")
    return Decimal(principal)


def _vat(amount: Decimal, vat_rate: Decimal | None) -> Decimal:
    if vat_rate is None:
        return ZERO
    if vat_rate < 0:
        raise ValueError(f"a VAT rate is never negative: {vat_rate}")
    return to_money(amount * vat_rate / 100)


def scale_amount(principal: Decimal) -> Decimal:
    """The scale of art. 2 lid 1 and 2 for `principal`, in cents; 0 for no principal."""
    rest = _checked(principal)
    if rest == 0:
        return ZERO
    exact = Decimal(0)
    for width, share in BANDS:
        part = rest if width is None else min(rest, width)
        exact += part * share
        rest -= part
        if rest <= 0:
            break
    return to_money(min(max(exact, MINIMUM), MAXIMUM))


def statutory_costs(principal: Decimal, *, vat_rate: Decimal | None = None) -> Costs:
    """The BIK costs for `principal`. `vat_rate` (percent, "21") only when the creditor
    cannot deduct VAT; None when it can (then the costs carry no VAT)."""
    amount = scale_amount(principal)
    return Costs(base=to_money(principal), amount=amount, vat=_vat(amount, vat_rate))


def contract_costs(
    principal: Decimal,
    *,
    percentage: Decimal,
    minimum: Decimal,
    vat_rate: Decimal | None = None,
) -> Costs:
    """Costs a business agreed in its contract: `percentage` of the principal, at least
    `minimum` (0 for no principal). Whether the percentage is reasonable is the creditor's
    to judge; the policy only lets it be set for business debtors."""
    principal = _checked(principal)
    if percentage <= 0 or percentage > 100:
        raise ValueError(f"a contractual percentage is above 0 and at most 100: {percentage}")
    amount = ZERO if principal == 0 else to_money(max(principal * percentage / 100, minimum))
    return Costs(
        base=to_money(principal),
        amount=amount,
        vat=_vat(amount, vat_rate),
        rule="contract_percentage",
    )


def cost_base(principals: Iterable[Decimal]) -> Decimal:
    """The one principal of a claim for several invoices: their open principals together
    (interest and costs are never part of it)."""
    return to_money(sum((_checked(p) for p in principals), Decimal(0)))


def added_costs(*, claimed_before: Decimal, added: Decimal, vat_rate: Decimal | None) -> Costs:
    """The statutory costs a later claim for `added` may carry when the same debtor was
    already claimed `claimed_before` (whose costs stand): what the scale gives for the sum
    less what it gave for the earlier part. Never a second minimum, never a second step of
    the scale's steepest band."""
    whole = statutory_costs(cost_base([claimed_before, added]), vat_rate=vat_rate)
    before = statutory_costs(claimed_before, vat_rate=vat_rate)
    return Costs(
        base=to_money(added),
        amount=whole.amount - before.amount,
        vat=whole.vat - before.vat,
    )
