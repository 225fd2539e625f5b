"""Refunds (stripe-behaviour §9): how much may still be returned, and the records."""

from __future__ import annotations

from typing import Any

from tender.core.errors import InvalidRequestError
from tender.core.money import format_amount

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def ensure_refundable(charge: dict[str, Any], remaining: int, amount: int | None) -> int:
    """The amount to refund: default everything left; never more than what is left."""
    if remaining <= 0 or charge["refunded"]:
        raise InvalidRequestError(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    if charge.get("disputed"):
        raise InvalidRequestError(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
        )
    if amount is None:
        return remaining
    if amount > remaining:
        currency = charge["currency"]
        raise InvalidRequestError(
            f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
            f"amount on charge ({format_amount(remaining, currency)})",
            code="amount_too_large",
            param="amount",
        )
    return amount


def new_refund(
    *,
    refund_id: str,
    created: int,
    charge: dict[str, Any],
    amount: int,
    reason: str | None,
    metadata: dict[str, str] | None,
    status: str,
) -> dict[str, Any]:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "customer": charge.get("customer"),
        "customer_account": None,
        "destination_details": {
            "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "metadata": dict(metadata or {}),
        "payment_intent": charge.get("payment_intent"),
        "payment_method": charge.get("payment_method"),
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }


def apply_to_charge(charge: dict[str, Any], amount: int) -> None:
    """A Charge is `refunded` only once every captured cent has been returned."""
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
