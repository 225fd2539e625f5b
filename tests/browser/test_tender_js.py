"""tender.js itself, on a bare merchant page of another origin that loads
`<script src="{tender}/js/v3">`: the Elements, the resolved shapes, the quirks of Stripe.js
that pages rely on, and where the client secret may travel."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe
from playwright.sync_api import Page, expect

from tests.browser.conftest import Traffic
from tests.support.server import PUBLISHABLE_KEY, TenderServer, free_port

EVENTS = ("change", "ready", "focus", "blur")


class MerchantSite:
    """A bare merchant page on its own loopback origin, loading tender.js from tender."""

    def __init__(self, tender: TenderServer) -> None:
        page = f"""<!doctype html><html><head><meta charset="utf-8">
<script src="{tender.base_url}/js/v3"></script></head>
<body><form><div id="card"></div><div id="number"></div><div id="expiry"></div><div id="cvc"></div>
<input id="outside"></form>
<script>window.events = []; window.stripe = Stripe({PUBLISHABLE_KEY!r});</script></body></html>""".encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def merchant(tender: TenderServer) -> Iterator[MerchantSite]:
    site = MerchantSite(tender)
    yield site
    site.server.shutdown()


@pytest.fixture
def harness(page: Page, merchant: MerchantSite) -> Page:
    page.goto(merchant.url)
    return page


def mount(page: Page, kind: str = "card", target: str = "#card", options: dict[str, Any] | None = None) -> None:
    """`elements.create(kind, options).mount(target)`, recording its events in `window.events`."""
    page.evaluate(
        """([kind, target, options, names]) => {
            window.elements = window.elements || stripe.elements();
            const element = elements.create(kind, options);
            for (const name of names) element.on(name, (event) => events.push([name, event]));
            element.mount(target);
            window[kind] = element;
        }""",
        [kind, target, options or {}, list(EVENTS)],
    )
    page.wait_for_function(f"events.some(([name, e]) => name === 'ready' && e.elementType === {kind!r})")


def changes(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("events.filter(([name]) => name === 'change').map(([, e]) => e)")  # type: ignore[no-any-return]


def field(page: Page, name: str, within: str = "#card") -> Any:
    return page.locator(f"{within} input[name={name}]")


def fill(page: Page, number: str = "4242424242424242", postal: str = "94107") -> None:
    field(page, "cardnumber").fill(number)
    field(page, "exp-date").fill("12 / 34")
    field(page, "cvc").fill("123")
    field(page, "postal").fill(postal)


def intent(**extra: Any) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.create(
        amount=1000, currency="usd", payment_method_types=["card"], metadata={"order": "7"}, **extra
    )


def call(page: Page, script: str, *args: Any) -> Any:
    """Runs `async (args) => …` in the page: what a merchant's script would get back."""
    return page.evaluate(f"async (args) => {{ {script} }}", list(args))


# -- the card Element ----------------------------------------------------------------------


def test_card_element_renders_stripes_input_names_in_the_page_itself(harness: Page) -> None:
    mount(harness)
    for name, autocomplete in [("cardnumber", "cc-number"), ("exp-date", "cc-exp"), ("cvc", "cc-csc"),
                               ("postal", "postal-code")]:
        expect(field(harness, name)).to_have_attribute("autocomplete", autocomplete)
    assert harness.locator("iframe").count() == 0
    expect(harness.locator("#card")).to_have_class("StripeElement StripeElement--empty")


def test_number_is_formatted_as_typed_and_the_brand_detected(harness: Page) -> None:
    mount(harness)
    field(harness, "cardnumber").press_sequentially("378282246310005")
    expect(field(harness, "cardnumber")).to_have_value("3782 822463 10005")
    last = changes(harness)[-1]
    assert last["brand"] == "amex" and last["complete"] is False and "error" not in last
    field(harness, "cvc").press_sequentially("12345")
    expect(field(harness, "cvc")).to_have_value("1234")  # amex: four digits

    field(harness, "cardnumber").fill("")
    field(harness, "cardnumber").press_sequentially("5555555555554444")
    expect(field(harness, "cardnumber")).to_have_value("5555 5555 5555 4444")
    assert changes(harness)[-1]["brand"] == "mastercard"
    expect(field(harness, "cvc")).to_have_value("123")  # the CVC follows the brand


