"""/v1/balance and /v1/balance_transactions."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import LIMIT, Created, Str, check_cursors
from tender.services import balance
from tender.services.context import Context
from tender.services.listing import list_page
from tender.store.base import ListQuery, Tx


def _balance(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return balance.retrieve_balance(tx, ctx)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return balance.retrieve_transaction(tx, ctx, call.path["id"])


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    p = call.params
    check_cursors(p)
    data, has_more = list_page(
        tx,
        ListQuery(
            account=ctx.account,
            type="balance_transaction",
            limit=p.get("limit", 10),
            starting_after=p.get("starting_after"),
            ending_before=p.get("ending_before"),
            created=p.get("created"),
        ),
    )
    return {"object": "list", "data": data, "has_more": has_more, "url": "/v1/balance_transactions"}


ENDPOINTS = [
    Endpoint("GET", "/v1/balance", _balance, "balance"),
    Endpoint(
        "GET", "/v1/balance_transactions", _list, "list",
        {
            "created": Created(), "limit": LIMIT, "starting_after": Str(),
            "ending_before": Str(),
        },
        item_type="balance_transaction",
    ),
    Endpoint("GET", "/v1/balance_transactions/{id}", _retrieve, "balance_transaction"),
]
