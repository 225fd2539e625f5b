"""Parameter specs (stripe-behaviour §3.3, §3.4, §4.1, §6.1): typed values out, or the
400 a Stripe client would see."""

from __future__ import annotations

from typing import Any

import pytest

from tender.api.params import (
    EXPAND,
    LIMIT,
    SHIPPING,
    AnyOf,
    Bool,
    Created,
    Hash,
    Int,
    List,
    Metadata,
    Spec,
    Str,
    check_cursors,
    check_email,
    check_exclusive,
    check_url,
    parse_fields,
)
from tender.core.errors import InvalidRequestError
from tender.core.metadata import UNSET


def rejected(spec: Spec, value: Any, param: str = "amount") -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as info:
        spec.parse(value, param)
    assert info.value.status == 400
    assert info.value.type == "invalid_request_error"
    return info.value


def fields_rejected(
    fields: dict[str, Spec], data: dict[str, Any], required: tuple[str, ...] = ()
) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as info:
        parse_fields(fields, data, required)
    return info.value


# --- empty strings (§4.1 "unsetting") ---------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        Int(nullable=True),
        Bool(nullable=True),
        Str(nullable=True),
        Hash({}, nullable=True),
        List(Str(), nullable=True),
    ],
    ids=["Int", "Bool", "Str", "Hash", "List"],
)
def test_an_empty_string_unsets_a_nullable_parameter(spec: Spec) -> None:
    assert spec.parse("", "description") is UNSET


@pytest.mark.parametrize(
    "spec", [Int(), Bool(), Str(), Hash({}), List(Str())], ids=["Int", "Bool", "Str", "Hash", "List"]
)
def test_an_empty_string_for_a_parameter_that_cannot_be_unset_is_invalid_empty(spec: Spec) -> None:
    error = rejected(spec, "", "currency")
    assert error.code == "parameter_invalid_empty"
    assert error.param == "currency"
    assert error.message == (
        "You passed an empty string for 'currency'. We assume empty values are an attempt to "
        "unset a parameter; however 'currency' cannot be unset. You should remove 'currency' "
        "from your request or supply a non-empty value."
    )


# --- Int --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "number"), [("2000", 2000), ("0", 0), ("-5", -5), ("007", 7)])
def test_integers_are_decimal_text(text: str, number: int) -> None:
    assert Int().parse(text, "amount") == number


@pytest.mark.parametrize("text", ["1.09", "NaN", "1e3", "12abc", " 12", "+5", "1" * 19])
def test_anything_else_is_an_invalid_integer_echoing_the_raw_value(text: str) -> None:
    error = rejected(Int(), text)
    assert error.code == "parameter_invalid_integer"
    assert error.param == "amount"
    assert error.message == f"Invalid integer: {text}"


@pytest.mark.parametrize("value", [{"a": "1"}, ["1"]])
def test_a_hash_or_array_where_an_integer_is_expected_is_an_invalid_integer(value: Any) -> None:
    error = rejected(Int(), value)
    assert error.code == "parameter_invalid_integer"
    assert error.message.startswith("Invalid integer: ")


@pytest.mark.parametrize("text", ["٥٠٠", "５００"])
def test_only_ascii_digits_make_an_integer(text: str) -> None:
    error = rejected(Int(), text)
    assert error.code == "parameter_invalid_integer"


def test_a_negative_where_a_count_is_expected_is_an_invalid_non_negative_integer() -> None:
    error = rejected(Int(minimum=0), "-1", "limit")
    assert error.code == "parameter_invalid_integer"
    assert error.message.startswith("Invalid non-negative integer")


def test_integers_below_a_positive_minimum_or_above_a_maximum_are_refused() -> None:
    assert Int(minimum=1).parse("1", "amount") == 1
    assert "greater than or equal to 1" in rejected(Int(minimum=1), "0").message
    assert LIMIT.parse("100", "limit") == 100
    assert "less than or equal to 100" in rejected(LIMIT, "101", "limit").message
    assert "greater than or equal to 1" in rejected(LIMIT, "0", "limit").message


# --- Bool -------------------------------------------------------------------------------


def test_booleans_are_the_literals_true_and_false() -> None:
    assert Bool().parse("true", "confirm") is True
    assert Bool().parse("false", "confirm") is False


@pytest.mark.parametrize("text", ["True", "1", "yes", "on"])
def test_other_spellings_of_a_boolean_are_refused(text: str) -> None:
    error = rejected(Bool(), text, "confirm")
    assert error.param == "confirm"
    assert error.message == f"Invalid boolean: {text}"


# --- Str --------------------------------------------------------------------------------


def test_strings_pass_through() -> None:
    assert Str().parse("Shoes", "description") == "Shoes"


def test_a_string_longer_than_its_limit_is_refused() -> None:
    assert Str(max_length=5).parse("abcde", "description") == "abcde"
    error = rejected(Str(max_length=5), "abcdef", "description")
    assert error.param == "description"
    assert "at most 5 characters" in error.message


