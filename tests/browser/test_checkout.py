"""The example checkout in a real browser: a customer pays, tender.js talks to tender, and
each outcome is then read back through the official SDK as the merchant's server sees it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import stripe
from playwright.sync_api import FrameLocator, Page, expect

from tests.browser.conftest import ExampleShop, Traffic, screenshot

CHALLENGE = "iframe[name=tender-3ds-challenge]"


def fill_card(page: Page, number: str, *, within: str = "#card-element", postal: str | None = "94107") -> None:
    page.locator(f"{within} input[name=cardnumber]").fill(number)
    page.locator(f"{within} input[name=exp-date]").fill("12 / 34")
    page.locator(f"{within} input[name=cvc]").fill("123")
    if postal is not None:
        page.locator(f"{within} input[name=postal]").fill(postal)


def pay(page: Page) -> None:
    page.locator("#submit").click()


def result(page: Page, state: str) -> str:
    """Waits for the page's outcome; the PaymentIntent (or SetupIntent) id it names."""
    message = page.locator("#payment-message")
    expect(message).to_have_attribute("data-state", state)
    intent_id = message.get_attribute("data-intent")
    assert intent_id
    return intent_id


def challenge(page: Page) -> FrameLocator:
    expect(page.locator(CHALLENGE)).to_be_visible()
    frame = page.frame_locator(CHALLENGE)
    expect(frame.locator("#complete")).to_be_visible()
    return frame


def test_single_page_checkout_pays_with_a_card(page: Page, shop: ExampleShop, traffic: Traffic) -> None:
    page.goto(shop.base_url + "/")
    page.locator("#card-element input[name=cardnumber]").press_sequentially("4242424242424242")
    page.locator("#card-element input[name=exp-date]").press_sequentially("1234")
    page.locator("#card-element input[name=cvc]").press_sequentially("123")
    page.locator("#card-element input[name=postal]").press_sequentially("94107")
    expect(page.locator("#card-element input[name=cardnumber]")).to_have_value("4242 4242 4242 4242")
    screenshot(page, "checkout.png")
    pay(page)
    intent_id = result(page, "succeeded")

    intent = stripe.PaymentIntent.retrieve(intent_id, expand=["payment_method"])
    assert intent.status == "succeeded" and intent.amount_received == 2000
    assert intent.payment_method.card.last4 == "4242"
    assert intent.payment_method.billing_details.name == "Jenny Rosen"
    assert intent.payment_method.billing_details.address.postal_code == "94107"
    # The card number went from the browser to tender, never to the merchant's server.
    to_shop = [body for _, url, body in traffic.requests if url.startswith(shop.base_url)]
    assert not [body for body in to_shop if "4242" in body]
    assert any("4242424242424242" in body for _, url, body in traffic.requests if "/v1/payment_intents/" in url)


def test_server_rendered_checkout_completes_3d_secure(page: Page, shop: ExampleShop) -> None:
    page.goto(shop.base_url + "/checkout")
    fill_card(page, "4000002760003184")
    pay(page)
    frame = challenge(page)
    screenshot(page, "challenge.png")
    frame.locator("#complete").click()
    intent_id = result(page, "succeeded")
    expect(page.locator(CHALLENGE)).to_have_count(0)

    intent = stripe.PaymentIntent.retrieve(intent_id)
    assert intent.status == "succeeded"
    tds = stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.three_d_secure
    assert tds.result == "authenticated"