def test_a_number_failing_the_luhn_check_is_invalid_at_once(harness: Page) -> None:
    mount(harness)
    field(harness, "cardnumber").fill("4242424242424241")
    assert changes(harness)[-1]["error"] == {
        "type": "validation_error", "code": "invalid_number", "message": "Your card number is invalid.",
    }
    expect(harness.locator("#card")).to_have_class("StripeElement StripeElement--focus StripeElement--invalid")


def test_expiry_is_formatted_and_must_be_in_the_future(harness: Page) -> None:
    mount(harness)
    field(harness, "exp-date").press_sequentially("4")
    expect(field(harness, "exp-date")).to_have_value("04 / ")
    field(harness, "exp-date").fill("0120")
    expect(field(harness, "exp-date")).to_have_value("01 / 20")
    assert changes(harness)[-1]["error"]["code"] == "invalid_expiry_year_past"
    field(harness, "exp-date").fill("13")
    assert changes(harness)[-1]["error"]["code"] == "invalid_expiry_month"


def test_an_unfinished_field_is_reported_when_the_customer_leaves_it(harness: Page) -> None:
    mount(harness)
    field(harness, "cardnumber").fill("4242")
    assert "error" not in changes(harness)[-1]
    field(harness, "exp-date").click()
    assert changes(harness)[-1]["error"]["code"] == "incomplete_number"
    harness.locator("#outside").click()
    names = [name for name, _ in harness.evaluate("events")]
    assert names.count("focus") == 1 and names.count("blur") == 1  # one Element, one focus


def test_a_complete_card_reports_complete_with_its_postal_code(harness: Page) -> None:
    mount(harness)
    fill(harness)
    assert changes(harness)[-1] == {
        "elementType": "card", "empty": False, "complete": True, "brand": "visa", "value": {"postalCode": "94107"},
    }
    expect(harness.locator("#card")).to_have_class("StripeElement StripeElement--focus StripeElement--complete")


def test_update_unmount_and_destroy(harness: Page) -> None:
    mount(harness, options={"hidePostalCode": True, "value": {"postalCode": "10001"}})
    expect(field(harness, "postal")).to_have_count(0)
    harness.evaluate("card.update({hidePostalCode: false, disabled: true})")
    expect(field(harness, "postal")).to_have_value("10001")
    expect(field(harness, "cardnumber")).to_be_disabled()
    harness.evaluate("card.update({disabled: false})")
    field(harness, "cardnumber").fill("4242424242424242")
    harness.evaluate("card.unmount()")
    expect(field(harness, "cardnumber")).to_have_count(0)
    harness.evaluate("card.mount('#card')")
    expect(field(harness, "cardnumber")).to_have_value("4242 4242 4242 4242")
    error = harness.evaluate(
        "() => { card.destroy(); try { card.mount('#card'); } catch (e) { return [e.name, e.message]; } }"
    )
    assert error[0] == "IntegrationError"
    harness.evaluate("elements.create('card').mount('#card')")  # the type is free again
    expect(field(harness, "cardnumber")).to_have_value("")


def test_split_card_elements_make_one_payment_method(harness: Page) -> None:
    mount(harness, "cardNumber", "#number")
    mount(harness, "cardExpiry", "#expiry")
    mount(harness, "cardCvc", "#cvc")
    field(harness, "cardnumber", "#number").fill("4000056655665556")
    field(harness, "exp-date", "#expiry").fill("1234")
    field(harness, "cvc", "#cvc").fill("123")
    assert changes(harness)[0] == {"elementType": "cardNumber", "empty": False, "complete": True, "brand": "visa"}
    result = call(harness, "return await stripe.createPaymentMethod({type: 'card', card: cardNumber});")
    method = stripe.PaymentMethod.retrieve(result["paymentMethod"]["id"])
    assert method.card.last4 == "5556" and method.card.exp_year == 2034


# -- API calls -----------------------------------------------------------------------------


