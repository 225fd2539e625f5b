"""/v1/balance and /v1/balance_transactions."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.routes.collections import LIST_PARAMS, list_response
from tender.services import balance
from tender.services.context import Context
from tender.store.base import Tx


def _balance(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return balance.retrieve_balance(tx, ctx)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return balance.retrieve_transaction(tx, ctx, call.path["id"])


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return list_response(tx, ctx, "balance_transaction", call.params, "/v1/balance_transactions")


ENDPOINTS = [
    Endpoint("GET", "/v1/balance", _balance, "balance"),
    Endpoint(
        "GET", "/v1/balance_transactions", _list, "list",
        LIST_PARAMS,
        item_type="balance_transaction",
    ),
    Endpoint("GET", "/v1/balance_transactions/{id}", _retrieve, "balance_transaction"),
]
