"""The creditor's policy file: loaded, validated, and a mistake named by its field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from receivables.policy.limits import (
    PlanLimits,
    PromiseLimits,
    effective_plan_limits,
    effective_promise_limits,
    handoff_level,
    profile_treatment,
)
from receivables.policy.model import DEFAULT_POLICY_FILE, PROFILES, Policy, PolicyError, load_policy


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


# --- amount bands, profiles and the limits in force -------------------------------------


def limits_for(balance: str, profile: str | None = None) -> PlanLimits:
    return effective_plan_limits(load_policy(), balance=Decimal(balance), profile=profile)


def test_the_shipped_policy_has_bands_profiles_and_a_follow_up() -> None:
    policy = load_policy()
    assert [band.up_to for band in policy.payment_plan.bands] == [
        Decimal("100.00"),
        Decimal("250.00"),
    ]
    assert policy.profiles.unable.tone == "empathetic"
    assert policy.profiles.unwilling.allow_promise is False
    assert policy.followup.grace_days == 2


@pytest.mark.parametrize(
    ("balance", "max_installments", "max_months"),
    [
        ("50.00", 2, 2),
        ("100.00", 2, 2),  # up_to includes the amount itself
        ("100.01", 3, 3),
        ("250.00", 3, 3),
        ("250.01", 6, 6),  # above the last band: the top level
        ("1250.00", 6, 6),
        ("99999.00", 6, 6),
    ],
)
def test_the_amount_band_sets_the_limits(
    balance: str, max_installments: int, max_months: int
) -> None:
    limits = limits_for(balance)
    assert (limits.max_installments, limits.max_months) == (max_installments, max_months)
    assert limits.min_installment_amount == Decimal("25.00")
    assert limits.first_installment_within_days == 14
    assert (limits.min_balance, limits.max_balance) == (Decimal("50.00"), Decimal("5000.00"))
    assert limits.allowed and not limits.allow_after_broken_plan


def test_a_profile_value_replaces_the_band_value() -> None:
    assert limits_for("200.00").max_installments == 3
    unable = limits_for("200.00", "unable")
    assert (unable.max_installments, unable.max_months) == (6, 6)
    assert unable.first_installment_within_days == 28
    unwilling = limits_for("1250.00", "unwilling")
    assert (unwilling.max_installments, unwilling.max_months) == (2, 2)
    # what the profile leaves unset still comes from the band
    assert limits_for("200.00", "willing_and_able") == limits_for("200.00")


def test_same_balance_different_profiles_get_different_limits() -> None:
    assert limits_for("1000.00", "unable") != limits_for("1000.00", "unwilling")


def test_promise_limits_by_profile() -> None:
    policy = load_policy()
    assert effective_promise_limits(policy) == PromiseLimits(
        max_days_ahead=14, max_open_promises=1, allowed=True
    )
    assert effective_promise_limits(policy, profile="unwilling").allowed is False
    assert effective_promise_limits(policy, profile="no_information").max_days_ahead == 14
    data = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    data["profiles"]["no_information"]["promise_to_pay"] = {"max_days_ahead": 7}
    shorter = Policy.model_validate(data)
    assert effective_promise_limits(shorter, profile="no_information").max_days_ahead == 7


def test_an_unknown_profile_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown profile 'grumpy'"):
        effective_plan_limits(load_policy(), balance=Decimal("100"), profile="grumpy")
    with pytest.raises(ValueError, match="unknown profile"):
        effective_promise_limits(load_policy(), profile="")


def test_the_treatment_of_no_profile_is_neutral() -> None:
    treatment = profile_treatment(load_policy(), profile=None)
    assert treatment.tone == "neutral" and treatment.allow_plan and treatment.allow_promise
    assert treatment.handoff_level is None


def test_handoff_level_by_profile_before_amount() -> None:
    policy = load_policy()
    assert handoff_level(Decimal("10.00"), policy, profile="unwilling") == "senior"
    assert handoff_level(Decimal("10.00"), policy, profile="willing_and_able") == "junior"
    assert handoff_level(Decimal("3000.00"), policy, profile="willing_and_able") == "senior"


def test_a_policy_without_bands_or_profiles_uses_the_top_level(tmp_path: Path) -> None:
    data = valid_data()
    for section in ("profiles", "followup"):
        del data[section]
    del data["payment_plan"]["bands"]
    policy = load_policy(write(tmp_path, data))
    limits = effective_plan_limits(policy, balance=Decimal("60.00"), profile="unable")
    assert (limits.max_installments, limits.max_months) == (6, 6)
    assert policy.followup.grace_days == 0
    assert effective_promise_limits(policy, profile="unwilling").allowed


def test_a_profile_may_forbid_a_plan(tmp_path: Path) -> None:
    data = valid_data()
    data["profiles"]["unwilling"]["allow_plan"] = False
    policy = load_policy(write(tmp_path, data))
    assert (
        effective_plan_limits(policy, balance=Decimal("500"), profile="unwilling").allowed is False
    )


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("payment_plan.bands.0.max_installments", 7, "payment_plan.bands.0.max_installments"),
        (
            "payment_plan.bands.1.min_installment_amount",
            "24.99",
            "payment_plan.bands.1.min_installment_amount",
        ),
        ("payment_plan.bands.1.max_months", 7, "payment_plan.bands.1.max_months"),
        (
            "profiles.unable.payment_plan.max_installments",
            12,
            "profiles.unable.payment_plan.max_installments",
        ),
        (
            "profiles.unable.payment_plan.min_installment_amount",
            "10.00",
            "profiles.unable.payment_plan.min_installment_amount",
        ),
        ("profiles.unable.payment_plan.max_months", 12, "profiles.unable.payment_plan.max_months"),
        (
            "profiles.no_information.promise_to_pay.max_days_ahead",
            15,
            "profiles.no_information.promise_to_pay.max_days_ahead",
        ),
    ],
)
def test_a_value_beyond_the_outer_bounds_is_named(
    tmp_path: Path, field: str, value: Any, named: str
) -> None:
    data = valid_data()
    data["profiles"]["no_information"].setdefault("promise_to_pay", {})
    data["profiles"]["unable"].setdefault("payment_plan", {})
    set_path_list(data, field, value)
    with pytest.raises(PolicyError) as excinfo:
        load_policy(write(tmp_path, data))
    message = str(excinfo.value)
    assert named in message and "outer bound" in message
    assert "Value error" not in message


def test_open_promises_beyond_the_outer_bound(tmp_path: Path) -> None:
    data = valid_data()
    data["profiles"]["unable"]["promise_to_pay"] = {"max_open_promises": 2}
    with pytest.raises(PolicyError, match="profiles.unable.promise_to_pay.max_open_promises"):
        load_policy(write(tmp_path, data))


def test_values_equal_to_the_outer_bounds_are_fine(tmp_path: Path) -> None:
    data = valid_data()
    data["payment_plan"]["bands"][0].update(
        max_installments=6, min_installment_amount="25.00", max_months=6
    )
    data["profiles"]["unwilling"]["promise_to_pay"] = {"max_days_ahead": 14}
    load_policy(write(tmp_path, data))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_plan.bands.0.up_to", "0"),
        ("payment_plan.bands.0.up_to", "10.001"),
        ("payment_plan.bands.0.max_installments", 0),
        ("payment_plan.bands.0.min_installment_amount", "25.005"),
        ("profiles.unable.tone", "threatening"),
        ("profiles.unable.handoff_level", "medior"),
        ("profiles.unable.allow_promise", "perhaps"),
        ("profiles.unable.payment_plan.first_installment_within_days", 91),
        ("followup.grace_days", -1),
    ],
)
def test_invalid_band_and_profile_values_are_named(tmp_path: Path, field: str, value: Any) -> None:
    data = valid_data()
    set_path_list(data, field, value)
    with pytest.raises(PolicyError) as excinfo:
        load_policy(write(tmp_path, data))
    assert field in str(excinfo.value)


def test_bands_must_rise(tmp_path: Path) -> None:
    data = valid_data()
    data["payment_plan"]["bands"][1]["up_to"] = "100.00"
    with pytest.raises(PolicyError, match=r"payment_plan.bands.1.up_to must be above"):
        load_policy(write(tmp_path, data))


def test_an_unknown_profile_or_band_field_is_refused(tmp_path: Path) -> None:
    data = valid_data()
    data["profiles"]["unwiling"] = {"tone": "factual"}
    data["payment_plan"]["bands"][0]["max_instalments"] = 2
    with pytest.raises(PolicyError) as excinfo:
        load_policy(write(tmp_path, data))
    assert "profiles.unwiling" in str(excinfo.value)
    assert "payment_plan.bands.0.max_instalments" in str(excinfo.value)


def test_the_policy_serialises_to_json_and_back() -> None:
    policy = load_policy()
    dumped = policy.model_dump(mode="json")
    assert json.loads(json.dumps(dumped)) == dumped
    assert dumped["payment_plan"]["max_installments"] == 6
    assert dumped["payment_plan"]["min_installment_amount"] == "25.00"
    assert dumped["promise_to_pay"]["max_days_ahead"] == 14
    assert dumped["payment_plan"]["bands"][0]["up_to"] == "100.00"
    assert dumped["profiles"]["unwilling"]["handoff_level"] == "senior"
    assert Policy.model_validate(dumped) == policy


@given(
    balance=st.decimals(min_value=0, max_value=100_000, places=2),
    profile=st.sampled_from([None, *PROFILES]),
)
def test_the_limits_in_force_never_leave_the_outer_bounds(
    balance: Decimal, profile: str | None
) -> None:
    policy = load_policy()
    plan = effective_plan_limits(policy, balance=balance, profile=profile)
    top = policy.payment_plan
    assert 1 <= plan.max_installments <= top.max_installments
    assert plan.min_installment_amount >= top.min_installment_amount
    assert plan.max_months <= top.max_months
    promise = effective_promise_limits(policy, profile=profile)
    assert promise.max_days_ahead <= policy.promise_to_pay.max_days_ahead
    assert promise.max_open_promises <= policy.promise_to_pay.max_open_promises


def set_path_list(data: Any, dotted: str, value: Any) -> None:
    """set_path that also walks list indexes ("payment_plan.bands.0.up_to")."""
    *parents, last = dotted.split(".")
    for key in parents:
        data = data[int(key)] if isinstance(data, list) else data.setdefault(key, {})
    if isinstance(data, list):
        data[int(last)] = value
    else:
        data[last] = value
