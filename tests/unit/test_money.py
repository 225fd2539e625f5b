"""Currency and amount rules (stripe-behaviour §3.3, §3.5)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tender.core.errors import InvalidRequestError
from tender.core.money import (
    SETTLEMENT_CURRENCY,
    SETTLEMENT_MINIMUMS,
    SUPPORTED_CURRENCIES,
    THREE_DECIMAL,
    USD_EXCHANGE_RATES,
    WHOLE_UNITS_TIMES_100,
    ZERO_DECIMAL,
    decimals,
    format_amount,
    stripe_fee,
    validate_amount,
    validate_currency,
)


def amount_error(amount: int, currency: str) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as info:
        validate_amount(amount, currency)
    assert info.value.param == "amount"
    assert info.value.status == 400
    return info.value


# --- data -------------------------------------------------------------------------------


def test_the_us_account_supports_138_lowercase_currencies_usd_first() -> None:
    assert len(SUPPORTED_CURRENCIES) == len(set(SUPPORTED_CURRENCIES)) == 138
    # Stripe's own message (§3.5) says US accounts do not support tnd.
    assert "tnd" not in SUPPORTED_CURRENCIES
    assert SUPPORTED_CURRENCIES[0] == "usd"
    assert all(c.islower() and len(c) == 3 for c in SUPPORTED_CURRENCIES)


def test_every_supported_currency_has_an_exchange_rate() -> None:
    assert set(SUPPORTED_CURRENCIES) <= set(USD_EXCHANGE_RATES)
    assert all(rate > 0 for rate in USD_EXCHANGE_RATES.values())


def test_settlement_minimum_table_matches_the_reference() -> None:
    assert SETTLEMENT_MINIMUMS[SETTLEMENT_CURRENCY] == 50
    assert SETTLEMENT_MINIMUMS["gbp"] == 30
    assert SETTLEMENT_MINIMUMS["huf"] == 17500


def test_decimal_places_per_currency() -> None:
    assert decimals("usd") == 2
    assert decimals("jpy") == 0
    assert decimals("kwd") == 3
    assert decimals("isk") == decimals("ugx") == 2
    assert "jpy" in ZERO_DECIMAL and "kwd" in THREE_DECIMAL
    assert WHOLE_UNITS_TIMES_100 == {"isk", "ugx"}


# --- currency ---------------------------------------------------------------------------


def test_currency_is_lowercased() -> None:
    assert validate_currency("USD") == "usd"
    assert validate_currency("Eur") == "eur"


def test_unsupported_currency_names_every_supported_one() -> None:
    with pytest.raises(InvalidRequestError) as info:
        validate_currency("TND")
    error = info.value
    assert error.param == "currency"
    assert error.message.startswith(
        "Invalid currency: tnd. Stripe accounts in US do not support tnd. Your account "
        "currently supports these currencies: usd, aed, afn,"
    )
    assert error.message.endswith("zar, zmw.")


def test_currency_param_name_can_be_chosen() -> None:
    with pytest.raises(InvalidRequestError) as info:
        validate_currency("zzz", param="items[0][currency]")
    assert info.value.param == "items[0][currency]"


# --- amount -----------------------------------------------------------------------------


def test_usd_accepts_the_minimum_and_the_maximum() -> None:
    validate_amount(50, "usd")
    validate_amount(99_999_999, "USD")


def test_amount_must_be_positive() -> None:
    assert amount_error(0, "usd").message == "This value must be greater than or equal to 1."
    assert amount_error(-5, "eur").code == "parameter_invalid_integer"


def test_usd_below_fifty_cents_is_too_small() -> None:
    error = amount_error(49, "usd")
    assert error.code == "amount_too_small"
    assert error.message == "Amount must be at least $0.50 usd"


def test_other_currencies_must_convert_to_fifty_us_cents() -> None:
    error = amount_error(5, "jpy")
    assert error.code == "amount_too_small"
    assert error.message == ("Amount must convert to at least 50 cents. ¥5 converts to approximately $0.03.")
    validate_amount(100, "jpy")
    validate_amount(50, "eur")
    assert "0.40 CAD" in amount_error(40, "cad").message


def test_more_than_eight_digits_is_too_large() -> None:
    error = amount_error(100_000_000, "usd")
    assert error.code == "amount_too_large"
    assert error.message == "Amount must be no more than $999,999.99"
    assert amount_error(100_000_000, "jpy").message == "Amount must be no more than ¥99,999,999"


def test_idr_allows_twelve_digits() -> None:
    validate_amount(999_999_999_999, "idr")
    assert amount_error(1_000_000_000_000, "idr").code == "amount_too_large"


def test_three_decimal_amounts_must_end_in_zero() -> None:
    validate_amount(5120, "kwd")
    error = amount_error(5124, "kwd")
    assert error.code == "invalid_charge_amount"
    assert "5120" in error.message


def test_isk_and_ugx_must_be_divisible_by_100() -> None:
    validate_amount(10_000, "isk")
    validate_amount(200_000, "ugx")
    assert amount_error(10_050, "isk").code == "invalid_charge_amount"
    assert amount_error(200_001, "ugx").code == "invalid_charge_amount"


def test_isk_minimum_counts_the_times_100_convention() -> None:
    # 5 ISK is about $0.04.
    assert amount_error(500, "isk").code == "amount_too_small"


def test_unsupported_currency_is_reported_on_currency() -> None:
    with pytest.raises(InvalidRequestError) as info:
        validate_amount(1000, "tnd")
    assert info.value.param == "currency"


@settings(max_examples=300, deadline=None)
@given(st.integers(), st.sampled_from(SUPPORTED_CURRENCIES))
def test_validate_amount_accepts_or_raises_a_400(amount: int, currency: str) -> None:
    try:
        validate_amount(amount, currency)
    except InvalidRequestError as error:
        assert error.param == "amount"
    else:
        assert 1 <= amount <= 999_999_999_999


# --- formatting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (2145, "usd", "$21.45"),
        (2500, "usd", "$25.00"),
        (5, "usd", "$0.05"),
        (99_999_999, "usd", "$999,999.99"),
        (500, "jpy", "¥500"),
        (5120, "kwd", "5.120 KWD"),
        (1999, "eur", "€19.99"),
        (1999, "cad", "19.99 CAD"),
        (500, "isk", "5 ISK"),
        (550, "isk", "5.50 ISK"),
        (-2145, "usd", "-$21.45"),
        (2145, "USD", "$21.45"),
    ],
)
def test_format_amount(amount: int, currency: str, shown: str) -> None:
    assert format_amount(amount, currency) == shown


# --- fees -------------------------------------------------------------------------------


def test_usd_fee_is_2_9_percent_plus_30_cents_rounded_half_up() -> None:
    assert stripe_fee(3340, "usd") == 127
    assert stripe_fee(2000, "usd") == 88
    assert stripe_fee(50, "usd") == 31  # 1.45 + 30 → 31.45


def test_zero_decimal_fee_has_no_fixed_part() -> None:
    assert stripe_fee(1000, "jpy") == 29
    assert stripe_fee(1010, "jpy") == 29  # 29.29


def test_three_decimal_fee_fixed_part_is_0_300() -> None:
    assert stripe_fee(10_000, "kwd") == 590


def test_no_fee_on_nothing() -> None:
    assert stripe_fee(0, "usd") == 0
