"""The accept-a-payment guide, server side, through the official SDK."""

from __future__ import annotations

import stripe


def test_create_without_payment_method_waits_for_one() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", payment_method_types=["card"])
    assert intent.status == "requires_payment_method"
    assert intent.amount == 2000 and intent.currency == "usd"
    assert intent.client_secret.startswith(intent.id + "_secret_")
    assert intent.latest_charge is None and intent.amount_received == 0


def test_create_with_payment_method_waits_for_confirmation() -> None:
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", payment_method="pm_card_visa", payment_method_types=["card"]
    )
    assert intent.status == "requires_confirmation"
    assert intent.payment_method.startswith("pm_") and intent.payment_method != "pm_card_visa"


def test_confirm_with_visa_succeeds_and_records_one_charge() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", payment_method_types=["card"])
    intent = stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert intent.status == "succeeded"
    assert intent.amount_received == 2000 and intent.amount_capturable == 0
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.status == "succeeded" and charge.paid and charge.captured
    assert charge.amount_captured == 2000 and charge.payment_intent == intent.id
    assert charge.outcome.seller_message == "Payment complete."
    assert charge.outcome.network_status == "approved_by_network"
    card = charge.payment_method_details.card
    assert card.brand == "visa" and card.last4 == "4242"
    assert charge.balance_transaction.startswith("txn_")
    charges = stripe.Charge.list(payment_intent=intent.id)
    assert [c.id for c in charges.data] == [charge.id]


def test_create_and_confirm_in_one_request() -> None:
    intent = stripe.PaymentIntent.create(
        amount=1099, currency="eur", payment_method="pm_card_mastercard",
        payment_method_types=["card"], confirm=True,
    )
    assert intent.status == "succeeded"
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.payment_method_details.card.brand == "mastercard"
    assert charge.currency == "eur"


def test_automatic_payment_methods_are_assumed_and_need_a_return_url_to_confirm() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd")
    assert intent.automatic_payment_methods.enabled is True
    try:
        stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    except stripe.InvalidRequestError as exc:
        assert "A `return_url` must be specified" in exc.user_message
    else:
        raise AssertionError("confirm without return_url was accepted")
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_payment_method"
    done = stripe.PaymentIntent.confirm(
        intent.id, payment_method="pm_card_visa", return_url="https://shop.example/done"
    )
    assert done.status == "succeeded"


def test_automatic_payment_methods_without_redirects_confirm_without_return_url() -> None:
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", payment_method="pm_card_visa", confirm=True,
        automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
    )
    assert intent.status == "succeeded"


def test_metadata_is_copied_to_the_charge_once() -> None:
    intent = stripe.PaymentIntent.create(
        amount=5000, currency="usd", payment_method_types=["card"], metadata={"order_id": "6735"},
        payment_method="pm_card_visa", confirm=True,
    )
    stripe.PaymentIntent.modify(intent.id, metadata={"order_id": "9999", "extra": "x"})
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.metadata.to_dict() == {"order_id": "6735"}
    assert stripe.PaymentIntent.retrieve(intent.id).metadata.to_dict() == {"order_id": "9999", "extra": "x"}


def test_statement_descriptor_is_prefix_star_suffix_within_22_characters() -> None:
    intent = stripe.PaymentIntent.create(
        amount=5000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa",
        confirm=True, statement_descriptor_suffix="ORDER 1234567890123",
    )
    descriptor = stripe.Charge.retrieve(intent.latest_charge).calculated_statement_descriptor
    assert descriptor == "TENDER* ORDER 12345678"
    assert len(descriptor) == 22


def test_card_details_from_payment_method_data() -> None:
    intent = stripe.PaymentIntent.create(
        amount=5000, currency="usd", payment_method_types=["card"], confirm=True,
        payment_method_data={
            "type": "card",
            "card": {"number": "4000056655665556", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        },
    )
    assert intent.status == "succeeded"
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.payment_method_details.card.funding == "debit"
    assert charge.payment_method_details.card.checks.cvc_check == "pass"


def test_update_before_confirmation_changes_amount() -> None:
    intent = stripe.PaymentIntent.create(amount=1000, currency="usd", payment_method_types=["card"])
    intent = stripe.PaymentIntent.modify(intent.id, amount=1500, description="Two shirts")
    assert intent.amount == 1500 and intent.description == "Two shirts"
    intent = stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert intent.amount_received == 1500


def test_old_api_version_embeds_charges() -> None:
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", payment_method="pm_card_visa", confirm=True,
        payment_method_types=["card"], stripe_version="2020-08-27",
    )
    assert intent.capture_method == "automatic"
    assert intent.charges.object == "list"
    assert [c.id for c in intent.charges.data] == [intent.latest_charge]
