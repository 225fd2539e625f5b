"""Events: list and retrieve (stripe-behaviour §7.1), and the retention that bounds them.

Events are written by `context.emit` in the same transaction as the change that caused
them and are never re-rendered: what a client reads is what was recorded, with only
`pending_webhooks` (endpoints still to receive it) computed when read.
"""

from __future__ import annotations

from typing import Any, Protocol

from tender.core.errors import ResourceMissing
from tender.core.webhook_endpoints import check_type_filter
from tender.services.context import Context
from tender.store.base import Tx

RETENTION = 30 * 86400  # GET /v1/events is guaranteed for 30 days (§7.1)
MAX_TYPES = 20  # `types[]` entries at most


class EventsTx(Tx, Protocol):
    """What events and webhooks need from a unit of work beyond `Tx`."""

    def get_event(self, event_id: str) -> dict[str, Any] | None: ...

    def list_events(
        self,
        *,
        limit: int,
        starting_after: str | None = None,
        ending_before: str | None = None,
        created: dict[str, int] | None = None,
        type_pattern: str | None = None,
        types: list[str] | None = None,
        delivery_success: bool | None = None,
    ) -> tuple[list[dict[str, Any]], bool]: ...

    def events_about(self, object_ids: list[str], limit: int) -> list[dict[str, Any]]:
        """Events whose `data.object` is one of `object_ids`, oldest first (indexed)."""
        ...

    def delete(self, type: str, object_id: str) -> bool: ...

    def close_deliveries(self, endpoint_id: str, status: str) -> int: ...

    def get_delivery(self, event_id: str, endpoint_id: str) -> dict[str, Any] | None: ...

    def schedule_delivery(self, event_id: str, endpoint_id: str, now: float) -> None: ...

    def list_delivery_attempts(
        self,
        endpoint_id: str,
        *,
        limit: int,
        event_id: str | None = None,
        starting_after: int | None = None,
        ending_before: int | None = None,
    ) -> tuple[list[dict[str, Any]], bool]: ...


def retrieve(tx: EventsTx, ctx: Context, event_id: str) -> dict[str, Any]:
    """One event as recorded; 404 once retention has removed it."""
    event = tx.get_event(event_id) if isinstance(event_id, str) else None
    if event is None:
        raise ResourceMissing("event", str(event_id), "id")
    return event


def list_events(tx: EventsTx, ctx: Context, params: dict[str, Any], url: str) -> dict[str, Any]:
    """Newest first, filtered by `type` (with `*` wildcards) or `types[]` (≤ 20; the
    route refuses both at once), `created`, and `delivery_success`."""
    types = params.get("types")
    for param in ("starting_after", "ending_before"):
        cursor = params.get(param)
        if cursor is not None and tx.get_event(cursor) is None:
            raise ResourceMissing("event", cursor, param)
    pattern = params.get("type")
    data, has_more = tx.list_events(
        limit=params.get("limit", 10),
        starting_after=params.get("starting_after"),
        ending_before=params.get("ending_before"),
        created=params.get("created"),
        type_pattern=check_type_filter(pattern) if pattern is not None else None,
        types=types,
        delivery_success=params.get("delivery_success"),
    )
    return {"object": "list", "data": data, "has_more": has_more, "url": url}
