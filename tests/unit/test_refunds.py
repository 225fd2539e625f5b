"""Refund rules (stripe-behaviour §9.1–9.3, messages §3.3)."""

from __future__ import annotations

from typing import Any

import pytest

from tender.core.errors import InvalidRequestError
from tender.core.refunds import REASONS, apply_to_charge, ensure_refundable, new_refund

CREATED = 1_750_000_000


def charge(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "ch_refundable",
        "object": "charge",
        "amount": 2500,
        "amount_captured": 2500,
        "amount_refunded": 0,
        "captured": True,
        "currency": "usd",
        "customer": "cus_Jenny",
        "disputed": False,
        "payment_intent": "pi_paid",
        "payment_method": "pm_visa",
        "refunded": False,
        "status": "succeeded",
    }
    doc.update(fields)
    return doc


def refused(doc: dict[str, Any], remaining: int, amount: int | None) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as info:
        ensure_refundable(doc, remaining, amount)
    assert info.value.status == 400
    return info.value


# --- how much -----------------------------------------------------------------------------


def test_a_refund_without_an_amount_returns_everything_not_yet_refunded() -> None:
    assert ensure_refundable(charge(amount_refunded=355), 2145, None) == 2145


@pytest.mark.parametrize("amount", [1, 1000, 2145])
def test_a_refund_of_at_most_the_remainder_is_accepted_as_asked(amount: int) -> None:
    assert ensure_refundable(charge(amount_refunded=355), 2145, amount) == amount


def test_a_refund_above_the_remainder_names_both_amounts_formatted() -> None:
    error = refused(charge(amount_refunded=355), 2145, 2500)
    assert error.message == "Refund amount ($25.00) is greater than unrefunded amount on charge ($21.45)"
    assert error.code == "amount_too_large"
    assert error.param == "amount"


def test_a_refund_above_the_remainder_formats_amounts_in_the_charge_currency() -> None:
    error = refused(charge(currency="jpy", amount=5000, amount_captured=5000), 4000, 4500)
    assert error.message == "Refund amount (¥4,500) is greater than unrefunded amount on charge (¥4,000)"


# --- refusals -----------------------------------------------------------------------------


def test_a_fully_refunded_charge_is_already_refunded() -> None:
    error = refused(charge(amount_refunded=2500, refunded=True), 0, None)
    assert error.code == "charge_already_refunded"
    assert error.message == "Charge ch_refundable has already been refunded."


def test_a_charge_with_nothing_left_is_already_refunded_even_before_the_flag_is_set() -> None:
    error = refused(charge(amount_refunded=2500), 0, 100)
    assert error.code == "charge_already_refunded"


def test_a_disputed_charge_cannot_be_refunded() -> None:
    error = refused(charge(disputed=True), 2500, None)
    assert error.code == "charge_disputed"
    assert error.message == "Charge ch_refundable has been charged back; cannot issue a refund."


def test_refund_reasons_a_caller_may_give_exclude_stripes_own() -> None:
    assert set(REASONS) == {"duplicate", "fraudulent", "requested_by_customer"}
    assert "expired_uncaptured_charge" not in REASONS


# --- effect on the charge -----------------------------------------------------------------


def test_a_partial_refund_moves_amount_refunded_but_not_refunded() -> None:
    doc = charge()
    apply_to_charge(doc, 1000)
    assert doc["amount_refunded"] == 1000
    assert doc["refunded"] is False


def test_a_charge_is_refunded_once_every_cent_has_been_returned() -> None:
    doc = charge()
    apply_to_charge(doc, 1000)
    apply_to_charge(doc, 1500)
    assert doc["amount_refunded"] == 2500
    assert doc["refunded"] is True


def test_refunding_the_captured_part_of_a_partly_captured_charge_marks_it_refunded() -> None:
    # Captured 1500 of 2500: the 1000 released already shows as refunded (§9.3).
    doc = charge(amount_captured=1500, amount_refunded=1000)
    apply_to_charge(doc, 1500)
    assert doc["amount_refunded"] == 2500
    assert doc["refunded"] is True


# --- the refund object (§9.2) -------------------------------------------------------------


def test_a_new_refund_points_at_its_charge_and_copies_currency_and_metadata() -> None:
    metadata = {"ticket": "T-1"}
    refund = new_refund(
        refund_id="re_1",
        created=CREATED,
        charge=charge(),
        amount=1000,
        reason="requested_by_customer",
        metadata=metadata,
        status="succeeded",
    )
    metadata["ticket"] = "changed"
    assert refund["id"] == "re_1"
    assert refund["object"] == "refund"
    assert refund["amount"] == 1000
    assert refund["charge"] == "ch_refundable"
    assert refund["payment_intent"] == "pi_paid"
    assert refund["payment_method"] == "pm_visa"
    assert refund["currency"] == "usd"
    assert refund["created"] == CREATED
    assert refund["reason"] == "requested_by_customer"
    assert refund["metadata"] == {"ticket": "T-1"}
    assert refund["status"] == "succeeded"
    assert refund["balance_transaction"] is None  # the service attaches it


def test_a_refund_without_metadata_or_reason_has_empty_metadata_and_null_reason() -> None:
    refund = new_refund(
        refund_id="re_2",
        created=CREATED,
        charge=charge(),
        amount=1,
        reason=None,
        metadata=None,
        status="pending",
    )
    assert refund["metadata"] == {}
    assert refund["reason"] is None
    assert refund["status"] == "pending"
