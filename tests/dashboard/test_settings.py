"""Settings: API keys (listed by last four, the secret key rolled — shown once, the old
key refused by the API at once or after a grace period) and webhook endpoints managed
from the dashboard (the signing secret shown once and signing the deliveries)."""

from __future__ import annotations

import uuid

import httpx
import stripe
from playwright.sync_api import Browser, Page, expect

from tests.dashboard.conftest import browser_tab, screenshot, signed_in_client
from tests.support.server import PUBLISHABLE_KEY, SECRET_KEY, TenderServer
from tests.support.waiting import wait_for
from tests.support.webhook_receiver import Receiver


def _client(server: TenderServer, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": server.base_url}, max_network_retries=0)


def _refused(client: stripe.StripeClient) -> bool:
    try:
        client.v1.customers.list()
    except stripe.AuthenticationError:
        return True
    return False


def _roll(page: Page, when: str) -> str:
    page.get_by_role("link", name="Settings", exact=True).click()
    page.get_by_label("The current secret key stops working").select_option(label=when)
    page.get_by_role("button", name="Roll secret key…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Roll the secret key?")
    page.get_by_role("button", name="Confirm roll").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your new secret key")
    key = page.get_by_role("textbox", name="New secret key").input_value()
    assert key.startswith("sk_test_") and key != SECRET_KEY
    return key


def test_rolling_the_secret_key_shows_it_once_and_the_old_one_is_refused(
    browser: Browser, private_tender: TenderServer
) -> None:
    old = _client(private_tender, SECRET_KEY)
    assert not _refused(old)
    with browser_tab(browser, private_tender) as page:
        page.get_by_role("link", name="Settings", exact=True).click()
        keys = page.locator("tr.api-key")
        expect(keys).to_have_count(2)
        expect(page.locator("section", has_text="API keys")).to_contain_text(f"sk_test_…{SECRET_KEY[-4:]}")
        assert SECRET_KEY not in page.content()
        expect(page.locator("main")).to_contain_text("only as hashes")

        new_key = _roll(page, "Now")
        screenshot(page, "key-rolled.png")

        # The API takes the new key at once and refuses the old one (its key cache
        # holds an answer for a few seconds at most).
        assert _client(private_tender, new_key).v1.customers.list() is not None
        wait_for(lambda: _refused(old), timeout=15, what="the old key to be refused")
        # Only the secret key was rolled: the publishable key is still recognised.
        answer = httpx.get(f"{private_tender.base_url}/v1/customers", headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"})
        assert answer.json()["error"].get("code") == "secret_key_required"

        # Shown once: the settings page lists it by its last four only.
        page.get_by_role("link", name="Settings", exact=True).click()
        secret_keys = page.locator("tr.api-key", has_text="secret")
        expect(secret_keys).to_have_count(1)
        expect(secret_keys).to_contain_text(f"sk_test_…{new_key[-4:]}")
        assert new_key not in page.content()
        assert new_key not in signed_in_client(private_tender).get("/dashboard/settings").text

        # With a grace period the previous key keeps working until it ends.
        newer_key = _roll(page, "In 1 hour")
        assert _client(private_tender, newer_key).v1.customers.list() is not None
        assert not _refused(_client(private_tender, new_key))
        page.get_by_role("link", name="Settings", exact=True).click()
        rows = page.locator("tr.api-key", has_text=f"…{new_key[-4:]}")
        expect(rows).to_have_count(1)
        expect(rows).not_to_contain_text("never")  # it shows when it expires


def test_a_webhook_endpoint_made_here_shows_its_secret_once_and_it_signs(page: Page) -> None:
    receiver = Receiver().start()
    try:
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_label("Endpoint URL").fill("ftp://example.com/hook")  # a URL to the browser, not to the API
        page.get_by_label("Events to send").fill("payment_intent.succeeded")
        page.get_by_role("button", name="Add endpoint").click()
        expect(page.get_by_role("alert")).to_contain_text("Invalid URL")
        page.get_by_label("Endpoint URL").fill(receiver.url)
        page.get_by_label("Events to send").fill("payment_intent.succeeded, not.an_event")
        page.get_by_role("button", name="Add endpoint").click()
        expect(page.get_by_role("alert")).to_contain_text("not.an_event")

        description = f"orders {uuid.uuid4().hex[:6]}"
        page.get_by_label("Events to send").fill("payment_intent.succeeded, charge.refunded")
        page.get_by_label("Description (optional)").fill(description)
        page.get_by_role("button", name="Add endpoint").click()
        expect(page.get_by_role("status")).to_contain_text("Endpoint created")
        secret = page.get_by_role("textbox", name="Signing secret").input_value()
        assert secret.startswith("whsec_")
        screenshot(page, "webhook-created.png")

        endpoint = next(e for e in stripe.WebhookEndpoint.list(limit=100).data if e.description == description)
        assert endpoint.url == receiver.url
        assert sorted(endpoint.enabled_events) == ["charge.refunded", "payment_intent.succeeded"]

        # Never shown again.
        page.get_by_role("link", name="Go to the endpoint →").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(receiver.url)
        assert secret not in page.content()
        page.get_by_role("link", name="← Webhooks").click()
        assert secret not in page.content()

        # It is the secret the deliveries are signed with.
        intent = stripe.PaymentIntent.create(
            amount=1200, currency="usd", payment_method="pm_card_visa", confirm=True,
            automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
        )
        delivered = wait_for(
            lambda: next((r for r in receiver.snapshot() if r.event["data"]["object"]["id"] == intent.id), None),
            what="the delivery",
        )
        verified = stripe.Webhook.construct_event(delivered.body, delivered.headers["Stripe-Signature"], secret)
        assert verified.type == "payment_intent.succeeded"

        # Disable, enable, delete.
        page.get_by_role("link", name=receiver.url).click()
        page.get_by_role("button", name="Disable endpoint").click()
        expect(page.get_by_role("status")).to_contain_text("Endpoint disabled")
        assert stripe.WebhookEndpoint.retrieve(endpoint.id).status == "disabled"
        page.get_by_role("button", name="Enable endpoint").click()
        expect(page.get_by_role("status")).to_contain_text("Endpoint enabled")
        assert stripe.WebhookEndpoint.retrieve(endpoint.id).status == "enabled"
        page.get_by_role("button", name="Delete endpoint…").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Delete")
        page.get_by_role("button", name="Confirm delete").click()
        expect(page.get_by_role("status")).to_contain_text("Endpoint deleted")
        expect(page.locator("main")).not_to_contain_text(receiver.url)
        try:
            stripe.WebhookEndpoint.retrieve(endpoint.id)
            raise AssertionError("the endpoint is still there")
        except stripe.InvalidRequestError as exc:
            assert exc.http_status == 404
    finally:
        receiver.stop()
