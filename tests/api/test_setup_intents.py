"""SetupIntents (stripe-behaviour §8.1, 3-D Secure §1.6/§2.4/§2.8, publishable key §4.7,
events §7.2), through the official SDK against a live tender.

Every refusal checks the HTTP status, code and param, and that nothing changed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from tests.support.openapi import validate_response
from tests.support.recorded_events import types_about
from tests.support.server import PUBLISHABLE_KEY, TenderServer

AUTH_ON_SETUP = "pm_card_authenticationRequiredOnSetup"  # 4000002500003155


def _customer() -> stripe.Customer:
    return stripe.Customer.create(email="setup@example.com")


def _setup(**params: Any) -> stripe.SetupIntent:
    """A card-only SetupIntent (no Dashboard methods, so no return_url is required)."""
    return stripe.SetupIntent.create(payment_method_types=["card"], **params)


def _expect(kind: type[stripe.StripeError], call: Any, *args: Any, **kwargs: Any) -> Any:
    with pytest.raises(kind) as info:
        call(*args, **kwargs)
    return info.value


def _unchanged(intent: stripe.SetupIntent) -> None:
    assert stripe.SetupIntent.retrieve(intent.id).to_dict() == intent.to_dict()


def _newest_setup_intent() -> str | None:
    page = stripe.SetupIntent.list(limit=1).data
    return page[0].id if page else None


def _answer_challenge(url: str, action: str) -> httpx.Response:
    page = httpx.get(url)
    assert page.status_code == 200
    assert "Complete authentication" in page.text and "Fail authentication" in page.text
    return httpx.post(url, data={"action": action}, follow_redirects=False)


def _challenge_url(intent: stripe.SetupIntent) -> str:
    action = intent.next_action
    if action.type == "redirect_to_url":
        return str(action.redirect_to_url.url)
    return str(action.use_stripe_sdk.stripe_js)


# =========================================================================== create


def test_create_without_anything_waits_for_a_payment_method(server: TenderServer) -> None:
    intent = stripe.SetupIntent.create()
    assert intent.id.startswith("seti_") and intent.object == "setup_intent"
    assert intent.client_secret.startswith(intent.id + "_secret_")
    assert intent.status == "requires_payment_method"
    assert intent.usage == "off_session"
    assert intent.automatic_payment_methods.to_dict() == {"allow_redirects": "always", "enabled": True}
    assert intent.payment_method_types == ["card"]
    assert intent.payment_method_options.card.request_three_d_secure == "automatic"
    assert intent.latest_attempt is None and intent.last_setup_error is None
    assert intent.customer is None and intent.payment_method is None and intent.livemode is False
    assert types_about(server, intent.id) == ["setup_intent.created"]


def test_create_with_every_plain_field() -> None:
    customer = _customer()
    intent = _setup(
        customer=customer.id, usage="on_session", description="Save for later",
        metadata={"order": "42"}, payment_method_options={"card": {"request_three_d_secure": "any"}},
    )
    assert intent.customer == customer.id and intent.usage == "on_session"
    assert intent.description == "Save for later" and intent.metadata.to_dict() == {"order": "42"}
    assert intent.automatic_payment_methods is None
    assert intent.payment_method_options.card.request_three_d_secure == "any"


def test_create_with_a_payment_method_waits_for_confirmation() -> None:
    intent = _setup(payment_method="pm_card_visa")
    assert intent.status == "requires_confirmation"
    assert intent.payment_method.startswith("pm_") and intent.latest_attempt is None


def test_create_and_confirm_saves_the_card_on_the_customer(server: TenderServer) -> None:
    customer = _customer()
    intent = _setup(customer=customer.id, payment_method="pm_card_visa", confirm=True)
    assert intent.status == "succeeded" and intent.next_action is None
    assert intent.latest_attempt.startswith("setatt_")
    method = stripe.PaymentMethod.retrieve(intent.payment_method)
    assert method.customer == customer.id
    assert types_about(server, intent.id) == ["setup_intent.created", "setup_intent.succeeded"]
    assert types_about(server, method.id) == ["payment_method.attached"]


def test_success_without_a_customer_leaves_the_card_unattached() -> None:
    intent = _setup(payment_method="pm_card_visa", confirm=True)
    assert intent.status == "succeeded"
    assert stripe.PaymentMethod.retrieve(intent.payment_method).customer is None


def test_create_and_confirm_with_card_data() -> None:
    intent = _setup(
        confirm=True,
        payment_method_data={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
        },
    )
    assert intent.status == "succeeded"
    assert stripe.PaymentMethod.retrieve(intent.payment_method).card.last4 == "4242"


def test_dashboard_methods_need_a_return_url_to_confirm() -> None:
    before = _newest_setup_intent()
    error = _expect(
        stripe.InvalidRequestError, stripe.SetupIntent.create, payment_method="pm_card_visa", confirm=True
    )
    assert error.http_status == 400 and error.code is None
    assert error.user_message.startswith("A `return_url` must be specified because this Setup Intent")
    assert _newest_setup_intent() == before


def test_dashboard_methods_without_redirects_confirm_without_a_return_url() -> None:
    intent = stripe.SetupIntent.create(
        payment_method="pm_card_visa", confirm=True,
        automatic_payment_methods={"enabled": True, "allow_redirects": "never"},
    )
    assert intent.status == "succeeded"


# ------------------------------------------------------------------ create: refusals


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"return_url": "https://shop.example/r"}, None, "return_url"),
        ({"use_stripe_sdk": True}, None, "use_stripe_sdk"),
        ({"payment_method": "pm_card_visa", "payment_method_data": {"type": "card", "card": {"token": "tok_visa"}}},
         "parameters_exclusive", "payment_method_data"),
        ({"automatic_payment_methods": {"enabled": True}}, "parameters_exclusive", "automatic_payment_methods"),
        ({"usage": "sometimes"}, None, "usage"),
        ({"single_use": {"amount": 100, "currency": "usd"}}, "parameter_unknown", "single_use"),
        ({"payment_method_options": {"card": {"request_three_d_secure": "always"}}},
         None, "payment_method_options[card][request_three_d_secure]"),
    ],
)
def test_create_refuses_bad_parameter_combinations(params: dict[str, Any], code: str | None, param: str) -> None:
    before = _newest_setup_intent()
    error = _expect(stripe.InvalidRequestError, _setup, **params)
    assert error.http_status == 400 and error.code == code and error.param == param
    assert _newest_setup_intent() == before


def test_create_for_an_unknown_customer_is_a_404() -> None:
    before = _newest_setup_intent()
    error = _expect(stripe.InvalidRequestError, _setup, customer="cus_doesnotexist")
    assert error.http_status == 404 and error.code == "resource_missing" and error.param == "customer"
    assert error.user_message == "No such customer: 'cus_doesnotexist'"
    assert _newest_setup_intent() == before


def test_create_for_a_deleted_customer_is_a_404() -> None:
    customer = _customer()
    stripe.Customer.delete(customer.id)
    before = _newest_setup_intent()
    error = _expect(stripe.InvalidRequestError, _setup, customer=customer.id)
    assert error.http_status == 404 and error.code == "resource_missing" and error.param == "customer"
    assert _newest_setup_intent() == before


def test_a_card_saved_on_another_customer_cannot_be_set_up_for_this_one() -> None:
    owner, other = _customer(), _customer()
    card = stripe.PaymentMethod.attach("pm_card_visa", customer=owner.id)
    before = _newest_setup_intent()
    error = _expect(stripe.InvalidRequestError, _setup, customer=other.id, payment_method=card.id, confirm=True)
    assert error.http_status == 400 and error.param == "payment_method"
    assert error.user_message == (
        f"The payment method supplied ({card.id}) does not belong to a Customer, but you supplied "
        f"Customer {other.id}. Please attach the payment method to this Customer before using it "
        "with a SetupIntent."
    )
    assert _newest_setup_intent() == before
    assert stripe.PaymentMethod.retrieve(card.id).customer == owner.id


def test_a_card_spent_on_a_guest_payment_cannot_be_set_up() -> None:
    payment = stripe.PaymentIntent.create(
        amount=1000, currency="usd", payment_method_types=["card"], payment_method="pm_card_visa", confirm=True
    )
    before = _newest_setup_intent()
    error = _expect(stripe.InvalidRequestError, _setup, customer=_customer().id, payment_method=payment.payment_method)
    assert error.http_status == 400 and error.param == "payment_method"
    assert "may not be used again" in error.user_message
    assert _newest_setup_intent() == before


def test_an_unknown_payment_method_is_a_404() -> None:
    before = _newest_setup_intent()
    error = _expect(stripe.InvalidRequestError, _setup, payment_method="pm_doesnotexist")
    assert error.http_status == 404 and error.code == "resource_missing" and error.param == "payment_method"
    assert _newest_setup_intent() == before


# =========================================================================== confirm


def test_confirm_with_a_payment_method_succeeds() -> None:
    customer = _customer()
    intent = _setup(customer=customer.id)
    intent = stripe.SetupIntent.confirm(intent.id, payment_method="pm_card_mastercard")
    assert intent.status == "succeeded"
    assert stripe.PaymentMethod.retrieve(intent.payment_method).customer == customer.id


def test_confirm_with_the_payment_method_given_at_create() -> None:
    intent = _setup(payment_method="pm_card_visa")
    assert stripe.SetupIntent.confirm(intent.id).status == "succeeded"


def test_confirm_a_card_already_saved_on_the_customer_changes_no_attachment(server: TenderServer) -> None:
    customer = _customer()
    card = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    intent = _setup(customer=customer.id, payment_method=card.id, confirm=True)
    assert intent.status == "succeeded"
    assert types_about(server, card.id) == ["payment_method.attached"]  # from the attach only


def test_confirming_a_succeeded_setup_intent_is_refused() -> None:
    intent = _setup(payment_method="pm_card_visa", confirm=True)
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.confirm, intent.id)
    assert error.http_status == 400 and error.code == "setup_intent_unexpected_state"
    assert error.user_message == (
        "You cannot confirm this SetupIntent because it has already succeeded after being "
        "previously confirmed."
    )
    assert error.error.setup_intent.id == intent.id and error.error.setup_intent.status == "succeeded"
    _unchanged(intent)


def test_confirming_a_canceled_setup_intent_is_refused() -> None:
    intent = stripe.SetupIntent.cancel(_setup(payment_method="pm_card_visa").id)
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.confirm, intent.id)
    assert error.http_status == 400 and error.code == "setup_intent_unexpected_state"
    assert error.user_message == "You cannot confirm this SetupIntent because it has a status of canceled."
    _unchanged(intent)


def test_confirming_without_a_payment_method_is_refused() -> None:
    intent = _setup()
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.confirm, intent.id)
    assert error.http_status == 400 and error.code == "setup_intent_unexpected_state"
    assert "missing a payment method" in error.user_message
    _unchanged(intent)


def test_confirming_dashboard_methods_without_a_return_url_is_refused() -> None:
    intent = stripe.SetupIntent.create(payment_method="pm_card_visa")
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.confirm, intent.id)
    assert error.http_status == 400 and error.param is None
    assert error.user_message.startswith("A `return_url` must be specified")
    assert error.error.setup_intent.id == intent.id
    _unchanged(intent)
    assert stripe.SetupIntent.confirm(intent.id, return_url="https://shop.example/r").status == "succeeded"


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"return_url": "not a url"}, "url_invalid", "return_url"),
        ({"payment_method": "pm_card_visa", "payment_method_data": {"type": "card", "card": {"token": "tok_visa"}}},
         "parameters_exclusive", "payment_method_data"),
        ({"usage": "on_session"}, "parameter_unknown", "usage"),
    ],
)
def test_confirm_refuses_bad_parameters(params: dict[str, Any], code: str, param: str) -> None:
    intent = _setup(payment_method="pm_card_visa")
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.confirm, intent.id, **params)
    assert error.http_status == 400 and error.code == code and error.param == param
    _unchanged(intent)


def test_confirming_an_unknown_setup_intent_is_a_404() -> None:
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.confirm, "seti_doesnotexist")
    assert error.http_status == 404 and error.code == "resource_missing" and error.param == "intent"
    assert error.user_message == "No such setupintent: 'seti_doesnotexist'"


# --------------------------------------------------------------------- declines


SETUP_DECLINES = [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", None),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", None),
    ("pm_card_chargeDeclinedProcessingError", "processing_error", None),
]


@pytest.mark.parametrize(("payment_method", "code", "decline_code"), SETUP_DECLINES)
def test_a_declining_card_fails_the_setup_with_a_402(
    server: TenderServer, payment_method: str, code: str, decline_code: str | None
) -> None:
    customer = _customer()
    intent = _setup(customer=customer.id)
    error = _expect(stripe.CardError, stripe.SetupIntent.confirm, intent.id, payment_method=payment_method)
    assert error.http_status == 402 and error.code == code and error.error.decline_code == decline_code
    embedded = error.error.setup_intent
    assert embedded.id == intent.id and embedded.status == "requires_payment_method"
    method_id = error.error.payment_method.id

    intent = stripe.SetupIntent.retrieve(intent.id, expand=["latest_attempt"])
    assert intent.status == "requires_payment_method" and intent.payment_method is None
    assert intent.last_setup_error.type == "card_error" and intent.last_setup_error.code == code
    assert intent.last_setup_error.payment_method.id == method_id
    assert intent.latest_attempt.status == "failed"
    assert intent.latest_attempt.setup_error.code == code
    assert stripe.PaymentMethod.retrieve(method_id).customer is None
    assert types_about(server, intent.id) == ["setup_intent.created", "setup_intent.setup_failed"]


def test_a_failed_setup_can_be_retried_with_another_card() -> None:
    intent = _setup()
    _expect(stripe.CardError, stripe.SetupIntent.confirm, intent.id, payment_method="pm_card_visa_chargeDeclined")
    first_attempt = stripe.SetupIntent.retrieve(intent.id).latest_attempt
    intent = stripe.SetupIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert intent.status == "succeeded" and intent.last_setup_error is None
    assert intent.latest_attempt != first_attempt


def test_charge_customer_fail_card_sets_up_fine() -> None:
    customer = _customer()
    intent = _setup(customer=customer.id, payment_method="pm_card_chargeCustomerFail", confirm=True)
    assert intent.status == "succeeded"
    assert stripe.PaymentMethod.retrieve(intent.payment_method).customer == customer.id


# ------------------------------------------------------------------ 3-D Secure


@pytest.mark.parametrize(
    "card",
    [AUTH_ON_SETUP, "pm_card_authenticationRequired", "pm_card_authenticationRequiredSetupForOffSession"],
)
def test_cards_that_authenticate_on_setup_ask_for_it(server: TenderServer, card: str) -> None:
    intent = _setup(customer=_customer().id, payment_method=card, confirm=True)
    assert intent.status == "requires_action"
    assert intent.next_action.type == "use_stripe_sdk"
    assert intent.next_action.use_stripe_sdk.type == "three_d_secure_redirect"
    assert intent.next_action.use_stripe_sdk.stripe_js.startswith("http://127.0.0.1")
    assert types_about(server, intent.id) == ["setup_intent.created", "setup_intent.requires_action"]
    assert stripe.PaymentMethod.retrieve(intent.payment_method).customer is None


def test_redirect_flow_completes_and_returns_with_setup_intent_parameters(server: TenderServer) -> None:
    customer = _customer()
    intent = _setup(
        customer=customer.id, payment_method=AUTH_ON_SETUP, confirm=True,
        return_url="https://shop.example/saved?step=2",
    )
    assert intent.next_action.type == "redirect_to_url"
    assert intent.next_action.redirect_to_url.return_url == "https://shop.example/saved?step=2"
    answer = _answer_challenge(_challenge_url(intent), "complete")
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert location.netloc == "shop.example" and query["step"] == ["2"]
    assert query["setup_intent"] == [intent.id]
    assert query["setup_intent_client_secret"] == [intent.client_secret]
    assert query["redirect_status"] == ["succeeded"]

    intent = stripe.SetupIntent.retrieve(intent.id, expand=["latest_attempt"])
    assert intent.status == "succeeded" and intent.next_action is None
    tds = intent.latest_attempt.payment_method_details.card.three_d_secure
    assert tds.result == "authenticated" and tds.authentication_flow == "challenge"
    assert stripe.PaymentMethod.retrieve(intent.payment_method).customer == customer.id
    assert types_about(server, intent.id) == [
        "setup_intent.created", "setup_intent.requires_action", "setup_intent.succeeded",
    ]


def test_failed_authentication_fails_the_setup(server: TenderServer) -> None:
    intent = _setup(
        customer=_customer().id, payment_method=AUTH_ON_SETUP, confirm=True, return_url="https://shop.example/r"
    )
    method_id = intent.payment_method
    answer = _answer_challenge(_challenge_url(intent), "fail")
    assert parse_qs(urlsplit(answer.headers["location"]).query)["redirect_status"] == ["failed"]
    intent = stripe.SetupIntent.retrieve(intent.id, expand=["latest_attempt"])
    assert intent.status == "requires_payment_method" and intent.payment_method is None
    error = intent.last_setup_error
    assert error.code == "setup_intent_authentication_failure"
    assert error.message == (
        "The latest attempt to set up the payment method has failed because authentication failed."
    )
    assert error.payment_method.id == method_id
    assert intent.latest_attempt.status == "failed"
    assert stripe.PaymentMethod.retrieve(method_id).customer is None
    assert types_about(server, intent.id)[-1] == "setup_intent.setup_failed"


def test_sdk_flow_page_reports_back_instead_of_redirecting() -> None:
    intent = _setup(payment_method=AUTH_ON_SETUP, confirm=True)
    answer = _answer_challenge(_challenge_url(intent), "complete")
    assert answer.status_code == 200 and "tender-3ds-complete" in answer.text
    assert stripe.SetupIntent.retrieve(intent.id).status == "succeeded"


def test_challenge_page_cannot_be_answered_twice() -> None:
    intent = _setup(payment_method=AUTH_ON_SETUP, confirm=True)
    url = _challenge_url(intent)
    _answer_challenge(url, "complete")
    assert httpx.get(url).status_code == 404
    assert httpx.post(url, data={"action": "fail"}).status_code == 404
    assert stripe.SetupIntent.retrieve(intent.id).status == "succeeded"


def test_optional_card_is_challenged_only_when_asked() -> None:
    assert _setup(payment_method="pm_card_threeDSecureOptional", confirm=True).status == "succeeded"
    asked = _setup(
        payment_method="pm_card_threeDSecureOptional", confirm=True,
        payment_method_options={"card": {"request_three_d_secure": "any"}},
    )
    assert asked.status == "requires_action"


def test_confirming_again_while_waiting_abandons_the_open_challenge() -> None:
    intent = _setup(payment_method=AUTH_ON_SETUP, confirm=True)
    old_url, old_attempt = _challenge_url(intent), intent.latest_attempt
    intent = stripe.SetupIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert intent.status == "succeeded"
    assert httpx.get(old_url).status_code == 404
    intent = stripe.SetupIntent.retrieve(intent.id, expand=["latest_attempt"])
    assert intent.latest_attempt.id != old_attempt


# =========================================================================== retrieve / update


def test_retrieve_expands_customer_payment_method_and_latest_attempt() -> None:
    customer = _customer()
    created = _setup(customer=customer.id, payment_method="pm_card_visa", confirm=True)
    intent = stripe.SetupIntent.retrieve(
        created.id, expand=["customer", "payment_method", "latest_attempt.payment_method"]
    )
    assert intent.customer.id == customer.id
    assert intent.payment_method.id == created.payment_method
    attempt = intent.latest_attempt
    assert attempt.id == created.latest_attempt and attempt.object == "setup_attempt"
    assert attempt.setup_intent == created.id and attempt.status == "succeeded"
    assert attempt.customer == customer.id and attempt.usage == "off_session"
    assert attempt.payment_method.id == created.payment_method
    assert attempt.payment_method_details.type == "card"
    assert attempt.payment_method_details.card.last4 == "4242"


def test_retrieve_an_unknown_setup_intent_is_a_404() -> None:
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.retrieve, "seti_doesnotexist")
    assert error.http_status == 404 and error.code == "resource_missing"
    assert error.user_message == "No such setupintent: 'seti_doesnotexist'"


def test_update_plain_fields_and_payment_method() -> None:
    customer = _customer()
    intent = _setup(metadata={"a": "1", "b": "2"})
    intent = stripe.SetupIntent.modify(
        intent.id, description="Card for invoices", metadata={"b": "", "c": "3"},
        customer=customer.id, payment_method="pm_card_visa",
    )
    assert intent.description == "Card for invoices"
    assert intent.metadata.to_dict() == {"a": "1", "c": "3"}
    assert intent.customer == customer.id and intent.status == "requires_confirmation"
    assert stripe.SetupIntent.confirm(intent.id).status == "succeeded"


def test_a_new_payment_method_while_waiting_for_authentication_drops_the_challenge() -> None:
    intent = _setup(payment_method=AUTH_ON_SETUP, confirm=True)
    url = _challenge_url(intent)
    attempt_id = intent.latest_attempt
    intent = stripe.SetupIntent.modify(intent.id, payment_method="pm_card_visa")
    assert intent.status == "requires_confirmation" and intent.next_action is None
    assert httpx.get(url).status_code == 404
    attempt = stripe.SetupIntent.retrieve(intent.id, expand=["latest_attempt"]).latest_attempt
    assert attempt.id == attempt_id and attempt.status == "abandoned"


def test_description_and_metadata_change_after_success() -> None:
    intent = _setup(payment_method="pm_card_visa", confirm=True)
    intent = stripe.SetupIntent.modify(intent.id, description="done", metadata={"k": "v"})
    assert intent.status == "succeeded" and intent.description == "done"


@pytest.mark.parametrize(
    ("field", "value"),
    [("payment_method", "pm_card_mastercard"), ("customer", None), ("payment_method_types", ["card"])],
)
def test_what_is_set_up_cannot_change_after_success(field: str, value: Any) -> None:
    intent = _setup(payment_method="pm_card_visa", confirm=True)
    error = _expect(
        stripe.InvalidRequestError, stripe.SetupIntent.modify, intent.id,
        **{field: value if value is not None else _customer().id},
    )
    assert error.http_status == 400 and error.code == "setup_intent_unexpected_state"
    assert error.user_message.startswith(
        f"This SetupIntent's {field} could not be updated because it has a status of succeeded."
    )
    _unchanged(intent)


def test_update_with_both_a_payment_method_and_card_data_is_refused() -> None:
    intent = _setup()
    error = _expect(
        stripe.InvalidRequestError, stripe.SetupIntent.modify, intent.id, payment_method="pm_card_visa",
        payment_method_data={"type": "card", "card": {"token": "tok_visa"}},
    )
    assert error.http_status == 400 and error.code == "parameters_exclusive"
    assert error.param == "payment_method_data"
    _unchanged(intent)


def test_update_to_an_unknown_customer_is_a_404() -> None:
    intent = _setup()
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.modify, intent.id, customer="cus_nope")
    assert error.http_status == 404 and error.param == "customer"
    _unchanged(intent)


def test_update_to_a_customer_that_does_not_own_the_chosen_card_is_refused() -> None:
    owner = _customer()
    card = stripe.PaymentMethod.attach("pm_card_visa", customer=owner.id)
    intent = _setup(customer=owner.id, payment_method=card.id)
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.modify, intent.id, customer=_customer().id)
    assert error.http_status == 400 and error.param == "payment_method"
    _unchanged(intent)


# =========================================================================== cancel


@pytest.mark.parametrize("reason", ["abandoned", "duplicate", "requested_by_customer"])
def test_cancel_with_a_reason(server: TenderServer, reason: str) -> None:
    intent = stripe.SetupIntent.cancel(_setup().id, cancellation_reason=reason)
    assert intent.status == "canceled" and intent.cancellation_reason == reason
    assert types_about(server, intent.id) == ["setup_intent.created", "setup_intent.canceled"]


def test_cancel_while_waiting_for_authentication_closes_the_challenge() -> None:
    intent = _setup(payment_method=AUTH_ON_SETUP, confirm=True)
    url = _challenge_url(intent)
    intent = stripe.SetupIntent.cancel(intent.id)
    assert intent.status == "canceled" and intent.next_action is None
    assert httpx.post(url, data={"action": "complete"}).status_code == 404
    intent = stripe.SetupIntent.retrieve(intent.id, expand=["latest_attempt"])
    assert intent.status == "canceled" and intent.latest_attempt.status == "abandoned"


@pytest.mark.parametrize("finish", ["succeed", "cancel"])
def test_cancel_after_the_setup_is_over_is_refused(finish: str) -> None:
    intent = _setup(payment_method="pm_card_visa", confirm=finish == "succeed")
    if finish == "cancel":
        intent = stripe.SetupIntent.cancel(intent.id)
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.cancel, intent.id)
    assert error.http_status == 400 and error.code == "setup_intent_unexpected_state"
    assert error.user_message.startswith(
        f"You cannot cancel this SetupIntent because it has a status of {intent.status}."
    )
    _unchanged(intent)


def test_cancel_refuses_a_payment_intent_only_reason() -> None:
    intent = _setup()
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.cancel, intent.id, cancellation_reason="fraudulent")
    assert error.http_status == 400 and error.param == "cancellation_reason"
    _unchanged(intent)


# =========================================================================== list


def test_list_by_customer_newest_first_with_pagination() -> None:
    customer = _customer()
    made = [_setup(customer=customer.id).id for _ in range(3)]
    page = stripe.SetupIntent.list(customer=customer.id)
    assert [i.id for i in page.data] == made[::-1] and page.has_more is False and page.url == "/v1/setup_intents"
    first = stripe.SetupIntent.list(customer=customer.id, limit=2)
    assert [i.id for i in first.data] == [made[2], made[1]] and first.has_more is True
    rest = stripe.SetupIntent.list(customer=customer.id, limit=2, starting_after=made[1])
    assert [i.id for i in rest.data] == [made[0]] and rest.has_more is False
    before = stripe.SetupIntent.list(customer=customer.id, ending_before=made[0])
    assert [i.id for i in before.data] == [made[2], made[1]]


def test_list_by_payment_method() -> None:
    first = _setup(payment_method="pm_card_visa")
    second = _setup(payment_method=first.payment_method)
    _setup(payment_method="pm_card_visa")
    page = stripe.SetupIntent.list(payment_method=first.payment_method)
    assert [i.id for i in page.data] == [second.id, first.id] and page.has_more is False
    limited = stripe.SetupIntent.list(payment_method=first.payment_method, limit=1)
    assert [i.id for i in limited.data] == [second.id] and limited.has_more is True
    after = stripe.SetupIntent.list(payment_method=first.payment_method, starting_after=second.id)
    assert [i.id for i in after.data] == [first.id]
    newer = stripe.SetupIntent.list(payment_method=first.payment_method, ending_before=first.id)
    assert [i.id for i in newer.data] == [second.id]
    other = stripe.SetupIntent.list(payment_method=first.payment_method, customer=_customer().id)
    assert other.data == []


def test_list_by_created_and_expanded_items() -> None:
    customer = _customer()
    intent = _setup(customer=customer.id, payment_method="pm_card_visa", confirm=True)
    page = stripe.SetupIntent.list(
        customer=customer.id, created={"gte": intent.created}, expand=["data.latest_attempt"]
    )
    assert [i.id for i in page.data] == [intent.id]
    assert page.data[0].latest_attempt.status == "succeeded"
    assert stripe.SetupIntent.list(customer=customer.id, created={"gt": intent.created + 10}).data == []
    by_method = stripe.SetupIntent.list(payment_method=intent.payment_method, created={"lt": intent.created})
    assert by_method.data == []


@pytest.mark.parametrize("extra", [{}, {"payment_method": "pm_x"}])
def test_list_with_an_unknown_cursor_is_a_404(extra: dict[str, str]) -> None:
    error = _expect(stripe.InvalidRequestError, stripe.SetupIntent.list, starting_after="seti_nope", **extra)
    assert error.http_status == 404 and error.param == "starting_after"


def test_list_with_both_cursors_is_refused() -> None:
    error = _expect(
        stripe.InvalidRequestError, stripe.SetupIntent.list, payment_method="pm_x",
        starting_after="seti_a", ending_before="seti_b",
    )
    assert error.http_status == 400 and error.code == "parameters_exclusive"


# =========================================================================== publishable key


def _browser(response: httpx.Response) -> dict[str, Any]:
    validate_response(response.status_code, response.content, full_shape=False)
    return response.json()  # type: ignore[no-any-return]


HIDDEN = ("customer", "metadata", "latest_attempt", "payment_method_options", "mandate", "on_behalf_of")


def test_browser_retrieves_with_the_client_secret_and_sees_restricted_fields(browser_http: httpx.Client) -> None:
    intent = _setup(customer=_customer().id, metadata={"secret": "yes"})
    body = _browser(browser_http.get(
        f"/v1/setup_intents/{intent.id}", params={"key": PUBLISHABLE_KEY, "client_secret": intent.client_secret}
    ))
    assert body["id"] == intent.id and body["status"] == "requires_payment_method"
    assert body["client_secret"] == intent.client_secret and body["usage"] == "off_session"
    for field in HIDDEN:
        assert field not in body


@pytest.mark.parametrize(
    ("secret", "status", "code"),
    [(None, 400, "parameter_missing"), ("seti_wrong_secret_x", 400, "setup_intent_invalid_parameter")],
)
def test_browser_retrieve_needs_the_right_client_secret(
    browser_http: httpx.Client, secret: str | None, status: int, code: str
) -> None:
    intent = _setup()
    params = {"key": PUBLISHABLE_KEY} | ({"client_secret": secret} if secret else {})
    response = browser_http.get(f"/v1/setup_intents/{intent.id}", params=params)
    body = _browser(response)
    assert response.status_code == status
    assert body["error"]["code"] == code and body["error"]["param"] == "client_secret"


def test_browser_confirms_card_setup_and_completes_3ds(browser_http: httpx.Client) -> None:
    customer = _customer()
    intent = _setup(customer=customer.id)
    body = _browser(browser_http.post(f"/v1/setup_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": intent.client_secret,
        "payment_method_data[type]": "card", "payment_method_data[card][number]": "4000002500003155",
        "payment_method_data[card][exp_month]": "12", "payment_method_data[card][exp_year]": "2034",
        "payment_method_data[card][cvc]": "123", "payment_method_data[payment_user_agent]": "stripe.js/x",
        "expected_payment_method_type": "card", "use_stripe_sdk": "true", "payment_user_agent": "stripe.js/x",
    }))
    assert body["status"] == "requires_action" and body["next_action"]["type"] == "use_stripe_sdk"
    for field in HIDDEN:
        assert field not in body
    answer = _answer_challenge(body["next_action"]["use_stripe_sdk"]["stripe_js"], "complete")
    assert answer.status_code == 200
    after = _browser(browser_http.get(
        f"/v1/setup_intents/{intent.id}", params={"key": PUBLISHABLE_KEY, "client_secret": intent.client_secret}
    ))
    assert after["status"] == "succeeded"
    assert stripe.PaymentMethod.retrieve(after["payment_method"]).customer == customer.id


def test_browser_decline_is_a_402_with_the_filtered_setup_intent(browser_http: httpx.Client) -> None:
    intent = _setup(metadata={"secret": "yes"})
    response = browser_http.post(f"/v1/setup_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": intent.client_secret,
        "payment_method": "pm_card_visa_chargeDeclined",
    })
    body = _browser(response)
    assert response.status_code == 402 and body["error"]["code"] == "card_declined"
    assert body["error"]["setup_intent"]["status"] == "requires_payment_method"
    assert "metadata" not in body["error"]["setup_intent"]


def test_browser_confirm_with_a_wrong_client_secret_changes_nothing(browser_http: httpx.Client) -> None:
    intent = _setup(payment_method="pm_card_visa")
    response = browser_http.post(f"/v1/setup_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": "seti_other_secret_x",
    })
    body = _browser(response)
    assert response.status_code == 400
    assert body["error"]["code"] == "setup_intent_invalid_parameter" and body["error"]["param"] == "client_secret"
    _unchanged(intent)


def test_browser_may_not_send_secret_key_only_confirm_parameters(browser_http: httpx.Client) -> None:
    intent = _setup()
    response = browser_http.post(f"/v1/setup_intents/{intent.id}/confirm", data={
        "key": PUBLISHABLE_KEY, "client_secret": intent.client_secret, "payment_method": "pm_card_visa",
        "payment_method_options[card][request_three_d_secure]": "any",
    })
    body = _browser(response)
    assert response.status_code == 400
    assert body["error"]["code"] == "parameter_unknown" and body["error"]["param"] == "payment_method_options"
    _unchanged(intent)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/setup_intents"), ("GET", "/v1/setup_intents"), ("POST", "/v1/setup_intents/seti_x/cancel"),
     ("POST", "/v1/setup_intents/seti_x")],
)
def test_every_other_setup_intent_call_needs_the_secret_key(
    browser_http: httpx.Client, method: str, path: str
) -> None:
    before = _newest_setup_intent()
    response = browser_http.request(method, path, params={"key": PUBLISHABLE_KEY})
    assert response.status_code == 401
    assert _browser(response)["error"]["code"] == "secret_key_required"
    assert _newest_setup_intent() == before


# =========================================================================== idempotency


def test_create_and_confirm_is_idempotent() -> None:
    customer = _customer()
    first = _setup(customer=customer.id, payment_method="pm_card_visa", confirm=True, idempotency_key=customer.id)
    again = _setup(customer=customer.id, payment_method="pm_card_visa", confirm=True, idempotency_key=customer.id)
    assert again.id == first.id
    assert [i.id for i in stripe.SetupIntent.list(customer=customer.id).data] == [first.id]