def test_a_string_outside_its_enum_lists_the_choices() -> None:
    spec = Str(enum=("duplicate", "fraudulent", "requested_by_customer"))
    assert spec.parse("fraudulent", "reason") == "fraudulent"
    error = rejected(spec, "bored", "reason")
    assert error.param == "reason"
    assert error.message == "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"


def test_a_hash_where_a_string_is_expected_is_refused() -> None:
    error = rejected(Str(), {"a": "1"}, "description")
    assert error.message == "Invalid string: {a: ...}"


def test_a_strings_format_check_runs_after_the_basic_rules() -> None:
    spec = Str(check=check_email)
    assert spec.parse("jenny@example.com", "receipt_email") == "jenny@example.com"
    error = rejected(spec, "jenny", "receipt_email")
    assert error.code == "email_invalid"
    assert error.param == "receipt_email"


@pytest.mark.parametrize("url", ["https://shop.example/return?x=1", "myapp://done"])
def test_return_urls_need_a_scheme(url: str) -> None:
    check_url(url, "return_url")


@pytest.mark.parametrize("url", ["shop.example/return", "https://a b"])
def test_urls_without_a_scheme_or_with_spaces_are_invalid(url: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        check_url(url, "return_url")
    assert info.value.code == "url_invalid"
    assert info.value.param == "return_url"


# --- Hash and parse_fields --------------------------------------------------------------


def test_a_hash_parses_its_fields() -> None:
    spec = Hash({"name": Str(), "amount": Int()})
    assert spec.parse({"name": "x", "amount": "5"}, "data") == {"name": "x", "amount": 5}


def test_an_unknown_parameter_is_refused_with_a_hint_when_a_close_name_exists() -> None:
    error = fields_rejected({"customer": Str(), "amount": Int()}, {"customers": "cus_1"})
    assert error.code == "parameter_unknown"
    assert error.param == "customers"
    assert error.message == "Received unknown parameter: customers. Did you mean customer?"


def test_an_unknown_parameter_without_a_close_name_gets_no_hint() -> None:
    error = fields_rejected({"customer": Str(), "amount": Int()}, {"zzz": "1"})
    assert error.code == "parameter_unknown"
    assert error.message == "Received unknown parameter: zzz"


def test_an_unknown_nested_parameter_is_named_in_bracket_form() -> None:
    error = rejected(SHIPPING, {"name": "J", "address": {"line1": "1"}, "nme": "x"}, "shipping")
    assert error.code == "parameter_unknown"
    assert error.param == "shipping[nme]"
    assert error.message == "Received unknown parameter: shipping[nme]. Did you mean name?"


def test_a_missing_required_parameter_is_named() -> None:
    error = fields_rejected({"amount": Int(), "currency": Str()}, {"currency": "usd"}, ("amount", "currency"))
    assert error.code == "parameter_missing"
    assert error.param == "amount"
    assert error.message == "Missing required param: amount."


def test_a_missing_required_nested_parameter_is_named_in_bracket_form() -> None:
    error = rejected(SHIPPING, {"address": {"line1": "1 Main St"}}, "shipping")
    assert error.code == "parameter_missing"
    assert error.param == "shipping[name]"
    assert error.message == "Missing required param: shipping[name]."


def test_a_string_where_a_hash_is_expected_is_an_invalid_object() -> None:
    assert rejected(SHIPPING, "Jenny", "shipping").message == "Invalid object"


def test_errors_deep_inside_a_hash_name_the_full_path() -> None:
    spec = Hash({"card": Hash({"exp_month": Int()})})
    error = rejected(spec, {"card": {"exp_month": "twelve"}}, "payment_method_data")
    assert error.param == "payment_method_data[card][exp_month]"
    assert error.code == "parameter_invalid_integer"


# --- exclusive parameters (§3.4, §4.3) ---------------------------------------------------


def test_one_of_several_exclusive_parameters_is_fine() -> None:
    check_exclusive({"type": "charge.succeeded"}, "type", "types")
    check_exclusive({}, "type", "types")
    check_cursors({"starting_after": "pi_1", "limit": 3})


def test_starting_after_and_ending_before_together_are_exclusive() -> None:
    with pytest.raises(InvalidRequestError) as info:
        check_cursors({"starting_after": "pi_1", "ending_before": "pi_2"})
    assert info.value.code == "parameters_exclusive"
    assert info.value.param in ("starting_after", "ending_before")
    assert info.value.message == (
        "You may only specify one of these parameters: ending_before, starting_after."
    )


# --- List -------------------------------------------------------------------------------


def test_a_list_parses_each_item() -> None:
    assert List(Int()).parse(["1", "2"], "amounts") == [1, 2]


def test_a_single_value_is_taken_as_a_list_of_one() -> None:
    assert EXPAND.parse("latest_charge", "expand") == ["latest_charge"]


def test_a_bad_item_is_named_by_its_index() -> None:
    error = rejected(List(Int()), ["1", "x"], "amounts")
    assert error.param == "amounts[1]"
    assert error.code == "parameter_invalid_integer"


def test_a_list_longer_than_its_limit_is_refused() -> None:
    assert rejected(List(Str(), max_items=2), ["a", "b", "c"], "expand").param == "expand"


def test_a_hash_where_a_list_is_expected_is_an_invalid_array() -> None:
    assert rejected(List(Str()), {"a": "b"}, "expand").message == "Invalid array"


# --- Metadata (§6.1) --------------------------------------------------------------------


def test_metadata_is_a_hash_of_strings() -> None:
    assert Metadata().parse({"order_id": "6735"}, "metadata") == {"order_id": "6735"}


def test_metadata_equal_to_the_empty_string_clears_all_keys() -> None:
    assert Metadata().parse("", "metadata") is UNSET


def test_a_metadata_key_with_an_empty_value_is_removed() -> None:
    assert Metadata().parse({"gone": "", "kept": "1"}, "metadata") == {"gone": UNSET, "kept": "1"}


def test_metadata_may_have_50_keys_but_not_51() -> None:
    assert len(Metadata().parse({f"k{i}": "v" for i in range(50)}, "metadata")) == 50
    error = rejected(Metadata(), {f"k{i}": "v" for i in range(51)}, "metadata")
    assert error.param == "metadata"
    assert "50 keys" in error.message


def test_metadata_keys_may_have_40_characters_but_not_41() -> None:
    assert Metadata().parse({"k" * 40: "v"}, "metadata") == {"k" * 40: "v"}
    error = rejected(Metadata(), {"k" * 41: "v"}, "metadata")
    assert error.param == "metadata"
    assert error.message == f"Invalid key: {'k' * 41} must be a string under 40 characters"


@pytest.mark.parametrize("key", ["a[b", "a]b"])
def test_metadata_keys_may_not_contain_brackets(key: str) -> None:
    assert rejected(Metadata(), {key: "v"}, "metadata").message.startswith("Invalid key:")


def test_metadata_values_may_have_500_characters_but_not_501() -> None:
    assert Metadata().parse({"k": "v" * 500}, "metadata") == {"k": "v" * 500}
    error = rejected(Metadata(), {"k": "v" * 501}, "metadata")
    assert error.param == "metadata"
    assert error.message == f"Invalid val: {'v' * 501} must be a string under 500 characters"


@pytest.mark.parametrize(("value", "shown"), [(["a"], "[...]"), ({"deep": "x"}, "{deep: ...}")])
def test_metadata_values_must_be_strings_not_hashes_or_arrays(value: Any, shown: str) -> None:
    error = rejected(Metadata(), {"k": value}, "metadata")
    assert error.message == f"Invalid val: {shown} must be a string under 500 characters"


def test_metadata_must_be_a_hash() -> None:
    assert rejected(Metadata(), ["a"], "metadata").message == "Invalid object"


# --- Created (list filters) -------------------------------------------------------------


def test_created_alone_means_equal_to() -> None:
    assert Created().parse("1750000000", "created") == {"eq": 1750000000}


def test_created_takes_range_operators() -> None:
    parsed = Created().parse({"gte": "100", "lt": "200"}, "created")
    assert parsed == {"gte": 100, "lt": 200}
    assert Created().parse({"gt": "1", "lte": "2"}, "created") == {"gt": 1, "lte": 2}


def test_an_unknown_created_operator_is_an_unknown_parameter() -> None:
    error = rejected(Created(), {"after": "100"}, "created")
    assert error.code == "parameter_unknown"
    assert error.param == "created[after]"


def test_a_created_bound_must_be_an_integer() -> None:
    error = rejected(Created(), {"gt": "yesterday"}, "created")
    assert error.code == "parameter_invalid_integer"
    assert error.param == "created[gt]"


# --- AnyOf ------------------------------------------------------------------------------


def test_any_of_takes_the_first_shape_that_parses() -> None:
    off_session = AnyOf((Bool(), Str(enum=("one_off", "recurring"))))
    assert off_session.parse("true", "off_session") is True
    assert off_session.parse("recurring", "off_session") == "recurring"


def test_any_of_reports_the_first_shapes_error_when_none_parses() -> None:
    off_session = AnyOf((Bool(), Str(enum=("one_off", "recurring"))))
    assert rejected(off_session, "sometimes", "off_session").message == "Invalid boolean: sometimes"


def test_metadata_keys_may_be_digits() -> None:
    from tender.api.forms import decode_form

    raw = decode_form(b"metadata[0]=a&metadata[1]=b&metadata[7]=c")
    assert raw == {"metadata": {"0": "a", "1": "b", "7": "c"}} or raw["metadata"] == ["a", "b"]
    decoded = decode_form(b"metadata[0]=a&metadata[1]=b")
    assert Metadata().parse(decoded["metadata"], "metadata") == {"0": "a", "1": "b"}
    assert Metadata().parse(decode_form(b"metadata[5]=x")["metadata"], "metadata") == {"5": "x"}
