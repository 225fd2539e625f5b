"""Lists, search and expansion (stripe-behaviour §4.2–4.4), through the official SDK.

List tests run against a fresh, empty tender (one per module) so that "every object,
newest first" can be checked exactly; search and expansion tests share the session
server and tell their objects apart by a per-test metadata value.

Customer filters (`customer=` on lists, `customer:` in search) are not covered: tender
has no Customer resource yet, so no customer id can be created to filter by.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import stripe

from tests.support.server import SECRET_KEY, TenderServer


def _tag() -> str:
    return uuid.uuid4().hex


def _intent(
    metadata: dict[str, str] | None = None,
    amount: int = 2000,
    currency: str = "usd",
    payment_method: str | None = "pm_card_visa",
    confirm: bool = True,
    **extra: Any,
) -> stripe.PaymentIntent:
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "payment_method_types": ["card"],
        "metadata": metadata or {},
        **extra,
    }
    if payment_method is not None:
        params["payment_method"] = payment_method
        params["confirm"] = confirm
    return stripe.PaymentIntent.create(**params)


def _ids(objects: Any) -> list[str]:
    return [o.id for o in objects]


# =========================================================================== lists


@dataclass
class Seeded:
    server: TenderServer
    oldest_first: list[stripe.PaymentIntent]  # creation order

    @property
    def newest_first_ids(self) -> list[str]:
        return [pi.id for pi in reversed(self.oldest_first)]


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    """An empty account holding eight intents: four, then (a second later) four more."""
    srv = TenderServer().start()
    previous = stripe.api_base
    stripe.api_key = SECRET_KEY
    stripe.api_base = srv.base_url
    try:
        first = [_intent(amount=1000 + i, confirm=i % 2 == 0) for i in range(4)]
        time.sleep(1.1)
        second = [_intent(amount=2000 + i, payment_method=None) for i in range(4)]
        yield Seeded(srv, first + second)
    finally:
        stripe.api_base = previous
        srv.stop()


@pytest.fixture
def on_seeded(sdk: None, seeded: Seeded) -> Iterator[Seeded]:
    stripe.api_base = seeded.server.base_url
    yield seeded


def test_list_is_newest_first_with_list_envelope(on_seeded: Seeded) -> None:
    page = stripe.PaymentIntent.list(limit=100)
    assert page.object == "list" and page.url == "/v1/payment_intents"
    assert _ids(page.data) == on_seeded.newest_first_ids
    created = [pi.created for pi in page.data]
    assert created == sorted(created, reverse=True)
    assert page.has_more is False


def test_default_limit_is_ten_and_limit_bounds_the_page(on_seeded: Seeded) -> None:
    assert len(stripe.PaymentIntent.list().data) == 8
    page = stripe.PaymentIntent.list(limit=3)
    assert _ids(page.data) == on_seeded.newest_first_ids[:3]
    assert page.has_more is True
    exact = stripe.PaymentIntent.list(limit=8)
    assert len(exact.data) == 8 and exact.has_more is False
    assert stripe.PaymentIntent.list(limit=1).data[0].id == on_seeded.newest_first_ids[0]


@pytest.mark.parametrize("limit", [0, 101])
def test_limit_out_of_range_is_refused(on_seeded: Seeded, limit: int) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.list(limit=limit)
    assert info.value.http_status == 400 and info.value.param == "limit"


def test_paging_forward_with_starting_after_visits_everything_once(on_seeded: Seeded) -> None:
    seen: list[str] = []
    page = stripe.PaymentIntent.list(limit=3)
    pages = 1
    while True:
        seen += _ids(page.data)
        if not page.has_more:
            break
        page = stripe.PaymentIntent.list(limit=3, starting_after=page.data[-1].id)
        pages += 1
    assert seen == on_seeded.newest_first_ids
    assert pages == 3


def test_paging_backward_with_ending_before_visits_everything_once(on_seeded: Seeded) -> None:
    ids = on_seeded.newest_first_ids
    oldest = ids[-1]
    collected: list[list[str]] = []
    page = stripe.PaymentIntent.list(limit=3, ending_before=oldest)
    while True:
        # each page is itself newest first: the objects just newer than the cursor
        collected.append(_ids(page.data))
        if not page.has_more:
            break
        page = stripe.PaymentIntent.list(limit=3, ending_before=page.data[0].id)
    assert collected == [ids[4:7], ids[1:4], ids[0:1]]
    assert [i for chunk in reversed(collected) for i in chunk] == ids[:-1]


def test_ending_before_the_newest_is_empty(on_seeded: Seeded) -> None:
    page = stripe.PaymentIntent.list(ending_before=on_seeded.newest_first_ids[0])
    assert page.data == [] and page.has_more is False


def test_starting_after_the_oldest_is_empty(on_seeded: Seeded) -> None:
    page = stripe.PaymentIntent.list(starting_after=on_seeded.newest_first_ids[-1])
    assert page.data == [] and page.has_more is False


def test_sdk_auto_pagination_visits_all(on_seeded: Seeded) -> None:
    visited = _ids(stripe.PaymentIntent.list(limit=3).auto_paging_iter())
    assert visited == on_seeded.newest_first_ids


def test_sdk_auto_pagination_backwards_visits_all_newer(on_seeded: Seeded) -> None:
    ids = on_seeded.newest_first_ids
    visited = _ids(stripe.PaymentIntent.list(limit=3, ending_before=ids[-1]).auto_paging_iter())
    assert visited == list(reversed(ids[:-1]))  # oldest to newest


def test_created_filters(on_seeded: Seeded) -> None:
    intents = on_seeded.oldest_first
    first, second = intents[:4], intents[4:]
    boundary = second[0].created
    assert max(pi.created for pi in first) < boundary  # the fixture slept in between

    def listed(**created: Any) -> list[str]:
        return _ids(stripe.PaymentIntent.list(limit=100, created=created).data)

    def expected(keep: Any) -> list[str]:
        return [pi.id for pi in reversed(intents) if keep(pi.created)]

    assert listed(gte=boundary) == _ids(reversed(second))
    assert listed(lt=boundary) == _ids(reversed(first))
    assert listed(gt=boundary) == expected(lambda c: c > boundary)
    assert listed(lte=boundary) == expected(lambda c: c <= boundary)
    assert listed(gte=first[0].created, lt=boundary) == _ids(reversed(first))
    assert listed(gt=second[-1].created) == []
    exact = stripe.PaymentIntent.list(limit=100, created=boundary)
    assert _ids(exact.data) == expected(lambda c: c == boundary)
    assert exact.data  # at least second[0]


def test_created_filter_combines_with_cursors(on_seeded: Seeded) -> None:
    second = on_seeded.oldest_first[4:]
    boundary = second[0].created
    visited = _ids(stripe.PaymentIntent.list(limit=2, created={"gte": boundary}).auto_paging_iter())
    assert visited == _ids(reversed(second))


def test_created_filter_must_be_a_timestamp(http: httpx.Client, on_seeded: Seeded) -> None:
    response = http.get("/v1/payment_intents", params={"created[gte]": "yesterday"})
    assert response.status_code == 400
    assert response.json()["error"]["param"].startswith("created")


@pytest.mark.parametrize("cursor", ["starting_after", "ending_before"])
def test_unknown_cursor_is_404_naming_the_cursor(on_seeded: Seeded, cursor: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.list(**{cursor: "pi_doesnotexist"})
    assert info.value.http_status == 404
    assert info.value.code == "resource_missing"
    assert info.value.param == cursor
    assert "pi_doesnotexist" in info.value.user_message


def test_cursor_naming_another_type_is_404(on_seeded: Seeded) -> None:
    charge_id = on_seeded.oldest_first[0].latest_charge
    assert charge_id
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.list(starting_after=charge_id)
    assert info.value.http_status == 404 and info.value.param == "starting_after"


def test_both_cursors_at_once_are_refused(on_seeded: Seeded) -> None:
    ids = on_seeded.newest_first_ids
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.list(starting_after=ids[0], ending_before=ids[-1])
    assert info.value.http_status == 400


def test_charges_list_newest_first_on_the_empty_account(on_seeded: Seeded) -> None:
    paid = [pi for pi in on_seeded.oldest_first if pi.latest_charge]
    assert len(paid) == 2
    charges = stripe.Charge.list()
    assert charges.url == "/v1/charges"
    assert _ids(charges.data) == [pi.latest_charge for pi in reversed(paid)]


def test_charges_list_by_payment_intent() -> None:
    intent = _intent(payment_method=None)
    with pytest.raises(stripe.CardError):
        stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_chargeDeclined")
    intent = stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    other = _intent()
    charges = stripe.Charge.list(payment_intent=intent.id)
    assert len(charges.data) == 2 and charges.has_more is False
    assert charges.data[0].id == intent.latest_charge
    assert [c.status for c in charges.data] == ["succeeded", "failed"]
    assert all(c.payment_intent == intent.id for c in charges.data)
    assert other.latest_charge not in _ids(charges.data)
    # the filter holds across pages too
    first = stripe.Charge.list(payment_intent=intent.id, limit=1)
    assert first.has_more is True
    rest = stripe.Charge.list(payment_intent=intent.id, limit=1, starting_after=first.data[0].id)
    assert _ids(first.data) + _ids(rest.data) == _ids(charges.data) and rest.has_more is False


def test_charges_list_for_an_intent_without_charges_is_empty() -> None:
    intent = _intent(payment_method=None)
    assert stripe.Charge.list(payment_intent=intent.id).data == []


def test_refunds_list_by_charge_and_by_payment_intent() -> None:
    intent = _intent(amount=9000)
    other = _intent(amount=9000)
    refunds = [stripe.Refund.create(charge=intent.latest_charge, amount=1000 * (i + 1)) for i in range(3)]
    stripe.Refund.create(charge=other.latest_charge, amount=500)
    by_charge = stripe.Refund.list(charge=intent.latest_charge)
    assert by_charge.url == "/v1/refunds"
    assert _ids(by_charge.data) == _ids(reversed(refunds)) and by_charge.has_more is False
    assert _ids(stripe.Refund.list(payment_intent=intent.id).data) == _ids(reversed(refunds))
    paged = _ids(stripe.Refund.list(charge=intent.latest_charge, limit=2).auto_paging_iter())
    assert paged == _ids(reversed(refunds))
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.list(charge=intent.latest_charge, starting_after="re_doesnotexist")
    assert info.value.http_status == 404 and info.value.param == "starting_after"


# =========================================================================== search


def _search(query: str, **params: Any) -> stripe.SearchResultObject[stripe.PaymentIntent]:
    return stripe.PaymentIntent.search(query=query, **params)


def test_search_by_status_and_metadata() -> None:
    order = _tag()
    paid = _intent({"order_id": order})
    _intent({"order_id": order}, payment_method=None)
    _intent({"order_id": _tag()})
    result = _search(f'status:"succeeded" AND metadata["order_id"]:"{order}"')
    assert result.object == "search_result" and result.url == "/v1/payment_intents/search"
    assert _ids(result.data) == [paid.id]
    assert result.has_more is False and result.next_page is None
    assert len(_search(f'metadata["order_id"]:"{order}"').data) == 2
    # keywords are case-insensitive, a space means AND, single quotes work too
    assert _ids(_search(f"status:'succeeded' and metadata['order_id']:'{order}'").data) == [paid.id]
    assert _ids(_search(f'status:"succeeded" metadata["order_id"]:"{order}"').data) == [paid.id]


def test_search_amount_comparisons() -> None:
    run = _tag()
    by_amount = {a: _intent({"run": run}, amount=a, payment_method=None) for a in (500, 1000, 1500, 3000)}

    def amounts(clause: str) -> list[int]:
        return sorted(pi.amount for pi in _search(f'metadata["run"]:"{run}" AND {clause}').data)

    assert amounts("amount>1000") == [1500, 3000]
    assert amounts("amount>=1000") == [1000, 1500, 3000]
    assert amounts("amount<1000") == [500]
    assert amounts("amount<=1000") == [500, 1000]
    assert amounts("amount:1000") == [1000]
    assert amounts("amount=1500") == [1500]
    assert amounts("-amount>1000") == [500, 1000]
    assert by_amount[3000].id in _ids(_search(f'metadata["run"]:"{run}" amount>2999').data)


def test_search_created_comparisons() -> None:
    run = _tag()
    made = [_intent({"run": run}, payment_method=None) for _ in range(3)]
    earliest, latest = made[0].created, made[-1].created
    scope = f'metadata["run"]:"{run}"'
    assert set(_ids(_search(f"{scope} AND created>={earliest}").data)) == set(_ids(made))
    assert _search(f"{scope} AND created>{latest}").data == []
    assert _search(f"{scope} AND created<{earliest}").data == []
    on_latest = [pi.id for pi in made if pi.created == latest]
    assert set(_ids(_search(f"{scope} AND created:{latest}").data)) == set(on_latest)


def test_search_currency_and_negation() -> None:
    run = _tag()
    usd = _intent({"run": run}, currency="usd", payment_method=None)
    eur = _intent({"run": run}, currency="eur", payment_method=None)
    gbp = _intent({"run": run}, currency="gbp", payment_method=None)
    scope = f'metadata["run"]:"{run}"'
    assert _ids(_search(f'{scope} AND currency:"usd"').data) == [usd.id]
    assert _ids(_search(f'{scope} AND currency:"USD"').data) == [usd.id]
    assert set(_ids(_search(f'{scope} AND -currency:"usd"').data)) == {eur.id, gbp.id}
    assert _ids(_search(f'{scope} -currency:"usd" -currency:"eur"').data) == [gbp.id]


def test_search_or() -> None:
    a, b = _tag(), _tag()
    first = _intent({"run": a}, payment_method=None)
    second = _intent({"run": b}, payment_method=None)
    _intent({"run": _tag()}, payment_method=None)
    found = _search(f'metadata["run"]:"{a}" OR metadata["run"]:"{b}"')
    assert set(_ids(found.data)) == {first.id, second.id}
    assert set(_ids(_search(f'metadata["run"]:"{a}" or metadata["run"]:"{b}"').data)) == {
        first.id, second.id,
    }


def test_search_metadata_null_and_present() -> None:
    run = _tag()
    flagged = _intent({"run": run, "flag": "yes"}, payment_method=None)
    plain = _intent({"run": run}, payment_method=None)
    scope = f'metadata["run"]:"{run}"'
    assert _ids(_search(f'{scope} AND -metadata["flag"]:null').data) == [flagged.id]
    assert _ids(_search(f'{scope} AND metadata["flag"]:null').data) == [plain.id]


def test_search_pages_visit_every_match_once() -> None:
    run = _tag()
    made = [_intent({"run": run}, amount=1000 + i, payment_method=None) for i in range(7)]
    query = f'metadata["run"]:"{run}"'
    seen: list[str] = []
    page = _search(query, limit=3)
    sizes = []
    while True:
        sizes.append(len(page.data))
        seen += _ids(page.data)
        if not page.has_more:
            assert page.next_page is None
            break
        assert page.next_page
        page = _search(query, limit=3, page=page.next_page)
    assert sizes == [3, 3, 1]
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == set(_ids(made))
    # a page that ends exactly on the last match says there is nothing more
    whole = _search(query, limit=7)
    assert len(whole.data) == 7 and whole.has_more is False and whole.next_page is None
    last = _search(query, limit=4, page=_search(query, limit=3).next_page)
    assert len(last.data) == 4 and last.has_more is False and last.next_page is None


def test_search_paging_is_stable_when_new_matches_appear() -> None:
    run = _tag()
    made = [_intent({"run": run}, payment_method=None) for _ in range(5)]
    query = f'metadata["run"]:"{run}"'
    first = _search(query, limit=2)
    _intent({"run": run}, payment_method=None)  # a newer match arrives mid-way
    _intent({"run": run}, payment_method=None)
    seen = _ids(first.data)
    page = first
    while page.has_more:
        page = _search(query, limit=2, page=page.next_page)
        seen += _ids(page.data)
    assert len(seen) == len(set(seen)), "an object was returned twice"
    assert set(_ids(made)) <= set(seen)


def test_search_auto_paging_iter_visits_all() -> None:
    run = _tag()
    made = [_intent({"run": run}, payment_method=None) for _ in range(5)]
    visited = _ids(_search(f'metadata["run"]:"{run}"', limit=2).auto_paging_iter())
    assert sorted(visited) == sorted(_ids(made))


def test_search_total_count_only_when_expanded(http: httpx.Client) -> None:
    run = _tag()
    for _ in range(4):
        _intent({"run": run}, payment_method=None)
    query = f'metadata["run"]:"{run}"'
    plain = http.get("/v1/payment_intents/search", params={"query": query, "limit": 2}).json()
    assert "total_count" not in plain
    assert set(plain) == {"object", "url", "has_more", "data", "next_page"}
    expanded = _search(query, limit=2, expand=["total_count"])
    assert expanded.total_count == 4 and len(expanded.data) == 2
    following = _search(query, limit=2, page=expanded.next_page, expand=["total_count"])
    assert following.total_count == 4
    assert _search(f'metadata["run"]:"{_tag()}"', expand=["total_count"]).total_count == 0


def test_search_total_count_is_not_expandable_on_lists() -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.list(expand=["total_count"])
    assert info.value.http_status == 400 and info.value.param == "expand"


@pytest.mark.parametrize(
    "query",
    [
        "status:succeeded",  # unquoted text
        'nosuchfield:"x"',
        'currency>"usd"',
        'status:"succeeded" AND currency:"usd" OR amount>1',
        'amount>"ten"',
        "",
    ],
)
def test_bad_search_query_is_400_on_query(http: httpx.Client, query: str) -> None:
    if query:
        with pytest.raises(stripe.InvalidRequestError) as info:
            _search(query)
        assert info.value.http_status == 400 and info.value.param == "query"
    response = http.get("/v1/payment_intents/search", params={"query": query})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "query"
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_search_requires_a_query(http: httpx.Client) -> None:
    response = http.get("/v1/payment_intents/search")
    assert response.status_code == 400 and response.json()["error"]["param"] == "query"


def test_bad_page_token_is_400_on_page() -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        _search('status:"succeeded"', page="not-a-token")
    assert info.value.http_status == 400 and info.value.param == "page"


def test_search_does_not_take_list_cursors(http: httpx.Client) -> None:
    response = http.get(
        "/v1/payment_intents/search", params={"query": 'status:"succeeded"', "starting_after": "pi_x"}
    )
    assert response.status_code == 400


def test_charge_search_by_last4_refunded_and_status() -> None:
    run = _tag()
    meta = {"run": run}
    visa = _intent(meta, amount=3000)
    master = _intent(meta, amount=3000, payment_method="pm_card_mastercard")
    partly = _intent(meta, amount=3000)
    declined = _intent(meta, payment_method=None)
    with pytest.raises(stripe.CardError):
        stripe.PaymentIntent.confirm(declined.id, payment_method="pm_card_chargeDeclined")
    declined_charge = stripe.PaymentIntent.retrieve(declined.id).latest_charge
    stripe.Refund.create(payment_intent=master.id)
    stripe.Refund.create(payment_intent=partly.id, amount=1000)

    def found(clause: str) -> set[str]:
        result = stripe.Charge.search(query=f'metadata["run"]:"{run}" AND {clause}')
        assert result.url == "/v1/charges/search"
        return set(_ids(result.data))

    assert found('payment_method_details.card.last4:"4444"') == {master.latest_charge}
    assert found('payment_method_details.card.last4:"4242"') == {
        visa.latest_charge, partly.latest_charge,
    }
    assert found('payment_method_details.card.brand:"mastercard"') == {master.latest_charge}
    assert found('refunded:"true"') == {master.latest_charge}
    assert found('refunded:"false"') == {partly.latest_charge}
    assert found("refunded:null") == {visa.latest_charge, declined_charge}
    assert found('status:"failed"') == {declined_charge}
    assert found('status:"succeeded"') == {visa.latest_charge, master.latest_charge, partly.latest_charge}
    assert found("amount>2999") == {visa.latest_charge, master.latest_charge, partly.latest_charge}
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.search(query='last4:"4242"')
    assert info.value.param == "query"


def test_search_results_can_be_expanded() -> None:
    run = _tag()
    paid = _intent({"run": run})
    result = _search(f'metadata["run"]:"{run}"', expand=["data.latest_charge"])
    assert result.data[0].id == paid.id
    assert result.data[0].latest_charge.id == paid.latest_charge
    assert result.data[0].latest_charge.object == "charge"


# =========================================================================== expansion


def _json(http: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_expand_latest_charge_matches_its_own_retrieve(http: httpx.Client) -> None:
    intent = _intent()
    expanded = stripe.PaymentIntent.retrieve(intent.id, expand=["latest_charge"])
    assert isinstance(expanded.latest_charge, stripe.Charge)
    assert expanded.latest_charge.id == intent.latest_charge
    raw = _json(http, f"/v1/payment_intents/{intent.id}", **{"expand[]": "latest_charge"})
    assert raw["latest_charge"] == _json(http, f"/v1/charges/{intent.latest_charge}")
    # everything else is the plain intent
    plain = _json(http, f"/v1/payment_intents/{intent.id}")
    assert {k: v for k, v in raw.items() if k != "latest_charge"} == {
        k: v for k, v in plain.items() if k != "latest_charge"
    }
    assert plain["latest_charge"] == intent.latest_charge


def test_expand_nested_balance_transaction(http: httpx.Client) -> None:
    intent = _intent()
    expanded = stripe.PaymentIntent.retrieve(intent.id, expand=["latest_charge.balance_transaction"])
    txn = expanded.latest_charge.balance_transaction
    assert isinstance(txn, stripe.BalanceTransaction) and txn.source == intent.latest_charge
    raw = _json(
        http, f"/v1/payment_intents/{intent.id}", **{"expand[]": "latest_charge.balance_transaction"}
    )
    assert raw["latest_charge"]["balance_transaction"] == _json(
        http, f"/v1/balance_transactions/{txn.id}"
    )


def test_expand_payment_method(http: httpx.Client) -> None:
    intent = _intent()
    expanded = stripe.PaymentIntent.retrieve(intent.id, expand=["payment_method"])
    assert isinstance(expanded.payment_method, stripe.PaymentMethod)
    assert expanded.payment_method.id == intent.payment_method
    assert expanded.payment_method.card.last4 == "4242"
    raw = _json(http, f"/v1/payment_intents/{intent.id}", **{"expand[]": "payment_method"})
    assert raw["payment_method"] == _json(http, f"/v1/payment_methods/{intent.payment_method}")


def test_expand_several_paths_at_once_and_on_create() -> None:
    intent = _intent(expand=["latest_charge.balance_transaction", "payment_method"])
    assert intent.status == "succeeded"
    assert intent.latest_charge.balance_transaction.object == "balance_transaction"
    assert intent.payment_method.object == "payment_method"
    captured = stripe.PaymentIntent.capture(
        _intent(capture_method="manual").id, expand=["latest_charge"]
    )
    assert captured.latest_charge.captured is True


def test_expand_on_a_list_uses_the_data_prefix() -> None:
    paid = _intent()
    unpaid = _intent(payment_method=None)
    # the session server serves this worker's tests one at a time: these two are the newest
    page = stripe.PaymentIntent.list(limit=2, expand=["data.latest_charge"])
    assert _ids(page.data) == [unpaid.id, paid.id]
    assert page.data[0].latest_charge is None
    assert isinstance(page.data[1].latest_charge, stripe.Charge)
    assert page.data[1].latest_charge.id == paid.latest_charge
    charges = stripe.Charge.list(payment_intent=paid.id, expand=["data.balance_transaction"])
    assert charges.data[0].balance_transaction.object == "balance_transaction"


def test_expanded_list_items_match_their_own_retrieve(http: httpx.Client) -> None:
    paid = _intent()
    listed = _json(
        http, "/v1/charges", payment_intent=paid.id,
        **{"expand[]": ["data.payment_intent", "data.balance_transaction"]},
    )
    charge = listed["data"][0]
    assert charge["payment_intent"] == _json(http, f"/v1/payment_intents/{paid.id}")
    assert charge["balance_transaction"] == _json(
        http, f"/v1/balance_transactions/{charge['balance_transaction']['id']}"
    )


def test_charge_refunds_only_when_expanded(http: httpx.Client) -> None:
    intent = _intent(amount=5000)
    first = stripe.Refund.create(charge=intent.latest_charge, amount=1000)
    second = stripe.Refund.create(charge=intent.latest_charge, amount=2000)
    assert "refunds" not in _json(http, f"/v1/charges/{intent.latest_charge}")
    charge = stripe.Charge.retrieve(intent.latest_charge, expand=["refunds"])
    assert charge.refunds.object == "list"
    assert _ids(charge.refunds.data) == [second.id, first.id]
    assert charge.refunds.has_more is False
    raw = _json(http, f"/v1/charges/{intent.latest_charge}", **{"expand[]": "refunds"})
    assert raw["refunds"]["data"][0] == _json(http, f"/v1/refunds/{second.id}")


def test_refund_expansions_match_their_own_retrieve(http: httpx.Client) -> None:
    intent = _intent()
    refund = stripe.Refund.create(payment_intent=intent.id, amount=500)
    raw = _json(
        http, f"/v1/refunds/{refund.id}",
        **{"expand[]": ["charge", "payment_intent", "balance_transaction"]},
    )
    assert raw["charge"] == _json(http, f"/v1/charges/{intent.latest_charge}")
    assert raw["payment_intent"] == _json(http, f"/v1/payment_intents/{intent.id}")
    assert raw["balance_transaction"] == _json(
        http, f"/v1/balance_transactions/{refund.balance_transaction}"
    )


def test_balance_transaction_source_expands_to_its_object() -> None:
    intent = _intent()
    charge = stripe.Charge.retrieve(intent.latest_charge)
    txn = stripe.BalanceTransaction.retrieve(charge.balance_transaction, expand=["source"])
    assert isinstance(txn.source, stripe.Charge) and txn.source.id == charge.id


def test_expanding_a_null_field_leaves_null(http: httpx.Client) -> None:
    intent = _intent(payment_method=None)
    expanded = stripe.PaymentIntent.retrieve(
        intent.id, expand=["latest_charge", "payment_method", "customer"]
    )
    assert expanded.latest_charge is None
    assert expanded.payment_method is None
    assert expanded.customer is None
    raw = _json(
        http, f"/v1/payment_intents/{intent.id}",
        **{"expand[]": ["latest_charge.balance_transaction", "customer"]},
    )
    assert raw["latest_charge"] is None and raw["customer"] is None


def test_expansion_depth_four_is_allowed() -> None:
    intent = _intent()
    charge = stripe.Charge.retrieve(
        intent.latest_charge,
        expand=["payment_intent.latest_charge.payment_intent.latest_charge"],
    )
    assert charge.payment_intent.latest_charge.payment_intent.latest_charge.id == charge.id
    page = stripe.Charge.list(
        payment_intent=intent.id,
        expand=["data.payment_intent.latest_charge.balance_transaction"],
    )
    assert page.data[0].payment_intent.latest_charge.balance_transaction.object == (
        "balance_transaction"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda charge: stripe.Charge.retrieve(
            charge, expand=["payment_intent.latest_charge.payment_intent.latest_charge.payment_intent"]
        ),
        # on a list the `data` prefix is one of the four levels (§4.2)
        lambda charge: stripe.Charge.list(
            expand=["data.payment_intent.latest_charge.payment_intent.latest_charge"]
        ),
        lambda charge: stripe.PaymentIntent.search(
            query='status:"succeeded"',
            expand=["data.latest_charge.payment_intent.latest_charge.balance_transaction"],
        ),
    ],
    ids=["retrieve", "list", "search"],
)
def test_expansion_deeper_than_four_levels_is_refused(call: Any) -> None:
    intent = _intent()
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(intent.latest_charge)
    assert info.value.http_status == 400 and info.value.param == "expand"
    assert info.value.user_message == "You cannot expand more than 4 levels of a property."


def test_unexpandable_nested_path_is_refused() -> None:
    intent = _intent()
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.retrieve(intent.id, expand=["latest_charge.metadata"])
    assert info.value.param == "expand"
    assert info.value.user_message == "This property cannot be expanded (metadata)."


def test_overlapping_and_repeated_paths_expand_once() -> None:
    intent = _intent()
    for paths in (
        ["latest_charge", "latest_charge.balance_transaction"],
        ["latest_charge.balance_transaction", "latest_charge", "latest_charge"],
    ):
        expanded = stripe.PaymentIntent.retrieve(intent.id, expand=paths)
        assert expanded.latest_charge.id == intent.latest_charge
        assert expanded.latest_charge.balance_transaction.object == "balance_transaction"


def test_expand_into_an_expanded_list() -> None:
    intent = _intent(amount=5000)
    refund = stripe.Refund.create(charge=intent.latest_charge, amount=1000)
    charge = stripe.Charge.retrieve(intent.latest_charge, expand=["refunds.data.balance_transaction"])
    assert charge.refunds.data[0].id == refund.id
    assert charge.refunds.data[0].balance_transaction.id == refund.balance_transaction
    expanded = stripe.PaymentIntent.retrieve(intent.id, expand=["latest_charge.refunds"])
    assert _ids(expanded.latest_charge.refunds.data) == [refund.id]
    listed = stripe.Charge.list(payment_intent=intent.id, expand=["data.refunds"])
    assert _ids(listed.data[0].refunds.data) == [refund.id]


def test_polymorphic_source_checks_the_next_step() -> None:
    intent = _intent()
    charge = stripe.Charge.retrieve(intent.latest_charge)
    txn = stripe.BalanceTransaction.retrieve(
        charge.balance_transaction, expand=["source.payment_intent"]
    )
    assert txn.source.payment_intent.id == intent.id
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.BalanceTransaction.retrieve(charge.balance_transaction, expand=["source.metadata"])
    assert info.value.user_message == "This property cannot be expanded (metadata)."


def test_expanding_data_itself_is_refused() -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.list(expand=["data"])
    assert info.value.param == "expand"
    assert info.value.user_message == "This property cannot be expanded (data)."


def test_charge_refunds_sublist() -> None:
    intent = _intent(amount=5000)
    first = stripe.Refund.create(charge=intent.latest_charge, amount=1000)
    second = stripe.Refund.create(charge=intent.latest_charge, amount=1000)
    listed = stripe.Charge.list_refunds(intent.latest_charge, limit=1)
    assert _ids(listed.data) == [second.id] and listed.has_more is True
    assert _ids(listed.auto_paging_iter()) == [second.id, first.id]
    assert stripe.Charge.retrieve_refund(intent.latest_charge, first.id).id == first.id
