"""/v1/customers: Customers and the cards saved on them."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import ADDRESS, Hash, List, Metadata, Spec, Str, check_email
from tender.api.routes.collections import LIST_PARAMS, SEARCH_PARAMS, list_response, search_response
from tender.core import search
from tender.core.customers import TAX_EXEMPT
from tender.services import customers
from tender.services.context import Context
from tender.store.base import Tx

SHIPPING = Hash(
    {"address": ADDRESS, "name": Str(), "phone": Str()},
    required=("address", "name"),
    nullable=True,
)
INVOICE_SETTINGS = Hash(
    {"default_payment_method": Str(nullable=True), "footer": Str(nullable=True)}
)


def _fields(nullable: bool) -> dict[str, Spec]:
    """Create and update take the same fields; update may also clear the plain strings."""
    return {
        "address": Hash(ADDRESS.fields, nullable=True),
        "description": Str(nullable=nullable),
        "email": Str(max_length=512, check=check_email, nullable=nullable),
        "invoice_settings": INVOICE_SETTINGS,
        "metadata": Metadata(),
        "name": Str(max_length=256, nullable=nullable),
        "phone": Str(max_length=20, nullable=nullable),
        "preferred_locales": List(Str(), nullable=nullable),
        "shipping": SHIPPING,
        "tax_exempt": Str(enum=TAX_EXEMPT, nullable=True),
    }


CREATE = _fields(nullable=False) | {"payment_method": Str()}
UPDATE = _fields(nullable=True)
LIST = LIST_PARAMS | {"email": Str(max_length=512)}
PAYMENT_METHODS = {k: v for k, v in LIST_PARAMS.items() if k != "created"} | {
    "type": Str(enum=("card",))
}


def _create(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return customers.create(tx, ctx, call.params)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return customers.retrieve(tx, ctx, call.path["customer"])


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return customers.update(tx, ctx, call.path["customer"], call.params)


def _delete(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return customers.delete(tx, ctx, call.path["customer"])


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    visible = customers.visible(tx, email=call.params.get("email"))
    return list_response(visible, ctx, "customer", call.params, "/v1/customers")


def _search(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return search_response(
        customers.visible(tx), "customer", search.CUSTOMER_FIELDS, call, "/v1/customers/search"
    )


def _payment_methods(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    # Every PaymentMethod tender stores is a card, so `type=card` filters nothing out.
    customer = customers.load_existing(tx, call.path["customer"], "customer").doc
    url = f"/v1/customers/{customer['id']}/payment_methods"
    return list_response(tx, ctx, "payment_method", call.params, url, customer=customer["id"])


def _payment_method(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return customers.payment_method(tx, ctx, call.path["customer"], call.path["payment_method"])


ENDPOINTS = [
    Endpoint("POST", "/v1/customers", _create, "customer", CREATE),
    Endpoint("GET", "/v1/customers", _list, "list", LIST, item_type="customer"),
    Endpoint(
        "GET", "/v1/customers/search", _search, "search_result", SEARCH_PARAMS, ("query",),
        item_type="customer",
    ),
    Endpoint("GET", "/v1/customers/{customer}", _retrieve, "customer"),
    Endpoint("POST", "/v1/customers/{customer}", _update, "customer", UPDATE),
    Endpoint("DELETE", "/v1/customers/{customer}", _delete, "customer"),
    Endpoint(
        "GET", "/v1/customers/{customer}/payment_methods", _payment_methods, "list",
        PAYMENT_METHODS, item_type="payment_method",
    ),
    Endpoint(
        "GET", "/v1/customers/{customer}/payment_methods/{payment_method}", _payment_method,
        "payment_method",
    ),
]
