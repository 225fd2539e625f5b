"""Charges: one per authorisation attempt, stamped from the intent (stripe-behaviour §1.12,
§1.7 amounts, §2.7 outcome, §1.9 incremental authorisation, §9.3 refundable amount)."""

from __future__ import annotations

from typing import Any

import pytest

from tender.core.charges import new_charge, refundable_amount
from tender.core.payment_intents import new_payment_intent
from tender.core.payment_methods import new_card_payment_method
from tender.processor.base import Approved, CardDetails, Checks, Declined, Outcome, ThreeDSecure

AMOUNT = 2000
CREATED = 1_750_000_000
CAPTURE_BEFORE = CREATED + 7 * 86400
DESCRIPTOR = "TENDER* ORDER 42"

APPROVED = Approved(
    outcome=Outcome(
        network_status="approved_by_network",
        type="authorized",
        seller_message="Payment complete.",
        risk_score=11,
    ),
    checks=Checks(cvc_check="pass", address_line1_check="pass", address_postal_code_check="pass"),
    authorization_code="123456",
    incremental_authorization_supported=True,
)
INSUFFICIENT_FUNDS = Declined(
    code="card_declined",
    message="Your card has insufficient funds.",
    decline_code="insufficient_funds",
    outcome=Outcome(
        network_status="declined_by_network",
        type="issuer_declined",
        seller_message="The bank returned the decline code `insufficient_funds`.",
        reason="insufficient_funds",
    ),
    checks=Checks(cvc_check="pass"),
)
RADAR_BLOCK = Declined(
    code="card_declined",
    message="Your card was declined.",
    decline_code="fraudulent",
    outcome=Outcome(
        network_status="not_sent_to_network",
        type="blocked",
        seller_message="Stripe blocked this payment as too risky.",
        risk_level="highest",
        risk_score=95,
        reason="highest_risk_level",
        rule="block_if_high_risk",
    ),
    checks=Checks(),
)


def visa() -> dict[str, Any]:
    return new_card_payment_method(
        method_id="pm_visa",
        created=CREATED - 10,
        card=CardDetails(
            token="tok_opaque",
            brand="visa",
            funding="credit",
            country="US",
            last4="4242",
            exp_month=12,
            exp_year=2034,
            fingerprint="fp_visa",
            networks=("visa",),
            three_d_secure_supported=True,
            cvc_provided=True,
        ),
        billing={"name": "Jenny Rosen", "address": {"postal_code": "94107"}},
        metadata=None,
    )


def intent(capture_method: str = "automatic_async", **fields: Any) -> dict[str, Any]:
    doc = new_payment_intent(
        intent_id="pi_attempted", client_secret="pi_attempted_secret_x", created=CREATED - 60,
        amount=AMOUNT, currency="usd",
    )
    doc["capture_method"] = capture_method
    doc["payment_method"] = "pm_visa"
    doc.update(fields)
    return doc


def charge_for(
    result: Approved | Declined,
    capture_method: str = "automatic_async",
    incremental_requested: bool = False,
    **intent_fields: Any,
) -> dict[str, Any]:
    return new_charge(
        charge_id="ch_attempt",
        created=CREATED,
        intent=intent(capture_method, **intent_fields),
        payment_method=visa(),
        result=result,
        statement_descriptor=DESCRIPTOR,
        capture_before=CAPTURE_BEFORE,
        incremental_requested=incremental_requested,
    )


# --- approved, captured at once (T4) ----------------------------------------------------


@pytest.mark.parametrize("capture_method", ["automatic", "automatic_async"])
def test_an_approved_automatic_charge_is_paid_and_captured_in_full(capture_method: str) -> None:
    charge = charge_for(APPROVED, capture_method)
    assert charge["status"] == "succeeded"
    assert charge["paid"] is True
    assert charge["captured"] is True
    assert charge["amount"] == AMOUNT
    assert charge["amount_captured"] == AMOUNT
    assert charge["amount_refunded"] == 0
    assert charge["refunded"] is False
    assert charge["failure_code"] is None
    assert charge["failure_message"] is None


