"""GET /v1/events and /v1/events/{id} (stripe-behaviour §7.1): what each change recorded,
filtered, paginated, never re-rendered, kept for the retention period."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from tests.support.server import SECRET_KEY, TenderServer


def pay(**extra: Any) -> stripe.PaymentIntent:
    params: dict[str, Any] = {"payment_method": "pm_card_visa", **extra}
    return stripe.PaymentIntent.create(
        amount=1500, currency="usd", payment_method_types=["card"], confirm=True, **params
    )


def events_about(http: httpx.Client, *object_ids: str, **params: Any) -> list[dict[str, Any]]:
    """This test's events (the server is shared), newest first as listed."""
    page = http.get("/v1/events", params={"limit": 100, **params}).json()
    return [e for e in page["data"] if e["data"]["object"]["id"] in object_ids]


def test_a_payment_records_its_events_with_the_object_and_the_request(http: httpx.Client) -> None:
    intent = pay(idempotency_key=f"events-{time.time()}")
    request_id = intent.last_response.request_id
    found = events_about(http, intent.id, intent.latest_charge)
    assert [e["type"] for e in reversed(found)] == [
        "payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
    ]
    for event in found:
        assert event["object"] == "event" and event["id"].startswith("evt_")
        assert event["livemode"] is False and event["pending_webhooks"] == 0
        assert event["request"] == {"id": request_id, "idempotency_key": intent.last_response.headers["Idempotency-Key"]}
        assert event["api_version"] == "2026-10-28.endive"
    succeeded = found[0]
    assert succeeded["data"]["object"]["status"] == "succeeded"
    assert succeeded["data"]["object"] == http.get(f"/v1/payment_intents/{intent.id}").json()


def test_create_and_confirm_with_a_test_card_id_makes_one_payment_method(http: httpx.Client) -> None:
    intent = pay()
    found = events_about(http, intent.id)
    created = next(e for e in found if e["type"] == "payment_intent.created")
    assert created["data"]["object"]["payment_method"] == intent.payment_method
    charge = http.get(f"/v1/charges/{intent.latest_charge}").json()
    assert charge["payment_method"] == intent.payment_method


def test_retrieve_returns_the_event_as_listed() -> None:
    intent = pay()
    listed = stripe.Event.list(type="payment_intent.succeeded", limit=5)
    event = next(e for e in listed.data if e.data.object.id == intent.id)
    fetched = stripe.Event.retrieve(event.id)
    assert fetched.to_dict() == event.to_dict()
    assert fetched.type == "payment_intent.succeeded"


def test_an_unknown_event_is_a_404(http: httpx.Client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.Event.retrieve("evt_missing")
    assert raised.value.http_status == 404
    assert raised.value.user_message == "No such event: 'evt_missing'"
    assert http.get("/v1/events", params={"starting_after": "evt_missing"}).status_code == 404


def test_a_declined_payment_records_its_failure_events(http: httpx.Client) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay(payment_method="pm_card_chargeDeclined")
    intent = raised.value.error.payment_intent
    found = events_about(http, intent.id, intent.latest_charge)
    assert [e["type"] for e in reversed(found)] == [
        "payment_intent.created", "charge.failed", "payment_intent.payment_failed",
    ]


def test_type_takes_wildcards(http: httpx.Client) -> None:
    intent = pay()
    only_intents = events_about(http, intent.id, intent.latest_charge, type="payment_intent.*")
    assert {e["type"] for e in only_intents} == {"payment_intent.created", "payment_intent.succeeded"}
    succeeded = events_about(http, intent.id, intent.latest_charge, type="*.succeeded")
    assert {e["type"] for e in succeeded} == {"charge.succeeded", "payment_intent.succeeded"}
    exact = events_about(http, intent.id, intent.latest_charge, type="charge.succeeded")
    assert [e["type"] for e in exact] == ["charge.succeeded"]


def test_types_lists_up_to_twenty_names_and_excludes_type(http: httpx.Client) -> None:
    intent = pay()
    chosen = events_about(
        http, intent.id, intent.latest_charge,
        **{"types[0]": "payment_intent.created", "types[1]": "charge.succeeded"},
    )
    assert {e["type"] for e in chosen} == {"payment_intent.created", "charge.succeeded"}
    both = http.get("/v1/events", params={"type": "charge.succeeded", "types[0]": "charge.failed"})
    assert both.status_code == 400 and both.json()["error"]["code"] == "parameters_exclusive"
    many = http.get("/v1/events", params={f"types[{i}]": "charge.failed" for i in range(21)})
    assert many.status_code == 400 and many.json()["error"]["param"] == "types"


def test_created_filters_and_cursor_pagination(http: httpx.Client) -> None:
    since = int(time.time())
    intents = [pay() for _ in range(3)]
    ours = {i.id for i in intents} | {i.latest_charge for i in intents}
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2, "created[gte]": since}
    while True:
        page = http.get("/v1/events", params=params).json()
        seen += [e["id"] for e in page["data"] if e["data"]["object"]["id"] in ours]
        if not page["has_more"]:
            break
        params["starting_after"] = page["data"][-1]["id"]
    assert len(seen) == 9 and len(set(seen)) == 9
    newest = http.get("/v1/events", params={"limit": 100, "created[gte]": since}).json()["data"]
    back = http.get("/v1/events", params={"limit": 2, "ending_before": newest[2]["id"]}).json()
    assert [e["id"] for e in back["data"]] == [e["id"] for e in newest[:2]]
    assert http.get("/v1/events", params={"created[lt]": since - 10_000_000}).json()["data"] == []


