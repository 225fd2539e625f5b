"""Guide: set up future payments (docs.stripe.com/payments/save-and-reuse; stripe-behaviour
§8.1, §2.4, §1.10).

Save a card with a SetupIntent now — authenticating it once if the issuer asks — and
charge it later while the customer is away.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.support.openapi import validate_response
from tests.support.recorded_events import types_about
from tests.support.server import PUBLISHABLE_KEY, TenderServer


def _complete_challenge(url: str, action: str = "complete") -> httpx.Response:
    assert httpx.get(url).status_code == 200
    return httpx.post(url, data={"action": action}, follow_redirects=False)


def _charge_off_session(customer: str, payment_method: str, amount: int = 1999) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.create(
        amount=amount, currency="eur", customer=customer, payment_method=payment_method,
        payment_method_types=["card"], off_session=True, confirm=True,
    )


def _save_card(customer: str, test_card: str) -> str:
    """Save `test_card` for `customer` through a SetupIntent, completing 3DS if asked."""
    intent = stripe.SetupIntent.create(
        customer=customer, payment_method=test_card, payment_method_types=["card"], confirm=True,
        return_url="https://shop.example/saved",
    )
    if intent.status == "requires_action":
        _complete_challenge(intent.next_action.redirect_to_url.url)
        intent = stripe.SetupIntent.retrieve(intent.id)
    assert intent.status == "succeeded"
    return str(intent.payment_method)


def test_save_a_card_that_authenticates_on_setup_then_charge_it_off_session(server: TenderServer) -> None:
    # 1. A customer for the card to belong to.
    customer = stripe.Customer.create(email="jenny.rosen@example.com", name="Jenny Rosen")

    # 2. A SetupIntent for that customer, confirmed with 4000002500003155.
    intent = stripe.SetupIntent.create(
        customer=customer.id, payment_method="pm_card_authenticationRequiredOnSetup",
        automatic_payment_methods={"enabled": True}, confirm=True,
        return_url="https://shop.example/account/cards",
    )
    assert intent.status == "requires_action"
    assert intent.next_action.type == "redirect_to_url"

    # 3. The customer completes the challenge and comes back to the merchant.
    answer = _complete_challenge(intent.next_action.redirect_to_url.url)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("https://shop.example/account/cards?setup_intent=")
    assert "redirect_status=succeeded" in answer.headers["location"]

    # 4. The SetupIntent succeeded and the card is saved on the customer.
    intent = stripe.SetupIntent.retrieve(intent.id)
    assert intent.status == "succeeded"
    saved = stripe.Customer.list_payment_methods(customer.id)
    assert [m.id for m in saved.data] == [intent.payment_method]
    assert types_about(server, intent.payment_method) == ["payment_method.attached"]

    # 5. Later, with the customer away: the card was set up, so no authentication is needed.
    payment = _charge_off_session(customer.id, intent.payment_method)
    assert payment.status == "succeeded" and payment.amount_received == 1999
    charge = stripe.Charge.retrieve(payment.latest_charge)
    assert charge.customer == customer.id and charge.payment_method == intent.payment_method

    # ...and again: a saved card can be charged any number of times.
    assert _charge_off_session(customer.id, intent.payment_method, 500).status == "succeeded"


def test_the_same_card_attached_without_a_setup_needs_authentication_off_session() -> None:
    customer = stripe.Customer.create()
    card = stripe.PaymentMethod.attach("pm_card_authenticationRequiredOnSetup", customer=customer.id)
    with pytest.raises(stripe.CardError) as info:
        _charge_off_session(customer.id, card.id)
    assert info.value.code == "authentication_required"
    assert info.value.error.payment_intent.status == "requires_payment_method"


def test_a_card_set_up_for_off_session_by_its_issuer_is_charged_without_authentication() -> None:
    customer = stripe.Customer.create()
    card = stripe.PaymentMethod.attach("pm_card_authenticationRequiredSetupForOffSession", customer=customer.id)
    assert _charge_off_session(customer.id, card.id).status == "succeeded"


def test_an_ordinary_card_saved_by_setup_is_charged_off_session() -> None:
    customer = stripe.Customer.create()
    method = _save_card(customer.id, "pm_card_visa")
    assert _charge_off_session(customer.id, method).status == "succeeded"


def test_charge_customer_fail_card_is_saved_but_every_charge_fails() -> None:
    customer = stripe.Customer.create()
    method = _save_card(customer.id, "pm_card_chargeCustomerFail")
    assert stripe.PaymentMethod.retrieve(method).customer == customer.id
    for _ in range(2):
        with pytest.raises(stripe.CardError) as info:
            _charge_off_session(customer.id, method)
        assert info.value.code == "card_declined" and info.value.error.decline_code == "generic_decline"
    on_session = stripe.PaymentIntent.create(
        amount=1000, currency="usd", customer=customer.id, payment_method_types=["card"],
    )
    with pytest.raises(stripe.CardError):
        stripe.PaymentIntent.confirm(on_session.id, payment_method=method)
    assert stripe.PaymentMethod.retrieve(method).customer == customer.id


def test_a_card_that_fails_authentication_is_not_saved() -> None:
    customer = stripe.Customer.create()
    intent = stripe.SetupIntent.create(
        customer=customer.id, payment_method="pm_card_authenticationRequiredOnSetup",
        payment_method_types=["card"], confirm=True, return_url="https://shop.example/r",
    )
    _complete_challenge(intent.next_action.redirect_to_url.url, "fail")
    intent = stripe.SetupIntent.retrieve(intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_setup_error.code == "setup_intent_authentication_failure"
    assert stripe.Customer.list_payment_methods(customer.id).data == []

    # The customer tries another card on the same SetupIntent.
    intent = stripe.SetupIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert intent.status == "succeeded"
    assert [m.id for m in stripe.Customer.list_payment_methods(customer.id).data] == [intent.payment_method]


def test_browser_collects_the_card_with_the_publishable_key() -> None:
    """Server creates the SetupIntent; the page confirms it as Stripe.js confirmCardSetup does."""
    customer = stripe.Customer.create()
    intent = stripe.SetupIntent.create(customer=customer.id, payment_method_types=["card"])

    def browser(method: str, path: str, **data: Any) -> dict[str, Any]:
        data |= {"key": PUBLISHABLE_KEY, "client_secret": intent.client_secret}
        if method == "GET":
            response = httpx.get(f"{stripe.api_base}{path}", params=data)
        else:
            response = httpx.post(f"{stripe.api_base}{path}", data=data)
        validate_response(response.status_code, response.content, full_shape=False)
        return response.json()  # type: ignore[no-any-return]

    confirmed = browser(
        "POST", f"/v1/setup_intents/{intent.id}/confirm", use_stripe_sdk="true",
        expected_payment_method_type="card", **{
            "payment_method_data[type]": "card",
            "payment_method_data[card][number]": "4000002500003155",
            "payment_method_data[card][exp_month]": "10",
            "payment_method_data[card][exp_year]": "2040",
            "payment_method_data[card][cvc]": "314",
            "payment_method_data[billing_details][name]": "Jenny Rosen",
        },
    )
    assert confirmed["status"] == "requires_action"
    assert _complete_challenge(confirmed["next_action"]["use_stripe_sdk"]["stripe_js"]).status_code == 200
    done = browser("GET", f"/v1/setup_intents/{intent.id}")
    assert done["status"] == "succeeded"

    payment = _charge_off_session(customer.id, done["payment_method"])
    assert payment.status == "succeeded"
    method = stripe.PaymentMethod.retrieve(done["payment_method"])
    assert method.billing_details.name == "Jenny Rosen" and method.card.last4 == "3155"