def test_a_charge_names_its_intent_payment_method_and_creation_time() -> None:
    charge = charge_for(APPROVED)
    assert charge["id"] == "ch_attempt"
    assert charge["object"] == "charge"
    assert charge["created"] == CREATED
    assert charge["currency"] == "usd"
    assert charge["payment_intent"] == "pi_attempted"
    assert charge["payment_method"] == "pm_visa"
    assert charge["livemode"] is False
    assert charge["balance_transaction"] is None  # the service attaches it


def test_an_approved_charge_reports_an_authorised_outcome() -> None:
    assert charge_for(APPROVED)["outcome"] == {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "approved_by_network",
        "reason": None,
        "risk_level": "normal",
        "risk_score": 11,
        "seller_message": "Payment complete.",
        "type": "authorized",
    }


def test_the_card_details_come_from_the_payment_method_and_checks_from_the_network() -> None:
    card = charge_for(APPROVED)["payment_method_details"]["card"]
    assert charge_for(APPROVED)["payment_method_details"]["type"] == "card"
    assert (card["brand"], card["last4"], card["exp_month"], card["exp_year"]) == ("visa", "4242", 12, 2034)
    assert (card["funding"], card["country"], card["fingerprint"]) == ("credit", "US", "fp_visa")
    assert card["network"] == "visa"
    assert card["checks"] == {
        "address_line1_check": "pass",
        "address_postal_code_check": "pass",
        "cvc_check": "pass",
    }
    assert card["amount_authorized"] == AMOUNT
    assert card["authorization_code"] == "123456"
    assert card["three_d_secure"] is None


def test_billing_details_are_copied_from_the_payment_method() -> None:
    billing = charge_for(APPROVED)["billing_details"]
    assert billing["name"] == "Jenny Rosen"
    assert billing["address"]["postal_code"] == "94107"
    assert billing["address"]["line1"] is None


def test_an_authenticated_charge_reports_its_three_d_secure_result() -> None:
    result = Approved(
        outcome=APPROVED.outcome,
        checks=APPROVED.checks,
        three_d_secure=ThreeDSecure(result="authenticated", authentication_flow="challenge"),
    )
    tds = charge_for(result)["payment_method_details"]["card"]["three_d_secure"]
    assert tds["result"] == "authenticated"
    assert tds["authentication_flow"] == "challenge"
    assert tds["version"] == "2.2.0"
    assert tds["electronic_commerce_indicator"] == "05"


# --- approved, held (T5) ----------------------------------------------------------------


def test_an_approved_manual_charge_is_paid_but_not_captured() -> None:
    charge = charge_for(APPROVED, "manual")
    assert charge["status"] == "succeeded"
    assert charge["paid"] is True
    assert charge["captured"] is False
    assert charge["amount"] == AMOUNT
    assert charge["amount_captured"] == 0
    assert charge["payment_method_details"]["card"]["capture_before"] == CAPTURE_BEFORE


# --- declined (T10) ---------------------------------------------------------------------


def test_a_declined_charge_failed_keeps_the_amount_and_repeats_the_error() -> None:
    charge = charge_for(INSUFFICIENT_FUNDS)
    assert charge["status"] == "failed"
    assert charge["paid"] is False
    assert charge["captured"] is False
    assert charge["amount"] == AMOUNT
    assert charge["amount_captured"] == 0
    assert charge["failure_code"] == "card_declined"
    assert charge["failure_message"] == "Your card has insufficient funds."
    card = charge["payment_method_details"]["card"]
    assert card["amount_authorized"] is None
    assert card["capture_before"] is None
    assert card["authorization_code"] is None


def test_a_declined_charge_reports_the_issuers_reason_in_its_outcome() -> None:
    outcome = charge_for(INSUFFICIENT_FUNDS)["outcome"]
    assert outcome["network_status"] == "declined_by_network"
    assert outcome["type"] == "issuer_declined"
    assert outcome["reason"] == "insufficient_funds"
    assert outcome["seller_message"] == "The bank returned the decline code `insufficient_funds`."
    assert "rule" not in outcome  # no Radar rule decided


def test_a_radar_block_names_its_rule_and_reports_fraud() -> None:
    charge = charge_for(RADAR_BLOCK)
    assert charge["outcome"]["type"] == "blocked"
    assert charge["outcome"]["rule"] == "block_if_high_risk"
    assert charge["outcome"]["risk_level"] == "highest"
    assert charge["fraud_details"] == {"stripe_report": "fraudulent"}
    assert charge_for(INSUFFICIENT_FUNDS)["fraud_details"] == {}


