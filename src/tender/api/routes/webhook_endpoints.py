"""/v1/webhook_endpoints (stripe-behaviour §7.6), plus tender's delivery extensions:

    GET  /v1/webhook_endpoints/{id}/delivery_attempts          every POST made to it
    GET  /v1/webhook_endpoints/{id}/deliveries/{event}         one event's delivery state
    POST /v1/webhook_endpoints/{id}/deliveries/{event}/resend  deliver it again, now
    POST /v1/webhook_endpoints/{id}/roll_secret                new secret, old one overlaps
"""

from __future__ import annotations

import re
from typing import Any, cast

from tender.api.endpoint import Call, Endpoint
from tender.api.params import LIMIT, Bool, Int, List, Metadata, Str, check_cursors, check_url
from tender.api.routes.collections import list_response
from tender.core.errors import InvalidRequestError
from tender.core.webhook_endpoints import MAX_SECRET_OVERLAP
from tender.services import webhook_endpoints
from tender.services.context import Context
from tender.services.events import EventsTx
from tender.store.base import Tx


def _check_version(value: str, param: str) -> None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?", value):
        raise InvalidRequestError(f"Invalid Stripe API version: {value}", param=param)


def _check_webhook_url(value: str, param: str) -> None:
    """Deliveries are HTTP POSTs: http(s) only (Stripe also demands https in live mode;
    tender, for development, accepts plain http)."""
    check_url(value, param)
    if not value.lower().startswith(("http://", "https://")):
        raise InvalidRequestError(f"Invalid URL: {value}. It must use http or https.", param=param)


CREATE = {
    "url": Str(check=_check_webhook_url),
    "enabled_events": List(Str(), max_items=300),
    "api_version": Str(check=_check_version),
    "connect": Bool(),
    "description": Str(nullable=True),
    "metadata": Metadata(),
}
UPDATE = {
    "url": Str(check=_check_webhook_url),
    "enabled_events": List(Str(), max_items=300),
    "disabled": Bool(),
    "description": Str(nullable=True),
    "metadata": Metadata(),
}
PAGE = {"limit": LIMIT, "starting_after": Str(), "ending_before": Str()}


def _tx(tx: Tx) -> EventsTx:
    return cast(EventsTx, tx)


def _create(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return webhook_endpoints.create(_tx(tx), ctx, call.params)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return webhook_endpoints.retrieve(_tx(tx), ctx, call.path["webhook_endpoint"])


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return webhook_endpoints.update(_tx(tx), ctx, call.path["webhook_endpoint"], call.params)


def _delete(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return webhook_endpoints.delete(_tx(tx), ctx, call.path["webhook_endpoint"])


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return list_response(tx, ctx, "webhook_endpoint", call.params, "/v1/webhook_endpoints")


def _roll_secret(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return webhook_endpoints.roll_secret(_tx(tx), ctx, call.path["webhook_endpoint"], call.params)


def _attempts(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    check_cursors(call.params)
    endpoint_id = call.path["webhook_endpoint"]
    return webhook_endpoints.delivery_attempts(
        _tx(tx), ctx, endpoint_id, call.params, f"/v1/webhook_endpoints/{endpoint_id}/delivery_attempts"
    )


def _delivery(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return webhook_endpoints.delivery(_tx(tx), ctx, call.path["webhook_endpoint"], call.path["event"])


def _resend(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return webhook_endpoints.resend(_tx(tx), ctx, call.path["webhook_endpoint"], call.path["event"])


BASE = "/v1/webhook_endpoints"
ENDPOINTS = [
    Endpoint("POST", BASE, _create, "webhook_endpoint", CREATE, ("url", "enabled_events")),
    Endpoint("GET", BASE, _list, "list", PAGE, item_type="webhook_endpoint"),
    Endpoint("GET", BASE + "/{webhook_endpoint}", _retrieve, "webhook_endpoint"),
    Endpoint("POST", BASE + "/{webhook_endpoint}", _update, "webhook_endpoint", UPDATE),
    Endpoint("DELETE", BASE + "/{webhook_endpoint}", _delete, "webhook_endpoint"),
    # tender extensions (README "Webhooks")
    Endpoint(
        "POST", BASE + "/{webhook_endpoint}/roll_secret", _roll_secret, "webhook_endpoint",
        {"expires_in": Int(minimum=0, maximum=MAX_SECRET_OVERLAP)},
    ),
    Endpoint(
        "GET", BASE + "/{webhook_endpoint}/delivery_attempts", _attempts, "list",
        PAGE | {"event": Str()}, item_type="webhook_delivery_attempt",
    ),
    Endpoint("GET", BASE + "/{webhook_endpoint}/deliveries/{event}", _delivery, "webhook_delivery"),
    Endpoint(
        "POST", BASE + "/{webhook_endpoint}/deliveries/{event}/resend", _resend, "webhook_delivery"
    ),
]
