"""PaymentMethod documents and the rules for reusing them (stripe-behaviour §8.2)."""

from __future__ import annotations

from typing import Any

from tender.core.errors import InvalidRequestError
from tender.processor.base import CardDetails

REUSE_MESSAGE = (
    "The provided PaymentMethod was previously used with a PaymentIntent without Customer "
    "attachment, shared with a connected account without Customer attachment, or was "
    "detached from a Customer. It may not be used again. To use a PaymentMethod multiple "
    "times, you must attach it to a Customer first."
)


def empty_address() -> dict[str, Any]:
    return {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")}


def billing_details(given: dict[str, Any] | None) -> dict[str, Any]:
    given = given or {}
    address = empty_address()
    address.update({k: v for k, v in (given.get("address") or {}).items()})
    return {
        "address": address,
        "email": given.get("email"),
        "name": given.get("name"),
        "phone": given.get("phone"),
        "tax_id": None,
    }


def new_card_payment_method(
    *,
    method_id: str,
    created: int,
    card: CardDetails,
    billing: dict[str, Any] | None,
    metadata: dict[str, str] | None,
) -> dict[str, Any]:
    """A card PaymentMethod: display data only, never the number or CVC."""
    return {
        "id": method_id,
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing_details(billing),
        "card": {
            "brand": card.brand,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "unchecked" if card.cvc_provided else None,
            },
            "country": card.country,
            "display_brand": card.brand,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "fingerprint": card.fingerprint,
            "funding": card.funding,
            "generated_from": None,
            "last4": card.last4,
            "networks": {"available": list(card.networks), "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": card.three_d_secure_supported},
            "wallet": None,
        },
        "created": created,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": dict(metadata or {}),
        "type": "card",
    }


def ensure_usable(private: dict[str, Any], method: dict[str, Any], customer: str | None) -> None:
    """A PM used once without a customer, or detached, may not be used again; a PM on
    one customer may only pay for that customer."""
    if private.get("consumed") or private.get("detached"):
        raise InvalidRequestError(REUSE_MESSAGE, param="payment_method")
    owner = method.get("customer")
    if owner is not None and owner != customer:
        if customer is None:
            raise InvalidRequestError(
                f"The PaymentMethod {method['id']} is attached to a Customer; to use it, "
                "provide the customer ID along with the PaymentMethod.",
                param="payment_method",
            )
        raise InvalidRequestError(
            f"The customer does not have a payment method with the ID {method['id']}. "
            "The payment method must be attached to the customer.",
            param="payment_method",
        )
