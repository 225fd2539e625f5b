"""Creating a PaymentIntent with `confirm=true` (stripe-behaviour §1.2): one request makes
the intent and attempts the payment.  The intent's row is written once, in the state the
attempt leaves it in; its `payment_intent.created` event still shows it as created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tender.core.errors import CardError
from tender.processor.simulator import Simulator
from tender.services import accounts, payment_intents
from tender.services.context import Context
from tender.store.base import Stored
from tender.store.sqlite import SQLiteStore, SQLiteTx


class RecordingTx(SQLiteTx):
    """The real unit of work, noting which objects it inserts and updates."""

    def __init__(self, tx: SQLiteTx) -> None:
        super().__init__(tx.conn, tx.account)
        self.writes: list[tuple[str, str, str]] = []

    def insert(self, stored: Stored) -> None:
        self.writes.append(("insert", stored.doc["id"], stored.doc.get("status", "")))
        super().insert(stored)

    def update(self, stored: Stored) -> None:
        self.writes.append(("update", stored.doc["id"], stored.doc.get("status", "")))
        super().update(stored)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    store = SQLiteStore(str(tmp_path / "t.db"))
    yield store
    store.close()


def create_and_confirm(store: SQLiteStore, card: str, **params: Any) -> dict[str, Any]:
    """One create+confirm unit, kept even when it fails as the API keeps a decline; returns
    the answer (or the error's intent), what the unit wrote, and what is stored after it."""
    account = accounts.ensure_test_account(store, None, None).account
    ctx = Context(account=account, processor=Simulator(b"fingerprint-key"), request_id="req_1")

    def unit(plain: SQLiteTx) -> dict[str, Any]:
        tx = RecordingTx(plain)
        try:
            with tx.atomic():
                intent = payment_intents.create(tx, ctx, {
                    "amount": 2000, "currency": "usd", "payment_method_types": ["card"],
                    "confirm": True, "payment_method": card, **params,
                })
        except CardError as error:
            intent = error.extra["payment_intent"]
        stored = tx.get("payment_intent", intent["id"])
        events = [tx.get_event(event_id) for (event_id,) in tx.conn.execute(
            "SELECT id FROM events WHERE object_id = ? ORDER BY id", (intent["id"],)
        )]
        return {"intent": intent, "writes": tx.writes, "stored": stored, "events": events}

    return store.write_sync(account, unit)


def intent_writes(outcome: dict[str, Any]) -> list[tuple[str, str]]:
    return [(kind, status) for kind, object_id, status in outcome["writes"] if object_id == outcome["intent"]["id"]]


def test_a_created_and_confirmed_intent_is_written_once_as_it_ends_up(store: SQLiteStore) -> None:
    outcome = create_and_confirm(store, "pm_card_visa")
    assert intent_writes(outcome) == [("insert", "succeeded")]
    assert outcome["stored"].doc == outcome["intent"]
    assert [e["type"] for e in outcome["events"]] == ["payment_intent.created", "payment_intent.succeeded"]
    created = outcome["events"][0]["data"]["object"]
    assert (created["status"], created["latest_charge"]) == ("requires_confirmation", None)


def test_a_declined_create_and_confirm_keeps_the_failed_intent(store: SQLiteStore) -> None:
    outcome = create_and_confirm(store, "pm_card_chargeDeclined")
    assert intent_writes(outcome) == [("insert", "requires_payment_method")]
    assert outcome["stored"].doc["last_payment_error"]["code"] == "card_declined"
    assert outcome["stored"].doc == outcome["intent"]


@pytest.mark.parametrize(("extra", "status"), [
    ({}, "requires_action"),
    ({"error_on_requires_action": True}, "requires_payment_method"),
])
def test_a_create_and_confirm_needing_authentication_keeps_the_intent(
    store: SQLiteStore, extra: dict[str, Any], status: str
) -> None:
    outcome = create_and_confirm(store, "pm_card_authenticationRequired", **extra)
    assert intent_writes(outcome) == [("insert", status)]
    assert outcome["stored"].doc == outcome["intent"]


def test_create_and_confirm_uses_the_payment_method_it_made_from_a_test_id(store: SQLiteStore) -> None:
    outcome = create_and_confirm(store, "pm_card_visa")
    made = {object_id for kind, object_id, _ in outcome["writes"] if object_id.startswith("pm_")}
    assert made == {outcome["intent"]["payment_method"]}
