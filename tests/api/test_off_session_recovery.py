"""Guide: recover an off-session payment that needs authentication
(docs.stripe.com/payments/save-and-reuse#charge-saved-payment-method; stripe-behaviour
§1.10, §2.4, §10.1).

4000002760003184 asks for 3-D Secure on every payment, even after it was set up: an
off-session charge fails with `authentication_required`, the PaymentIntent keeps the card
on `last_payment_error`, and the merchant brings the customer back on-session to confirm
it with 3DS.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from tests.support.openapi import validate_response
from tests.support.recorded_events import types_about
from tests.support.server import PUBLISHABLE_KEY, TenderServer

ALWAYS_AUTHENTICATE = "pm_card_authenticationRequired"  # 4000002760003184


def _complete_challenge(url: str, action: str = "complete") -> httpx.Response:
    assert httpx.get(url).status_code == 200
    return httpx.post(url, data={"action": action}, follow_redirects=False)


def _customer_with_saved_card() -> tuple[str, str]:
    """A customer who saved 4000002760003184 through a SetupIntent (authenticating once)."""
    customer = stripe.Customer.create(email="away@example.com")
    intent = stripe.SetupIntent.create(
        customer=customer.id, payment_method=ALWAYS_AUTHENTICATE, payment_method_types=["card"], confirm=True,
    )
    assert intent.status == "requires_action"
    _complete_challenge(intent.next_action.use_stripe_sdk.stripe_js)
    intent = stripe.SetupIntent.retrieve(intent.id)
    assert intent.status == "succeeded"
    return customer.id, str(intent.payment_method)


def _failed_off_session_payment(customer: str, method: str) -> stripe.CardError:
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentIntent.create(
            amount=2500, currency="usd", customer=customer, payment_method=method,
            payment_method_types=["card"], off_session=True, confirm=True,
        )
    return info.value


def _browser_confirm(intent: stripe.PaymentIntent, **data: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{stripe.api_base}/v1/payment_intents/{intent.id}/confirm",
        data={"key": PUBLISHABLE_KEY, "client_secret": intent.client_secret, **data},
    )
    validate_response(response.status_code, response.content, full_shape=False)
    return response.json()  # type: ignore[no-any-return]


def test_off_session_charge_fails_with_authentication_required_and_keeps_the_card(server: TenderServer) -> None:
    customer, method = _customer_with_saved_card()
    error = _failed_off_session_payment(customer, method)
    assert error.http_status == 402
    assert error.code == "authentication_required"
    assert error.error.decline_code == "authentication_required"
    assert error.user_message == "Your card was declined. This transaction requires authentication."
    assert error.error.payment_method.id == method

    intent = stripe.PaymentIntent.retrieve(error.error.payment_intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "authentication_required"
    assert intent.last_payment_error.payment_method.id == method
    assert intent.last_payment_error.payment_method.customer == customer
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.status == "failed" and charge.failure_code == "authentication_required"
    assert types_about(server, intent.id) == ["payment_intent.created", "payment_intent.payment_failed"]
    # The card stays saved: the failure is about this payment, not the card.
    assert stripe.PaymentMethod.retrieve(method).customer == customer


def test_customer_comes_back_and_confirms_with_3ds_in_the_browser(server: TenderServer) -> None:
    customer, method = _customer_with_saved_card()
    failed = _failed_off_session_payment(customer, method)
    intent = stripe.PaymentIntent.retrieve(failed.error.payment_intent.id)

    # The merchant's page confirms on-session with the client secret and the card on file.
    body = _browser_confirm(
        intent, payment_method=intent.last_payment_error.payment_method.id, use_stripe_sdk="true",
    )
    assert body["status"] == "requires_action"
    assert body["next_action"]["type"] == "use_stripe_sdk"
    assert "customer" not in body  # the browser sees the restricted view

    answer = _complete_challenge(body["next_action"]["use_stripe_sdk"]["stripe_js"])
    assert answer.status_code == 200

    intent = stripe.PaymentIntent.retrieve(intent.id)
    assert intent.status == "succeeded" and intent.amount_received == 2500
    assert intent.last_payment_error is None and intent.payment_method == method
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.paid and charge.payment_method_details.card.three_d_secure.result == "authenticated"
    assert types_about(server, intent.id)[-2:] == ["payment_intent.requires_action", "payment_intent.succeeded"]


def test_recovery_by_server_confirm_with_a_return_url() -> None:
    customer, method = _customer_with_saved_card()
    intent_id = _failed_off_session_payment(customer, method).error.payment_intent.id
    intent = stripe.PaymentIntent.confirm(
        intent_id, payment_method=method, return_url="https://shop.example/pay/complete",
    )
    assert intent.status == "requires_action" and intent.next_action.type == "redirect_to_url"
    answer = _complete_challenge(intent.next_action.redirect_to_url.url)
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["payment_intent"] == [intent_id] and query["redirect_status"] == ["succeeded"]
    assert stripe.PaymentIntent.retrieve(intent_id).status == "succeeded"


def test_failed_authentication_leaves_the_payment_for_another_try() -> None:
    customer, method = _customer_with_saved_card()
    intent = stripe.PaymentIntent.retrieve(_failed_off_session_payment(customer, method).error.payment_intent.id)
    body = _browser_confirm(intent, payment_method=method, use_stripe_sdk="true")
    _complete_challenge(body["next_action"]["use_stripe_sdk"]["stripe_js"], "fail")
    intent = stripe.PaymentIntent.retrieve(intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"

    body = _browser_confirm(intent, payment_method=method, use_stripe_sdk="true")
    _complete_challenge(body["next_action"]["use_stripe_sdk"]["stripe_js"])
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"


def test_every_later_off_session_charge_fails_again() -> None:
    customer, method = _customer_with_saved_card()
    for _ in range(2):
        assert _failed_off_session_payment(customer, method).code == "authentication_required"


def test_browser_may_not_use_a_card_saved_on_another_customer() -> None:
    customer, method = _customer_with_saved_card()
    intent = stripe.PaymentIntent.retrieve(_failed_off_session_payment(customer, method).error.payment_intent.id)
    _, someone_elses = _customer_with_saved_card()
    body = _browser_confirm(intent, payment_method=someone_elses)
    assert body["error"]["type"] == "invalid_request_error" and body["error"]["param"] == "payment_method"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_payment_method"
