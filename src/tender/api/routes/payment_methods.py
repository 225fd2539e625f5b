"""/v1/payment_methods: card PaymentMethods."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import BILLING_DETAILS, LIMIT, Hash, Int, Metadata, Str, check_cursors
from tender.services import payment_methods
from tender.services.context import Context
from tender.services.listing import list_page
from tender.store.base import ListQuery, Tx

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
    p = call.params
    check_cursors(p)
    data, has_more = list_page(
        tx,
        ListQuery(
            account=ctx.account,
            type="payment_method",
            limit=p.get("limit", 10),
            starting_after=p.get("starting_after"),
            ending_before=p.get("ending_before"),
            customer=p.get("customer"),
        ),
    )
    # Every PaymentMethod tender stores is a card, so `type=card` filters nothing out.
    return {"object": "list", "data": data, "has_more": has_more, "url": "/v1/payment_methods"}


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
        {
            "customer": Str(),
            "type": Str(enum=("card",)),
            "limit": LIMIT,
            "starting_after": Str(),
            "ending_before": Str(),
        },
        item_type="payment_method",
    ),
]
