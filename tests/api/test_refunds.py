"""Refunds: full, partial, by charge or PaymentIntent; never more than was captured."""

from __future__ import annotations

import pytest
import stripe


def _paid(amount: int = 5000) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.create(
        amount=amount, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa",
        confirm=True,
    )


def test_full_refund_by_payment_intent() -> None:
    intent = _paid()
    refund = stripe.Refund.create(payment_intent=intent.id, reason="requested_by_customer")
    assert refund.status == "succeeded" and refund.amount == 5000
    assert refund.charge == intent.latest_charge and refund.payment_intent == intent.id
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.refunded is True and charge.amount_refunded == 5000
    txn = stripe.BalanceTransaction.retrieve(refund.balance_transaction)
    assert txn.amount == -5000 and txn.type == "refund"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"


def test_partial_refunds_add_up_and_the_last_one_completes_it() -> None:
    intent = _paid()
    stripe.Refund.create(charge=intent.latest_charge, amount=2000)
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.amount_refunded == 2000 and charge.refunded is False
    stripe.Refund.create(charge=intent.latest_charge)
    charge = stripe.Charge.retrieve(intent.latest_charge, expand=["refunds"])
    assert charge.amount_refunded == 5000 and charge.refunded is True
    assert sorted(r.amount for r in charge.refunds.data) == [2000, 3000]


def test_over_refund_is_refused_with_both_amounts_and_changes_nothing() -> None:
    intent = _paid(2145)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(payment_intent=intent.id, amount=2500)
    assert info.value.user_message == (
        "Refund amount ($25.00) is greater than unrefunded amount on charge ($21.45)"
    )
    assert stripe.Charge.retrieve(intent.latest_charge).amount_refunded == 0
    assert stripe.Refund.list(charge=intent.latest_charge).data == []


def test_refunding_a_fully_refunded_charge_is_refused() -> None:
    intent = _paid()
    stripe.Refund.create(payment_intent=intent.id)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(payment_intent=intent.id)
    assert info.value.code == "charge_already_refunded"


def test_refund_of_an_uncaptured_intent_is_refused() -> None:
    intent = stripe.PaymentIntent.create(
        amount=5000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa",
        confirm=True, capture_method="manual",
    )
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(payment_intent=intent.id)
    assert info.value.code == "payment_intent_unexpected_state"


def test_partial_capture_limits_refunds_to_what_was_captured() -> None:
    intent = stripe.PaymentIntent.create(
        amount=5000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa",
        confirm=True, capture_method="manual",
    )
    stripe.PaymentIntent.capture(intent.id, amount_to_capture=3000)
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Refund.create(payment_intent=intent.id, amount=3001)
    refund = stripe.Refund.create(payment_intent=intent.id)
    assert refund.amount == 3000


def test_refund_metadata_can_be_updated_and_listed() -> None:
    intent = _paid()
    refund = stripe.Refund.create(payment_intent=intent.id, amount=100, metadata={"ticket": "T-1"})
    refund = stripe.Refund.modify(refund.id, metadata={"ticket": "T-2"})
    assert refund.metadata["ticket"] == "T-2"
    assert [r.id for r in stripe.Refund.list(payment_intent=intent.id).data] == [refund.id]
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.modify(refund.id, amount=5)
    assert info.value.code == "parameter_unknown"


def test_refund_needs_exactly_one_of_charge_or_payment_intent() -> None:
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Refund.create()
    intent = _paid()
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(payment_intent=intent.id, charge=intent.latest_charge)
    assert info.value.code == "parameters_exclusive"


def test_balance_counts_charges_net_of_fees_and_refunds() -> None:
    before = stripe.Balance.retrieve()
    pending_before = {b.currency: b.amount for b in before.pending}.get("usd", 0)
    available_before = {b.currency: b.amount for b in before.available}.get("usd", 0)
    intent = _paid(10000)
    stripe.Refund.create(payment_intent=intent.id, amount=1000)
    after = stripe.Balance.retrieve()
    pending = {b.currency: b.amount for b in after.pending}["usd"]
    available = {b.currency: b.amount for b in after.available}["usd"]
    assert pending - pending_before == 10000 - 320
    assert available - available_before == -1000
