"""WebhookEndpoints through the official SDK (stripe-behaviour §7.6), and tender's own
delivery endpoints (attempts, delivery state, resend, secret roll) over raw HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from tender.core.webhook_endpoints import EVENT_TYPES
from tests.support.openapi import OPENAPI_DIR
from tests.support.webhook_receiver import Receiver

URL = "https://example.com/my/webhook/endpoint"


@pytest.fixture(autouse=True)
def no_endpoints_left(http: httpx.Client) -> Iterator[None]:
    """Each test starts and ends without endpoints (at most 16 may exist)."""
    yield
    for endpoint in http.get("/v1/webhook_endpoints", params={"limit": 100}).json()["data"]:
        http.delete(f"/v1/webhook_endpoints/{endpoint['id']}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver().start()
    yield rec
    rec.stop()


def wait_until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_create_returns_the_secret_once_and_the_documented_shape() -> None:
    created = stripe.WebhookEndpoint.create(
        url=URL, enabled_events=["charge.failed", "charge.succeeded"],
        description="This is my webhook, I like it a lot", metadata={"team": "payments"},
    )
    assert created.id.startswith("we_") and created.object == "webhook_endpoint"
    assert created.secret.startswith("whsec_")
    assert created.status == "enabled" and created.livemode is False
    assert created.enabled_events == ["charge.failed", "charge.succeeded"]
    assert created.api_version is None and created.application is None
    fixture = json.loads((OPENAPI_DIR / "fixtures.current.json").read_text())["webhook_endpoint"]
    assert set(created.to_dict()) == set(fixture) | {"secret"}

    fetched = stripe.WebhookEndpoint.retrieve(created.id)
    assert "secret" not in fetched.to_dict()
    assert set(fetched.to_dict()) == set(fixture)
    assert fetched.metadata.to_dict() == {"team": "payments"}
    listed = stripe.WebhookEndpoint.list()
    assert [e.id for e in listed.data] == [created.id]
    assert all("secret" not in e.to_dict() for e in listed.data)


def test_update_changes_url_events_description_metadata_and_status() -> None:
    endpoint = stripe.WebhookEndpoint.create(url=URL, enabled_events=["*"])
    updated = stripe.WebhookEndpoint.modify(
        endpoint.id, url="https://example.com/other", enabled_events=["payment_intent.succeeded"],
        description="new", metadata={"a": "1"}, disabled=True,
    )
    assert updated.url == "https://example.com/other"
    assert updated.enabled_events == ["payment_intent.succeeded"]
    assert updated.description == "new" and updated.metadata.to_dict() == {"a": "1"}
    assert updated.status == "disabled"
    enabled = stripe.WebhookEndpoint.modify(endpoint.id, disabled=False, description="")
    assert enabled.status == "enabled" and enabled.description is None


def test_delete_returns_the_deleted_stub_and_the_endpoint_is_gone() -> None:
    endpoint = stripe.WebhookEndpoint.create(url=URL, enabled_events=["*"])
    deleted = stripe.WebhookEndpoint.delete(endpoint.id)
    assert deleted.to_dict() == {"id": endpoint.id, "object": "webhook_endpoint", "deleted": True}
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.WebhookEndpoint.retrieve(endpoint.id)
    assert raised.value.http_status == 404
    assert raised.value.user_message == f"No such webhook endpoint: '{endpoint.id}'"


def test_url_and_enabled_events_are_required(http: httpx.Client) -> None:
    missing = http.post("/v1/webhook_endpoints", data={"enabled_events[]": "*"})
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "parameter_missing"
    assert missing.json()["error"]["param"] == "url"
    missing = http.post("/v1/webhook_endpoints", data={"url": URL})
    assert missing.json()["error"]["param"] == "enabled_events"
    for url in ("not a url", "ftp://example.com/hook"):
        bad_url = http.post("/v1/webhook_endpoints", data={"url": url, "enabled_events[]": "*"})
        assert bad_url.status_code == 400 and bad_url.json()["error"]["param"] == "url"


def test_enabled_events_must_be_documented_event_names() -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.WebhookEndpoint.create(url=URL, enabled_events=["charge.succeeded", "payment_intent.updated"])
    assert raised.value.param == "enabled_events[1]"
    assert "payment_intent.updated" in raised.value.user_message
    endpoint = stripe.WebhookEndpoint.create(url=URL, enabled_events=["invoice.paid"])
    with pytest.raises(stripe.InvalidRequestError):
        stripe.WebhookEndpoint.modify(endpoint.id, enabled_events=["nope"])


def test_the_accepted_names_are_stripes_documented_list() -> None:
    spec = json.loads((OPENAPI_DIR / "spec3.subset.json").read_text())
    schema = spec["paths"]["/v1/webhook_endpoints"]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    documented = set(schema["properties"]["enabled_events"]["items"]["enum"])
    assert EVENT_TYPES == documented | {"refund.failed"}  # newer than the 2023-08-16 enum


def test_connect_endpoints_are_refused(http: httpx.Client) -> None:
    answer = http.post("/v1/webhook_endpoints", data={"url": URL, "enabled_events[]": "*", "connect": "true"})
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "connect"


def test_at_most_sixteen_endpoints(http: httpx.Client) -> None:
    for _ in range(16):
        assert http.post("/v1/webhook_endpoints", data={"url": URL, "enabled_events[]": "*"}).status_code == 200
    seventeenth = http.post("/v1/webhook_endpoints", data={"url": URL, "enabled_events[]": "*"})
    assert seventeenth.status_code == 400
    assert "16" in seventeenth.json()["error"]["message"]


def test_list_paginates() -> None:
    made = [stripe.WebhookEndpoint.create(url=URL, enabled_events=["*"]).id for _ in range(3)]
    first = stripe.WebhookEndpoint.list(limit=2)
    assert [e.id for e in first.data] == made[::-1][:2] and first.has_more
    rest = stripe.WebhookEndpoint.list(limit=2, starting_after=first.data[-1].id)
    assert [e.id for e in rest.data] == [made[0]] and not rest.has_more


# --- tender extensions ----------------------------------------------------------------------


def _pay(http: httpx.Client, **extra: str) -> dict[str, Any]:
    answer = http.post("/v1/payment_intents", data={
        "amount": "1000", "currency": "usd", "payment_method_types[]": "card",
        "payment_method": "pm_card_visa", "confirm": "true", **extra,
    })
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _event_about(http: httpx.Client, object_id: str, type: str) -> dict[str, Any]:
    events = http.get("/v1/events", params={"type": type, "limit": 100}).json()["data"]
    return next(e for e in events if e["data"]["object"]["id"] == object_id)


def test_every_attempt_is_listed_with_status_latency_and_the_first_bytes(
    http: httpx.Client, receiver: Receiver
) -> None:
    endpoint = http.post("/v1/webhook_endpoints", data={
        "url": receiver.url, "enabled_events[]": "payment_intent.succeeded",
    }).json()
    intent = _pay(http)
    event = _event_about(http, intent["id"], "payment_intent.succeeded")
    assert receiver.wait_for({event["id"]}, timeout=10) == set()
    receiver.verify_all(endpoint["secret"])

    path = f"/v1/webhook_endpoints/{endpoint['id']}/delivery_attempts"
    attempts = wait_until(lambda: http.get(path).json()["data"])
    assert attempts[0]["object"] == "webhook_delivery_attempt"
    assert attempts[0]["event"] == event["id"]
    assert attempts[0]["event_type"] == "payment_intent.succeeded"
    assert attempts[0]["succeeded"] is True and attempts[0]["response_status"] == 200
    assert attempts[0]["response_body"] == "answered 200"
    assert attempts[0]["latency_ms"] >= 0 and attempts[0]["error"] is None
    assert http.get(path, params={"event": "evt_other"}).json()["data"] == []

    delivery = http.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{event['id']}").json()
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 1
    assert http.get(f"/v1/events/{event['id']}").json()["pending_webhooks"] == 0


def test_resend_delivers_the_same_event_again(http: httpx.Client, receiver: Receiver) -> None:
    endpoint = http.post("/v1/webhook_endpoints", data={
        "url": receiver.url, "enabled_events[]": "charge.succeeded",
    }).json()
    intent = _pay(http)
    event = _event_about(http, intent["latest_charge"], "charge.succeeded")
    receiver.wait_for({event["id"]}, timeout=10)
    resent = http.post(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{event['id']}/resend")
    assert resent.status_code == 200, resent.text
    assert resent.json()["status"] == "pending"
    wait_until(lambda: len([r for r in receiver.snapshot() if r.event["id"] == event["id"]]) == 2)
    bodies = {r.body for r in receiver.snapshot() if r.event["id"] == event["id"]}
    assert len({json.loads(b)["id"] for b in bodies}) == 1  # the same event, not a new one
    path = f"/v1/webhook_endpoints/{endpoint['id']}/delivery_attempts"
    wait_until(lambda: len(http.get(path, params={"event": event["id"]}).json()["data"]) == 2)

    missing = http.post(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/evt_nope/resend")
    assert missing.status_code == 404


def test_an_event_the_endpoint_never_subscribed_to_can_still_be_resent(
    http: httpx.Client, receiver: Receiver
) -> None:
    intent = _pay(http)
    event = _event_about(http, intent["id"], "payment_intent.created")
    endpoint = http.post("/v1/webhook_endpoints", data={
        "url": receiver.url, "enabled_events[]": "refund.created",
    }).json()
    http.post(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{event['id']}/resend")
    assert receiver.wait_for({event["id"]}, timeout=10) == set()


def test_rolling_the_secret_returns_a_new_one(http: httpx.Client) -> None:
    endpoint = http.post("/v1/webhook_endpoints", data={"url": URL, "enabled_events[]": "*"}).json()
    rolled = http.post(f"/v1/webhook_endpoints/{endpoint['id']}/roll_secret", data={"expires_in": "60"})
    assert rolled.status_code == 200
    assert rolled.json()["secret"].startswith("whsec_") and rolled.json()["secret"] != endpoint["secret"]
    too_long = http.post(f"/v1/webhook_endpoints/{endpoint['id']}/roll_secret", data={"expires_in": "90000"})
    assert too_long.status_code == 400


def test_a_disabled_endpoint_cannot_be_resent_to(http: httpx.Client) -> None:
    endpoint = http.post("/v1/webhook_endpoints", data={"url": URL, "enabled_events[]": "*"}).json()
    intent = _pay(http)
    event = _event_about(http, intent["id"], "payment_intent.created")
    http.post(f"/v1/webhook_endpoints/{endpoint['id']}", data={"disabled": "true"})
    answer = http.post(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{event['id']}/resend")
    assert answer.status_code == 400