# --- copied once at attempt time (§1.12) ------------------------------------------------


def test_intent_metadata_description_and_contact_details_are_stamped_on_the_charge() -> None:
    shipping = {"name": "Jenny Rosen", "address": {"line1": "1 Main St"}}
    charge = charge_for(
        APPROVED,
        metadata={"order_id": "6735"},
        description="Two pairs of shoes",
        receipt_email="jenny@example.com",
        customer="cus_Jenny",
        shipping=shipping,
        statement_descriptor_suffix="ORDER 42",
    )
    assert charge["metadata"] == {"order_id": "6735"}
    assert charge["description"] == "Two pairs of shoes"
    assert charge["receipt_email"] == "jenny@example.com"
    assert charge["customer"] == "cus_Jenny"
    assert charge["shipping"] == shipping
    assert charge["statement_descriptor_suffix"] == "ORDER 42"


def test_later_changes_to_intent_metadata_do_not_touch_an_existing_charge() -> None:
    doc = intent(metadata={"order_id": "6735"})
    charge = new_charge(
        charge_id="ch_1", created=CREATED, intent=doc, payment_method=visa(), result=APPROVED,
        statement_descriptor=DESCRIPTOR, capture_before=None, incremental_requested=False,
    )
    doc["metadata"]["order_id"] = "9999"
    doc["metadata"]["new"] = "key"
    assert charge["metadata"] == {"order_id": "6735"}


def test_the_calculated_statement_descriptor_is_passed_through() -> None:
    assert charge_for(APPROVED)["calculated_statement_descriptor"] == DESCRIPTOR
    assert charge_for(INSUFFICIENT_FUNDS)["calculated_statement_descriptor"] == DESCRIPTOR


# --- incremental authorisation (§1.9) ---------------------------------------------------


def test_incremental_authorisation_is_available_on_a_requested_supported_manual_approval() -> None:
    charge = charge_for(APPROVED, "manual", incremental_requested=True)
    assert charge["payment_method_details"]["card"]["incremental_authorization"] == {"status": "available"}


@pytest.mark.parametrize(
    ("result", "capture_method", "requested"),
    [
        (APPROVED, "manual", False),  # not asked for at confirm
        (Approved(outcome=APPROVED.outcome, checks=APPROVED.checks), "manual", True),  # card can't
        (APPROVED, "automatic_async", True),  # nothing is held
        (INSUFFICIENT_FUNDS, "manual", True),  # nothing was authorised
    ],
)
def test_incremental_authorisation_is_unavailable_otherwise(
    result: Approved | Declined, capture_method: str, requested: bool
) -> None:
    charge = charge_for(result, capture_method, incremental_requested=requested)
    assert charge["payment_method_details"]["card"]["incremental_authorization"] == {"status": "unavailable"}


# --- refundable amount (§9.3) -----------------------------------------------------------


def captured(amount_captured: int, amount_refunded: int = 0) -> dict[str, Any]:
    return {"amount": AMOUNT, "amount_captured": amount_captured, "amount_refunded": amount_refunded}


def test_a_captured_charge_may_refund_everything_captured() -> None:
    assert refundable_amount(captured(AMOUNT), released=0) == AMOUNT


def test_refunds_already_made_reduce_the_refundable_amount() -> None:
    assert refundable_amount(captured(AMOUNT, amount_refunded=700), released=0) == 1300


def test_a_released_hold_is_not_counted_as_refunded_money() -> None:
    # Captured 1500 of 2000: the 500 released shows as amount_refunded (§1.7) but was
    # never paid, so all 1500 captured may still be refunded.
    assert refundable_amount(captured(1500, amount_refunded=500), released=500) == 1500


def test_a_released_hold_plus_real_refunds_leaves_the_captured_remainder() -> None:
    assert refundable_amount(captured(1500, amount_refunded=500 + 1000), released=500) == 500


def test_a_fully_refunded_charge_has_nothing_left() -> None:
    assert refundable_amount(captured(1500, amount_refunded=2000), released=500) == 0
