"""PaymentMethod use cases: create from card data, resolve test ids, retrieve, update,
attach to a customer and detach."""

from __future__ import annotations

import copy
from typing import Any

from tender.core import clock, ids
from tender.core import customers as customer_rules
from tender.core.errors import CardError, InvalidRequestError, ResourceMissing
from tender.core.events import previous_attributes
from tender.core.metadata import UNSET, merge_metadata
from tender.core.payment_methods import billing_details, new_card_payment_method
from tender.processor.base import CardDetails
from tender.services.context import Context, emit, load
from tender.store.base import Stored, Tx


def _store_card(tx: Tx, card: CardDetails, billing: Any, metadata: Any) -> Stored:
    doc = new_card_payment_method(
        method_id=ids.new_id("payment_method"),
        created=clock.now(),
        card=card,
        billing=billing,
        metadata=metadata,
    )
    stored = Stored(doc, {"token": card.token})
    tx.insert(stored)
    return stored


def create(tx: Tx, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/payment_methods (type=card): card data goes to the processor only."""
    return create_stored(tx, ctx, params).doc


def create_stored(tx: Tx, ctx: Context, params: dict[str, Any], within: str = "") -> Stored:
    """`within` names the enclosing parameter (`payment_method_data`) for error params."""

    def name(*parts: str) -> str:
        path = "".join(f"[{p}]" for p in parts)
        return f"{within}{path}" if within else parts[0] + "".join(f"[{p}]" for p in parts[1:])

    card_params = params.get("card")
    if card_params is None:
        raise InvalidRequestError(
            f"Missing required param: {name('card')}.", code="parameter_missing", param=name("card")
        )
    if "token" in card_params:
        card = ctx.processor.test_payment_method(card_params["token"])
        if card is None:
            raise ResourceMissing("token", card_params["token"], name("card", "token"))
    else:
        for field in ("number", "exp_month", "exp_year"):
            if field not in card_params:
                raise InvalidRequestError(
                    f"Missing required param: {name('card', field)}.",
                    code="parameter_missing",
                    param=name("card", field),
                )
        try:
            card = ctx.processor.tokenize_card(
                card_params["number"],
                card_params["exp_month"],
                card_params["exp_year"],
                card_params.get("cvc"),
            )
        except CardError as exc:
            if exc.param:
                exc.param = name("card", exc.param)
            raise
    return _store_card(tx, card, params.get("billing_details"), params.get("metadata"))


def resolve(tx: Tx, ctx: Context, reference: str, param: str = "payment_method") -> Stored:
    """A PaymentMethod by id; a magic test id (`pm_card_visa`) materialises a fresh one
    (no stored id can be a test id: stored ids are generated)."""
    card = ctx.processor.test_payment_method(reference)
    if card is not None:
        return _store_card(tx, card, None, None)
    stored = tx.get_for_update("payment_method", reference)
    if stored is None:
        raise ResourceMissing("PaymentMethod", reference, param)
    return stored


def retrieve(tx: Tx, ctx: Context, method_id: str) -> dict[str, Any]:
    return load(tx, "payment_method", method_id, "payment_method").doc


def update(tx: Tx, ctx: Context, method_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only billing_details, card expiry and metadata change; the PM must be attached."""
    stored = load(tx, "payment_method", method_id, "payment_method")
    doc = stored.doc
    if doc.get("customer") is None:
        raise InvalidRequestError(
            "You must save this PaymentMethod to a customer before you can update it."
        )
    before = copy.deepcopy(doc)
    if "billing_details" in params:
        merged = doc["billing_details"]
        new = params["billing_details"]
        for key, value in new.items():
            if key == "address" and isinstance(value, dict):
                merged["address"].update({k: (None if v is UNSET else v) for k, v in value.items()})
            else:
                merged[key] = None if value is UNSET else value
        doc["billing_details"] = billing_details(merged)
    card = params.get("card") or {}
    for key in ("exp_month", "exp_year"):
        if key in card:
            doc["card"] = {**doc["card"], key: card[key]}
    if "metadata" in params:
        doc["metadata"] = merge_metadata(doc["metadata"], params["metadata"])
    tx.update(stored)
    emit(tx, ctx, "payment_method.updated", doc, previous_attributes(before, doc))
    return doc


def save_to_customer(tx: Tx, ctx: Context, method: Stored, customer: str, set_up: bool) -> None:
    """The card now belongs to `customer` (and, after a SetupIntent or a payment with
    setup_future_usage, is set up for later off-session use).  The caller persists."""
    if set_up:
        method.private["set_up"] = True
    if method.doc.get("customer") != customer:
        method.doc["customer"] = customer
        emit(tx, ctx, "payment_method.attached", method.doc)


def attach(tx: Tx, ctx: Context, method_id: str, customer_id: str) -> dict[str, Any]:
    """POST /v1/payment_methods/:id/attach: the card becomes reusable by that customer
    (§8.2); attaching it again to the same customer changes nothing."""
    customer = load(tx, "customer", customer_id, "customer")
    customer_rules.ensure_exists(customer.doc, "customer")
    method = resolve(tx, ctx, method_id)
    attach_stored(tx, ctx, method, customer_id)
    return method.doc


def attach_stored(tx: Tx, ctx: Context, method: Stored, customer_id: str) -> None:
    """Attach `method` to a customer known to exist, verifying the card with the issuer
    first: decline test cards refuse with their card error (402) and nothing changes."""
    if not check_attachable(ctx, method, customer_id):
        return
    save_to_customer(tx, ctx, method, customer_id, set_up=False)
    tx.update(method)


def check_attachable(ctx: Context, method: Stored, customer_id: str) -> bool:
    """Refuse what may not be attached; False when it already is attached to this customer."""
    if not customer_rules.ensure_attachable(method.doc, method.private, customer_id):
        return False
    refusal = ctx.processor.check_attachable(method.private["token"])
    if refusal is not None:
        raise refusal
    return True


def detach(tx: Tx, ctx: Context, method_id: str) -> dict[str, Any]:
    """POST /v1/payment_methods/:id/detach: permanent, the card can never be used or
    attached again; it stops being its customer's default (§8.2)."""
    method = load(tx, "payment_method", method_id, "payment_method")
    owner = customer_rules.ensure_detachable(method.doc)
    before = copy.deepcopy(method.doc)
    method.doc["customer"] = None
    method.private["detached"] = True
    tx.update(method)
    emit(tx, ctx, "payment_method.detached", method.doc, previous_attributes(before, method.doc))
    customer = tx.get_for_update("customer", owner)
    if customer is not None and not customer_rules.is_deleted(customer.doc):
        customer_before = copy.deepcopy(customer.doc)
        if customer_rules.forget_payment_method(customer.doc, method_id):
            tx.update(customer)
            emit(
                tx, ctx, "customer.updated", customer.doc,
                previous_attributes(customer_before, customer.doc),
            )
    return method.doc
