"""Events: the list (type filter with `*` wildcards, keyset pages, as GET /v1/events)
and one event's page (its JSON, where it was delivered and every delivery attempt)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.responses import Response

from tender.core.errors import StripeError
from tender.services import events, webhook_endpoints
from tender.store.base import ListQuery
from tender.web.dashboard.app import Visit

PAGE_SIZE = 25
ATTEMPTS_SHOWN = 50


async def list_events(visit: Visit) -> Response:
    query = visit.request.query_params
    pattern = query.get("type", "").strip()
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    for name in ("starting_after", "ending_before"):
        if query.get(name):
            params[name] = query[name]
    if pattern:
        params["type"] = pattern
    error = None
    page: dict[str, Any] = {"data": [], "has_more": False}
    try:
        page = await visit.read(lambda tx: events.list_events(tx, visit.ctx, params, "/dashboard/events"))
    except StripeError as exc:
        error = exc.message
    data = page["data"]
    backwards = "ending_before" in params
    paged = backwards or "starting_after" in params
    more_older = page["has_more"] if not backwards else bool(data)
    more_newer = (page["has_more"] if backwards else paged) and bool(data)

    def link(cursor: dict[str, str]) -> str:
        return "/dashboard/events?" + urlencode({**({"type": pattern} if pattern else {}), **cursor})

    return visit.render(
        "events.html", events=data, type=pattern, error=error,
        next=link({"starting_after": data[-1]["id"]}) if data and more_older else None,
        prev=link({"ending_before": data[0]["id"]}) if more_newer else None,
    )


def object_link(obj: dict[str, Any]) -> str | None:
    """The dashboard page of an event's object, when it has one."""
    kind, object_id = obj.get("object"), obj.get("id")
    if kind == "payment_intent":
        return f"/dashboard/payments/{object_id}"
    if kind in ("charge", "refund") and isinstance(obj.get("payment_intent"), str):
        return f"/dashboard/payments/{obj['payment_intent']}"
    if kind == "customer":
        return f"/dashboard/customers/{object_id}"
    if kind == "payment_method" and isinstance(obj.get("customer"), str):
        return f"/dashboard/customers/{obj['customer']}"
    return None


def _event_details(tx: Any, ctx: Any, event_id: str) -> dict[str, Any]:
    event = events.retrieve(tx, ctx, event_id)
    endpoints, _ = tx.list(ListQuery(account=ctx.account, type="webhook_endpoint", limit=100))
    deliveries = []
    for stored in endpoints:
        endpoint = stored.doc
        found = tx.get_delivery(event["id"], endpoint["id"])
        if found is None:
            continue
        attempts = webhook_endpoints.delivery_attempts(
            tx, ctx, endpoint["id"], {"event": event["id"], "limit": ATTEMPTS_SHOWN}, ""
        )
        deliveries.append({
            "endpoint": endpoint,
            "delivery": webhook_endpoints.render_delivery(found),
            "attempts": attempts["data"],
        })
    return {"event": event, "deliveries": deliveries}


async def show_event(visit: Visit) -> Response:
    event_id = visit.request.path_params["event"]
    try:
        details = await visit.read(lambda tx: _event_details(tx, visit.ctx, event_id))
    except StripeError:
        return visit.render("not_found.html", code=404, what=f"event {event_id} (events are kept 30 days)")
    event = details["event"]
    return visit.render(
        "event.html", raw=orjson.dumps(event, option=orjson.OPT_INDENT_2).decode(),
        object_link=object_link(event["data"]["object"]), **details,
    )


ROUTES = [
    ("/dashboard/events", list_events, ["GET"]),
    ("/dashboard/events/{event}", show_event, ["GET"]),
]
