"""The policy's collections_law section: validated with errors that name the field, the same
in config/ and deploy/, and the rules it gives per debtor kind and for waivers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from receivables.collections_law.rules import costs_waived, rules_for
from receivables.policy.model import (
    DEFAULT_POLICY_FILE,
    CostWaiver,
    PolicyError,
    load_policy,
)

D = dt.date
ROOT = Path(__file__).resolve().parents[2]


def _policy_with(tmp_path: Path, section: dict[str, Any]) -> Path:
    data = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    data["collections_law"] = section
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_shipped_policy_has_it_switched_off_in_both_copies() -> None:
    shipped = load_policy().collections_law
    assert shipped.enabled is False
    assert load_policy(ROOT / "deploy" / "base" / "policy.yml").collections_law == shipped
    # switched off, nothing is charged to anyone
    for kind in ("consumer", "business", None):
        rules = rules_for(shipped, kind)
        assert not rules.collection_costs and not rules.statutory_interest


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"business": {"cost_rule": "contract_percentage"}},
            "collections_law.business: cost_rule contract_percentage needs contract_percentage",
        ),
        (
            {"business": {"contract_percentage": "15"}},
            "collections_law.business: contract_percentage is only read with cost_rule",
        ),
        (
            {"business": {"send_letter": False, "interest_from": "letter_deadline"}},
            "interest_from letter_deadline needs send_letter: true",
        ),
        (
            {"letter": {"post_no_delivery": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}},
            "collections_law.letter: post_no_delivery leaves no day",
        ),
        ({"letter": {"after_due_days": 0}}, "collections_law.letter.after_due_days"),
        ({"letter": {"post_no_delivery": ["sunday"]}}, "collections_law.letter.post_no_delivery.0"),
        (
            {"vat_rate": "121"},
            "collections_law.vat_rate: Input should be less than or equal to 100",
        ),
        ({"consumer": {"interest_from": "invoice_date"}}, "collections_law.consumer.interest_from"),
        (
            {"business": {"contract_percentage": "0"}},
            "collections_law.business.contract_percentage",
        ),
        ({"waive": {"paid_within_days": -1}}, "collections_law.waive.paid_within_days"),
        ({"consumer": {"cost_rule": "contract_percentage"}}, "collections_law.consumer.cost_rule"),
    ],
)
def test_a_mistake_is_named_by_its_field(
    tmp_path: Path, section: dict[str, Any], message: str
) -> None:
    with pytest.raises(PolicyError, match=message.replace(".", r"\.")):
        load_policy(_policy_with(tmp_path, section))


def test_rules_per_kind(tmp_path: Path) -> None:
    settings = load_policy(
        _policy_with(
            tmp_path,
            {
                "enabled": True,
                "vat_deductible": False,
                "business": {
                    "cost_rule": "contract_percentage",
                    "contract_percentage": "10",
                    "send_letter": False,
                    "costs_after_days": 30,
                },
            },
        )
    ).collections_law
    consumer = rules_for(settings, "consumer")
    assert (consumer.kind, consumer.transaction, consumer.letter_first) == (
        "consumer",
        "consumer",
        True,
    )
    assert consumer.vat_rate == Decimal("21")
    # 15 % x 1,000 = 150.00; VAT 21 % = 31.50
    assert consumer.costs(Decimal("1000")).total == Decimal("181.50")
    # a debtor of unknown kind is treated as a consumer
    assert rules_for(settings, None) == consumer
    assert rules_for(settings, "  Consumer ") == consumer

    business = rules_for(settings, "business")
    assert (business.transaction, business.interest_from) == ("commercial", "due_date")
    # contractual 10 % x 1,000 = 100.00, VAT 21.00
    costs = business.costs(Decimal("1000"))
    assert (costs.amount, costs.vat, costs.rule) == (
        Decimal("100.00"),
        Decimal("21.00"),
        "contract_percentage",
    )
    # no letter: costs from 30 days after the due date (1 Mar 2026 + 30 = 31 Mar 2026)
    assert business.costs_from_without_letter(D(2026, 3, 1)) == D(2026, 3, 31)
    with pytest.raises(ValueError, match="fourteen-day letter"):
        consumer.costs_from_without_letter(D(2026, 3, 1))
    # interest from the day after the due date, or after the letter's last day
    assert business.interest_starts(due_date=D(2026, 3, 1), letter_last_day=None) == D(2026, 3, 2)
    assert consumer.interest_starts(due_date=D(2026, 3, 1), letter_last_day=D(2026, 3, 25)) == D(
        2026, 3, 26
    )


def test_waivers() -> None:
    costs_from = D(2026, 1, 13)
    waive = CostWaiver(plan_agreed=True, paid_within_days=7)
    # a plan agreed on the last day of the term: no costs
    assert costs_waived(waive, costs_from=costs_from, plan_agreed_on=D(2026, 1, 12))
    # a plan agreed once the costs were charged: they stand
    assert not costs_waived(waive, costs_from=costs_from, plan_agreed_on=D(2026, 1, 13))
    # paid in full within 7 days of 13 Jan (13-19 Jan): taken back; on 20 Jan: they stand
    assert costs_waived(waive, costs_from=costs_from, paid_in_full_on=D(2026, 1, 19))
    assert not costs_waived(waive, costs_from=costs_from, paid_in_full_on=D(2026, 1, 20))
    # the policy forgoes nothing
    strict = CostWaiver(plan_agreed=False, paid_within_days=0)
    assert not costs_waived(
        strict,
        costs_from=costs_from,
        plan_agreed_on=D(2026, 1, 1),
        paid_in_full_on=D(2026, 1, 13),
    )
