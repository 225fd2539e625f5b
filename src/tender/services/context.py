"""Who is asking, and with what: passed from the API layer into every service call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from tender.core import clock, events, ids
from tender.core.errors import ResourceMissing
from tender.processor.base import Processor
from tender.store.base import ChargeAttempt, Stored, Tx

# The version events are rendered in: the account's default (stripe-behaviour §7.1), not
# the `Stripe-Version` of the request that caused them.  tender stores objects in the
# current shape, which is this version's.
ACCOUNT_API_VERSION = "2026-10-28.endive"


@dataclass
class Context:
    account: str
    processor: Processor
    request_id: str | None = None
    idempotency_key: str | None = None
    publishable: bool = False
    api_version: str = ACCOUNT_API_VERSION
    base_url: str = "http://127.0.0.1:12111"
    # How long an uncaptured authorisation holds (Stripe: 7 days for online cards).
    capture_window: int = 7 * 86400
    # Set by the API layer: how it answers this request (expansions, idempotency record).
    # Stored with a charge attempt, so that the answer can be recorded after a restart.
    reply: dict[str, Any] | None = None
    # Set by a service that left a charge attempt with a remote processor in this unit
    # (`services.charge_attempts` calls the processor once the unit has committed).
    charge_attempt: ChargeAttempt | None = None

    # The fields a charge attempt keeps of the request that made it.
    SNAPSHOT: ClassVar[tuple[str, ...]] = ("request_id", "idempotency_key", "publishable", "api_version", "base_url", "reply")

    def snapshot(self) -> dict[str, Any]:
        """Who asked and how to answer them, as JSON (see `restore`)."""
        return {name: getattr(self, name) for name in self.SNAPSHOT}

    @classmethod
    def restore(
        cls, snapshot: dict[str, Any], account: str, processor: Processor, capture_window: int
    ) -> Context:
        """The context of the request that recorded a charge attempt, to apply its answer."""
        fields = {name: snapshot[name] for name in cls.SNAPSHOT if name in snapshot}
        return cls(account=account, processor=processor, capture_window=capture_window, **fields)


def emit(
    tx: Tx,
    ctx: Context,
    type: str,
    obj: dict[str, Any],
    previous_attributes: dict[str, Any] | None = None,
) -> None:
    """Record an event in the same transaction as the change that caused it; the store
    queues its webhook deliveries in that transaction too (the outbox)."""
    tx.insert_event(
        events.new_event(
            event_id=ids.new_id("event"),
            created=clock.now(),
            type=type,
            obj=obj,
            api_version=ACCOUNT_API_VERSION,
            request_id=ctx.request_id,
            idempotency_key=ctx.idempotency_key,
            previous_attributes=previous_attributes,
        )
    )


def emit_all(tx: Tx, ctx: Context, types: list[str], objects: dict[str, dict[str, Any]]) -> None:
    """Emit each event type with the object its family names (`charge.*` → the charge)."""
    for type in types:
        emit(tx, ctx, type, objects[type.split(".", 1)[0]])


def load(tx: Tx, kind: str, object_id: str, param: str | None = None) -> Stored:
    """Fetch an object of this account or raise the 404 Stripe gives."""
    stored = tx.get_for_update(kind, object_id) if isinstance(object_id, str) else None
    if stored is None:
        raise ResourceMissing(DISPLAY_NAMES.get(kind, kind), str(object_id), param)
    return stored


DISPLAY_NAMES = {
    "payment_method": "PaymentMethod",
    "payment_intent": "payment_intent",
    "setup_intent": "setupintent",
    "customer": "customer",
    "charge": "charge",
    "refund": "refund",
    "balance_transaction": "balance transaction",
    "webhook_endpoint": "webhook endpoint",
    "event": "event",
}
