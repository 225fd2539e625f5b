"""Customers (stripe-behaviour §8.3, lists §4.3, search §4.4), through the official SDK.

Tests share the session server; each tells its customers apart by a unique email or
metadata tag, which the list filter and search then isolate exactly.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
import stripe

from tests.support.recorded_events import events_about, types_about
from tests.support.server import TenderServer


def _tag() -> str:
    return uuid.uuid4().hex[:16]


def _email(tag: str) -> str:
    return f"jenny.{tag}@example.com"


def _attached_card(customer: str, test_id: str = "pm_card_visa") -> stripe.PaymentMethod:
    return stripe.PaymentMethod.attach(test_id, customer=customer)


def _expect_error(kind: type[stripe.StripeError], call: Any, *args: Any, **kwargs: Any) -> Any:
    with pytest.raises(kind) as info:
        call(*args, **kwargs)
    return info.value


# =========================================================================== create


def test_create_fills_every_field_of_the_current_shape() -> None:
    customer = stripe.Customer.create()
    assert customer.id.startswith("cus_")
    assert customer.object == "customer"
    assert customer.balance == 0 and customer.currency is None and customer.delinquent is False
    assert customer.email is None and customer.name is None and customer.phone is None
    assert customer.address is None and customer.shipping is None and customer.discount is None
    assert customer.default_source is None and customer.test_clock is None
    assert customer.invoice_settings.to_dict() == {
        "custom_fields": None,
        "default_payment_method": None,
        "footer": None,
        "rendering_options": None,
    }
    assert customer.preferred_locales == [] and customer.metadata.to_dict() == {}
    assert customer.tax_exempt == "none" and customer.next_invoice_sequence == 1
    assert re.fullmatch(r"[0-9A-F]{8}", customer.invoice_prefix)  # may be all digits
    assert customer.livemode is False
    assert abs(customer.created - time.time()) < 60


def test_create_stores_what_was_given_and_records_customer_created(server: TenderServer) -> None:
    tag = _tag()
    customer = stripe.Customer.create(
        email=_email(tag),
        name="Jenny Rosen",
        phone="+15555550100",
        description="A regular",
        address={"line1": "1 Main St", "city": "Springfield", "country": "US"},
        shipping={"name": "Jenny Rosen", "address": {"line1": "2 Side St", "postal_code": "12345"}},
        metadata={"tag": tag},
        preferred_locales=["en", "fr"],
        tax_exempt="exempt",
        invoice_settings={"footer": "Thanks"},
    )
    assert customer.email == _email(tag) and customer.name == "Jenny Rosen"
    assert customer.phone == "+15555550100" and customer.description == "A regular"
    assert customer.address.to_dict() == {
        "city": "Springfield", "country": "US", "line1": "1 Main St",
        "line2": None, "postal_code": None, "state": None,
    }
    assert customer.shipping.name == "Jenny Rosen" and customer.shipping.phone is None
    assert customer.shipping.address.line1 == "2 Side St"
    assert customer.shipping.address.postal_code == "12345" and customer.shipping.address.city is None
    assert customer.metadata.to_dict() == {"tag": tag}
    assert customer.preferred_locales == ["en", "fr"] and customer.tax_exempt == "exempt"
    assert customer.invoice_settings.footer == "Thanks"
    assert stripe.Customer.retrieve(customer.id).to_dict() == customer.to_dict()

    events = events_about(server, customer.id)
    assert [e["type"] for e in events] == ["customer.created"]
    assert events[0]["data"]["object"] == customer.to_dict()


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"email": "not-an-email"}, "email", "email_invalid"),
        ({"tax_exempt": "sometimes"}, "tax_exempt", None),
        ({"shipping": {"address": {"line1": "x"}}}, "shipping[name]", "parameter_missing"),
        ({"phone": "1" * 21}, "phone", None),
        ({"name": ""}, "name", "parameter_invalid_empty"),
        ({"balance_typo": "1"}, "balance_typo", "parameter_unknown"),
    ],
)
def test_create_refuses_bad_fields_and_creates_nothing(
    server: TenderServer, params: dict[str, Any], param: str, code: str | None
) -> None:
    tag = _tag()
    error = _expect_error(
        stripe.InvalidRequestError, stripe.Customer.create, metadata={"tag": tag}, **params
    )
    assert error.http_status == 400 and error.param == param and error.code == code
    assert stripe.Customer.search(query=f'metadata["tag"]:"{tag}"').data == []


def test_create_with_a_payment_method_attaches_it_and_may_make_it_the_default(server: TenderServer) -> None:
    customer = stripe.Customer.create(
        payment_method="pm_card_visa", invoice_settings={"default_payment_method": "pm_card_visa"}
    )
    default = customer.invoice_settings.default_payment_method
    assert default.startswith("pm_") and default != "pm_card_visa"
    method = stripe.PaymentMethod.retrieve(default)
    assert method.customer == customer.id
    assert types_about(server, customer.id) == ["customer.created"]
    assert types_about(server, method.id) == ["payment_method.attached"]
    assert [m.id for m in stripe.Customer.list_payment_methods(customer.id)] == [method.id]


def test_create_with_a_card_that_refuses_verification_answers_402_and_creates_nothing() -> None:
    tag = _tag()
    error = _expect_error(
        stripe.CardError, stripe.Customer.create,
        payment_method="pm_card_visa_chargeDeclinedInsufficientFunds", metadata={"tag": tag},
    )
    assert error.http_status == 402 and error.code == "card_declined"
    assert error.error.decline_code == "insufficient_funds"
    assert stripe.Customer.search(query=f'metadata["tag"]:"{tag}"').data == []


def test_create_with_another_customers_card_is_refused_and_creates_nothing() -> None:
    owner = stripe.Customer.create()
    card = _attached_card(owner.id)
    tag = _tag()
    error = _expect_error(
        stripe.InvalidRequestError, stripe.Customer.create, payment_method=card.id, metadata={"tag": tag}
    )
    assert error.http_status == 400
    assert error.user_message == "The payment method you provided has already been attached to a customer."
    assert stripe.Customer.search(query=f'metadata["tag"]:"{tag}"').data == []
    assert stripe.PaymentMethod.retrieve(card.id).customer == owner.id


def test_create_with_an_unattached_default_is_refused_and_creates_nothing() -> None:
    loose = stripe.PaymentMethod.create(type="card", card={"token": "tok_visa"})
    tag = _tag()
    error = _expect_error(
        stripe.InvalidRequestError, stripe.Customer.create,
        invoice_settings={"default_payment_method": loose.id}, metadata={"tag": tag},
    )
    assert error.http_status == 400 and error.param == "invoice_settings[default_payment_method]"
    assert error.user_message == (
        f"The customer does not have a payment method with the ID {loose.id}. "
        "The payment method must be attached to the customer."
    )
    assert stripe.Customer.search(query=f'metadata["tag"]:"{tag}"').data == []
    assert stripe.PaymentMethod.retrieve(loose.id).customer is None


# ========================================================================= retrieve


@pytest.mark.parametrize("call", ["retrieve", "modify", "delete"])
def test_unknown_customer_is_a_404_naming_it(call: str) -> None:
    method = getattr(stripe.Customer, call)
    error = _expect_error(stripe.InvalidRequestError, method, "cus_doesNotExist")
    assert error.http_status == 404 and error.code == "resource_missing" and error.param == "id"
    assert error.user_message == "No such customer: 'cus_doesNotExist'"


# =========================================================================== update


def test_update_changes_only_what_was_sent_and_records_previous_attributes(server: TenderServer) -> None:
    tag = _tag()
    customer = stripe.Customer.create(
        email=_email(tag), name="Jenny Rosen", metadata={"tag": tag, "keep": "1"},
        address={"line1": "1 Main St", "city": "Springfield"},
    )
    updated = stripe.Customer.modify(
        customer.id, name="Jenny R.", metadata={"keep": "", "new": "2"}, address={"city": "Shelbyville"},
        phone="+15555550199",
    )
    assert updated.name == "Jenny R." and updated.email == _email(tag)
    assert updated.phone == "+15555550199"
    assert updated.metadata.to_dict() == {"tag": tag, "new": "2"}
    assert updated.address.line1 == "1 Main St" and updated.address.city == "Shelbyville"
    assert stripe.Customer.retrieve(customer.id).to_dict() == updated.to_dict()

    event = events_about(server, customer.id)[-1]
    assert event["type"] == "customer.updated"
    previous = event["data"]["previous_attributes"]
    assert previous["name"] == "Jenny Rosen" and previous["phone"] is None
    assert previous["address"] == {"city": "Springfield"}
    assert previous["metadata"] == {"keep": "1", "new": None}
    assert set(previous) == {"name", "phone", "address", "metadata"}


def test_update_with_empty_strings_clears_fields() -> None:
    tag = _tag()
    customer = stripe.Customer.create(
        email=_email(tag), name="Jenny", description="d", preferred_locales=["en"],
        address={"line1": "1 Main St"}, shipping={"name": "J", "address": {"line1": "x"}},
        tax_exempt="reverse",
    )
    cleared = stripe.Customer.modify(
        customer.id, email="", name="", description="", preferred_locales="", address="",
        shipping="", tax_exempt="",
    )
    assert cleared.email is None and cleared.name is None and cleared.description is None
    assert cleared.preferred_locales == [] and cleared.address is None and cleared.shipping is None
    assert cleared.tax_exempt == "none"


def test_update_without_a_change_records_no_event(server: TenderServer) -> None:
    customer = stripe.Customer.create(name="Same")
    stripe.Customer.modify(customer.id, name="Same")
    assert types_about(server, customer.id) == ["customer.created"]


def test_update_sets_and_clears_the_default_payment_method(server: TenderServer) -> None:
    customer = stripe.Customer.create()
    card = _attached_card(customer.id)
    updated = stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": card.id})
    assert updated.invoice_settings.default_payment_method == card.id
    event = events_about(server, customer.id)[-1]
    assert event["data"]["previous_attributes"] == {"invoice_settings": {"default_payment_method": None}}
    cleared = stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": ""})
    assert cleared.invoice_settings.default_payment_method is None


def _assert_default_refused(customer: stripe.Customer, method_id: str, status: int, message: str) -> None:
    before = stripe.Customer.retrieve(customer.id)
    error = _expect_error(
        stripe.InvalidRequestError, stripe.Customer.modify, customer.id,
        invoice_settings={"default_payment_method": method_id}, name="Changed",
    )
    assert error.http_status == status and error.param == "invoice_settings[default_payment_method]"
    assert error.user_message == message
    assert stripe.Customer.retrieve(customer.id).to_dict() == before.to_dict()


def test_default_payment_method_must_be_attached_to_that_customer() -> None:
    customer = stripe.Customer.create(name="Original")
    loose = stripe.PaymentMethod.create(type="card", card={"token": "tok_visa"})
    elsewhere = _attached_card(stripe.Customer.create().id)
    for method in (loose, elsewhere):
        _assert_default_refused(
            customer, method.id, 400,
            f"The customer does not have a payment method with the ID {method.id}. "
            "The payment method must be attached to the customer.",
        )
    _assert_default_refused(customer, "pm_missing", 404, "No such PaymentMethod: 'pm_missing'")


# =========================================================================== delete


def test_delete_answers_the_stub_and_the_customer_retrieves_as_it_from_then_on(server: TenderServer) -> None:
    tag = _tag()
    customer = stripe.Customer.create(email=_email(tag), metadata={"tag": tag})
    deleted = stripe.Customer.delete(customer.id)
    assert deleted.to_dict() == {"id": customer.id, "object": "customer", "deleted": True}
    assert stripe.Customer.retrieve(customer.id).to_dict() == deleted.to_dict()

    assert types_about(server, customer.id) == ["customer.created", "customer.deleted"]
    assert events_about(server, customer.id)[-1]["data"]["object"]["email"] == _email(tag)
    assert stripe.Customer.list(email=_email(tag)).data == []
    assert stripe.Customer.search(query=f'metadata["tag"]:"{tag}"').data == []
    # Nor does a query the stub's missing fields would satisfy find it.
    empty_emails = stripe.Customer.search(query="email:null", limit=100).auto_paging_iter()
    assert customer.id not in [c.id for c in empty_emails]


@pytest.mark.parametrize(
    "call",
    [
        lambda cid: stripe.Customer.modify(cid, name="Again"),
        lambda cid: stripe.Customer.delete(cid),
        lambda cid: stripe.Customer.list_payment_methods(cid),
        lambda cid: stripe.PaymentMethod.attach("pm_card_visa", customer=cid),
    ],
    ids=["update", "delete", "list_payment_methods", "attach"],
)
def test_a_deleted_customer_is_unknown_to_everything_but_retrieve(call: Any) -> None:
    customer = stripe.Customer.create()
    stripe.Customer.delete(customer.id)
    error = _expect_error(stripe.InvalidRequestError, call, customer.id)
    assert error.http_status == 404 and error.code == "resource_missing"
    assert error.user_message == f"No such customer: '{customer.id}'"
    assert stripe.Customer.retrieve(customer.id).deleted is True


def test_cards_of_a_deleted_customer_can_never_be_used_again() -> None:
    customer = stripe.Customer.create()
    card = _attached_card(customer.id)
    stripe.Customer.delete(customer.id)
    assert stripe.PaymentMethod.retrieve(card.id).customer is None
    error = _expect_error(
        stripe.InvalidRequestError, stripe.PaymentIntent.create,
        amount=500, currency="usd", payment_method=card.id, payment_method_types=["card"], confirm=True,
    )
    assert error.http_status == 400 and error.param == "payment_method"
    assert error.user_message.startswith("The provided PaymentMethod was previously used")
    other = stripe.Customer.create()
    error = _expect_error(stripe.InvalidRequestError, stripe.PaymentMethod.attach, card.id, customer=other.id)
    assert error.user_message == (
        "This PaymentMethod was previously used without being attached to a Customer or was "
        "detached from a Customer, and may not be used again."
    )


# ============================================================================= list


def test_list_filters_by_exact_email_and_pages_newest_first() -> None:
    tag = _tag()
    email = _email(tag)
    made = [stripe.Customer.create(email=email, name=f"n{i}") for i in range(5)]
    stripe.Customer.create(email=email.upper())  # the filter is case-sensitive
    stripe.Customer.delete(made[2].id)
    expected = [c.id for c in reversed(made) if c.id != made[2].id]

    page = stripe.Customer.list(email=email, limit=2)
    assert [c.id for c in page.data] == expected[:2] and page.has_more is True
    assert page.url == "/v1/customers"
    second = stripe.Customer.list(email=email, limit=2, starting_after=page.data[-1].id)
    assert [c.id for c in second.data] == expected[2:4] and second.has_more is False
    back = stripe.Customer.list(email=email, limit=2, ending_before=second.data[0].id)
    assert [c.id for c in back.data] == expected[:2] and back.has_more is False
    assert [c.id for c in stripe.Customer.list(email=email, limit=1).auto_paging_iter()] == expected
    # A deleted customer still works as a cursor: its place in time is kept.
    after_deleted = stripe.Customer.list(email=email, starting_after=made[2].id)
    assert [c.id for c in after_deleted.data] == [made[1].id, made[0].id]


def test_list_filters_by_created() -> None:
    tag = _tag()
    email = _email(tag)
    early = stripe.Customer.create(email=email)
    time.sleep(1.1)
    late = stripe.Customer.create(email=email)
    assert [c.id for c in stripe.Customer.list(email=email, created={"gte": late.created})] == [late.id]
    assert [c.id for c in stripe.Customer.list(email=email, created={"lt": late.created})] == [early.id]
    assert [c.id for c in stripe.Customer.list(email=email, created=early.created)] == [early.id]


def test_list_without_filters_shows_recent_customers_and_no_deleted_ones() -> None:
    kept = stripe.Customer.create()
    gone = stripe.Customer.create()
    stripe.Customer.delete(gone.id)
    ids = [c.id for c in stripe.Customer.list(limit=100).data]
    assert kept.id in ids and gone.id not in ids
    assert all(not getattr(c, "deleted", False) for c in stripe.Customer.list(limit=100).data)


def test_list_refuses_an_unknown_cursor() -> None:
    error = _expect_error(stripe.InvalidRequestError, stripe.Customer.list, starting_after="cus_nope")
    assert error.http_status == 404 and error.param == "starting_after"


# =========================================================================== search


def test_search_by_email_name_phone_metadata_and_created() -> None:
    tag = _tag()
    jenny = stripe.Customer.create(
        email=_email(tag), name=f"Jenny Rosen {tag}", phone=f"+1555{tag[:6]}", metadata={"tag": tag}
    )
    other = stripe.Customer.create(name=f"Other Person {tag}", metadata={"tag": tag})

    def found(query: str) -> list[str]:
        return [c.id for c in stripe.Customer.search(query=query).data]

    assert found(f'email:"{_email(tag)}"') == [jenny.id]
    assert found(f'email~"{tag[:8]}"') == [jenny.id]
    assert found(f'name:"Rosen {tag}"') == [jenny.id]
    assert found(f'phone:"+1555{tag[:6]}"') == [jenny.id]
    assert found(f'metadata["tag"]:"{tag}"') == [other.id, jenny.id]
    assert found(f'metadata["tag"]:"{tag}" AND created>={jenny.created}') == [other.id, jenny.id]
    assert found(f'metadata["tag"]:"{tag}" AND -name:"Jenny"') == [other.id]

    result = stripe.Customer.search(query=f'metadata["tag"]:"{tag}"', limit=1)
    assert result.url == "/v1/customers/search" and result.has_more is True
    rest = stripe.Customer.search(query=f'metadata["tag"]:"{tag}"', limit=1, page=result.next_page)
    assert [c.id for c in rest.data] == [jenny.id]


def test_search_refuses_fields_customers_do_not_have() -> None:
    error = _expect_error(stripe.InvalidRequestError, stripe.Customer.search, query='status:"active"')
    assert error.http_status == 400 and error.param == "query"


# ================================================================= saved cards


def test_list_payment_methods_shows_the_customers_cards_newest_first() -> None:
    customer = stripe.Customer.create()
    cards = [_attached_card(customer.id) for _ in range(3)]
    _attached_card(stripe.Customer.create().id)
    expected = [c.id for c in reversed(cards)]

    listed = stripe.Customer.list_payment_methods(customer.id, type="card")
    assert [m.id for m in listed.data] == expected
    assert listed.url == f"/v1/customers/{customer.id}/payment_methods"
    assert all(m.customer == customer.id for m in listed.data)
    page = stripe.Customer.list_payment_methods(customer.id, limit=2)
    assert [m.id for m in page.data] == expected[:2] and page.has_more is True
    assert [m.id for m in stripe.Customer.list_payment_methods(customer.id).auto_paging_iter()] == expected
    assert [m.id for m in stripe.PaymentMethod.list(customer=customer.id, type="card")] == expected

    stripe.PaymentMethod.detach(cards[0].id)
    assert [m.id for m in stripe.Customer.list_payment_methods(customer.id)] == expected[:2]


def test_retrieve_payment_method_only_finds_the_customers_own_cards() -> None:
    customer = stripe.Customer.create()
    card = _attached_card(customer.id)
    assert stripe.Customer.retrieve_payment_method(customer.id, card.id).id == card.id
    elsewhere = _attached_card(stripe.Customer.create().id)
    error = _expect_error(
        stripe.InvalidRequestError, stripe.Customer.retrieve_payment_method, customer.id, elsewhere.id
    )
    assert error.http_status == 404 and error.param == "payment_method"
    assert error.user_message == f"No such PaymentMethod: '{elsewhere.id}'"


def test_list_payment_methods_of_an_unknown_customer_is_a_404() -> None:
    error = _expect_error(stripe.InvalidRequestError, stripe.Customer.list_payment_methods, "cus_nope")
    assert error.http_status == 404 and error.param == "customer"
    assert error.user_message == "No such customer: 'cus_nope'"


def test_payment_intents_list_filters_by_customer() -> None:
    customer = stripe.Customer.create()
    card = _attached_card(customer.id)
    mine = [
        stripe.PaymentIntent.create(
            amount=1000 + i, currency="usd", customer=customer.id, payment_method=card.id,
            payment_method_types=["card"], confirm=True,
        )
        for i in range(2)
    ]
    stripe.PaymentIntent.create(amount=999, currency="usd", payment_method_types=["card"])
    listed = stripe.PaymentIntent.list(customer=customer.id)
    assert [pi.id for pi in listed.data] == [mine[1].id, mine[0].id]
    found = stripe.PaymentIntent.search(query=f'customer:"{customer.id}"')
    assert {pi.id for pi in found.data} == {pi.id for pi in mine}
