"""/v1/refunds."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import Int, Metadata, Str
from tender.api.routes.collections import LIST_PARAMS, list_response
from tender.core.refunds import REASONS
from tender.services import refunds
from tender.services.context import Context
from tender.store.base import Tx

CREATE = {
    "amount": Int(minimum=1),
    "charge": Str(),
    "payment_intent": Str(),
    "metadata": Metadata(),
    "reason": Str(enum=REASONS),
}
LIST = LIST_PARAMS | {"charge": Str(), "payment_intent": Str()}


def _create(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return refunds.create(tx, ctx, call.params)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return refunds.retrieve(tx, ctx, call.path["refund"])


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return refunds.update(tx, ctx, call.path["refund"], call.params)


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    p = call.params
    parent = p.get("charge")
    if "payment_intent" in p:
        intent = tx.get("payment_intent", p["payment_intent"])
        parent = intent.doc.get("latest_charge") if intent else "none"
    return list_response(tx, ctx, "refund", p, "/v1/refunds", parent=parent)


ENDPOINTS = [
    Endpoint("POST", "/v1/refunds", _create, "refund", CREATE),
    Endpoint("GET", "/v1/refunds", _list, "list", LIST, item_type="refund"),
    Endpoint("GET", "/v1/refunds/{refund}", _retrieve, "refund"),
    Endpoint("POST", "/v1/refunds/{refund}", _update, "refund", {"metadata": Metadata()}),
]
