"""/v1/events: what happened, as recorded when it happened (stripe-behaviour §7.1)."""

from __future__ import annotations

from typing import Any, cast

from tender.api.endpoint import Call, Endpoint
from tender.api.params import Bool, List, Str, check_cursors, check_exclusive
from tender.api.routes.collections import LIST_PARAMS
from tender.services import events
from tender.services.context import Context
from tender.services.events import EventsTx
from tender.store.base import Tx

LIST = LIST_PARAMS | {
    "type": Str(),
    "types": List(Str(), max_items=events.MAX_TYPES),
    "delivery_success": Bool(),
}


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    check_cursors(call.params)
    check_exclusive(call.params, "type", "types")
    return events.list_events(cast(EventsTx, tx), ctx, call.params, "/v1/events")


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return events.retrieve(cast(EventsTx, tx), ctx, call.path["id"])


ENDPOINTS = [
    Endpoint("GET", "/v1/events", _list, "list", LIST, item_type="event"),
    Endpoint("GET", "/v1/events/{id}", _retrieve, "event"),
]
