"""Search query language (stripe-behaviour §4.4)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tender.core.errors import InvalidRequestError
from tender.core.search import (
    CHARGE_FIELDS,
    CUSTOMER_FIELDS,
    PAYMENT_INTENT_FIELDS,
    Clause,
    Query,
    SearchFields,
    matches,
    parse_query,
)

PI = PAYMENT_INTENT_FIELDS


def rejected(text: str, fields: SearchFields | None = PI) -> str:
    with pytest.raises(InvalidRequestError) as info:
        parse_query(text, fields)
    assert info.value.param == "query"
    assert info.value.status == 400
    return info.value.message


def hit(text: str, doc: dict[str, Any], fields: SearchFields = PI) -> bool:
    return matches(parse_query(text, fields), doc)


# --- parsing ----------------------------------------------------------------------------


def test_a_token_clause() -> None:
    query = parse_query('status:"succeeded"', PI)
    assert query.clauses == (Clause("status", ":", "succeeded", kind="token"),)
    assert query.combinator == "AND"


def test_space_and_and_both_mean_and() -> None:
    spaced = parse_query('status:"succeeded" currency:"usd"', PI)
    keyword = parse_query('status:"succeeded" and currency:"usd"', PI)
    assert spaced.clauses == keyword.clauses
    assert spaced.combinator == keyword.combinator == "AND"


def test_or_keyword_is_case_insensitive() -> None:
    query = parse_query('currency:"usd" oR currency:"eur" OR currency:"gbp"', PI)
    assert query.combinator == "OR"
    assert [c.value for c in query.clauses] == ["usd", "eur", "gbp"]


def test_numeric_operators_take_bare_or_quoted_integers() -> None:
    query = parse_query('amount>=1000 amount<"5000" created=1609459200 amount:42', PI)
    assert [(c.operator, c.value) for c in query.clauses] == [
        (">=", 1000),
        ("<", 5000),
        ("=", 1609459200),
        (":", 42),
    ]


def test_leading_minus_negates() -> None:
    (clause,) = parse_query('-currency:"jpy"', PI).clauses
    assert clause.negated and clause.value == "jpy"


def test_metadata_with_either_quote() -> None:
    double = parse_query('metadata["order_id"]:"6735"', PI).clauses[0]
    single = parse_query("metadata['order_id']:'6735'", PI).clauses[0]
    assert double == single
    assert double.metadata_key == "order_id" and double.kind == "metadata"


def test_null_and_negated_null() -> None:
    (empty,) = parse_query("customer:null", PI).clauses
    (present,) = parse_query('-metadata["k"]:null', PI).clauses
    assert empty.value is None and not empty.negated
    assert present.value is None and present.negated and present.metadata_key == "k"


def test_quoted_null_is_the_text_null() -> None:
    assert parse_query('status:"null"', PI).clauses[0].value == "null"


def test_backslash_escapes_quotes() -> None:
    (clause,) = parse_query(r'name:"Jenny \"JR\" Rosen"', CUSTOMER_FIELDS).clauses
    assert clause.value == 'Jenny "JR" Rosen'


def test_bare_numbers_are_text_on_token_fields() -> None:
    query = parse_query("payment_method_details.card.last4:4242", CHARGE_FIELDS)
    assert query.clauses[0].value == "4242"


def test_substring_on_string_fields() -> None:
    (clause,) = parse_query('email~"amyt"', CUSTOMER_FIELDS).clauses
    assert clause.operator == "~" and clause.value == "amyt"


def test_ten_clauses_are_allowed() -> None:
    assert len(parse_query(" ".join(["amount>1"] * 10), PI).clauses) == 10


def test_without_a_spec_only_syntax_is_checked() -> None:
    query = parse_query('anything:"x" -other.path>5')
    assert query.clauses[1] == Clause("other.path", ">", 5, negated=True)


# --- rejections -------------------------------------------------------------------------


def test_unknown_field_names_the_resource_and_the_supported_fields() -> None:
    message = rejected('foo:"bar"')
    assert "Field 'foo' is an unsupported search field for payment_intents" in message
    assert 'amount, created, currency, customer, metadata["key"], status' in message


def test_fields_of_another_resource_are_unknown() -> None:
    assert "unsupported search field for customers" in rejected('status:"x"', CUSTOMER_FIELDS)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ('amount~"100"', PI),
        ('status~"succ"', PI),
        ('metadata["k"]~"abc"', PI),
        ('currency>"usd"', PI),
        ('email>"a"', CUSTOMER_FIELDS),
        ('currency="usd"', PI),
    ],
)
def test_operator_must_suit_the_field_kind(text: str, fields: SearchFields) -> None:
    assert "only works on" in rejected(text, fields)


def test_substring_needs_three_characters() -> None:
    assert "at least 3 characters" in rejected('email~"ab"', CUSTOMER_FIELDS)


def test_text_values_must_be_quoted() -> None:
    assert "must be quoted" in rejected("status:succeeded")


def test_numeric_fields_need_whole_numbers() -> None:
    assert "numeric field" in rejected('amount>"lots"')
    assert "numeric field" in rejected("amount>10.5")


def test_null_only_with_colon() -> None:
    assert "null" in rejected("amount>null")


def test_and_with_or_is_refused() -> None:
    assert "cannot combine AND and OR" in rejected('currency:"usd" OR amount>1 amount<9')
    assert "cannot combine AND and OR" in rejected('currency:"usd" AND amount>1 or amount<9')


def test_more_than_ten_clauses_is_refused() -> None:
    assert "at most 10 clauses" in rejected(" ".join(["amount>1"] * 11))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '(status:"x")',
        'status:"x',
        'status:"x\\"',
        "status:",
        'status :"x"',
        'status:"x"currency:"y"',
        'status:"x" AND',
        'status:"x" OR ',
        'AND status:"x"',
        '-"x"',
        'metadata:"x"',
        'metadata[k]:"x"',
        'metadata["k":"x"',
        'metadata[""]:"x"',
        'status["k"]:"x"',
        'status:""',
        "amount>" + "9" * 5000,
    ],
)
def test_malformed_queries_are_refused(text: str) -> None:
    rejected(text)


def test_syntax_errors_point_at_the_problem() -> None:
    message = rejected('status:"ok" currency:usd')
    assert "character 22" in message and "near 'usd'" in message


# --- evaluation -------------------------------------------------------------------------

INTENT = {
    "id": "pi_1",
    "amount": 2000,
    "created": 1700000000,
    "currency": "usd",
    "customer": "cus_1",
    "status": "succeeded",
    "metadata": {"order_id": "6735", "note": ""},
}


def test_tokens_match_exactly_ignoring_case() -> None:
    assert hit('status:"SUCCEEDED"', INTENT)
    assert not hit('status:"succeed"', INTENT)
    assert hit('customer:"cus_1"', INTENT)


def test_numeric_comparisons() -> None:
    assert hit("amount>1999 amount<2001 amount>=2000 amount<=2000 amount=2000", INTENT)
    assert not hit("amount>2000", INTENT)
    assert hit('created:"1700000000"', INTENT)


def test_and_needs_every_clause_or_needs_one() -> None:
    assert not hit('status:"succeeded" currency:"eur"', INTENT)
    assert hit('status:"canceled" OR currency:"usd"', INTENT)


def test_negation_inverts_a_clause() -> None:
    assert hit('-currency:"jpy"', INTENT)
    assert not hit('-currency:"usd"', INTENT)


def test_metadata_values_match_exactly() -> None:
    assert hit('metadata["order_id"]:"6735"', INTENT)
    assert not hit('metadata["order_id"]:"673"', INTENT)
    assert not hit('metadata["ORDER_ID"]:"6735"', INTENT)  # keys are case-sensitive


def test_null_means_missing_or_empty() -> None:
    assert hit('metadata["missing"]:null metadata["note"]:null', INTENT)
    assert hit('-metadata["order_id"]:null', INTENT)
    assert not hit("customer:null", INTENT)
    assert hit("customer:null", {**INTENT, "customer": None})


def test_expanded_objects_match_by_id() -> None:
    assert hit('customer:"cus_1"', {**INTENT, "customer": {"id": "cus_1", "object": "customer"}})


def test_string_fields_match_words_in_order() -> None:
    customer = {"name": "Jenny Q. Rosen", "email": "jenny.rosen@example.com", "phone": None}
    assert hit('name:"jenny rosen"', customer, CUSTOMER_FIELDS)
    assert not hit('name:"rosen jenny"', customer, CUSTOMER_FIELDS)
    assert not hit('name:"jen"', customer, CUSTOMER_FIELDS)
    assert hit('name~"jen"', customer, CUSTOMER_FIELDS)
    assert hit('email:"jenny.rosen@example.com"', customer, CUSTOMER_FIELDS)
    assert hit('email~"ROSEN@EX"', customer, CUSTOMER_FIELDS)
    assert hit("phone:null", customer, CUSTOMER_FIELDS)


CHARGE = {
    "amount": 5000,
    "amount_refunded": 0,
    "refunded": False,
    "disputed": False,
    "billing_details": {"address": {"postal_code": "94107"}},
    "payment_method_details": {"card": {"brand": "visa", "exp_month": 12, "last4": "4242"}},
}


def test_dotted_charge_fields_look_into_nested_objects() -> None:
    assert hit('payment_method_details.card.brand:"Visa"', CHARGE, CHARGE_FIELDS)
    assert hit("payment_method_details.card.exp_month:12", CHARGE, CHARGE_FIELDS)
    assert hit('billing_details.address.postal_code:"94107"', CHARGE, CHARGE_FIELDS)
    assert hit("payment_method_details.card.fingerprint:null", CHARGE, CHARGE_FIELDS)


def test_booleans_match_as_true_and_false() -> None:
    assert hit('disputed:"false"', CHARGE, CHARGE_FIELDS)
    assert hit('disputed:"true"', {**CHARGE, "disputed": True}, CHARGE_FIELDS)


def test_refunded_distinguishes_full_partial_and_none() -> None:
    full = {**CHARGE, "amount_refunded": 5000, "refunded": True}
    partial = {**CHARGE, "amount_refunded": 1000}
    assert hit('refunded:"true"', full, CHARGE_FIELDS)
    assert not hit('refunded:"true"', partial, CHARGE_FIELDS)
    assert hit('refunded:"false"', partial, CHARGE_FIELDS)
    assert not hit('refunded:"false"', CHARGE, CHARGE_FIELDS)
    assert hit("refunded:null", CHARGE, CHARGE_FIELDS)
    assert hit("-refunded:null", partial, CHARGE_FIELDS)


# --- properties -------------------------------------------------------------------------

_query_alphabet = st.sampled_from(
    list("abmetdusANDOR :~<>=-\"'\\[]().0123456789 ")
    + ["status", "amount", "metadata", "null", " AND ", " OR ", "email", '"usd"']
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(max_size=60), st.lists(_query_alphabet, max_size=20).map("".join)),
    st.sampled_from([None, PAYMENT_INTENT_FIELDS, CHARGE_FIELDS, CUSTOMER_FIELDS]),
)
def test_any_text_parses_or_raises_invalid_request(text: str, fields: SearchFields | None) -> None:
    try:
        query = parse_query(text, fields)
    except InvalidRequestError as error:
        assert error.param == "query"
        return
    assert isinstance(query, Query)
    assert 1 <= len(query.clauses) <= 10
    matches(query, INTENT)  # evaluating never raises either


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_valid_clauses = st.one_of(
    st.builds(
        "{}{}{}{}".format,
        st.sampled_from(["", "-"]),
        st.sampled_from(["amount", "created"]),
        st.sampled_from([":", ">", "<", ">=", "<=", "="]),
        st.integers(0, 10**6).map(str),
    ),
    st.builds(
        "{}{}:{}".format,
        st.sampled_from(["", "-"]),
        st.sampled_from(["currency", "customer", "status"]),
        st.one_of(st.text(min_size=1, max_size=6).map(_quote), st.just("null")),
    ),
    st.builds(
        "metadata[{}]:{}".format,
        st.text(min_size=1, max_size=4).map(_quote),
        st.one_of(st.text(min_size=1, max_size=6).map(_quote), st.just("null")),
    ),
)
_random_clauses = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["", "-"]),
    st.one_of(
        st.sampled_from(["amount", "status", "email", "name", "refunded", "nope"]),
        st.text(max_size=4).map(lambda k: f"metadata[{_quote(k)}]"),
    ),
    st.sampled_from([":", "~", ">", "<", ">=", "<=", "="]),
    st.one_of(
        st.text(max_size=6).map(_quote),
        st.integers(-10, 10**6).map(str),
        st.sampled_from(["null", "bare", "1.5", ""]),
    ),
)


@st.composite
def _queries(draw: st.DrawFn) -> str:
    clauses = draw(st.lists(_valid_clauses | _random_clauses, min_size=1, max_size=11))
    joins = draw(st.sampled_from([[" "], [" AND ", " and "], [" OR ", " or "], [" ", " OR ", ""]]))
    text = clauses[0]
    for clause in clauses[1:]:
        text += draw(st.sampled_from(joins)) + clause
    return text


@settings(max_examples=300, deadline=None)
@given(_queries(), st.sampled_from([None, PAYMENT_INTENT_FIELDS, CUSTOMER_FIELDS]))
def test_clause_shaped_text_parses_or_raises_invalid_request(text: str, fields: SearchFields | None) -> None:
    try:
        query = parse_query(text, fields)
    except InvalidRequestError as error:
        assert error.param == "query"
        return
    assert isinstance(matches(query, INTENT), bool)


@settings(max_examples=300, deadline=None)
@given(st.lists(_valid_clauses, min_size=1, max_size=10), st.sampled_from([" ", " OR "]))
def test_well_formed_payment_intent_queries_parse(clauses: list[str], join: str) -> None:
    query = parse_query(join.join(clauses), PAYMENT_INTENT_FIELDS)
    assert len(query.clauses) == len(clauses)
    assert isinstance(matches(query, INTENT), bool)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=20), st.sampled_from([":", "~"]))
def test_any_quoted_text_comes_back_unescaped(value: str, operator: str) -> None:
    if operator == "~" and len(value) < 3:
        return
    query = parse_query(f"name{operator}{_quote(value)}", CUSTOMER_FIELDS)
    assert query.clauses[0].value == value
