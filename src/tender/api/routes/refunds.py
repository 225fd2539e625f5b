"""/v1/refunds."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import LIMIT, Created, Int, Metadata, Str, check_cursors
from tender.core.refunds import REASONS
from tender.services import refunds
from tender.services.context import Context
from tender.services.listing import list_page
from tender.store.base import ListQuery, Tx

CREATE = {
    "amount": Int(minimum=1),
    "charge": Str(),
    "payment_intent": Str(),
    "metadata": Metadata(),
    "reason": Str(enum=REASONS),
}
LIST = {
    "charge": Str(),
    "payment_intent": Str(),
    "created": Created(),
    "limit": LIMIT,
    "starting_after": Str(),
    "ending_before": Str(),
}


def _create(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return refunds.create(tx, ctx, call.params)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return refunds.retrieve(tx, ctx, call.path["refund"])


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return refunds.update(tx, ctx, call.path["refund"], call.params)


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    p = call.params
    check_cursors(p)
    parent = p.get("charge")
    if "payment_intent" in p:
        intent = tx.get("payment_intent", p["payment_intent"])
        parent = intent.doc.get("latest_charge") if intent else "none"
    data, has_more = list_page(
        tx,
        ListQuery(
            account=ctx.account,
            type="refund",
            limit=p.get("limit", 10),
            starting_after=p.get("starting_after"),
            ending_before=p.get("ending_before"),
            created=p.get("created"),
            parent=parent,
        ),
    )
    return {"object": "list", "data": data, "has_more": has_more, "url": "/v1/refunds"}


ENDPOINTS = [
    Endpoint("POST", "/v1/refunds", _create, "refund", CREATE),
    Endpoint("GET", "/v1/refunds", _list, "list", LIST, item_type="refund"),
    Endpoint("GET", "/v1/refunds/{refund}", _retrieve, "refund"),
    Endpoint("POST", "/v1/refunds/{refund}", _update, "refund", {"metadata": Metadata()}),
]
