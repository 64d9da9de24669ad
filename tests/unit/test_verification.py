"""The pure parts of identity verification: reading a second factor and matching it."""

from __future__ import annotations

import datetime as dt

import pytest

from receivables.models import Debtor
from receivables.verification.service import SecondFactor, factor_matches, find_second_factor

TODAY = dt.date(2026, 3, 1)
DOB = dt.date(1985, 3, 12)


def debtor(date_of_birth: dt.date | None = DOB, postcode: str | None = "1012AB") -> Debtor:
    return Debtor(
        reference="48213907", name="Anna de Vries", date_of_birth=date_of_birth, postcode=postcode
    )


@pytest.mark.parametrize(
    "text", ["12-03-1985", "12 maart 1985", "March 12, 1985", "12031985", "geboren 1985-03-12"]
)
def test_date_of_birth_as_second_factor(text: str) -> None:
    factor = find_second_factor(text, today=TODAY)
    assert factor == SecondFactor(date_of_birth=DOB)
    assert factor.given


@pytest.mark.parametrize("text", ["1012 AB", "1012ab", "mijn postcode is 1012 ab"])
def test_postcode_as_second_factor(text: str) -> None:
    factor = find_second_factor(text, today=TODAY)
    assert factor == SecondFactor(postcode="1012AB")
    assert factor.given


def test_both_factors_in_one_message() -> None:
    factor = find_second_factor("12-03-1985, 1012 AB", today=TODAY)
    assert factor == SecondFactor(date_of_birth=DOB, postcode="1012AB")


@pytest.mark.parametrize(
    "text", ["", "hallo", "weet ik niet", "48213907", "12-03-2030", "31-02-1985", "0123 AB"]
)
def test_no_second_factor(text: str) -> None:
    factor = find_second_factor(text, today=TODAY)
    assert factor == SecondFactor()
    assert not factor.given


def test_right_date_of_birth_matches() -> None:
    assert factor_matches(debtor(), SecondFactor(date_of_birth=DOB))


def test_right_postcode_matches() -> None:
    assert factor_matches(debtor(), SecondFactor(postcode="1012AB"))


def test_both_right_match() -> None:
    assert factor_matches(debtor(), SecondFactor(date_of_birth=DOB, postcode="1012AB"))


def test_wrong_date_of_birth_does_not_match() -> None:
    assert not factor_matches(debtor(), SecondFactor(date_of_birth=dt.date(1985, 12, 3)))


def test_wrong_postcode_does_not_match() -> None:
    assert not factor_matches(debtor(), SecondFactor(postcode="1012AC"))


def test_one_wrong_factor_spoils_a_right_one() -> None:
    assert not factor_matches(debtor(), SecondFactor(date_of_birth=DOB, postcode="9999ZZ"))
    assert not factor_matches(
        debtor(), SecondFactor(date_of_birth=dt.date(1990, 1, 1), postcode="1012AB")
    )


def test_nothing_given_never_matches() -> None:
    assert not factor_matches(debtor(), SecondFactor())


def test_a_factor_not_on_record_is_no_proof() -> None:
    assert not factor_matches(debtor(date_of_birth=None), SecondFactor(date_of_birth=DOB))
    assert not factor_matches(debtor(postcode=None), SecondFactor(postcode="1012AB"))
    assert not factor_matches(debtor(None, None), SecondFactor(DOB, "1012AB"))


def test_a_factor_not_on_record_is_ignored_when_another_matches() -> None:
    assert factor_matches(debtor(postcode=None), SecondFactor(date_of_birth=DOB, postcode="1234AB"))
    assert factor_matches(
        debtor(date_of_birth=None),
        SecondFactor(date_of_birth=dt.date(1990, 1, 1), postcode="1012AB"),
    )


def test_read_and_match_together() -> None:
    assert factor_matches(debtor(), find_second_factor("12 maart 1985", today=TODAY))
    assert factor_matches(debtor(), find_second_factor("1012 ab", today=TODAY))
    assert not factor_matches(debtor(), find_second_factor("13 maart 1985", today=TODAY))
