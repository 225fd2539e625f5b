"""Saving cards on customers (stripe-behaviour §8.2, §1.11): attach, detach, update, and
what a PaymentIntent may do with a saved card.  Through the official SDK."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.support.recorded_events import events_about, types_about
from tests.support.server import TenderServer

REUSE_ON_ATTACH = (
    "This PaymentMethod was previously used without being attached to a Customer or was "
    "detached from a Customer, and may not be used again."
)
REUSE_ON_PAYMENT = (
    "The provided PaymentMethod was previously used with a PaymentIntent without Customer "
    "attachment, shared with a connected account without Customer attachment, or was "
    "detached from a Customer. It may not be used again. To use a PaymentMethod multiple "
    "times, you must attach it to a Customer first."
)
ALREADY_ATTACHED = "The payment method you provided has already been attached to a customer."
NOT_ATTACHED = (
    "The payment method you provided is not attached to a customer so detachment is impossible."
)


def _card(token: str = "tok_visa") -> stripe.PaymentMethod:
    return stripe.PaymentMethod.create(type="card", card={"token": token})


def _raw_card(number: str) -> stripe.PaymentMethod:
    return stripe.PaymentMethod.create(
        type="card", card={"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    )


def _pay(payment_method: str, customer: str | None = None, **extra: Any) -> stripe.PaymentIntent:
    params: dict[str, Any] = {
        "amount": 1500,
        "currency": "usd",
        "payment_method_types": ["card"],
        "payment_method": payment_method,
        "confirm": True,
        **extra,
    }
    if customer is not None:
        params["customer"] = customer
    return stripe.PaymentIntent.create(**params)


def _expect_error(kind: type[stripe.StripeError], call: Any, *args: Any, **kwargs: Any) -> Any:
    with pytest.raises(kind) as info:
        call(*args, **kwargs)
    return info.value


# =========================================================================== attach


def test_attach_saves_the_card_on_the_customer_and_records_payment_method_attached(
    server: TenderServer,
) -> None:
    customer = stripe.Customer.create()
    card = _card()
    attached = stripe.PaymentMethod.attach(card.id, customer=customer.id)
    assert attached.id == card.id and attached.customer == customer.id
    assert stripe.PaymentMethod.retrieve(card.id).customer == customer.id
    events = events_about(server, card.id)
    assert [e["type"] for e in events] == ["payment_method.attached"]
    assert events[0]["data"]["object"]["customer"] == customer.id


def test_attaching_again_to_the_same_customer_changes_nothing(server: TenderServer) -> None:
    customer = stripe.Customer.create()
    card = _card()
    first = stripe.PaymentMethod.attach(card.id, customer=customer.id)
    again = stripe.PaymentMethod.attach(card.id, customer=customer.id)
    assert again.to_dict() == first.to_dict()
    assert types_about(server, card.id) == ["payment_method.attached"]


def test_attach_accepts_test_payment_method_ids() -> None:
    customer = stripe.Customer.create()
    attached = stripe.PaymentMethod.attach("pm_card_mastercard", customer=customer.id)
    assert attached.id.startswith("pm_") and attached.id != "pm_card_mastercard"
    assert attached.card.brand == "mastercard" and attached.customer == customer.id


def test_attach_needs_a_customer_that_exists() -> None:
    card = _card()
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.attach, card.id, customer="cus_nope")
    assert error.http_status == 404 and error.code == "resource_missing" and error.param == "customer"
    assert error.user_message == "No such customer: 'cus_nope'"
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.attach, card.id)
    assert error.http_status == 400 and error.code == "parameter_missing" and error.param == "customer"
    assert stripe.PaymentMethod.retrieve(card.id).customer is None


def test_attach_of_an_unknown_payment_method_is_a_404() -> None:
    customer = stripe.Customer.create()
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.attach, "pm_nope", customer=customer.id)
    assert error.http_status == 404 and error.param == "payment_method"
    assert error.user_message == "No such PaymentMethod: 'pm_nope'"


@pytest.mark.parametrize(
    ("number", "code", "decline_code"),
    [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000000000000069", "expired_card", None),
    ],
)
def test_decline_cards_refuse_to_attach_with_their_card_error(
    server: TenderServer, number: str, code: str, decline_code: str | None
) -> None:
    customer = stripe.Customer.create()
    card = _raw_card(number)
    error = _expect_error(stripe.CardError, stripe.PaymentMethod.attach, card.id, customer=customer.id)
    assert error.http_status == 402 and error.code == code
    assert error.error.type == "card_error" and error.error.decline_code == decline_code
    assert stripe.PaymentMethod.retrieve(card.id).customer is None
    assert stripe.Customer.list_payment_methods(customer.id).data == []
    assert types_about(server, card.id) == []


def test_charge_customer_fail_card_attaches_and_then_every_charge_fails() -> None:
    customer = stripe.Customer.create()
    card = stripe.PaymentMethod.attach("pm_card_chargeCustomerFail", customer=customer.id)
    assert card.customer == customer.id
    error = _expect_error(stripe.CardError, _pay, card.id, customer.id)
    assert error.http_status == 402 and error.code == "card_declined"
    assert stripe.PaymentMethod.retrieve(card.id).customer == customer.id


def test_a_card_on_one_customer_cannot_be_attached_to_another(server: TenderServer) -> None:
    owner, other = stripe.Customer.create(), stripe.Customer.create()
    card = stripe.PaymentMethod.attach(_card().id, customer=owner.id)
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.attach, card.id, customer=other.id)
    assert error.http_status == 400 and error.code is None and error.param is None
    assert error.user_message == ALREADY_ATTACHED
    assert stripe.PaymentMethod.retrieve(card.id).customer == owner.id
    assert types_about(server, card.id) == ["payment_method.attached"]


def test_a_card_used_once_without_a_customer_cannot_be_attached() -> None:
    card = _card()
    _pay(card.id)
    customer = stripe.Customer.create()
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.attach, card.id, customer=customer.id)
    assert error.http_status == 400 and error.user_message == REUSE_ON_ATTACH
    assert stripe.PaymentMethod.retrieve(card.id).customer is None


# =========================================================================== detach


def test_detach_leaves_the_card_without_a_customer_for_good(server: TenderServer) -> None:
    customer = stripe.Customer.create()
    card = stripe.PaymentMethod.attach(_card().id, customer=customer.id)
    detached = stripe.PaymentMethod.detach(card.id)
    assert detached.id == card.id and detached.customer is None
    assert stripe.PaymentMethod.retrieve(card.id).customer is None
    event = events_about(server, card.id)[-1]
    assert event["type"] == "payment_method.detached"
    assert event["data"]["object"]["customer"] is None
    assert event["data"]["previous_attributes"] == {"customer": customer.id}

    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.attach, card.id, customer=customer.id)
    assert error.user_message == REUSE_ON_ATTACH
    for owner in (customer.id, None):
        error = _expect_error(stripe.InvalidRequestError, _pay, card.id, owner)
        assert error.http_status == 400 and error.param == "payment_method"
        assert error.user_message == REUSE_ON_PAYMENT
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.detach, card.id)
    assert error.user_message == NOT_ATTACHED


def test_detach_of_a_card_never_attached_is_refused(server: TenderServer) -> None:
    card = _card()
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.detach, card.id)
    assert error.http_status == 400 and error.code is None and error.param is None
    assert error.user_message == NOT_ATTACHED
    assert types_about(server, card.id) == []
    # Still a fresh card: it may be attached.
    customer = stripe.Customer.create()
    assert stripe.PaymentMethod.attach(card.id, customer=customer.id).customer == customer.id


def test_detach_of_an_unknown_payment_method_is_a_404() -> None:
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.detach, "pm_nope")
    assert error.http_status == 404 and error.param == "payment_method"


def test_detaching_the_default_card_clears_the_customers_default(server: TenderServer) -> None:
    customer = stripe.Customer.create(payment_method="pm_card_visa")
    card = stripe.Customer.list_payment_methods(customer.id).data[0]
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": card.id})
    stripe.PaymentMethod.detach(card.id)
    assert stripe.Customer.retrieve(customer.id).invoice_settings.default_payment_method is None
    event = events_about(server, customer.id)[-1]
    assert event["type"] == "customer.updated"
    assert event["data"]["previous_attributes"] == {"invoice_settings": {"default_payment_method": card.id}}


def test_detaching_another_card_keeps_the_default(server: TenderServer) -> None:
    customer = stripe.Customer.create(
        payment_method="pm_card_visa", invoice_settings={"default_payment_method": "pm_card_visa"}
    )
    default = customer.invoice_settings.default_payment_method
    spare = stripe.PaymentMethod.attach(_card().id, customer=customer.id)
    stripe.PaymentMethod.detach(spare.id)
    assert stripe.Customer.retrieve(customer.id).invoice_settings.default_payment_method == default
    assert "customer.updated" not in types_about(server, customer.id)


# =========================================================================== update


def test_update_needs_the_card_to_be_attached() -> None:
    card = _card()
    error = _expect_error(
        stripe.InvalidRequestError, stripe.PaymentMethod.modify, card.id, metadata={"a": "1"}
    )
    assert error.http_status == 400
    assert error.user_message == "You must save this PaymentMethod to a customer before you can update it."
    assert stripe.PaymentMethod.retrieve(card.id).metadata.to_dict() == {}


def test_update_of_an_attached_card_changes_its_details(server: TenderServer) -> None:
    customer = stripe.Customer.create()
    card = stripe.PaymentMethod.attach(_card().id, customer=customer.id)
    updated = stripe.PaymentMethod.modify(
        card.id, metadata={"a": "1"}, billing_details={"name": "Jenny Rosen"}, card={"exp_month": 3}
    )
    assert updated.metadata.to_dict() == {"a": "1"}
    assert updated.billing_details.name == "Jenny Rosen" and updated.card.exp_month == 3
    assert types_about(server, card.id) == ["payment_method.attached", "payment_method.updated"]


# ============================================================ paying with saved cards


def test_a_card_saved_on_a_customer_pays_for_them_again_and_again() -> None:
    customer = stripe.Customer.create()
    card = stripe.PaymentMethod.attach(_card().id, customer=customer.id)
    for _ in range(3):
        intent = _pay(card.id, customer.id)
        assert intent.status == "succeeded" and intent.customer == customer.id
    assert stripe.PaymentMethod.retrieve(card.id).customer == customer.id


def test_a_card_saved_on_one_customer_cannot_pay_for_another() -> None:
    owner, other = stripe.Customer.create(), stripe.Customer.create()
    card = stripe.PaymentMethod.attach(_card().id, customer=owner.id)
    intent = stripe.PaymentIntent.create(
        amount=1500, currency="usd", customer=other.id, payment_method_types=["card"]
    )
    error = _expect_error(
        stripe.InvalidRequestError, stripe.PaymentIntent.confirm, intent.id, payment_method=card.id
    )
    assert error.http_status == 400 and error.param == "payment_method"
    assert error.user_message == (
        f"The customer does not have a payment method with the ID {card.id}. "
        "The payment method must be attached to the customer."
    )
    after = stripe.PaymentIntent.retrieve(intent.id)
    assert after.status == "requires_payment_method" and after.payment_method is None
    assert after.latest_charge is None
    assert stripe.PaymentMethod.retrieve(card.id).customer == owner.id


def test_a_saved_card_needs_its_customer_on_the_payment() -> None:
    customer = stripe.Customer.create()
    card = stripe.PaymentMethod.attach(_card().id, customer=customer.id)
    error = _expect_error(stripe.InvalidRequestError, _pay, card.id)
    assert error.http_status == 400 and error.param == "payment_method"
    assert card.id in error.user_message and "provide the customer ID" in error.user_message


def test_setup_future_usage_with_a_customer_saves_the_card_after_success(server: TenderServer) -> None:
    customer = stripe.Customer.create()
    card = _card()
    intent = _pay(card.id, customer.id, setup_future_usage="off_session")
    assert intent.status == "succeeded" and intent.setup_future_usage == "off_session"
    assert stripe.PaymentMethod.retrieve(card.id).customer == customer.id
    events = events_about(server, card.id)
    assert [e["type"] for e in events] == ["payment_method.attached"]
    assert events[0]["data"]["object"]["customer"] == customer.id
    assert [m.id for m in stripe.Customer.list_payment_methods(customer.id)] == [card.id]
    again = _pay(card.id, customer.id, off_session=True)
    assert again.status == "succeeded"


def test_setup_future_usage_sets_the_card_up_so_off_session_payments_skip_authentication() -> None:
    """4000002500003155 asks for authentication off-session until it is set up (§1.10)."""
    customer = stripe.Customer.create()
    merely_attached = stripe.PaymentMethod.attach(_raw_card("4000002500003155").id, customer=customer.id)
    error = _expect_error(stripe.CardError, _pay, merely_attached.id, customer.id, off_session=True)
    assert error.code == "authentication_required"

    card = _raw_card("4000002500003155")
    intent = _pay(
        card.id, customer.id, setup_future_usage="off_session", return_url="https://shop.example/r"
    )
    assert intent.status == "requires_action"
    assert stripe.PaymentMethod.retrieve(card.id).customer is None  # not before success
    answer = httpx.post(intent.next_action.redirect_to_url.url, data={"action": "complete"})
    assert answer.status_code == 303
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"
    assert stripe.PaymentMethod.retrieve(card.id).customer == customer.id
    assert _pay(card.id, customer.id, off_session=True).status == "succeeded"


def test_setup_future_usage_without_a_customer_saves_nothing_and_uses_the_card_up() -> None:
    card = _card()
    intent = _pay(card.id, setup_future_usage="off_session")
    assert intent.status == "succeeded"
    assert stripe.PaymentMethod.retrieve(card.id).customer is None
    error = _expect_error(stripe.InvalidRequestError, _pay, card.id)
    assert error.user_message == REUSE_ON_PAYMENT


def test_payment_for_an_unknown_customer_is_a_404() -> None:
    error = _expect_error(
        stripe.InvalidRequestError, stripe.PaymentIntent.create, amount=500, currency="usd", customer="cus_nope"
    )
    assert error.http_status == 404 and error.param == "customer"
    assert error.user_message == "No such customer: 'cus_nope'"


def test_payment_methods_list_by_customer() -> None:
    customer = stripe.Customer.create()
    first = stripe.PaymentMethod.attach(_card().id, customer=customer.id)
    second = stripe.PaymentMethod.attach(_card("tok_mastercard").id, customer=customer.id)
    _card()  # not attached
    listed = stripe.PaymentMethod.list(customer=customer.id, type="card")
    assert [m.id for m in listed.data] == [second.id, first.id] and listed.has_more is False
