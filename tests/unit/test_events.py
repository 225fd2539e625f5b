"""Event construction (stripe-behaviour §7.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tender.core.events import new_event, previous_attributes
from tender.store.sqlite import SQLiteStore
from tests.support import aio

CREATED = 1_750_000_000


def event(obj: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event_id": "evt_1",
        "created": CREATED,
        "type": "payment_intent.succeeded",
        "obj": obj,
        "api_version": "2025-02-24.acacia",
        "request_id": "req_1",
        "idempotency_key": "key-1",
    }
    return new_event(**(fields | kwargs))


# --- the event object -------------------------------------------------------------------


def test_an_event_carries_its_type_version_cause_and_object() -> None:
    intent = {"id": "pi_1", "object": "payment_intent", "status": "succeeded"}
    assert event(intent) == {
        "id": "evt_1",
        "object": "event",
        "api_version": "2025-02-24.acacia",
        "created": CREATED,
        "data": {"object": intent},
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": "req_1", "idempotency_key": "key-1"},
        "type": "payment_intent.succeeded",
    }


def test_a_recorded_event_is_a_snapshot_later_changes_to_the_object_do_not_reach_it(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "t.db"))
    intent: dict[str, Any] = {"id": "pi_1", "status": "requires_capture", "metadata": {"a": "1"}}
    try:
        def record_then_change(tx: Any) -> None:
            tx.insert_event(event(intent))
            intent["status"] = "succeeded"
            intent["metadata"]["a"] = "2"

        store.write_sync("acct_1", record_then_change)
        recorded = aio.run(store.read("acct_1", lambda tx: tx.get_event("evt_1")))
    finally:
        store.close()
    assert recorded["data"]["object"] == {"id": "pi_1", "status": "requires_capture", "metadata": {"a": "1"}}


def test_an_automatic_change_has_a_null_request() -> None:
    assert event({"id": "pi_1"}, request_id=None, idempotency_key=None)["request"] == {
        "id": None,
        "idempotency_key": None,
    }


def test_previous_attributes_appear_only_on_update_style_events() -> None:
    assert "previous_attributes" not in event({"id": "ch_1"})["data"]
    updated = event({"id": "ch_1"}, type="charge.updated", previous_attributes={"description": None})
    assert updated["data"]["previous_attributes"] == {"description": None}


# --- previous_attributes ----------------------------------------------------------------


def test_nothing_changed_means_no_previous_attributes() -> None:
    doc = {"amount": 100, "metadata": {"a": "1"}, "refunds": [1]}
    assert previous_attributes(doc, dict(doc)) == {}


def test_a_changed_top_level_field_reports_its_old_value() -> None:
    before = {"amount_refunded": 0, "refunded": False, "currency": "usd"}
    after = {"amount_refunded": 2500, "refunded": True, "currency": "usd"}
    assert previous_attributes(before, after) == {"amount_refunded": 0, "refunded": False}


def test_a_field_set_from_null_reports_null() -> None:
    assert previous_attributes({"balance_transaction": None}, {"balance_transaction": "txn_1"}) == {
        "balance_transaction": None
    }


def test_a_nested_hash_reports_only_its_changed_keys() -> None:
    before = {"metadata": {"order": "1", "kept": "x", "dropped": "y"}}
    after = {"metadata": {"order": "2", "kept": "x", "added": "z"}}
    assert previous_attributes(before, after) == {
        "metadata": {"order": "1", "dropped": "y", "added": None}
    }


def test_an_array_that_changed_is_reported_whole() -> None:
    before = {"payment_method_types": ["card"]}
    after = {"payment_method_types": ["card", "link"]}
    assert previous_attributes(before, after) == {"payment_method_types": ["card"]}


def test_a_hash_replaced_by_null_reports_the_whole_old_hash() -> None:
    before = {"shipping": {"name": "Jenny"}}
    assert previous_attributes(before, {"shipping": None}) == {"shipping": {"name": "Jenny"}}