def test_failed_3d_secure_shows_the_error_and_the_intent_wants_a_new_card(page: Page, shop: ExampleShop) -> None:
    page.goto(shop.base_url + "/checkout")
    fill_card(page, "4000002760003184")
    pay(page)
    challenge(page).locator("#fail").click()
    intent_id = result(page, "error")

    intent = stripe.PaymentIntent.retrieve(intent_id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"
    expect(page.locator("#payment-message")).to_have_text(intent.last_payment_error.message)


def test_closing_the_challenge_fails_the_authentication(page: Page, shop: ExampleShop) -> None:
    page.goto(shop.base_url + "/checkout")
    fill_card(page, "4000002760003184")
    pay(page)
    challenge(page)
    page.get_by_role("button", name="Close").click()
    intent_id = result(page, "error")
    intent = stripe.PaymentIntent.retrieve(intent_id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"


def test_declined_card_shows_the_decline_and_a_second_card_pays_the_same_intent(
    page: Page, shop: ExampleShop
) -> None:
    page.goto(shop.base_url + "/")
    fill_card(page, "4000000000009995")
    pay(page)
    intent_id = result(page, "error")
    expect(page.locator("#payment-message")).to_have_text("Your card has insufficient funds.")
    declined = stripe.PaymentIntent.retrieve(intent_id)
    assert declined.status == "requires_payment_method"
    assert declined.last_payment_error.decline_code == "insufficient_funds"

    fill_card(page, "4242424242424242")
    pay(page)
    assert result(page, "succeeded") == intent_id
    assert stripe.PaymentIntent.retrieve(intent_id).status == "succeeded"


def test_saved_card_through_confirm_card_setup_can_be_charged_off_session(page: Page, shop: ExampleShop) -> None:
    page.goto(shop.base_url + "/save-card")
    fill_card(page, "4000002500003155")  # asks for authentication when set up, not after
    pay(page)
    challenge(page).locator("#complete").click()
    setup_id = result(page, "succeeded")

    setup = stripe.SetupIntent.retrieve(setup_id)
    assert setup.status == "succeeded" and setup.usage == "off_session"
    method = stripe.PaymentMethod.retrieve(setup.payment_method)
    assert method.customer == setup.customer and method.card.last4 == "3155"
    later = stripe.PaymentIntent.create(
        amount=1500, currency="usd", customer=setup.customer, payment_method=method.id,
        off_session=True, confirm=True,
    )
    assert later.status == "succeeded"


def test_manual_confirmation_uses_handle_card_action(page: Page, shop: ExampleShop) -> None:
    page.goto(shop.base_url + "/manual")
    fill_card(page, "4000000000003220")
    pay(page)
    challenge(page).locator("#complete").click()
    intent_id = result(page, "succeeded")

    intent = stripe.PaymentIntent.retrieve(intent_id)
    assert intent.confirmation_method == "manual"
    assert intent.status == "succeeded" and intent.amount_received == 2000


def test_payment_element_redirects_to_the_return_url(page: Page, shop: ExampleShop) -> None:
    page.goto(shop.base_url + "/payment")
    fill_card(page, "4242424242424242", within="#payment-element")
    screenshot(page, "payment-element.png")
    pay(page)
    page.wait_for_url(f"{shop.base_url}/complete?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["redirect_status"] == ["succeeded"]
    intent_id = result(page, "succeeded")
    assert query["payment_intent"] == [intent_id]
    expect(page.locator("#payment-message")).to_have_text("Payment succeeded!")
    assert stripe.PaymentIntent.retrieve(intent_id).status == "succeeded"
    assert "_secret_" not in shop.log_path.read_text()  # not even the return_url's query


def test_payment_element_3d_secure_goes_through_the_challenge_page_and_back(page: Page, shop: ExampleShop) -> None:
    page.goto(shop.base_url + "/payment")
    fill_card(page, "4000002760003184", within="#payment-element")
    pay(page)
    page.wait_for_url("**/3d_secure/**")
    screenshot(page, "challenge-page.png")
    page.locator("#complete").click()
    page.wait_for_url(f"{shop.base_url}/complete?**")
    assert parse_qs(urlsplit(page.url).query)["redirect_status"] == ["succeeded"]
    intent_id = result(page, "succeeded")
    assert stripe.PaymentIntent.retrieve(intent_id).status == "succeeded"


def test_payment_element_shows_what_is_missing_before_calling_the_api(
    page: Page, shop: ExampleShop, traffic: Traffic
) -> None:
    page.goto(shop.base_url + "/payment")
    page.locator("#payment-element input[name=cardnumber]").fill("4242")
    pay(page)
    expect(page.locator("#payment-message")).to_have_text("Your card number is incomplete.")
    expect(page.locator(".TenderPayment-field--number .TenderPayment-error")).to_have_text(
        "Your card number is incomplete."
    )
    assert not [url for method, url, _ in traffic.requests if method == "POST" and "/confirm" in url]
