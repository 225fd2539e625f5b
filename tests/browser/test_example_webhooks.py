"""The example's webhook endpoint: it accepts only events signed with its endpoint's secret
(checked by `stripe.Webhook.construct_event`), and tender's deliveries pass that check."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import stripe

from tests.browser.conftest import ExampleShop


def signed(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header as stripe-behaviour §7.4 describes it."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def received(shop: ExampleShop) -> list[dict[str, str]]:
    return httpx.get(shop.base_url + "/webhook/events").json()["data"]  # type: ignore[no-any-return]


def event_payload(event_id: str) -> bytes:
    return json.dumps({
        "id": event_id, "object": "event", "type": "payment_intent.succeeded", "api_version": "2026-10-28.endive",
        "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
        "data": {"object": {"id": "pi_signed_by_the_test", "object": "payment_intent", "status": "succeeded"}},
        "request": {"id": None, "idempotency_key": None},
    }).encode()


def test_the_webhook_endpoint_accepts_only_signed_events(shop: ExampleShop) -> None:
    payload = event_payload("evt_signed_by_the_test")
    url = shop.base_url + "/webhook"
    accepted = httpx.post(url, content=payload, headers={"Stripe-Signature": signed(payload, shop.webhook_secret)})
    assert accepted.status_code == 200
    assert {"id": "evt_signed_by_the_test", "type": "payment_intent.succeeded",
            "object": "pi_signed_by_the_test"} in received(shop)

    refused = [
        httpx.post(url, content=payload, headers={"Stripe-Signature": signed(payload, "whsec_someone_else")}),
        httpx.post(url, content=payload.replace(b"succeeded", b"failed"),
                   headers={"Stripe-Signature": signed(payload, shop.webhook_secret)}),
        httpx.post(url, content=payload,
                   headers={"Stripe-Signature": signed(payload, shop.webhook_secret, int(time.time()) - 3600)}),
        httpx.post(url, content=payload),
    ]
    assert [r.status_code for r in refused] == [400, 400, 400, 400]


def test_tender_delivers_the_payment_events_to_the_example(shop: ExampleShop) -> None:
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa", confirm=True
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        types = {e["type"] for e in received(shop) if e["object"] == intent.id}
        if "payment_intent.succeeded" in types:
            break
        time.sleep(0.2)
    assert {"payment_intent.created", "payment_intent.succeeded"} <= types
