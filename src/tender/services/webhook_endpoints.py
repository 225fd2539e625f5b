"""WebhookEndpoints (stripe-behaviour §7.6) and tender's own delivery operations: the
attempts made to an endpoint, resending an event to it, rolling its signing secret.

The secret is shown once, in the answer that created (or rolled) it; it is stored in
the endpoint's private fields and never rendered again.
"""

from __future__ import annotations

from typing import Any

from tender.core import clock, ids
from tender.core import webhook_endpoints as rules
from tender.core.errors import InvalidRequestError, ResourceMissing
from tender.core.metadata import merge_metadata, or_none
from tender.services.context import Context, load
from tender.services.events import EventsTx
from tender.store.base import ListQuery, Stored

KIND = "webhook_endpoint"
# How long a rolled secret keeps signing when the caller does not say (Stripe's maximum).
DEFAULT_SECRET_OVERLAP = rules.MAX_SECRET_OVERLAP
ATTEMPT_PREFIX = "whatt_"


def create(tx: EventsTx, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """A new enabled endpoint; the answer carries its `secret`, the only time it does."""
    if params.get("connect"):
        raise InvalidRequestError(
            "tender has no connected accounts: `connect=true` is not supported.", param="connect"
        )
    existing, _ = tx.list(ListQuery(account=ctx.account, type=KIND, limit=rules.MAX_ENDPOINTS))
    if len(existing) >= rules.MAX_ENDPOINTS:
        raise InvalidRequestError(
            f"You have reached the maximum of {rules.MAX_ENDPOINTS} test webhook endpoints "
            "for this account. Delete one before adding another.",
            param="url",
        )
    secret = rules.new_secret()
    doc = rules.new_webhook_endpoint(
        endpoint_id=ids.new_id(KIND),
        created=clock.now(),
        url=params["url"],
        enabled_events=rules.check_enabled_events(params["enabled_events"]),
        api_version=or_none(params.get("api_version")),
        description=or_none(params.get("description")),
        metadata=merge_metadata({}, params["metadata"]) if "metadata" in params else {},
    )
    tx.insert(Stored(doc, {"secrets": rules.initial_secrets(secret)}))
    return {**doc, "secret": secret}


def retrieve(tx: EventsTx, ctx: Context, endpoint_id: str) -> dict[str, Any]:
    return load(tx, KIND, endpoint_id, "webhook_endpoint").doc


def update(tx: EventsTx, ctx: Context, endpoint_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """url, enabled_events, description, metadata, and `disabled`: a disabled endpoint
    receives nothing, and the deliveries it was still owed are given up (as Stripe does)."""
    stored = load(tx, KIND, endpoint_id, "webhook_endpoint")
    doc = stored.doc
    if "url" in params:
        doc["url"] = params["url"]
    if "enabled_events" in params:
        doc["enabled_events"] = rules.check_enabled_events(params["enabled_events"])
    if "description" in params:
        doc["description"] = or_none(params["description"])
    if "metadata" in params:
        doc["metadata"] = merge_metadata(doc["metadata"], params["metadata"])
    if params.get("disabled") is True and doc["status"] == rules.ENABLED:
        rules.disable(doc, stored.private)
        tx.close_deliveries(doc["id"], "failed")
    elif params.get("disabled") is False and doc["status"] == rules.DISABLED:
        rules.enable(doc, stored.private)
    tx.update(stored)
    return doc


def delete(tx: EventsTx, ctx: Context, endpoint_id: str) -> dict[str, Any]:
    """Gone for good: no further deliveries, not even those still being retried."""
    doc = load(tx, KIND, endpoint_id, "webhook_endpoint").doc
    tx.delete(KIND, doc["id"])
    tx.close_deliveries(doc["id"], "canceled")
    return {"id": doc["id"], "object": KIND, "deleted": True}


def roll_secret(tx: EventsTx, ctx: Context, endpoint_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """tender extension: a new signing secret; the current one keeps signing (both `v1`
    signatures are sent) for `expires_in` seconds, at most a day."""
    stored = load(tx, KIND, endpoint_id, "webhook_endpoint")
    secret = rules.new_secret()
    stored.private["secrets"] = rules.roll_secrets(
        stored.private.get("secrets", []),
        secret,
        clock.now(),
        params.get("expires_in", DEFAULT_SECRET_OVERLAP),
    )
    tx.update(stored)
    return {**stored.doc, "secret": secret}


def delivery_attempts(
    tx: EventsTx, ctx: Context, endpoint_id: str, params: dict[str, Any], url: str
) -> dict[str, Any]:
    """tender extension: every POST made to the endpoint, newest first."""
    endpoint = load(tx, KIND, endpoint_id, "webhook_endpoint").doc
    cursors = {
        name: _attempt_number(params[name], name)
        for name in ("starting_after", "ending_before")
        if name in params
    }
    rows, has_more = tx.list_delivery_attempts(
        endpoint["id"],
        limit=params.get("limit", 10),
        event_id=params.get("event"),
        starting_after=cursors.get("starting_after"),
        ending_before=cursors.get("ending_before"),
    )
    return {"object": "list", "data": [render_attempt(r) for r in rows], "has_more": has_more, "url": url}


def delivery(tx: EventsTx, ctx: Context, endpoint_id: str, event_id: str) -> dict[str, Any]:
    """tender extension: where one event stands with one endpoint."""
    endpoint = load(tx, KIND, endpoint_id, "webhook_endpoint").doc
    found = tx.get_delivery(event_id, endpoint["id"])
    if found is None:
        raise ResourceMissing("delivery", event_id, "event")
    return render_delivery(found)


def resend(tx: EventsTx, ctx: Context, endpoint_id: str, event_id: str) -> dict[str, Any]:
    """tender extension: deliver an event (within retention) to an enabled endpoint now,
    whatever happened before; if that attempt fails the usual retries follow."""
    endpoint = load(tx, KIND, endpoint_id, "webhook_endpoint").doc
    if endpoint["status"] != rules.ENABLED:
        raise InvalidRequestError(
            f"The webhook endpoint {endpoint['id']} is disabled; enable it before resending.",
            param="webhook_endpoint",
        )
    if tx.get_event(event_id) is None:
        raise ResourceMissing("event", event_id, "event")
    tx.schedule_delivery(event_id, endpoint["id"], clock.now())
    found = tx.get_delivery(event_id, endpoint["id"])
    assert found is not None
    return render_delivery(found)


def render_attempt(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{ATTEMPT_PREFIX}{row['id']}",
        "object": "webhook_delivery_attempt",
        "created": int(row["attempted_at"]),
        "event": row["event_id"],
        "event_type": row["event_type"],
        "webhook_endpoint": row["endpoint_id"],
        "url": row["url"],
        "succeeded": bool(row["succeeded"]),
        "response_status": row["status_code"],
        "response_body": row["response_body"],
        "latency_ms": round(float(row["latency_ms"]), 1),
        "error": row["error"],
    }


def render_delivery(row: dict[str, Any]) -> dict[str, Any]:
    def seconds(value: Any) -> int | None:
        return None if value is None else int(value)

    return {
        "object": "webhook_delivery",
        "event": row["event_id"],
        "webhook_endpoint": row["endpoint_id"],
        "status": row["status"],
        "attempts": row["attempts"],
        "created": int(row["created"]),
        "next_attempt_at": seconds(row["next_attempt_at"]) if row["status"] == "pending" else None,
        "last_attempt_at": seconds(row["last_attempt_at"]),
        "last_response_status": row["last_status_code"],
        "last_error": row["last_error"],
    }


def _attempt_number(cursor: str, param: str) -> int:
    number = cursor[len(ATTEMPT_PREFIX):] if cursor.startswith(ATTEMPT_PREFIX) else ""
    if not number.isdigit():
        raise ResourceMissing("delivery attempt", cursor, param)
    return int(number)


LISTEN_MARK = "tender_listen"


def listen_endpoint(
    tx: EventsTx, ctx: Context, url: str, enabled_events: list[str]
) -> tuple[dict[str, Any], str]:
    """`tender listen`: the endpoint that forwards to `url`, enabled for
    `enabled_events`.  The same URL gets the same endpoint, and so the same signing
    secret, every time, so a receiver configured once keeps verifying."""
    rows, _ = tx.list(ListQuery(account=ctx.account, type=KIND, limit=rules.MAX_ENDPOINTS))
    for stored in rows:
        if stored.doc["url"] == url and stored.doc["metadata"].get(LISTEN_MARK) == "true":
            doc = update(tx, ctx, stored.doc["id"], {"enabled_events": enabled_events, "disabled": False})
            return doc, str(rules.signing_keys(stored.private, clock.now())[0])
    created = create(tx, ctx, {
        "url": url,
        "enabled_events": enabled_events,
        "description": "tender listen",
        "metadata": {LISTEN_MARK: "true"},
    })
    secret = created.pop("secret")
    return created, str(secret)
