"""The dashboard in chromium: find a payment by metadata and refund part of it, set the
statement descriptor prefix, resend a webhook delivery; every result read back through
the official SDK."""

from __future__ import annotations

import time
import uuid

import stripe
from playwright.sync_api import Page, expect

from tests.dashboard.conftest import screenshot
from tests.support.webhook_receiver import Receiver


def _paid(amount: int, **extra: object) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.create(
        amount=amount, currency="usd", payment_method="pm_card_visa", confirm=True,
        automatic_payment_methods={"enabled": True, "allow_redirects": "never"}, **extra,
    )


def test_find_a_payment_by_metadata_and_refund_it_partially(page: Page) -> None:
    order = uuid.uuid4().hex[:12]
    intent = _paid(4200, metadata={"order_id": order})
    _paid(1000, metadata={"order_id": "someone-else"})
    screenshot(page, "home.png")

    page.get_by_role("link", name="Payments").click()
    page.get_by_label("Search").fill(f"metadata['order_id']:'{order}'")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("$42.00")
    expect(rows.first).to_contain_text("succeeded")
    screenshot(page, "payments-search.png")

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("$42.00")
    expect(page.locator("section", has_text="Metadata").get_by_label("Value of order_id")).to_have_value(order)
    expect(page.locator("ol.timeline")).to_contain_text("payment_intent.succeeded")
    page.get_by_label("Amount to refund").fill("12.50")
    page.get_by_role("button", name="Refund…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refund")
    expect(page.locator("main")).to_contain_text("$12.50")
    screenshot(page, "refund-confirm.png")
    page.get_by_role("button", name="Confirm refund").click()

    expect(page.get_by_role("status")).to_contain_text("Refund created")
    expect(page.locator("tr.refund")).to_have_count(1)
    expect(page.locator("tr.refund")).to_contain_text("$12.50")
    expect(page.locator("ol.timeline")).to_contain_text("refund.created")
    screenshot(page, "payment-refunded.png")

    refunds = stripe.Refund.list(payment_intent=intent.id).data
    assert [(r.amount, r.status) for r in refunds] == [(1250, "succeeded")]
    assert stripe.Charge.retrieve(intent.latest_charge).amount_refunded == 1250


def test_metadata_is_editable(page: Page) -> None:
    intent = _paid(500, metadata={"a": "1", "b": "2"})
    page.goto(f"/dashboard/payments/{intent.id}")
    page.get_by_label("Value of b").fill("")
    page.get_by_label("New key").fill("c")
    page.get_by_label("New value").fill("3")
    page.get_by_role("button", name="Save metadata").click()
    expect(page.get_by_role("status")).to_contain_text("Metadata saved")
    assert stripe.PaymentIntent.retrieve(intent.id).metadata.to_dict() == {"a": "1", "c": "3"}


def test_the_descriptor_prefix_set_here_is_on_the_next_charge(page: Page) -> None:
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Shortened descriptor (prefix)").fill("BAD*")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("invalid characters")
    page.get_by_label("Shortened descriptor (prefix)").fill("ROCKETRIDE")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Settings saved")
    screenshot(page, "settings.png")

    intent = _paid(900, statement_descriptor_suffix="RIDE 42")
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.calculated_statement_descriptor == "ROCKETRIDE* RIDE 42"


def test_a_webhook_delivery_can_be_resent(page: Page) -> None:
    receiver = Receiver().start()
    try:
        endpoint = stripe.WebhookEndpoint.create(url=receiver.url, enabled_events=["payment_intent.succeeded"])
        intent = _paid(700)
        deadline = time.time() + 30
        while time.time() < deadline and not any(r.event.get("data", {}).get("object", {}).get("id") == intent.id
                                                  for r in receiver.snapshot()):
            time.sleep(0.1)
        received = [r.event["id"] for r in receiver.snapshot() if r.event["data"]["object"]["id"] == intent.id]
        assert len(received) == 1, len(receiver.snapshot())
        event_id = received[0]

        page.get_by_role("link", name="Webhooks").click()
        page.get_by_role("link", name=receiver.url).click()
        attempt = page.locator("tr.attempt", has_text=event_id)
        expect(attempt).to_contain_text("200")
        screenshot(page, "webhook.png")
        attempt.get_by_role("button", name=f"Resend {event_id}").click()
        expect(page.get_by_role("status")).to_contain_text(event_id)

        deadline = time.time() + 30
        while time.time() < deadline and [r.event["id"] for r in receiver.snapshot()].count(event_id) < 2:
            time.sleep(0.1)
        assert [r.event["id"] for r in receiver.snapshot()].count(event_id) == 2
        stripe.WebhookEndpoint.delete(endpoint.id)
    finally:
        receiver.stop()
