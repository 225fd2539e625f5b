"""/v1/charges: read, list, search, and edit a Charge's descriptive fields."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import LIMIT, SHIPPING, Created, Hash, Metadata, Str, check_cursors, check_email
from tender.core import search
from tender.services import charges
from tender.services.context import Context
from tender.services.listing import list_page, search_page
from tender.store.base import ListQuery, Tx

UPDATE = {
    "description": Str(max_length=1000, nullable=True),
    "metadata": Metadata(),
    "receipt_email": Str(check=check_email, nullable=True),
    "shipping": Hash(SHIPPING.fields, SHIPPING.required, nullable=True),
    "fraud_details": Hash({"user_report": Str(enum=("fraudulent", "safe"), nullable=True)}),
}
LIST = {
    "created": Created(),
    "customer": Str(),
    "payment_intent": Str(),
    "limit": LIMIT,
    "starting_after": Str(),
    "ending_before": Str(),
}


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return charges.retrieve(tx, ctx, call.path["charge"])


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return charges.update(tx, ctx, call.path["charge"], call.params)


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    p = call.params
    check_cursors(p)
    data, has_more = list_page(
        tx,
        ListQuery(
            account=ctx.account,
            type="charge",
            limit=p.get("limit", 10),
            starting_after=p.get("starting_after"),
            ending_before=p.get("ending_before"),
            created=p.get("created"),
            customer=p.get("customer"),
            parent=p.get("payment_intent"),
        ),
    )
    return {"object": "list", "data": data, "has_more": has_more, "url": "/v1/charges"}


def _search(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    p = call.params
    query = search.parse_query(p["query"], search.CHARGE_FIELDS)
    data, next_page, total = search_page(tx, "charge", query, p.get("limit", 10), p.get("page"))
    return {
        "object": "search_result",
        "data": data,
        "has_more": next_page is not None,
        "next_page": next_page,
        "total_count": total,
        "url": "/v1/charges/search",
    }


ENDPOINTS = [
    Endpoint("GET", "/v1/charges", _list, "list", LIST, item_type="charge"),
    Endpoint(
        "GET", "/v1/charges/search", _search, "search_result",
        {"query": Str(), "limit": LIMIT, "page": Str()}, ("query",), item_type="charge",
    ),
    Endpoint("GET", "/v1/charges/{charge}", _retrieve, "charge"),
    Endpoint("POST", "/v1/charges/{charge}", _update, "charge", UPDATE),
]
