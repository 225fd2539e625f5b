"""What a browser may do with the publishable key and a client secret (§1.13, §4.7)."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.support.openapi import validate_response
from tests.support.server import PUBLISHABLE_KEY

HIDDEN = ("metadata", "customer", "latest_charge", "amount_received", "amount_capturable",
          "payment_method_options", "statement_descriptor_suffix")


def _intent(**extra: object) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.create(
        amount=2000, currency="usd", payment_method_types=["card"], metadata={"secret": "yes"}, **extra
    )


def _check(response: httpx.Response) -> dict:  # type: ignore[type-arg]
    validate_response(response.status_code, response.content, full_shape=False)
    assert response.headers["request-id"].startswith("req_")
    return response.json()  # type: ignore[no-any-return]


def test_retrieve_with_client_secret_shows_restricted_fields(browser_http: httpx.Client) -> None:
    intent = _intent()
    body = _check(browser_http.get(
        f"/v1/payment_intents/{intent.id}",
        params={"key": PUBLISHABLE_KEY, "client_secret": intent.client_secret},
    ))
    assert body["id"] == intent.id and body["status"] == "requires_payment_method"
    assert body["client_secret"] == intent.client_secret
    for field in HIDDEN:
        assert field not in body


def test_retrieve_with_wrong_client_secret_is_refused(browser_http: httpx.Client) -> None:
    intent = _intent()
    response = browser_http.get(
        f"/v1/payment_intents/{intent.id}",
        params={"key": PUBLISHABLE_KEY, "client_secret": intent.client_secret + "x"},
    )
    body = _check(response)
    assert response.status_code == 400
    assert body["error"]["code"] == "payment_intent_invalid_parameter"
    assert body["error"]["param"] == "client_secret"


def test_retrieve_without_client_secret_is_refused(browser_http: httpx.Client) -> None:
    intent = _intent()
    response = browser_http.get(f"/v1/payment_intents/{intent.id}", params={"key": PUBLISHABLE_KEY})
    assert response.status_code == 400
    assert _check(response)["error"]["param"] == "client_secret"


def test_browser_creates_a_payment_method_and_confirms(browser_http: httpx.Client) -> None:
    intent = _intent()
    method = _check(browser_http.post("/v1/payment_methods", data={
        "key": PUBLISHABLE_KEY, "type": "card", "card[number]": "4242424242424242",
        "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123",
        "billing_details[address][postal_code]": "94107", "payment_user_agent": "stripe.js/abc",
    }))
    assert method["card"]["last4"] == "4242" and "number" not in method["card"]
    body = _check(browser_http.post(f"/v1/payment_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": intent.client_secret,
        "payment_method": method["id"], "expected_payment_method_type": "card", "use_stripe_sdk": "true",
    }))
    assert body["status"] == "succeeded" and "metadata" not in body
    assert stripe.PaymentIntent.retrieve(intent.id).amount_received == 2000


def test_browser_confirm_with_card_data_that_needs_3ds_gets_use_stripe_sdk(browser_http: httpx.Client) -> None:
    intent = _intent()
    body = _check(browser_http.post(f"/v1/payment_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": intent.client_secret,
        "payment_method_data[type]": "card", "payment_method_data[card][number]": "4000002760003184",
        "payment_method_data[card][exp_month]": "12", "payment_method_data[card][exp_year]": "2034",
        "payment_method_data[card][cvc]": "123", "use_stripe_sdk": "true",
    }))
    assert body["status"] == "requires_action"
    assert body["next_action"]["type"] == "use_stripe_sdk"


def test_browser_decline_is_a_402_with_the_filtered_intent(browser_http: httpx.Client) -> None:
    intent = _intent()
    response = browser_http.post(f"/v1/payment_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": intent.client_secret,
        "payment_method": "pm_card_visa_chargeDeclined",
    })
    body = _check(response)
    assert response.status_code == 402
    assert body["error"]["decline_code"] == "generic_decline"
    assert body["error"]["payment_intent"]["status"] == "requires_payment_method"
    assert "metadata" not in body["error"]["payment_intent"]


@pytest.mark.parametrize("param", ["off_session", "capture_method", "payment_method_types"])
def test_secret_only_confirm_parameters_are_refused(browser_http: httpx.Client, param: str) -> None:
    intent = _intent()
    value = {"off_session": "true", "capture_method": "manual", "payment_method_types[]": "card"}
    name = "payment_method_types[]" if param == "payment_method_types" else param
    response = browser_http.post(f"/v1/payment_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": intent.client_secret,
        "payment_method": "pm_card_visa", name: value[name],
    })
    assert response.status_code == 400
    assert _check(response)["error"]["param"] == param
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_payment_method"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/payment_intents"),
        ("GET", "/v1/payment_intents"),
        ("POST", "/v1/refunds"),
        ("GET", "/v1/charges"),
        ("GET", "/v1/balance"),
    ],
)
def test_every_other_use_of_a_publishable_key_is_refused(
    browser_http: httpx.Client, method: str, path: str
) -> None:
    response = browser_http.request(method, path, params={"key": PUBLISHABLE_KEY})
    body = _check(response)
    assert response.status_code == 401
    assert body["error"]["code"] == "secret_key_required"


def test_publishable_key_in_authorization_header_also_works(browser_http: httpx.Client) -> None:
    intent = _intent()
    response = browser_http.get(
        f"/v1/payment_intents/{intent.id}", params={"client_secret": intent.client_secret},
        headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"},
    )
    assert _check(response)["id"] == intent.id


def test_cors_preflight_is_answered(browser_http: httpx.Client) -> None:
    response = browser_http.options("/v1/payment_methods", headers={
        "Origin": "http://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_manual_confirmation_intent_cannot_be_confirmed_from_the_browser(browser_http: httpx.Client) -> None:
    intent = _intent(confirmation_method="manual")
    response = browser_http.post(f"/v1/payment_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": intent.client_secret, "payment_method": "pm_card_visa",
    })
    assert response.status_code == 400
    assert _check(response)["error"]["code"] == "payment_intent_invalid_parameter"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_payment_method"
