"""Refund use cases (stripe-behaviour §9)."""

from __future__ import annotations

import copy
from typing import Any

from tender.core import balance, clock, ids
from tender.core import refunds as rules
from tender.core.charges import refundable_amount
from tender.core.errors import InvalidRequestError
from tender.core.events import previous_attributes
from tender.core.metadata import merge_metadata
from tender.services.context import Context, emit, load
from tender.store.base import Stored, Tx


def create(tx: Tx, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Refund a charge (or a PaymentIntent's successful charge), fully or partly."""
    if ("charge" in params) == ("payment_intent" in params):
        if "charge" in params:
            raise InvalidRequestError(
                "You may only specify one of these parameters: charge, payment_intent.",
                code="parameters_exclusive",
                param="payment_intent",
            )
        raise InvalidRequestError(
            "One of the following params should be provided for this request: "
            "payment_intent or charge.",
            code="parameter_missing",
        )
    if "payment_intent" in params:
        intent = load(tx, "payment_intent", params["payment_intent"], "payment_intent").doc
        if intent["status"] != "succeeded":
            raise InvalidRequestError(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to "
                f"refund. It has a status of {intent['status']}."
                + (" Cancel it to release the authorization instead." if intent["status"] == "requires_capture" else ""),
                code="payment_intent_unexpected_state",
                param="payment_intent",
                extra={"payment_intent": intent},
            )
        charge_stored = load(tx, "charge", intent["latest_charge"], "charge")
    else:
        charge_stored = load(tx, "charge", params["charge"], "charge")
    charge = charge_stored.doc
    if not charge["captured"] or charge["status"] != "succeeded":
        raise InvalidRequestError(
            f"Charge {charge['id']} has not been captured; cancel its PaymentIntent to release "
            "the authorization instead."
            if charge["status"] == "succeeded"
            else f"Charge {charge['id']} failed and cannot be refunded.",
            param="charge",
        )
    remaining = refundable_amount(charge, int(charge_stored.private.get("released", 0)))
    amount = rules.ensure_refundable(charge, remaining, params.get("amount"))
    method = load(tx, "payment_method", charge["payment_method"], "payment_method")
    result = ctx.processor.refund(method.private["token"], amount)
    now = clock.now()
    refund = rules.new_refund(
        refund_id=ids.new_id("refund"),
        created=now,
        charge=charge,
        amount=amount,
        reason=params.get("reason"),
        metadata=merge_metadata({}, params["metadata"]) if "metadata" in params else None,
        status=result.status,
    )
    txn = balance.new_balance_transaction(
        txn_id=ids.new_id("balance_transaction"),
        created=now,
        kind="refund",
        source=refund["id"],
        amount=-amount,
        currency=charge["currency"],
        description=None,
        bypass_pending=True,
    )
    refund["balance_transaction"] = txn["id"]
    before = copy.deepcopy(charge)
    rules.apply_to_charge(charge, amount)
    tx.insert(Stored(txn, {}))
    tx.insert(Stored(refund, {}))
    tx.update(charge_stored)
    emit(tx, ctx, "charge.refunded", charge, previous_attributes(before, charge))
    emit(tx, ctx, "refund.created", refund)
    return refund


def settle_pending(tx: Tx, ctx: Context, now: int) -> list[str]:
    """Refunds that started `pending` (…7726) settle as `succeeded` on a later sweep,
    announced with `refund.updated` (§2.6, §9.2)."""
    settled = []
    # Give every pending refund at least one observable second.
    due = [s.doc["id"] for s in tx.find_by_status("refund", "pending") if s.doc["created"] < now]
    # Every API process sweeps: lock each refund (in one order, so sweeps do not deadlock)
    # and look again, or one another process settled meanwhile is announced twice.
    for refund_id in sorted(due):
        stored = load(tx, "refund", refund_id)
        refund = stored.doc
        if refund["status"] != "pending":
            continue
        before = copy.deepcopy(refund)
        refund["status"] = "succeeded"
        tx.update(stored)
        emit(tx, ctx, "refund.updated", refund, previous_attributes(before, refund))
        settled.append(refund["id"])
    return settled


def retrieve(tx: Tx, ctx: Context, refund_id: str) -> dict[str, Any]:
    return load(tx, "refund", refund_id, "refund").doc


def update(tx: Tx, ctx: Context, refund_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only metadata can change on a refund."""
    stored = load(tx, "refund", refund_id, "refund")
    refund = stored.doc
    before = copy.deepcopy(refund)
    if "metadata" in params:
        refund["metadata"] = merge_metadata(refund["metadata"], params["metadata"])
    tx.update(stored)
    changed = previous_attributes(before, refund)
    if changed:
        emit(tx, ctx, "refund.updated", refund, changed)
    return refund
