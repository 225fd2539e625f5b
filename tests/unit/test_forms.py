"""Bracket-notation form decoding (stripe-behaviour §4.1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tender.api.forms import CACHED_KEY_BYTES, MAX_DEPTH, MAX_PARAMETERS, decode_form, decode_query
from tender.core.errors import InvalidRequestError

from . import forms_reference


def rejected(body: bytes) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as info:
        decode_form(body)
    assert info.value.status == 400
    assert info.value.type == "invalid_request_error"
    return info.value


# --- what decodes to what -------------------------------------------------------------


def test_plain_pairs_are_strings() -> None:
    assert decode_form(b"amount=2000&currency=usd") == {"amount": "2000", "currency": "usd"}


def test_percent_escapes_and_plus_decode_to_text() -> None:
    body = b"description=Caf%C3%A9+au+lait&email=a%2Bb%40example.com"
    assert decode_form(body) == {"description": "Café au lait", "email": "a+b@example.com"}


def test_hash_keys_nest() -> None:
    assert decode_form(b"metadata[order_id]=6735") == {"metadata": {"order_id": "6735"}}
    assert decode_form(b"a[b][c]=1&a[b][d]=2&a[e]=3") == {"a": {"b": {"c": "1", "d": "2"}, "e": "3"}}


def test_percent_encoded_brackets_nest_like_literal_ones() -> None:
    # The official SDKs send metadata%5Border_id%5D.
    assert decode_form(b"metadata%5Border_id%5D=6735") == {"metadata": {"order_id": "6735"}}


def test_empty_brackets_build_an_array_in_order() -> None:
    body = b"payment_method_types[]=card&payment_method_types[]=link"
    assert decode_form(body) == {"payment_method_types": ["card", "link"]}


def test_indexed_hashes_build_a_list_ordered_by_index() -> None:
    body = b"items[1][price]=q&items[0][price]=p&items[0][quantity]=2"
    assert decode_form(body) == {"items": [{"price": "p", "quantity": "2"}, {"price": "q"}]}


def test_expand_accepts_both_array_spellings() -> None:
    assert decode_form(b"expand[]=customer") == {"expand": ["customer"]}
    assert decode_form(b"expand[0]=customer&expand[1]=latest_charge") == {
        "expand": ["customer", "latest_charge"]
    }


def test_empty_values_stay_empty_strings_meaning_unset() -> None:
    assert decode_form(b"metadata=") == {"metadata": ""}
    assert decode_form(b"metadata[k]=&description") == {
        "metadata": {"k": ""},
        "description": "",
    }


def test_repeated_plain_key_keeps_the_last_value() -> None:
    assert decode_form(b"currency=usd&currency=eur") == {"currency": "eur"}


def test_keys_are_case_sensitive() -> None:
    assert decode_form(b"Amount=1&amount=2") == {"Amount": "1", "amount": "2"}


def test_empty_segments_are_ignored() -> None:
    assert decode_form(b"&a=1&&b=2&") == {"a": "1", "b": "2"}
    assert decode_form(b"") == {}


def test_non_canonical_numbers_are_hash_keys() -> None:
    assert decode_form(b"metadata[07]=x") == {"metadata": {"07": "x"}}


def test_query_strings_follow_the_same_rules() -> None:
    assert decode_query(b"limit=3&created[gte]=100&expand[]=data.customer") == {
        "limit": "3",
        "created": {"gte": "100"},
        "expand": ["data.customer"],
    }


def test_ten_levels_of_nesting_are_allowed() -> None:
    key = "a" + "[k]" * MAX_DEPTH
    value: Any = "v"
    for _ in range(MAX_DEPTH):
        value = {"k": value}
    assert decode_form(f"{key}=v".encode()) == {"a": value}


def test_two_thousand_parameters_are_allowed() -> None:
    body = "&".join(f"k{i}=v" for i in range(MAX_PARAMETERS)).encode()
    assert len(decode_form(body)) == MAX_PARAMETERS


# --- what is refused --------------------------------------------------------------------


def test_invalid_utf8_after_percent_decoding_is_refused_without_param() -> None:
    error = rejected(b"description=%ff%fe")
    assert error.message == "Invalid request: the request body is not valid UTF-8."
    assert error.param is None


def test_raw_invalid_utf8_is_refused() -> None:
    assert rejected(b"\xc3=1").param is None


def test_scalar_and_hash_for_one_key_is_refused_naming_the_key() -> None:
    error = rejected(b"a=1&a[b]=2")
    assert error.param == "a"
    assert "a string" in error.message and "a hash" in error.message
    assert rejected(b"a[b]=2&a=1").param == "a"


def test_array_and_hash_for_one_key_is_refused() -> None:
    assert rejected(b"a[]=1&a[b]=2").param == "a"
    assert rejected(b"a[0]=1&a[b]=2").param == "a"


def test_appended_and_indexed_arrays_cannot_mix() -> None:
    assert rejected(b"a[]=1&a[0]=2").param == "a"


def test_conflicts_deep_inside_name_the_full_path() -> None:
    assert rejected(b"items[0][price]=p&items[0][price][x]=q").param == "items[0][price]"


def test_digits_that_are_not_contiguous_indices_stay_hash_keys() -> None:
    assert decode_form(b"items[0][price]=p&items[2][price]=q") == {
        "items": {"0": {"price": "p"}, "2": {"price": "q"}}
    }
    assert decode_form(b"metadata[5]=x") == {"metadata": {"5": "x"}}


def test_huge_indices_are_refused() -> None:
    assert rejected(b"a[" + b"9" * 5000 + b"]=1").param is not None


@pytest.mark.parametrize("key", ["a[b", "a]", "a[b]c", "a[b[c]]", "[a]", "a[b]]", "a][", "a[]b"])
def test_malformed_brackets_are_refused_naming_the_key(key: str) -> None:
    error = rejected(f"{key}=1".encode())
    assert error.param == key
    assert "malformed" in error.message


def test_empty_name_is_refused() -> None:
    error = rejected(b"=1")
    assert "malformed" in error.message


def test_empty_brackets_must_close_the_key() -> None:
    error = rejected(b"items[][price]=p")
    assert error.param == "items[][price]"
    assert "indexed" in error.message


def test_nesting_deeper_than_ten_levels_is_refused() -> None:
    key = "a" + "[k]" * (MAX_DEPTH + 1)
    assert rejected(f"{key}=v".encode()).param == key


def test_more_than_two_thousand_parameters_are_refused() -> None:
    body = "&".join(f"k{i}=v" for i in range(MAX_PARAMETERS + 1)).encode()
    assert "too many parameters" in rejected(body).message


# --- properties -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_raise_invalid_request(body: bytes) -> None:
    try:
        result = decode_form(body)
    except InvalidRequestError:
        return
    assert isinstance(result, dict)


_form_alphabet = st.sampled_from(list("ab[]=&%+0123 é\x00"))


@settings(max_examples=300, deadline=None)
@given(st.lists(_form_alphabet, max_size=40).map("".join))
def test_bracket_heavy_bodies_decode_or_raise_invalid_request(text: str) -> None:
    try:
        result = decode_form(text.encode())
    except InvalidRequestError:
        return
    assert isinstance(result, dict)


_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="[]"),
    max_size=8,
)
# A nested key that looks like an array index would decode as an array, not a hash.
_nested_key = _text.filter(lambda k: k != "" and not k.isdecimal())
_top_key = _text.filter(lambda k: k != "")

_values: st.SearchStrategy[Any] = st.recursive(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.dictionaries(_nested_key, children, min_size=1, max_size=3),
    ),
    max_leaves=12,
)
_documents = st.dictionaries(_top_key, _values, max_size=4)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(_depth(v) for v in value.values())
    if isinstance(value, list):
        return 1 + max(_depth(v) for v in value)
    return 0


def _encode(document: dict[str, Any], append_scalars: bool) -> bytes:
    """The SDK convention: brackets for nesting, indices for lists (or [] for strings)."""
    pairs: list[tuple[str, str]] = []

    def walk(name: str, value: Any) -> None:
        if isinstance(value, str):
            pairs.append((name, value))
        elif isinstance(value, dict):
            for key, child in value.items():
                walk(f"{name}[{key}]", child)
        elif append_scalars and all(isinstance(item, str) for item in value):
            pairs.extend((f"{name}[]", item) for item in value)
        else:
            for index, child in enumerate(value):
                walk(f"{name}[{index}]", child)

    for key, value in document.items():
        walk(key, value)
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs).encode()


@settings(max_examples=300, deadline=None)
@given(_documents, st.booleans())
def test_encoding_then_decoding_gives_the_structure_back(
    document: dict[str, Any], append_scalars: bool
) -> None:
    if document and max(_depth(v) for v in document.values()) > MAX_DEPTH:
        return
    assert decode_form(_encode(document, append_scalars)) == document


# --- the same answers as the reference decoder ------------------------------------------
# `forms` takes short paths for the common pairs; `forms_reference` is the decoder before
# them. For every body both give the same result (types included) or the same error.


def _outcome(decode: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "ok", _typed(decode(body))
    except InvalidRequestError as error:
        return "error", (error.message, error.param, error.status, error.code)


def _typed(value: Any) -> Any:
    """The value with the type of every container spelled out (IndexedList is not list)."""
    if isinstance(value, dict):
        return (type(value).__name__, [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, value)


def assert_same_as_reference(body: bytes) -> None:
    expected = _outcome(forms_reference.decode_form, body)
    assert _outcome(decode_form, body) == expected
    assert _outcome(decode_form, body) == expected  # again, with the name caches warm


_name_parts = st.sampled_from(
    ["a", "b", "amount", "metadata", "items", "x y", "é", "%", "+", "=", "0", "07",
     "a" * (CACHED_KEY_BYTES + 1)]
)
_bracket_parts = st.sampled_from(
    ["[]", "[0]", "[1]", "[2]", "[07]", "[k]", "[price]", "[" + "9" * 12 + "]", "[", "]",
     "%5B", "%5D", "%5B%5D", "%5B0%5D", "%5Bk%5D", "[%ff]", "[a%20b]", "[+]"]
)
_keys = st.builds(
    lambda name, brackets: name + "".join(brackets),
    _name_parts,
    st.lists(_bracket_parts, max_size=MAX_DEPTH + 2),
)
_form_values = st.sampled_from(["", "v", "2000", "a+b", "caf%C3%A9", "%ff", "%", "%zz", "[]", "é", "x=y"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_keys, st.booleans(), _form_values), max_size=8))
def test_structured_bodies_decode_as_the_reference_does(pairs: list[tuple[str, bool, str]]) -> None:
    # Few names and brackets, so that keys meet: shape conflicts, gaps, appends, repeats.
    body = "&".join(f"{key}={value}" if has_value else key for key, has_value, value in pairs)
    assert_same_as_reference(body.encode())


@settings(max_examples=1000, deadline=None)
@given(st.lists(_form_alphabet, max_size=60).map("".join))
def test_bracket_heavy_bodies_decode_as_the_reference_does(text: str) -> None:
    assert_same_as_reference(text.encode())


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_as_the_reference_does(body: bytes) -> None:
    assert_same_as_reference(body)


@settings(max_examples=300, deadline=None)
@given(_documents, st.booleans())
def test_sdk_encoded_documents_decode_as_the_reference_does(
    document: dict[str, Any], append_scalars: bool
) -> None:
    assert_same_as_reference(_encode(document, append_scalars))


@pytest.mark.parametrize(
    "body",
    [
        b"amount=2000&currency=usd&payment_method_types%5B%5D=card",
        b"amount=2000&currency=usd&payment_method_types[]=card",
        b"a=1&a[b]=2", b"a[b]=2&a=1", b"a[]=1&a[0]=2", b"a[0]=1&a[b]=2",
        b"items[0][price]=p&items[0][price][x]=q", b"items[0][price]=p&items[2][price]=q",
        b"a[=%ff", b"%ff=a[", b"\xc3%A9=1", b"a=\xc3%A9", b"=1", b"a[]b=1", b"items[][price]=p",
        b"a[" + b"9" * 5000 + b"]=1", ("a" * 300 + "[b]=1&" + "a" * 300 + "=2").encode(),
        "&".join(f"k{i}=v" for i in range(MAX_PARAMETERS + 1)).encode(),
    ],
)
def test_known_bodies_decode_as_the_reference_does(body: bytes) -> None:
    assert_same_as_reference(body)
