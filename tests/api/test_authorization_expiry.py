"""T16: an authorisation not captured within its window is released automatically."""

from __future__ import annotations

import time

import pytest
import stripe

from tests.support.server import TenderServer


def test_uncaptured_authorisation_expires_and_cancels_the_intent() -> None:
    server = TenderServer(extra_env={"TENDER_CAPTURE_WINDOW": "1", "TENDER_SWEEP_INTERVAL": "0.2"}).start()
    try:
        stripe.api_base = server.base_url
        intent = stripe.PaymentIntent.create(
            amount=3000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa",
            capture_method="manual", confirm=True,
        )
        captured_in_time = stripe.PaymentIntent.create(
            amount=3000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa",
            capture_method="manual", confirm=True,
        )
        assert stripe.PaymentIntent.capture(captured_in_time.id).status == "succeeded"
        deadline = time.time() + 10
        while stripe.PaymentIntent.retrieve(intent.id).status == "requires_capture" and time.time() < deadline:
            time.sleep(0.2)
        intent = stripe.PaymentIntent.retrieve(intent.id)
        assert intent.status == "canceled"
        assert intent.cancellation_reason == "automatic"
        charge = stripe.Charge.retrieve(intent.latest_charge)
        assert charge.refunded is True and charge.amount_refunded == 3000
        with pytest.raises(stripe.InvalidRequestError) as info:
            stripe.PaymentIntent.capture(intent.id)
        assert info.value.code == "payment_intent_unexpected_state"
        assert stripe.PaymentIntent.retrieve(captured_in_time.id).status == "succeeded"
    finally:
        server.stop()


def test_pending_refund_card_settles_to_succeeded_with_refund_updated() -> None:
    server = TenderServer(extra_env={"TENDER_SWEEP_INTERVAL": "0.2"}).start()
    try:
        stripe.api_base = server.base_url
        intent = stripe.PaymentIntent.create(
            amount=3000, currency="usd", payment_method_types=["card"],
            payment_method="pm_card_pendingRefund", confirm=True,
        )
        refund = stripe.Refund.create(payment_intent=intent.id)
        assert refund.status == "pending"
        deadline = time.time() + 10
        while stripe.Refund.retrieve(refund.id).status == "pending" and time.time() < deadline:
            time.sleep(0.2)
        assert stripe.Refund.retrieve(refund.id).status == "succeeded"
        updates = stripe.Event.list(type="refund.updated").data
        assert [e.data.object.id for e in updates] == [refund.id]
        assert updates[0].data.previous_attributes.status == "pending"
    finally:
        server.stop()
