"""Idempotency-Key (stripe-behaviour §5): replays, mismatches, concurrent duplicates."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest
import stripe

from tests.support.openapi import validate_response


def _post(http: httpx.Client, path: str, data: dict[str, str], key: str) -> httpx.Response:
    response = http.post(path, data=data, headers={"Idempotency-Key": key})
    validate_response(response.status_code, response.content)
    return response


def test_replay_returns_the_same_object_and_says_so(http: httpx.Client) -> None:
    key = str(uuid.uuid4())
    data = {"amount": "2000", "currency": "usd", "payment_method_types[]": "card"}
    first = _post(http, "/v1/payment_intents", data, key)
    second = _post(http, "/v1/payment_intents", data, key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["idempotency-key"] == key
    assert second.headers["original-request"] == first.headers["request-id"]
    assert second.headers["request-id"] != first.headers["request-id"]


def test_replay_does_not_charge_twice(http: httpx.Client) -> None:
    key = str(uuid.uuid4())
    intent = stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method_types=["card"])
    data = {"payment_method": "pm_card_visa"}
    first = _post(http, f"/v1/payment_intents/{intent.id}/confirm", data, key)
    second = _post(http, f"/v1/payment_intents/{intent.id}/confirm", data, key)
    assert first.status_code == second.status_code == 200
    assert second.json()["latest_charge"] == first.json()["latest_charge"]
    assert len(stripe.Charge.list(payment_intent=intent.id).data) == 1


def test_a_decline_is_replayed_as_the_same_402(http: httpx.Client) -> None:
    key = str(uuid.uuid4())
    intent = stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method_types=["card"])
    data = {"payment_method": "pm_card_visa_chargeDeclined"}
    first = _post(http, f"/v1/payment_intents/{intent.id}/confirm", data, key)
    second = _post(http, f"/v1/payment_intents/{intent.id}/confirm", data, key)
    assert first.status_code == second.status_code == 402
    assert first.json() == second.json()
    assert len(stripe.Charge.list(payment_intent=intent.id).data) == 1


def test_a_state_error_is_stored_and_replayed(http: httpx.Client) -> None:
    key = str(uuid.uuid4())
    intent = stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method_types=["card"])
    first = _post(http, f"/v1/payment_intents/{intent.id}/capture", {}, key)
    assert first.status_code == 400
    assert first.json()["error"]["code"] == "payment_intent_unexpected_state"
    second = _post(http, f"/v1/payment_intents/{intent.id}/capture", {}, key)
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()


def test_same_key_with_other_parameters_is_an_idempotency_error(http: httpx.Client) -> None:
    key = str(uuid.uuid4())
    _post(http, "/v1/payment_intents", {"amount": "2000", "currency": "usd"}, key)
    before = stripe.PaymentIntent.list(limit=1).data[0].id
    other = _post(http, "/v1/payment_intents", {"amount": "2001", "currency": "usd"}, key)
    assert other.status_code == 400
    error = other.json()["error"]
    assert error["type"] == "idempotency_error"
    assert f"Try using a key other than '{key}'" in error["message"]
    assert stripe.PaymentIntent.list(limit=1).data[0].id == before


def test_same_key_on_another_endpoint_is_an_idempotency_error(http: httpx.Client) -> None:
    key = str(uuid.uuid4())
    _post(http, "/v1/payment_intents", {"amount": "2000", "currency": "usd"}, key)
    other = _post(http, "/v1/payment_methods", {"type": "card", "card[token]": "tok_visa"}, key)
    assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"


def test_validation_failures_are_not_stored(http: httpx.Client) -> None:
    key = str(uuid.uuid4())
    bad = _post(http, "/v1/payment_intents", {"currency": "usd"}, key)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "parameter_missing"
    good = _post(http, "/v1/payment_intents", {"amount": "2000", "currency": "usd"}, key)
    assert good.status_code == 200 and "idempotent-replayed" not in good.headers


def test_sdk_idempotency_key_replays(server: object) -> None:
    key = str(uuid.uuid4())
    first = stripe.PaymentIntent.create(amount=1234, currency="usd", idempotency_key=key)
    second = stripe.PaymentIntent.create(amount=1234, currency="usd", idempotency_key=key)
    assert first.id == second.id and first.created == second.created
    assert second.last_response.headers["Idempotent-Replayed"] == "true"


def test_get_requests_ignore_the_key(http: httpx.Client) -> None:
    intent = stripe.PaymentIntent.create(amount=1234, currency="usd")
    response = http.get(f"/v1/payment_intents/{intent.id}", headers={"Idempotency-Key": "k"})
    assert response.status_code == 200 and "idempotent-replayed" not in response.headers


@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_duplicates_make_one_object_and_the_rest_409_or_replay(
    http: httpx.Client, attempt: int
) -> None:
    key = str(uuid.uuid4())
    intent = stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method_types=["card"])
    results: list[httpx.Response] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def send() -> None:
        with httpx.Client(base_url=str(http.base_url), auth=http.auth) as client:
            start.wait()
            response = client.post(
                f"/v1/payment_intents/{intent.id}/confirm",
                data={"payment_method": "pm_card_visa"},
                headers={"Idempotency-Key": key},
            )
        with lock:
            results.append(response)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert set(statuses) <= {200, 409}, statuses
    fresh = [r for r in results if r.status_code == 200 and "idempotent-replayed" not in r.headers]
    assert len(fresh) == 1
    for response in results:
        validate_response(response.status_code, response.content)
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "idempotency_key_in_use"
            assert response.headers["stripe-should-retry"] == "true"
    assert len(stripe.Charge.list(payment_intent=intent.id).data) == 1