def test_an_incomplete_card_is_a_validation_error_that_never_reaches_tender(
    harness: Page, traffic: Traffic
) -> None:
    pi = intent()
    mount(harness)
    field(harness, "cardnumber").fill("4242 4242")
    result = call(harness, "return await stripe.confirmCardPayment(args[0], {payment_method: {card}});",
                  pi.client_secret)
    assert result == {"error": {
        "type": "validation_error", "code": "incomplete_number", "message": "Your card number is incomplete.",
    }}
    assert not [url for _, url, _ in traffic.requests if "/v1/" in url]
    assert stripe.PaymentIntent.retrieve(pi.id).status == "requires_payment_method"


def test_create_payment_method_sends_the_card_to_tender_with_the_publishable_key(
    harness: Page, traffic: Traffic
) -> None:
    mount(harness)
    fill(harness, postal="10001")
    result = call(harness, """return [
        await stripe.createPaymentMethod({type: 'card', card, billing_details: {name: 'Jenny Rosen'}}),
        await stripe.createPaymentMethod('card', card),
    ];""")
    first = stripe.PaymentMethod.retrieve(result[0]["paymentMethod"]["id"])
    assert first.card.last4 == "4242" and first.billing_details.name == "Jenny Rosen"
    assert first.billing_details.address.postal_code == "10001"
    assert result[1]["paymentMethod"]["card"]["brand"] == "visa"
    posts = [body for method, url, body in traffic.requests if method == "POST" and url.endswith("/v1/payment_methods")]
    assert len(posts) == 2 and all(f"key={PUBLISHABLE_KEY}" in body for body in posts)


def test_confirming_twice_resolves_with_the_succeeded_intent(harness: Page) -> None:
    pi = intent()
    result = call(harness, """return [
        await stripe.confirmCardPayment(args[0], {payment_method: 'pm_card_visa'}),
        await stripe.confirmCardPayment(args[0], {payment_method: 'pm_card_visa'}),
    ];""", pi.client_secret)
    assert result[0]["paymentIntent"]["status"] == "succeeded"
    assert result[1]["paymentIntent"]["status"] == "succeeded"  # Stripe.js swallows the 400 (§10.1)
    assert "metadata" not in result[0]["paymentIntent"]  # the publishable view (§1.13)
    assert stripe.PaymentIntent.retrieve(pi.id).amount_received == 1000


def test_a_decline_resolves_an_error_carrying_the_intent(harness: Page) -> None:
    pi = intent()
    result = call(harness, "return await stripe.confirmCardPayment(args[0], {payment_method: 'pm_card_chargeDeclined'});",
                  pi.client_secret)
    error = result["error"]
    assert error["type"] == "card_error" and error["decline_code"] == "generic_decline"
    assert error["message"] == "Your card was declined."
    assert error["payment_intent"]["id"] == pi.id and error["payment_intent"]["status"] == "requires_payment_method"


def test_handle_actions_false_then_handle_next_action(harness: Page) -> None:
    pi = intent()
    result = call(
        harness,
        "return await stripe.confirmCardPayment(args[0], {payment_method: 'pm_card_threeDSecure2Required'}, "
        "{handleActions: false});",
        pi.client_secret,
    )
    assert result["paymentIntent"]["status"] == "requires_action"
    assert result["paymentIntent"]["next_action"]["type"] == "use_stripe_sdk"
    assert harness.locator("iframe").count() == 0
    harness.evaluate("(secret) => { window.pending = stripe.handleNextAction({clientSecret: secret}); }",
                     pi.client_secret)
    harness.frame_locator("iframe[name=tender-3ds-challenge]").locator("#complete").click()
    assert harness.evaluate("pending")["paymentIntent"]["status"] == "succeeded"
    assert stripe.PaymentIntent.retrieve(pi.id).status == "succeeded"


def test_handle_card_action_refuses_an_intent_that_confirms_automatically(harness: Page) -> None:
    pi = intent(payment_method="pm_card_threeDSecure2Required", confirm=True)
    assert pi.status == "requires_action"
    result = call(harness, "return await stripe.handleCardAction(args[0]);", pi.client_secret)
    assert result["error"]["code"] == "payment_intent_unexpected_state"
    assert "confirmCardPayment" in result["error"]["message"]


