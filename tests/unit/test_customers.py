"""Customers and the cards saved on them (stripe-behaviour §8.2, §8.3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tender.core import customers
from tender.core.errors import InvalidRequestError, ResourceMissing
from tender.core.metadata import UNSET
from tests.support.openapi import OPENAPI_DIR

CREATED = 1_750_000_000


def customer(**fields: Any) -> dict[str, Any]:
    doc = customers.new_customer(customer_id="cus_1", created=CREATED)
    doc.update(fields)
    return doc


def card(owner: str | None = None) -> dict[str, Any]:
    return {"id": "pm_1", "object": "payment_method", "customer": owner}


# --- the document ------------------------------------------------------------------------


def test_a_new_customer_has_every_field_of_the_current_api_shape() -> None:
    fixture = json.loads((OPENAPI_DIR / "fixtures.current.json").read_text())["customer"]
    doc = customer()
    assert set(doc) == set(fixture)
    assert doc["balance"] == 0 and doc["delinquent"] is False and doc["next_invoice_sequence"] == 1
    assert doc["tax_exempt"] == "none" and doc["preferred_locales"] == [] and doc["metadata"] == {}
    assert doc["invoice_settings"] == {
        "custom_fields": None, "default_payment_method": None, "footer": None, "rendering_options": None,
    }


def test_the_invoice_prefix_is_eight_upper_case_characters_stable_per_customer() -> None:
    prefix = customers.invoice_prefix("cus_1")
    assert len(prefix) == 8 and prefix == prefix.upper()
    assert customers.invoice_prefix("cus_1") == prefix != customers.invoice_prefix("cus_2")


def test_a_deleted_customer_is_the_three_field_stub() -> None:
    stub = customers.deleted_customer("cus_1")
    assert stub == {"id": "cus_1", "object": "customer", "deleted": True}
    assert customers.is_deleted(stub) and not customers.is_deleted(customer())


def test_a_deleted_customer_is_missing_to_everything_but_retrieve() -> None:
    customers.ensure_exists(customer(), "customer")
    with pytest.raises(ResourceMissing) as info:
        customers.ensure_exists(customers.deleted_customer("cus_1"), "customer")
    assert info.value.status == 404 and info.value.param == "customer"
    assert info.value.message == "No such customer: 'cus_1'"


# --- create and update ---------------------------------------------------------------------


def test_changes_copy_plain_fields_and_clear_them_with_an_empty_string() -> None:
    doc = customer(email="a@example.com", name="A")
    customers.apply_changes(doc, {"email": UNSET, "name": "B", "phone": "+1555", "description": "d"})
    assert (doc["email"], doc["name"], doc["phone"], doc["description"]) == (None, "B", "+1555", "d")


def test_address_fills_every_key_merges_on_update_and_clears_whole() -> None:
    doc = customer()
    customers.apply_changes(doc, {"address": {"line1": "1 Main St", "city": "Springfield"}})
    assert doc["address"] == {
        "city": "Springfield", "country": None, "line1": "1 Main St",
        "line2": None, "postal_code": None, "state": None,
    }
    customers.apply_changes(doc, {"address": {"city": UNSET, "state": "IL"}})
    assert doc["address"]["line1"] == "1 Main St" and doc["address"]["city"] is None
    assert doc["address"]["state"] == "IL"
    customers.apply_changes(doc, {"address": UNSET})
    assert doc["address"] is None


def test_shipping_is_replaced_whole() -> None:
    doc = customer()
    customers.apply_changes(doc, {"shipping": {"name": "J", "phone": "1", "address": {"line1": "x"}}})
    customers.apply_changes(doc, {"shipping": {"name": "K", "address": {"city": "y"}}})
    assert doc["shipping"]["name"] == "K" and doc["shipping"]["phone"] is None
    assert doc["shipping"]["address"]["line1"] is None and doc["shipping"]["address"]["city"] == "y"
    customers.apply_changes(doc, {"shipping": UNSET})
    assert doc["shipping"] is None


def test_locales_tax_exempt_and_metadata_have_their_own_empty_values() -> None:
    doc = customer(preferred_locales=["en"], tax_exempt="exempt", metadata={"a": "1", "b": "2"})
    customers.apply_changes(
        doc, {"preferred_locales": UNSET, "tax_exempt": UNSET, "metadata": {"a": UNSET, "c": "3"}}
    )
    assert doc["preferred_locales"] == [] and doc["tax_exempt"] == "none"
    assert doc["metadata"] == {"b": "2", "c": "3"}


def test_invoice_settings_change_only_the_keys_given() -> None:
    doc = customer()
    customers.apply_changes(doc, {"invoice_settings": {"default_payment_method": "pm_1"}})
    customers.apply_changes(doc, {"invoice_settings": {"footer": "Thanks"}})
    assert doc["invoice_settings"]["default_payment_method"] == "pm_1"
    assert doc["invoice_settings"]["footer"] == "Thanks"
    customers.apply_changes(doc, {"invoice_settings": {"default_payment_method": UNSET}})
    assert doc["invoice_settings"]["default_payment_method"] is None


# --- the cards a customer holds ----------------------------------------------------------


def test_a_fresh_card_needs_attaching() -> None:
    assert customers.ensure_attachable(card(), {}, "cus_1") is True


def test_attaching_to_the_customer_it_is_on_changes_nothing() -> None:
    assert customers.ensure_attachable(card("cus_1"), {}, "cus_1") is False


def test_a_card_on_another_customer_is_not_attached_again() -> None:
    with pytest.raises(InvalidRequestError) as info:
        customers.ensure_attachable(card("cus_2"), {}, "cus_1")
    assert info.value.message == customers.ALREADY_ATTACHED_MESSAGE and info.value.status == 400


@pytest.mark.parametrize("flag", ["consumed", "detached"])
def test_a_used_up_or_detached_card_never_attaches(flag: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        customers.ensure_attachable(card(), {flag: True}, "cus_1")
    assert info.value.message == customers.ATTACH_REUSE_MESSAGE


def test_only_an_attached_card_detaches() -> None:
    assert customers.ensure_detachable(card("cus_1")) == "cus_1"
    with pytest.raises(InvalidRequestError) as info:
        customers.ensure_detachable(card())
    assert info.value.message == customers.NOT_ATTACHED_MESSAGE


def test_the_default_card_must_be_attached_to_that_customer() -> None:
    customers.ensure_default_payment_method("cus_1", card("cus_1"), {})
    for method, private in ((card(), {}), (card("cus_2"), {}), (card("cus_1"), {"detached": True})):
        with pytest.raises(InvalidRequestError) as info:
            customers.ensure_default_payment_method("cus_1", method, private)
        assert info.value.param == "invoice_settings[default_payment_method]"
        assert info.value.message.startswith("The customer does not have a payment method with the ID pm_1.")


def test_a_detached_card_stops_being_the_default() -> None:
    doc = customer()
    doc["invoice_settings"]["default_payment_method"] = "pm_1"
    assert customers.forget_payment_method(doc, "pm_2") is False
    assert doc["invoice_settings"]["default_payment_method"] == "pm_1"
    assert customers.forget_payment_method(doc, "pm_1") is True
    assert doc["invoice_settings"]["default_payment_method"] is None
