"""Place a hold on a card: manual capture, partial capture, cancel, incremental auth."""

from __future__ import annotations

import pytest
import stripe


def _held(amount: int = 10000, card: str = "pm_card_visa", **extra: object) -> stripe.PaymentIntent:
    intent = stripe.PaymentIntent.create(
        amount=amount, currency="usd", payment_method_types=["card"], payment_method=card,
        capture_method="manual", confirm=True, **extra,
    )
    assert intent.status == "requires_capture"
    return intent


def test_authorisation_holds_the_amount_without_capturing() -> None:
    intent = _held()
    assert intent.amount_capturable == 10000 and intent.amount_received == 0
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.captured is False and charge.paid is True and charge.amount_captured == 0
    assert charge.balance_transaction is None
    assert charge.payment_method_details.card.capture_before > charge.created


def test_full_capture_succeeds() -> None:
    intent = stripe.PaymentIntent.capture(_held().id)
    assert intent.status == "succeeded" and intent.amount_received == 10000
    charge = stripe.Charge.retrieve(intent.latest_charge, expand=["balance_transaction"])
    assert charge.captured and charge.amount_captured == 10000
    assert charge.balance_transaction.amount == 10000
    assert charge.balance_transaction.fee == 320  # 2.9% + 30


def test_capture_of_less_than_authorised_releases_the_rest() -> None:
    intent = stripe.PaymentIntent.capture(_held().id, amount_to_capture=7500)
    assert intent.status == "succeeded" and intent.amount_received == 7500
    assert intent.amount_capturable == 0
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.amount_captured == 7500 and charge.amount_refunded == 2500
    assert charge.refunded is False


def test_capture_more_than_capturable_is_refused_and_changes_nothing() -> None:
    intent = _held()
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.capture(intent.id, amount_to_capture=10001)
    assert info.value.param == "amount_to_capture"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_capture"


def test_capturing_twice_is_a_state_error() -> None:
    intent = stripe.PaymentIntent.capture(_held().id)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.capture(intent.id)
    assert info.value.code == "payment_intent_unexpected_state"
    assert info.value.user_message == (
        "This PaymentIntent could not be captured because it has a status of succeeded. "
        "Only a PaymentIntent with one of the following statuses may be captured: requires_capture."
    )
    assert info.value.error.payment_intent.id == intent.id


def test_cancel_releases_the_hold() -> None:
    intent = stripe.PaymentIntent.cancel(_held().id, cancellation_reason="requested_by_customer")
    assert intent.status == "canceled" and intent.cancellation_reason == "requested_by_customer"
    assert intent.canceled_at is not None and intent.amount_capturable == 0
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.refunded is True and charge.amount_refunded == 10000


def test_cancel_a_succeeded_intent_is_refused() -> None:
    intent = stripe.PaymentIntent.capture(_held().id)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.cancel(intent.id)
    assert info.value.code == "payment_intent_unexpected_state"
    assert "because it has a status of succeeded" in info.value.user_message


def test_cancel_twice_is_refused() -> None:
    intent = stripe.PaymentIntent.create(amount=1000, currency="usd", payment_method_types=["card"])
    stripe.PaymentIntent.cancel(intent.id)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.cancel(intent.id)
    assert info.value.code == "payment_intent_unexpected_state"


def test_incremental_authorization_raises_the_hold() -> None:
    intent = _held(payment_method_options={"card": {"request_incremental_authorization": "if_available"}})
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.payment_method_details.card.incremental_authorization.status == "available"
    intent = stripe.PaymentIntent.increment_authorization(intent.id, amount=15000)
    assert intent.amount == 15000 and intent.amount_capturable == 15000
    intent = stripe.PaymentIntent.capture(intent.id)
    assert intent.amount_received == 15000


def test_incremental_authorization_needs_to_be_requested() -> None:
    intent = _held()
    with pytest.raises(stripe.InvalidRequestError):
        stripe.PaymentIntent.increment_authorization(intent.id, amount=15000)
    assert stripe.PaymentIntent.retrieve(intent.id).amount == 10000


def test_incremental_authorization_must_grow_the_amount() -> None:
    intent = _held(payment_method_options={"card": {"request_incremental_authorization": "if_available"}})
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.increment_authorization(intent.id, amount=9000)
    assert info.value.param == "amount"


def test_updating_amount_after_authorisation_is_refused() -> None:
    intent = _held()
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.modify(intent.id, amount=500)
    assert info.value.code == "payment_intent_unexpected_state"
    assert info.value.user_message.startswith(
        "This PaymentIntent's amount could not be updated because it has a status of requires_capture."
    )
    updated = stripe.PaymentIntent.modify(intent.id, metadata={"note": "allowed"})
    assert updated.metadata["note"] == "allowed"
