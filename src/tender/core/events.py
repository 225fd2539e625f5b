"""Event construction (stripe-behaviour §7.1): a snapshot of the object and its cause."""

from __future__ import annotations

from typing import Any


def new_event(
    *,
    event_id: str,
    created: int,
    type: str,
    obj: dict[str, Any],
    api_version: str,
    request_id: str | None,
    idempotency_key: str | None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event holds `obj` itself, not a copy: the store serialises an event as it
    records it (`Tx.insert_event`), and that is the snapshot."""
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id,
        "object": "event",
        "api_version": api_version,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": type,
    }


def previous_attributes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Old values of the top-level fields an update changed; nested hashes report only
    their changed keys."""
    changed: dict[str, Any] = {}
    for key, old in before.items():
        new = after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            changed[key] = {k: old.get(k) for k in set(old) | set(new) if old.get(k) != new.get(k)}
        else:
            changed[key] = old
    return changed
