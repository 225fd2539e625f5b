"""Customers and the cards saved on them (stripe-behaviour §8.2, §8.3).

A Customer is a plain document: `new_customer` lists every field of the current API
shape, `apply_changes` writes create/update parameters onto it.  A deleted customer is
stored as Stripe's deleted stub, which is what a later retrieve returns.  The rules for
attaching a PaymentMethod to a customer, detaching it, and choosing a customer's default
live here too: they are rules about what a customer may hold.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tender.core.errors import InvalidRequestError, ResourceMissing
from tender.core.metadata import UNSET, merge_metadata, or_none
from tender.core.payment_methods import empty_address

TAX_EXEMPT = ("none", "exempt", "reverse")
DEFAULT_PAYMENT_METHOD = "invoice_settings[default_payment_method]"

# Create/update parameters copied onto the customer as they are (UNSET → null).
PLAIN_FIELDS = ("description", "email", "name", "phone")

ATTACH_REUSE_MESSAGE = (
    "This PaymentMethod was previously used without being attached to a Customer or was "
    "detached from a Customer, and may not be used again."
)
ALREADY_ATTACHED_MESSAGE = (
    "The payment method you provided has already been attached to a customer."
)
NOT_ATTACHED_MESSAGE = (
    "The payment method you provided is not attached to a customer so detachment is "
    "impossible."
)


def new_customer(*, customer_id: str, created: int) -> dict[str, Any]:
    """A fresh customer with every field of the current API shape, null where unused."""
    return {
        "id": customer_id,
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": created,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": invoice_prefix(customer_id),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def invoice_prefix(customer_id: str) -> str:
    """Eight upper-case characters, stable for the customer (Stripe: `7FE1103`-like)."""
    return hashlib.sha256(customer_id.encode()).hexdigest()[:8].upper()


def deleted_customer(customer_id: str) -> dict[str, Any]:
    """What DELETE answers and what a deleted customer retrieves as (§8.3)."""
    return {"id": customer_id, "object": "customer", "deleted": True}


def is_deleted(customer: dict[str, Any]) -> bool:
    return customer.get("deleted") is True


def ensure_exists(customer: dict[str, Any], param: str | None) -> None:
    """A deleted customer can be retrieved (as its stub) and nothing else: every other
    use answers the 404 an unknown id gets."""
    if is_deleted(customer):
        raise ResourceMissing("customer", str(customer["id"]), param)


def apply_changes(customer: dict[str, Any], params: dict[str, Any]) -> None:
    """Write create/update parameters onto `customer`.  An empty string clears a field;
    `metadata` and `address` merge key by key; `shipping` is replaced whole.  The default
    PaymentMethod must already have passed `ensure_default_payment_method`."""
    for name in PLAIN_FIELDS:
        if name in params:
            customer[name] = or_none(params[name])
    if "address" in params:
        customer["address"] = _address(customer["address"], params["address"])
    if "shipping" in params:
        customer["shipping"] = _shipping(params["shipping"])
    if "preferred_locales" in params:
        value = params["preferred_locales"]
        customer["preferred_locales"] = [] if value is UNSET else list(value)
    if "tax_exempt" in params:
        value = params["tax_exempt"]
        customer["tax_exempt"] = "none" if value is UNSET else value
    if "metadata" in params:
        customer["metadata"] = merge_metadata(customer["metadata"], params["metadata"])
    settings = params.get("invoice_settings") or {}
    if settings:
        merged = dict(customer["invoice_settings"])
        for key in ("default_payment_method", "footer"):
            if key in settings:
                merged[key] = or_none(settings[key])
        customer["invoice_settings"] = merged


def _address(current: dict[str, Any] | None, given: Any) -> dict[str, Any] | None:
    if given is UNSET:
        return None
    address = dict(current or empty_address())
    address.update({key: or_none(value) for key, value in given.items()})
    return address


def _shipping(given: Any) -> dict[str, Any] | None:
    if given is UNSET:
        return None
    address = empty_address()
    address.update({key: or_none(value) for key, value in given["address"].items()})
    return {"address": address, "name": given["name"], "phone": given.get("phone")}


# -- the cards a customer holds ----------------------------------------------------------


def ensure_attachable(method: dict[str, Any], private: dict[str, Any], customer_id: str) -> bool:
    """Whether `method` still needs attaching to `customer_id` (False: it already is, and
    attaching again changes nothing).  A PaymentMethod used once without a customer, or
    detached, never attaches again; one on another customer stays there (§8.2)."""
    if private.get("consumed") or private.get("detached"):
        raise InvalidRequestError(ATTACH_REUSE_MESSAGE)
    owner = method.get("customer")
    if owner == customer_id:
        return False
    if owner is not None:
        raise InvalidRequestError(ALREADY_ATTACHED_MESSAGE)
    return True


def ensure_detachable(method: dict[str, Any]) -> str:
    """Only an attached PaymentMethod detaches; returns the customer it leaves."""
    owner = method.get("customer")
    if owner is None:
        raise InvalidRequestError(NOT_ATTACHED_MESSAGE)
    return str(owner)


def ensure_default_payment_method(
    customer_id: str, method: dict[str, Any], private: dict[str, Any]
) -> None:
    """`invoice_settings.default_payment_method` must be a PaymentMethod attached to this
    customer (§8.3)."""
    if method.get("customer") != customer_id or private.get("detached"):
        raise InvalidRequestError(
            f"The customer does not have a payment method with the ID {method['id']}. "
            "The payment method must be attached to the customer.",
            param=DEFAULT_PAYMENT_METHOD,
        )


def forget_payment_method(customer: dict[str, Any], method_id: str) -> bool:
    """A detached PaymentMethod stops being the customer's default; True if it was."""
    settings = customer["invoice_settings"]
    if settings.get("default_payment_method") != method_id:
        return False
    customer["invoice_settings"] = {**settings, "default_payment_method": None}
    return True
