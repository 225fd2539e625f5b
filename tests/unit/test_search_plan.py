"""What a search hands to the store (`core.search.plan`): the clauses its indexes can
check, never one that could drop a match."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tender.core.search import (
    CHARGE_FIELDS,
    CUSTOMER_FIELDS,
    PAYMENT_INTENT_FIELDS,
    SearchFields,
    SearchPlan,
    matches,
    metadata_terms,
    parse_query,
    plan,
)

PI = PAYMENT_INTENT_FIELDS


def plan_of(text: str, fields: SearchFields = PI) -> SearchPlan:
    return plan(parse_query(text, fields))


def test_status_is_pushed_down_lowercase_and_alone_is_exact() -> None:
    assert plan_of('status:"SUCCEEDED"') == SearchPlan(status="succeeded", exact=True)


def test_created_comparisons_are_pushed_down_with_colon_as_equality() -> None:
    assert plan_of("created>=100 created<200 created:150 created=150").created == (
        (">=", 100), ("<", 200), ("=", 150), ("=", 150),
    )


def test_customer_is_pushed_down_as_given() -> None:
    assert plan_of('customer:"cus_AbC"') == SearchPlan(customer="cus_AbC", exact=True)


def test_metadata_pairs_are_pushed_down_with_lowercased_values() -> None:
    found = plan_of('metadata["Order"]:"AB-12" AND metadata["env"]:"prod" status:"canceled"')
    assert found == SearchPlan(
        status="canceled", metadata=(("Order", "ab-12"), ("env", "prod")), exact=True
    )


def test_clauses_without_a_column_stay_for_the_row_match() -> None:
    found = plan_of('status:"succeeded" AND amount>1000 AND currency:"usd"')
    assert found == SearchPlan(status="succeeded", exact=False)


def test_nothing_under_or_is_pushed_down() -> None:
    assert plan_of('status:"succeeded" OR metadata["k"]:"v"') == SearchPlan()


def test_negations_and_nulls_are_not_pushed_down() -> None:
    assert plan_of('-status:"succeeded" -metadata["k"]:"v" -created>5') == SearchPlan()
    assert plan_of('customer:null metadata["k"]:null') == SearchPlan()
    assert plan_of('-metadata["k"]:null status:"canceled"') == SearchPlan(status="canceled")


def test_a_second_status_or_customer_clause_is_left_to_the_row_match() -> None:
    assert plan_of('status:"succeeded" status:"canceled"') == SearchPlan(status="succeeded")
    assert plan_of('customer:"cus_a" customer:"cus_b"') == SearchPlan(customer="cus_a")


def test_metadata_values_beyond_ascii_are_left_to_the_row_match() -> None:
    # Rows indexed by the migration were lowercased by the database (ASCII letters only).
    assert plan_of('metadata["city"]:"Zürich"') == SearchPlan()


def test_derived_fields_are_not_columns() -> None:
    assert plan(parse_query('refunded:"true" status:"succeeded"', CHARGE_FIELDS)) == SearchPlan(
        status="succeeded"
    )


def test_customer_search_is_never_exact_deleted_customers_are_filtered_by_row() -> None:
    assert plan_of("created>5", CUSTOMER_FIELDS) == SearchPlan(created=((">", 5),), exact=False)
    assert not matches(parse_query("created>5", CUSTOMER_FIELDS), {"id": "cus_1", "deleted": True})
    assert not matches(parse_query('-email:"a@b.c"', CUSTOMER_FIELDS), {"id": "cus_1", "deleted": True})


def test_metadata_terms_are_string_values_lowercased() -> None:
    doc = {"metadata": {"Order": "AB-12", "n": 5, "Kelvin": "\u212a"}}
    assert metadata_terms(doc) == {"Order": "ab-12", "Kelvin": "k"}
    assert metadata_terms({"metadata": None}) == {} == metadata_terms({"id": "cus_1", "deleted": True})


# --- the plan never loses a match --------------------------------------------------------

CUSTOMERS = ("cus_A1b", "cus_X")  # the ids that exist, as stored

CLAUSES = (
    'status:"succeeded"', 'status:"SUCCEEDED"', 'status:"canceled"', "status:null",
    'customer:"cus_A1b"', 'customer:"CUS_a1B"', 'customer:"cus_X"', "customer:null",
    "created>101", "created<=103", "created:102", "created=104", "created>=100",
    "amount>999", "amount:500", 'currency:"usd"',
    'metadata["a"]:"x"', 'metadata["a"]:"X"', 'metadata["a"]:"k"', 'metadata["b"]:"ok"',
    'metadata["b"]:"É"', 'metadata["a"]:null', 'metadata["K"]:"é"',
)
METADATA_VALUES = ("x", "X", "\u212a", "k", "é", "É", "ok", "OK", "İ")

documents = st.fixed_dictionaries({
    "id": st.sampled_from(("pi_1", "pi_2")),
    "object": st.just("payment_intent"),
    "status": st.sampled_from(("succeeded", "canceled", "requires_capture")),
    "customer": st.sampled_from((None, *CUSTOMERS)),
    "created": st.integers(100, 105),
    "amount": st.sampled_from((500, 1000, 2000)),
    "currency": st.sampled_from(("usd", "eur")),
    "metadata": st.dictionaries(st.sampled_from(("a", "b", "K")), st.sampled_from(METADATA_VALUES)),
})
queries = st.tuples(
    st.lists(st.tuples(st.booleans(), st.sampled_from(CLAUSES)), min_size=1, max_size=4),
    st.sampled_from((" ", " AND ", " OR ")),
).map(lambda q: q[1].join(("-" if negated else "") + clause for negated, clause in q[0]))


def admitted(found: SearchPlan, doc: dict[str, Any]) -> bool:
    """What the store's SQL does with the plan, over the columns it keeps for `doc`."""
    terms = metadata_terms(doc)
    return (
        (found.status is None or doc["status"] == found.status)
        and (found.customer is None or doc["customer"] == found.customer)
        and all(_compare(doc["created"], op, bound) for op, bound in found.created)
        and all(terms.get(key) == value for key, value in found.metadata)
    )


def _compare(actual: int, op: str, bound: int) -> bool:
    return {
        "=": actual == bound, ">": actual > bound, "<": actual < bound,
        ">=": actual >= bound, "<=": actual <= bound,
    }[op]


@settings(max_examples=400, deadline=None)
@given(text=queries, doc=documents)
def test_every_match_is_a_candidate_and_exact_plans_admit_only_matches(text: str, doc: dict[str, Any]) -> None:
    query = parse_query(text, PI)
    found = plan(query)
    if found.customer is not None and found.customer not in CUSTOMERS:
        found = found.without_customer()  # as services.listing does for an id not stored as given
    if matches(query, doc):
        assert admitted(found, doc)
    elif found.exact:
        assert not admitted(found, doc)
