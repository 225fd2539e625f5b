"""Charges: one per authorisation attempt, with what the network said (§1.12, §2.7)."""

from __future__ import annotations

from typing import Any

from tender.core.payment_methods import billing_details
from tender.processor.base import Approved, Checks, Declined, Outcome, ThreeDSecure


def _outcome(outcome: Outcome) -> dict[str, Any]:
    """`rule` appears only when a Radar rule decided (the schema does not allow null)."""
    result: dict[str, Any] = {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": outcome.network_status,
        "reason": outcome.reason,
        "risk_level": outcome.risk_level,
        "risk_score": outcome.risk_score,
        "seller_message": outcome.seller_message,
        "type": outcome.type,
    }
    if outcome.rule is not None:
        result["rule"] = outcome.rule
    return result


def _three_d_secure(tds: ThreeDSecure | None) -> dict[str, Any] | None:
    if tds is None:
        return None
    return {
        "authentication_flow": tds.authentication_flow,
        "electronic_commerce_indicator": "05" if tds.result == "authenticated" else None,
        "exemption_indicator": None,
        "result": tds.result,
        "result_reason": tds.result_reason,
        "transaction_id": None,
        "version": tds.version,
    }


def new_charge(
    *,
    charge_id: str,
    created: int,
    intent: dict[str, Any],
    payment_method: dict[str, Any],
    result: Approved | Declined,
    statement_descriptor: str,
    capture_before: int | None,
    incremental_requested: bool,
) -> dict[str, Any]:
    """The Charge for one attempt; intent metadata and description are copied once."""
    approved = isinstance(result, Approved)
    captured = approved and intent["capture_method"] != "manual"
    checks: Checks = result.checks
    card = payment_method["card"]
    incremental = (
        "available"
        if isinstance(result, Approved)
        and incremental_requested
        and result.incremental_authorization_supported
        and intent["capture_method"] == "manual"
        else "unavailable"
    )
    failure = result if isinstance(result, Declined) else None
    return {
        "id": charge_id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if captured else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": billing_details(payment_method.get("billing_details")),
        "calculated_statement_descriptor": statement_descriptor,
        "captured": captured,
        "created": created,
        "currency": intent["currency"],
        "customer": intent.get("customer"),
        "description": intent.get("description"),
        "destination": None,
        "dispute": None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure.code if failure else None,
        "failure_message": failure.message if failure else None,
        "fraud_details": {"stripe_report": "fraudulent"} if result.outcome.type == "blocked" else {},
        "invoice": None,
        "livemode": False,
        "metadata": dict(intent.get("metadata") or {}),
        "on_behalf_of": None,
        "order": None,
        "outcome": _outcome(result.outcome),
        "paid": approved,
        "payment_intent": intent["id"],
        "payment_method": payment_method["id"],
        "payment_method_details": {
            "card": {
                "amount_authorized": intent["amount"] if approved else None,
                "authorization_code": getattr(result, "authorization_code", None),
                "brand": card["brand"],
                "capture_before": capture_before if approved else None,
                "checks": {
                    "address_line1_check": checks.address_line1_check,
                    "address_postal_code_check": checks.address_postal_code_check,
                    "cvc_check": checks.cvc_check,
                },
                "country": card["country"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "extended_authorization": {"status": "disabled"},
                "fingerprint": card["fingerprint"],
                "funding": card["funding"],
                "incremental_authorization": {"status": incremental},
                "installments": None,
                "last4": card["last4"],
                "mandate": None,
                "multicapture": {"status": "unavailable"},
                "network": card["networks"]["available"][0] if card["networks"]["available"] else card["brand"],
                "network_token": {"used": False},
                "network_transaction_id": None,
                "overcapture": {"maximum_amount_capturable": intent["amount"], "status": "unavailable"},
                "regulated_status": "unregulated",
                "three_d_secure": _three_d_secure(result.three_d_secure),
                "wallet": None,
            },
            "type": "card",
        },
        "radar_options": {},
        "receipt_email": intent.get("receipt_email"),
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "review": None,
        "shipping": intent.get("shipping"),
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": intent.get("statement_descriptor_suffix"),
        "status": "succeeded" if approved else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }


def refundable_amount(charge: dict[str, Any], released: int) -> int:
    """What refunds may still return: captured minus refunded, not counting a released hold."""
    return int(charge["amount_captured"]) - (int(charge["amount_refunded"]) - released)
