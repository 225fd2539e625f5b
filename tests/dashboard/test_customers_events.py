"""Customers (find by email, the saved card, payments and metadata on a customer's page)
and events (type filter, an event's JSON and its delivery attempts)."""

from __future__ import annotations

import uuid

import stripe
from playwright.sync_api import Page, expect

from tests.dashboard.conftest import screenshot
from tests.support.waiting import wait_for
from tests.support.webhook_receiver import Receiver


def test_find_a_customer_by_email_and_see_the_saved_card(page: Page) -> None:
    email = f"jenny.{uuid.uuid4().hex[:8]}@example.com"
    customer = stripe.Customer.create(email=email, name="Jenny Rosen", metadata={"plan": "gold"})
    card = stripe.PaymentMethod.attach("pm_card_mastercard", customer=customer.id)
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": card.id})
    intent = stripe.PaymentIntent.create(
        amount=1999, currency="usd", customer=customer.id, payment_method=card.id, confirm=True,
        automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
    )
    stripe.Customer.create(email=f"someone.else.{uuid.uuid4().hex[:8]}@example.com")

    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Email contains").fill(email.split("@")[0].upper())  # any case, part of it
    page.get_by_role("button", name="Find").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name=email).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(email)
    saved = page.locator("tr.saved-card")
    expect(saved).to_have_count(1)
    expect(saved).to_contain_text(f"Mastercard •••• {card.card.last4}")
    expect(saved).to_contain_text(f"{card.card.exp_month:02d}/{card.card.exp_year}")
    expect(saved).to_contain_text("default")
    payments = page.locator("section", has_text="Payments").locator("table.list tbody tr")
    expect(payments).to_have_count(1)
    expect(payments.first).to_contain_text("$19.99")
    expect(payments.first.get_by_role("link")).to_have_attribute("href", f"/dashboard/payments/{intent.id}")
    expect(page.get_by_label("Value of plan")).to_have_value("gold")
    screenshot(page, "customer.png")

    page.get_by_label("Value of plan").fill("platinum")
    page.get_by_role("button", name="Save metadata").click()
    expect(page.get_by_role("status")).to_contain_text("Metadata saved")
    assert stripe.Customer.retrieve(customer.id).metadata.to_dict() == {"plan": "platinum"}


def test_a_deleted_customer_is_not_listed_but_its_page_says_so(page: Page) -> None:
    email = f"gone.{uuid.uuid4().hex[:8]}@example.com"
    customer = stripe.Customer.create(email=email)
    stripe.Customer.delete(customer.id)
    page.goto(f"/dashboard/customers?email={email}")
    expect(page.locator("table.list tbody tr")).to_contain_text("No customers")
    page.goto(f"/dashboard/customers/{customer.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("deleted")


def test_the_events_page_shows_an_event_and_its_delivery_attempt(page: Page) -> None:
    receiver = Receiver().start()
    endpoint = stripe.WebhookEndpoint.create(url=receiver.url, enabled_events=["payment_intent.succeeded"])
    try:
        intent = stripe.PaymentIntent.create(
            amount=3100, currency="usd", payment_method="pm_card_visa", confirm=True,
            automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
        )
        event_id = wait_for(
            lambda: next((r.event["id"] for r in receiver.snapshot()
                          if r.event["data"]["object"]["id"] == intent.id), None),
            what="the delivery of payment_intent.succeeded",
        )

        page.get_by_role("link", name="Events").click()
        page.get_by_label("Type").fill("payment_intent.*")
        page.get_by_role("button", name="Filter").click()
        row = page.locator("table.list tbody tr", has_text=event_id)
        expect(row).to_contain_text("payment_intent.succeeded")
        expect(page.locator("table.list tbody")).not_to_contain_text("charge.succeeded")
        row.get_by_role("link").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("payment_intent.succeeded")
        expect(page.locator("pre.json")).to_contain_text(f'"id": "{event_id}"')
        expect(page.locator("pre.json")).to_contain_text('"amount": 3100')
        delivery = page.locator("section", has_text="Deliveries")
        expect(delivery.get_by_role("link", name=receiver.url)).to_be_visible()
        # The session's server is shared: other tests' endpoints may have this event too.
        ours = delivery.locator(
            f"xpath=.//h3[a[normalize-space()='{receiver.url}']]/following-sibling::table[1]//tr[@class='attempt']"
        )
        expect(ours).to_have_count(1)
        expect(ours).to_contain_text("200")
        screenshot(page, "event.png")

        page.get_by_role("link", name="Open").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("$31.00")
        expect(page.locator("ol.timeline")).to_contain_text("payment_intent.created")
        expect(page.locator("ol.timeline")).to_contain_text("charge.succeeded")
    finally:
        stripe.WebhookEndpoint.delete(endpoint.id)
        receiver.stop()


def test_an_unknown_type_filter_is_explained(page: Page) -> None:
    page.goto("/dashboard/events?type=no%20such%20type!")
    expect(page.get_by_role("alert")).to_contain_text("Invalid type")
