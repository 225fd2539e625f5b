"""/v1/charges: read, list, search, and edit a Charge's descriptive fields."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import SHIPPING, Hash, Metadata, Str, check_email
from tender.api.routes.collections import LIST_PARAMS, SEARCH_PARAMS, list_response, search_response
from tender.core import search
from tender.core.errors import ResourceMissing
from tender.services import charges, refunds
from tender.services.context import Context
from tender.store.base import Tx

UPDATE = {
    "description": Str(max_length=1000, nullable=True),
    "metadata": Metadata(),
    "receipt_email": Str(check=check_email, nullable=True),
    "shipping": Hash(SHIPPING.fields, SHIPPING.required, nullable=True),
    "fraud_details": Hash({"user_report": Str(enum=("fraudulent", "safe"), nullable=True)}),
}
LIST = LIST_PARAMS | {"customer": Str(), "payment_intent": Str()}


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return charges.retrieve(tx, ctx, call.path["charge"])


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return charges.update(tx, ctx, call.path["charge"], call.params)


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    p = call.params
    return list_response(
        tx, ctx, "charge", p, "/v1/charges", customer=p.get("customer"), parent=p.get("payment_intent")
    )


def _search(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return search_response(tx, "charge", search.CHARGE_FIELDS, call, "/v1/charges/search")


def _refunds(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    charge = charges.retrieve(tx, ctx, call.path["charge"])
    return list_response(tx, ctx, "refund", call.params, f"/v1/charges/{charge['id']}/refunds", parent=charge["id"])


def _refund(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    charge = charges.retrieve(tx, ctx, call.path["charge"])
    refund = refunds.retrieve(tx, ctx, call.path["refund"])
    if refund["charge"] != charge["id"]:
        raise ResourceMissing("refund", call.path["refund"], "refund")
    return refund


ENDPOINTS = [
    Endpoint("GET", "/v1/charges", _list, "list", LIST, item_type="charge"),
    Endpoint(
        "GET", "/v1/charges/search", _search, "search_result",
        SEARCH_PARAMS, ("query",), item_type="charge",
    ),
    Endpoint("GET", "/v1/charges/{charge}", _retrieve, "charge"),
    Endpoint("POST", "/v1/charges/{charge}", _update, "charge", UPDATE),
    Endpoint("GET", "/v1/charges/{charge}/refunds", _refunds, "list", LIST_PARAMS, item_type="refund"),
    Endpoint("GET", "/v1/charges/{charge}/refunds/{refund}", _refund, "refund"),
]
