"""/v1/payment_methods: card PaymentMethods, attached to customers and detached."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import BILLING_DETAILS, Hash, Int, Metadata, Str
from tender.api.routes.collections import LIST_PARAMS, list_response
from tender.services import payment_methods
from tender.services.context import Context
from tender.store.base import Tx

CARD = Hash(
    {
        "number": Str(max_length=30),
        "exp_month": Int(),
        "exp_year": Int(),
        "cvc": Str(max_length=10),
        "token": Str(),
    }
)
CREATE = {
    "type": Str(enum=("card",)),
    "card": CARD,
    "billing_details": BILLING_DETAILS,
    "metadata": Metadata(),
    "allow_redisplay": Str(enum=("always", "limited", "unspecified")),
}
UPDATE = {
    "billing_details": BILLING_DETAILS,
    "card": Hash({"exp_month": Int(), "exp_year": Int()}),
    "metadata": Metadata(),
    "allow_redisplay": Str(enum=("always", "limited", "unspecified")),
}


def _create(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return payment_methods.create(tx, ctx, call.params)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return payment_methods.retrieve(tx, ctx, call.path["payment_method"])


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return payment_methods.update(tx, ctx, call.path["payment_method"], call.params)


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    # Every PaymentMethod tender stores is a card, so `type=card` filters nothing out.
    p = call.params
    return list_response(tx, ctx, "payment_method", p, "/v1/payment_methods", customer=p.get("customer"))


def _attach(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return payment_methods.attach(tx, ctx, call.path["payment_method"], call.params["customer"])


def _detach(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return payment_methods.detach(tx, ctx, call.path["payment_method"])


ENDPOINTS = [
    Endpoint(
        "POST",
        "/v1/payment_methods",
        _create,
        "payment_method",
        CREATE,
        required=("type",),
        publishable_params=frozenset(CREATE),
    ),
    Endpoint("GET", "/v1/payment_methods/{payment_method}", _retrieve, "payment_method"),
    Endpoint("POST", "/v1/payment_methods/{payment_method}", _update, "payment_method", UPDATE),
    Endpoint(
        "GET",
        "/v1/payment_methods",
        _list,
        "list",
        {k: v for k, v in LIST_PARAMS.items() if k != "created"}
        | {"customer": Str(), "type": Str(enum=("card",))},
        item_type="payment_method",
    ),
    Endpoint(
        "POST", "/v1/payment_methods/{payment_method}/attach", _attach, "payment_method",
        {"customer": Str()}, required=("customer",),
    ),
    Endpoint("POST", "/v1/payment_methods/{payment_method}/detach", _detach, "payment_method"),
]
