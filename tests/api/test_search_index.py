"""Search reads indexes, not the table (issue #7), and answers exactly as the scan did.

The reference for every query is the old search: every object of the type, newest
first (a plain list), kept when `core.search.matches` says so.  A fresh tender holds 42
PaymentIntents made over three seconds or more, of varied status, amount, currency, customer
and metadata (values in several cases, one beyond ASCII, one Kelvin sign), so pushed
down clauses, clauses matched row by row and their mixes all have something to find.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import stripe

from tender.core import search
from tender.store.schema import migrations
from tests.support.server import SECRET_KEY, TenderServer

INTENTS = 42
CHUNK_TARGET_AMOUNT = 1234  # only the oldest intent: finding it walks every candidate


@dataclass
class Indexed:
    server: TenderServer
    http: httpx.Client
    customers: list[str]
    created: list[int]  # the creation seconds, oldest first (three or more)


def _status_kind(i: int) -> dict[str, Any]:
    kind = i % 7
    if kind in (0, 4, 5):
        return {"payment_method": "pm_card_visa", "confirm": True}
    if kind == 2:
        return {"payment_method": "pm_card_visa", "confirm": True, "capture_method": "manual"}
    return {}


def _make_intent(i: int, customers: list[str]) -> stripe.PaymentIntent:
    metadata = {"order": f"ord-{i}"}
    group = ("a", "A", "b", None)[i % 4]
    if group is not None:
        metadata["group"] = group
    if i == 5:
        metadata["city"] = "ZÜRICH"
    if i == 6:
        metadata["unit"] = "\u212a"  # KELVIN SIGN; lowercase is an ASCII k
    params: dict[str, Any] = {
        "amount": CHUNK_TARGET_AMOUNT if i == 0 else 1000 + (i * 37) % 1500,
        "currency": "eur" if i % 3 == 0 else "usd",
        "payment_method_types": ["card"],
        "metadata": metadata,
        **_status_kind(i),
    }
    if i % 5 in (0, 1):
        params["customer"] = customers[i % 5]
    intent = stripe.PaymentIntent.create(**params)
    if i % 7 == 3:
        intent = stripe.PaymentIntent.cancel(intent.id)
    return intent


@pytest.fixture(scope="module")
def indexed() -> Iterator[Indexed]:
    srv = TenderServer().start()
    previous = stripe.api_base
    stripe.api_key = SECRET_KEY
    stripe.api_base = srv.base_url
    try:
        customers = [stripe.Customer.create(email=f"c{n}@example.com").id for n in range(2)]
        made = []
        for i in range(INTENTS):
            if i in (14, 28):
                time.sleep(1.1)
            made.append(_make_intent(i, customers))
        created = sorted({pi.created for pi in made})
        assert len(created) >= 3
        with httpx.Client(base_url=srv.base_url, auth=(SECRET_KEY, "")) as http:
            yield Indexed(srv, http, customers, created)
    finally:
        stripe.api_base = previous
        srv.stop()


@pytest.fixture
def on_indexed(sdk: None, indexed: Indexed) -> Iterator[Indexed]:
    stripe.api_base = indexed.server.base_url
    yield indexed


def _get(http: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _scan_and_match(http: httpx.Client, resource: str, fields: search.SearchFields, query: str) -> list[str]:
    """The search as it was: every object, newest first, matched one by one."""
    everything = _get(http, f"/v1/{resource}", limit=100)
    assert everything["has_more"] is False
    parsed = search.parse_query(query, fields)
    return [doc["id"] for doc in everything["data"] if search.matches(parsed, doc)]


def _search_all_pages(http: httpx.Client, resource: str, query: str, limit: int) -> list[str]:
    seen: list[str] = []
    params: dict[str, Any] = {"query": query, "limit": limit}
    while True:
        page = _get(http, f"/v1/{resource}/search", **params)
        assert "total_count" not in page
        seen += [doc["id"] for doc in page["data"]]
        if not page["has_more"]:
            assert page["next_page"] is None
            return seen
        assert len(page["data"]) == limit and page["next_page"]
        params["page"] = page["next_page"]


def _intent_queries(on: Indexed) -> list[str]:
    c1, c2 = on.customers
    t0, t1, t2 = on.created[0], on.created[len(on.created) // 2], on.created[-1]
    return [
        'status:"succeeded"',
        'status:"SUCCEEDED" AND amount>1500',
        'status:"requires_capture" OR currency:"eur"',
        '-status:"succeeded"',
        'status:"canceled" status:"succeeded"',
        'metadata["group"]:"a"',
        'metadata["group"]:"A" AND -currency:"usd"',
        'metadata["group"]:"a" metadata["order"]:"ORD-8"',
        'metadata["group"]:"b" OR metadata["group"]:"a"',
        'metadata["group"]:null',
        '-metadata["group"]:null AND amount<1200',
        'metadata["city"]:"zürich"',
        'metadata["unit"]:"k"',
        f"created>{t0}",
        f"created<={t1}",
        f"created:{t1}",
        f'created>={t0} AND created<{t2} AND status:"canceled"',
        f'created>{t1} AND metadata["group"]:"a"',
        f'customer:"{c1}"',
        f'customer:"{c1.upper()}"',
        f'customer:"{c2}" AND status:"succeeded"',
        f'customer:"{c1}" AND metadata["group"]:"a"',
        f'-customer:"{c1}"',
        'customer:"cus_doesnotexist"',
        "customer:null AND amount>=2000",
        f"amount:{CHUNK_TARGET_AMOUNT}",
        'amount>=2000 currency:"eur"',
    ]


def test_search_answers_every_query_as_the_scan_did(on_indexed: Indexed) -> None:
    for query in _intent_queries(on_indexed):
        expected = _scan_and_match(on_indexed.http, "payment_intents", search.PAYMENT_INTENT_FIELDS, query)
        for limit in (1, 3, 100):
            found = _search_all_pages(on_indexed.http, "payment_intents", query, limit)
            assert found == expected, (query, limit)


def test_search_total_count_counts_every_match_only_when_expanded(on_indexed: Indexed) -> None:
    for query in _intent_queries(on_indexed):
        expected = _scan_and_match(on_indexed.http, "payment_intents", search.PAYMENT_INTENT_FIELDS, query)
        expand = {"expand[]": "total_count"}
        first = _get(on_indexed.http, "/v1/payment_intents/search", query=query, limit=2, **expand)
        assert first["total_count"] == len(expected), query
        if first["next_page"]:
            following = _get(
                on_indexed.http, "/v1/payment_intents/search", query=query, limit=2,
                page=first["next_page"], **expand,
            )
            assert following["total_count"] == len(expected), query
        plain = _get(on_indexed.http, "/v1/payment_intents/search", query=query, limit=2)
        assert "total_count" not in plain


def test_search_walks_past_more_than_one_chunk_of_candidates(on_indexed: Indexed) -> None:
    # One match, the oldest intent: a page of one reads candidates 8, then 16, then 32
    # at a time before it reaches it.
    for query in (f"amount:{CHUNK_TARGET_AMOUNT}", f'metadata["group"]:"a" AND amount:{CHUNK_TARGET_AMOUNT}'):
        page = stripe.PaymentIntent.search(query=query, limit=1)
        assert len(page.data) == 1 and page.data[0].amount == CHUNK_TARGET_AMOUNT
        assert page.has_more is False and page.next_page is None
    everything = stripe.PaymentIntent.search(query="-amount:0", limit=1)
    assert everything.has_more is True
    visited = [pi.id for pi in everything.auto_paging_iter()]
    assert len(visited) == len(set(visited)) == INTENTS


def test_search_pages_hand_on_where_the_last_one_stopped(on_indexed: Indexed) -> None:
    query = 'status:"succeeded"'
    expected = _scan_and_match(on_indexed.http, "payment_intents", search.PAYMENT_INTENT_FIELDS, query)
    first = stripe.PaymentIntent.search(query=query, limit=4)
    second = stripe.PaymentIntent.search(query=query, limit=4, page=first.next_page)
    assert [pi.id for pi in first.data] + [pi.id for pi in second.data] == expected[:8]
    assert first.has_more is True and second.next_page != first.next_page


def test_charge_search_answers_as_the_scan_did(on_indexed: Indexed) -> None:
    c1, _ = on_indexed.customers
    for query in (
        'status:"succeeded"',
        'status:"succeeded" AND amount>1500',
        f'customer:"{c1}"',
        'metadata["group"]:"a"',
        "refunded:null AND -currency:\"usd\"",
        f"created<{on_indexed.created[-1]}",
    ):
        expected = _scan_and_match(on_indexed.http, "charges", search.CHARGE_FIELDS, query)
        assert _search_all_pages(on_indexed.http, "charges", query, 2) == expected, query


def test_customer_search_never_finds_a_deleted_customer(on_indexed: Indexed) -> None:
    kept = stripe.Customer.create(name="Kept Person", metadata={"batch": "search-index"})
    gone = stripe.Customer.create(name="Gone Person", metadata={"batch": "search-index"})
    since = kept.created  # the fixture's customers are seconds older
    stripe.Customer.delete(gone.id)
    for query in (f"created>={since}", '-name:"nobody"', 'metadata["batch"]:"search-index"', "email:null"):
        found = _search_all_pages(on_indexed.http, "customers", query, 1)
        assert gone.id not in found and kept.id in found, query
        expected = _scan_and_match(on_indexed.http, "customers", search.CUSTOMER_FIELDS, query)
        assert found == expected, query
    total = _get(on_indexed.http, "/v1/customers/search", query=f"created>={since}", **{"expand[]": "total_count"})
    assert total["total_count"] == 1


def test_search_metadata_index_migration_matches_what_writes_index(on_indexed: Indexed) -> None:
    """0004 indexes the metadata of objects stored before it as the store's writes do
    (values beyond ASCII aside, which search leaves to the row match); searches answer
    the same before and after."""
    backend = "sqlite" if on_indexed.server.db.startswith("sqlite:") else "postgres"
    (backfill,) = [
        statement
        for migration in migrations(backend) if migration.version == "0004"
        for statement in migration.statements if "INSERT INTO object_metadata" in statement
    ]
    columns = "SELECT account, type, key, value, created, object_id FROM object_metadata"
    with _database(on_indexed.server) as db:
        written = set(db.execute(columns).fetchall())
        db.execute("DELETE FROM object_metadata")
        db.execute(backfill)
        migrated = set(db.execute(columns).fetchall())
        db.commit()
    assert {row for row in written if row[2] != "city"} == {row for row in migrated if row[2] != "city"}
    assert ("payment_intent", "unit", "k") in {row[1:4] for row in migrated}
    for query in _intent_queries(on_indexed):
        expected = _scan_and_match(on_indexed.http, "payment_intents", search.PAYMENT_INTENT_FIELDS, query)
        assert _search_all_pages(on_indexed.http, "payment_intents", query, 3) == expected, query


def _database(server: TenderServer) -> Any:
    if server.db.startswith("sqlite:"):
        return sqlite3.connect(server.db_path, timeout=10)
    import psycopg

    return psycopg.connect(server.db)


def test_total_count_is_not_counted_unless_expanded(tmp_path: Any) -> None:
    """In process, on a store of its own: rendering a page without `expand[]=total_count`
    never asks the store to count."""
    from tender.api import expand
    from tender.api.endpoint import Call
    from tender.api.routes.collections import search_response
    from tender.store.base import Stored
    from tender.store.sqlite import SQLiteStore

    store = SQLiteStore(str(tmp_path / "count.db"), durability="normal")
    try:
        def seed(tx: Any) -> None:
            for n in range(5):
                tx.insert(Stored({
                    "id": f"pi_{n}", "object": "payment_intent", "created": 100 + n, "amount": 1000 + n,
                    "currency": "usd", "status": "succeeded", "metadata": {"n": str(n)},
                }))

        store.write_sync("acct_count", seed)
        counted: list[str] = []

        class Counting:
            def __init__(self, tx: Any) -> None:
                self.tx = tx

            def __getattr__(self, name: str) -> Any:
                return getattr(self.tx, name)

            def count_search(self, *args: Any) -> int:
                counted.append("count_search")
                return int(self.tx.count_search(*args))

        def render(tx: Any, query: str, paths: list[str]) -> dict[str, Any]:
            counting = Counting(tx)
            call = Call({}, {"query": query, "limit": 2}, paths)
            page = search_response(counting, "payment_intent", search.PAYMENT_INTENT_FIELDS, call, "/x")
            return expand.expand(counting, page, paths, lambda doc: doc)

        plain = store.write_sync("acct_count", lambda tx: render(tx, 'status:"succeeded"', []))
        assert "total_count" not in plain and counted == []
        assert len(plain["data"]) == 2 and plain["has_more"] is True
        expanded = store.write_sync("acct_count", lambda tx: render(tx, 'status:"succeeded"', ["total_count"]))
        assert expanded["total_count"] == 5 and counted == ["count_search"]
        walked = store.write_sync("acct_count", lambda tx: render(tx, "amount>1002", ["total_count"]))
        assert walked["total_count"] == 2 and counted == ["count_search"]  # counted by walking
    finally:
        store.close()
