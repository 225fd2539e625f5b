"""Statement descriptors (stripe-behaviour §6.3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tender.core.descriptors import (
    MAX_LENGTH,
    calculated,
    for_account,
    validate_descriptor,
    validate_prefix,
    validate_suffix,
)
from tender.core.errors import InvalidRequestError

Validator = Callable[..., None]
VALIDATORS = [
    pytest.param(validate_descriptor, "statement_descriptor", id="descriptor"),
    pytest.param(validate_prefix, "statement_descriptor_prefix", id="prefix"),
    pytest.param(validate_suffix, "statement_descriptor_suffix", id="suffix"),
]


def rejected(validate: Validator, value: str, **kwargs: str) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as info:
        validate(value, **kwargs)
    assert info.value.status == 400
    return info.value


# --- characters -------------------------------------------------------------------------


@pytest.mark.parametrize("validate,param", VALIDATORS)
@pytest.mark.parametrize("char", ["<", ">", "\\", "'", '"', "*"])
def test_reserved_characters_are_invalid(validate: Validator, param: str, char: str) -> None:
    error = rejected(validate, f"SHOP{char}S")
    assert error.code == "invalid_characters"
    assert error.param == param


@pytest.mark.parametrize("validate,param", VALIDATORS)
def test_non_latin_characters_are_invalid(validate: Validator, param: str) -> None:
    error = rejected(validate, "МАГАЗИН")
    assert error.code == "invalid_characters"
    assert error.param == param


@pytest.mark.parametrize("validate,param", VALIDATORS)
def test_a_descriptor_needs_at_least_one_letter(validate: Validator, param: str) -> None:
    error = rejected(validate, "12345")
    assert error.code == "invalid_characters"
    assert error.param == param
    assert "at least one letter" in error.message


@pytest.mark.parametrize("validate,param", VALIDATORS)
def test_letters_digits_spaces_and_ordinary_punctuation_are_fine(validate: Validator, param: str) -> None:
    validate("AB-1 .,&")


def test_the_offending_parameter_can_be_named_by_the_caller() -> None:
    assert rejected(validate_suffix, "A*B", param="payment_method_options[card][x]").param == (
        "payment_method_options[card][x]"
    )


# --- lengths ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ACME1", "A" * MAX_LENGTH])
def test_a_full_descriptor_may_be_5_to_22_characters(value: str) -> None:
    validate_descriptor(value)


@pytest.mark.parametrize("value", ["ACME", "A" * (MAX_LENGTH + 1)])
def test_a_full_descriptor_outside_5_to_22_characters_is_refused(value: str) -> None:
    error = rejected(validate_descriptor, value)
    assert error.param == "statement_descriptor"
    assert "between 5 and 22" in error.message


@pytest.mark.parametrize("value", ["AB", "A" * 10])
def test_a_prefix_may_be_2_to_10_characters(value: str) -> None:
    validate_prefix(value)


@pytest.mark.parametrize("value", ["A", "A" * 11])
def test_a_prefix_outside_2_to_10_characters_is_refused(value: str) -> None:
    error = rejected(validate_prefix, value)
    assert error.param == "statement_descriptor_prefix"
    assert "between 2 and 10" in error.message


@pytest.mark.parametrize("value", ["A", "A" * MAX_LENGTH])
def test_a_suffix_may_be_up_to_22_characters(value: str) -> None:
    validate_suffix(value)


def test_a_suffix_over_22_characters_is_refused() -> None:
    error = rejected(validate_suffix, "A" * (MAX_LENGTH + 1))
    assert error.param == "statement_descriptor_suffix"
    assert "at most 22" in error.message


# --- what the card network receives -----------------------------------------------------


def test_the_calculated_descriptor_is_prefix_star_space_suffix_uppercased() -> None:
    assert calculated("Tender", "TENDER PAYMENTS", "order 42") == "TENDER* ORDER 42"


def test_a_long_suffix_is_truncated_so_the_whole_fits_in_22_characters() -> None:
    result = calculated("TENDER", "TENDER PAYMENTS", "abcdefghijklmnopqrstuvwxyz")
    assert result == "TENDER* ABCDEFGHIJKLMN"
    assert len(result) == MAX_LENGTH


def test_the_star_and_space_count_toward_22_characters() -> None:
    # A 10-character prefix leaves 22 - 10 - 2 = 10 characters for the suffix.
    assert calculated("ABCDEFGHIJ", "ACME", "0123456789XYZ") == "ABCDEFGHIJ* 0123456789"


@pytest.mark.parametrize("suffix", [None, ""])
def test_without_a_suffix_the_accounts_full_descriptor_is_sent(suffix: str | None) -> None:
    assert calculated("TENDER", "Tender Payments", suffix) == "TENDER PAYMENTS"


def test_a_full_descriptor_is_also_uppercased_and_cut_to_22() -> None:
    assert calculated("TENDER", "a" * 30, None) == "A" * MAX_LENGTH


def test_an_account_without_a_prefix_uses_its_full_descriptor_cut_to_ten() -> None:
    settings = {"statement_descriptor": "ROCKET RIDES INC"}
    assert for_account(settings, "Ride 42") == "ROCKET RID* RIDE 42"


def test_an_account_prefix_wins_over_its_full_descriptor() -> None:
    settings = {"statement_descriptor": "ROCKET RIDES INC", "statement_descriptor_prefix": "RKT"}
    assert for_account(settings, "Ride 42") == "RKT* RIDE 42"
    assert for_account(settings, None) == "ROCKET RIDES INC"