def test_retrieve_payment_intent_and_client_secret_misuse(harness: Page) -> None:
    pi = intent()
    result = call(harness, "return await stripe.retrievePaymentIntent(args[0]);", pi.client_secret)
    assert result["paymentIntent"]["id"] == pi.id and "metadata" not in result["paymentIntent"]
    wrong = call(harness, "return await stripe.retrievePaymentIntent(args[0]);", pi.client_secret[:-2] + "zz")
    assert wrong["error"]["param"] == "client_secret"
    thrown = call(harness, """try { await stripe.retrievePaymentIntent('not a secret'); }
                              catch (e) { return [e.name, e.message]; }""")
    assert thrown[0] == "IntegrationError" and "not a secret" not in thrown[1]
    assert harness.evaluate("() => { try { Stripe(''); } catch (e) { return e.name; } }") == "IntegrationError"


def test_api_base_option_and_connection_errors_resolve(harness: Page, tender: TenderServer) -> None:
    pi = intent()
    dead = f"http://127.0.0.1:{free_port()}"
    result = call(harness, """return [
        await Stripe(args[0], {apiBase: args[1]}).retrievePaymentIntent(args[2]),
        await Stripe(args[0], {apiBase: args[3]}).retrievePaymentIntent(args[2]),
    ];""", PUBLISHABLE_KEY, dead, pi.client_secret, tender.base_url)
    assert result[0]["error"]["type"] == "api_connection_error"
    assert result[1]["paymentIntent"]["id"] == pi.id


def test_confirm_card_setup_decline_resolves_an_error_with_the_setup_intent(harness: Page) -> None:
    setup = stripe.SetupIntent.create(payment_method_types=["card"])
    mount(harness)
    fill(harness, number="4000000000000002")
    result = call(harness, "return await stripe.confirmCardSetup(args[0], {payment_method: {card}});",
                  setup.client_secret)
    assert result["error"]["code"] == "card_declined"
    assert result["error"]["setup_intent"]["id"] == setup.id
    assert stripe.SetupIntent.retrieve(setup.id).status == "requires_payment_method"


def test_confirm_setup_with_the_payment_element_and_no_redirect(harness: Page) -> None:
    setup = stripe.SetupIntent.create(payment_method_types=["card"])
    harness.evaluate("(secret) => { window.elements = stripe.elements({clientSecret: secret}); }", setup.client_secret)
    mount(harness, "payment")
    fill_card = {"cardnumber": "4242424242424242", "exp-date": "1234", "cvc": "123", "postal": "94107"}
    for name, value in fill_card.items():
        field(harness, name).fill(value)
    assert changes(harness)[-1] == {
        "elementType": "payment", "empty": False, "complete": True, "collapsed": False, "value": {"type": "card"},
    }
    result = call(harness, "return await stripe.confirmSetup({elements, redirect: 'if_required'});")
    assert result["setupIntent"]["status"] == "succeeded"
    assert stripe.SetupIntent.retrieve(setup.id).payment_method is not None
    missing = call(harness, "try { await stripe.confirmSetup({elements}); } catch (e) { return e.name; }")
    assert missing == "IntegrationError"  # no return_url without redirect: 'if_required'


def test_the_client_secret_travels_only_where_stripe_js_sends_it(
    harness: Page, traffic: Traffic, tender: TenderServer
) -> None:
    pi = intent()
    mount(harness)
    fill(harness, number="4000002760003184")
    harness.evaluate("(secret) => { window.pending = stripe.confirmCardPayment(secret, {payment_method: {card}}); }",
                     pi.client_secret)
    frame = harness.locator("iframe[name=tender-3ds-challenge]")
    assert pi.client_secret not in (frame.get_attribute("src") or "")
    harness.frame_locator("iframe[name=tender-3ds-challenge]").locator("#complete").click()
    assert harness.evaluate("pending")["paymentIntent"]["status"] == "succeeded"
    carrying = [(method, url) for method, url, body in traffic.requests if pi.client_secret in url + body]
    assert ("POST", f"{tender.base_url}/v1/payment_intents/{pi.id}/confirm") in carrying
    for method, url in carrying:
        # In the confirm body, or in the query of the retrieve call Stripe.js makes (§10.1).
        assert url.startswith(f"{tender.base_url}/v1/payment_intents/{pi.id}")
        assert method == "POST" or url.startswith(f"{tender.base_url}/v1/payment_intents/{pi.id}?")
    assert pi.client_secret not in tender.log_path.read_text()
