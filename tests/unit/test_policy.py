"""The creditor's policy file: loaded, validated, and a mistake named by its field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from receivables.policy import DEFAULT_POLICY_FILE, Policy, PolicyError, handoff_level, load_policy


def valid_data() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_shipped_policy_loads() -> None:
    policy = load_policy()
    assert isinstance(policy, Policy)
    assert policy.creditor.name
    assert policy.payment.methods == ["ideal", "bank_transfer"]
    assert policy.payment_plan.min_installment_amount == Decimal("25.00")
    assert isinstance(policy.handoff.senior_from_amount, Decimal)
    assert policy.handoff.working_hours.days == ["mon", "tue", "wed", "thu", "fri"]
    assert policy.handoff.working_hours.start.hour == 8
    assert policy.handoff.working_hours.start.minute == 30


def test_load_policy_accepts_a_path_or_a_string(tmp_path: Path) -> None:
    path = write(tmp_path, valid_data())
    assert load_policy(path) == load_policy(str(path)) == load_policy(DEFAULT_POLICY_FILE)


def test_the_policy_is_frozen() -> None:
    policy = load_policy()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        policy.creditor.name = "other"  # type: ignore[misc]


def test_payment_settings_have_defaults(tmp_path: Path) -> None:
    data = valid_data()
    del data["payment"]
    policy = load_policy(write(tmp_path, data))
    assert policy.payment.methods == ["ideal", "bank_transfer"]
    assert policy.payment.link_expiry_days == 7


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "nope.yml")


def test_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("creditor: [unclosed\n  name: x", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(path)


def test_empty_file_names_the_missing_sections(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(PolicyError) as excinfo:
        load_policy(path)
    message = str(excinfo.value)
    for section in ("creditor", "payment_plan", "promise_to_pay", "handoff"):
        assert section in message
    assert str(path) in message


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data[key]
    data[last] = value


def del_path(data: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data[key]
    del data[last]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_plan.max_installments", 0),
        ("payment_plan.max_installments", 61),
        ("payment_plan.max_installments", "many"),
        ("payment_plan.min_installment_amount", "0"),
        ("payment_plan.min_installment_amount", "-5"),
        ("payment_plan.max_months", 100),
        ("payment_plan.max_balance", "0"),
        ("promise_to_pay.max_days_ahead", -1),
        ("promise_to_pay.max_days_ahead", 400),
        ("promise_to_pay.max_open_promises", 11),
        ("payment.methods", ["ideal", "paypal"]),
        ("payment.methods", []),
        ("payment.link_expiry_days", 0),
        ("handoff.senior_from_amount", "0"),
        ("handoff.working_hours.days", ["monday"]),
        ("handoff.working_hours.start", "half negen"),
        ("creditor.name", None),
    ],
)
def test_invalid_value_names_the_field(tmp_path: Path, field: str, value: Any) -> None:
    data = valid_data()
    set_path(data, field, value)
    with pytest.raises(PolicyError) as excinfo:
        load_policy(write(tmp_path, data))
    assert field in str(excinfo.value)


@pytest.mark.parametrize(
    "field",
    [
        "creditor",
        "creditor.name",
        "payment_plan.max_installments",
        "promise_to_pay.max_days_ahead",
        "handoff.senior_from_amount",
        "handoff.working_hours",
        "handoff.working_hours.end",
    ],
)
def test_missing_field_is_named(tmp_path: Path, field: str) -> None:
    data = valid_data()
    del_path(data, field)
    with pytest.raises(PolicyError) as excinfo:
        load_policy(write(tmp_path, data))
    assert field in str(excinfo.value)
    assert "Field required" in str(excinfo.value)


def test_unknown_field_is_refused_and_named(tmp_path: Path) -> None:
    data = valid_data()
    data["payment_plan"]["max_instalments"] = 3  # a typo must not be silently ignored
    with pytest.raises(PolicyError, match="payment_plan.max_instalments"):
        load_policy(write(tmp_path, data))


def test_min_balance_above_max_balance(tmp_path: Path) -> None:
    data = valid_data()
    data["payment_plan"]["min_balance"] = "6000.00"
    with pytest.raises(PolicyError, match="min_balance is above max_balance"):
        load_policy(write(tmp_path, data))


def test_several_problems_are_all_named(tmp_path: Path) -> None:
    data = valid_data()
    data["payment_plan"]["max_installments"] = 0
    data["promise_to_pay"]["max_days_ahead"] = -1
    with pytest.raises(PolicyError) as excinfo:
        load_policy(write(tmp_path, data))
    assert "payment_plan.max_installments" in str(excinfo.value)
    assert "promise_to_pay.max_days_ahead" in str(excinfo.value)


@pytest.mark.parametrize(
    ("balance", "level"),
    [
        ("0.00", "junior"),
        ("150.00", "junior"),
        ("2499.99", "junior"),
        ("2500.00", "senior"),
        ("2500.01", "senior"),
        ("100000", "senior"),
    ],
)
def test_handoff_level_by_amount(balance: str, level: str) -> None:
    assert handoff_level(Decimal(balance), load_policy()) == level


def test_handoff_level_follows_the_policy(tmp_path: Path) -> None:
    data = valid_data()
    data["handoff"]["senior_from_amount"] = "100"
    policy = load_policy(write(tmp_path, data))
    assert handoff_level(Decimal("99.99"), policy) == "junior"
    assert handoff_level(Decimal("100"), policy) == "senior"