def test_updates_carry_previous_attributes(http: httpx.Client) -> None:
    intent = pay()
    stripe.Charge.modify(intent.latest_charge, description="new words", metadata={"order": "42"})
    updated = events_about(http, intent.latest_charge, type="charge.updated")[0]
    assert updated["data"]["object"]["description"] == "new words"
    assert updated["data"]["previous_attributes"] == {"description": None, "metadata": {"order": None}}


def test_events_are_never_re_rendered_for_the_reader(http: httpx.Client) -> None:
    old = http.post("/v1/payment_intents", headers={"Stripe-Version": "2020-08-27"}, data={
        "amount": "1500", "currency": "usd", "payment_method_types[]": "card",
    }).json()
    created = events_about(http, old["id"], type="payment_intent.created")[0]
    assert created["api_version"] == "2026-10-28.endive"  # the account's, not the request's
    assert "charges" not in created["data"]["object"]
    again = http.get(f"/v1/events/{created['id']}", headers={"Stripe-Version": "2020-08-27"}).json()
    assert again == created


def test_pending_webhooks_counts_endpoints_yet_to_receive_it(http: httpx.Client) -> None:
    from tests.support.server import free_port

    nobody = f"http://127.0.0.1:{free_port()}/webhook"  # nothing listens: every attempt fails
    endpoint = http.post("/v1/webhook_endpoints", data={
        "url": nobody, "enabled_events[]": "payment_intent.canceled",
    }).json()
    try:
        intent = stripe.PaymentIntent.create(amount=1500, currency="usd", payment_method_types=["card"])
        stripe.PaymentIntent.cancel(intent.id)
        canceled = events_about(http, intent.id, type="payment_intent.canceled")[0]
        assert canceled["pending_webhooks"] == 1
        created = events_about(http, intent.id, type="payment_intent.created")[0]
        assert created["pending_webhooks"] == 0  # the endpoint does not receive that type
        failing = events_about(http, intent.id, delivery_success="false")
        assert [e["id"] for e in failing] == [canceled["id"]]
        delivered = events_about(http, intent.id, delivery_success="true")
        assert [e["id"] for e in delivered] == [created["id"]]
    finally:
        http.delete(f"/v1/webhook_endpoints/{endpoint['id']}")
    assert http.get(f"/v1/events/{canceled['id']}").json()["pending_webhooks"] == 0


@pytest.fixture(scope="module")
def short_retention() -> Iterator[TenderServer]:
    server = TenderServer(extra_env={"TENDER_EVENT_RETENTION": "1", "TENDER_SWEEP_INTERVAL": "0.2"}).start()
    yield server
    server.stop()


def test_events_older_than_the_retention_period_are_removed(short_retention: TenderServer) -> None:
    with httpx.Client(base_url=short_retention.base_url, auth=(SECRET_KEY, "")) as client:
        intent = client.post("/v1/payment_intents", data={
            "amount": "1500", "currency": "usd", "payment_method_types[]": "card",
        }).json()
        event = client.get("/v1/events").json()["data"][0]
        assert event["data"]["object"]["id"] == intent["id"]
        deadline = time.time() + 10
        while client.get(f"/v1/events/{event['id']}").status_code == 200:
            assert time.time() < deadline, "the event outlived its retention"
            time.sleep(0.2)
        assert client.get(f"/v1/payment_intents/{intent['id']}").status_code == 200  # only the event goes
