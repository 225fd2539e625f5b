"""Rejections (stripe-behaviour §3, §4.1, §4.6–4.7, §6): one test per refusal.

Each test checks what a client can match on — HTTP status, `type`, `code`, `param` and,
where Stripe's wording is known, `message` — plus the headers every error carries
(`Request-Id`, `Stripe-Should-Retry: false`), and that the refused request wrote nothing.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import stripe

from tests.support.openapi import validate_error
from tests.support.server import PUBLISHABLE_KEY, SECRET_KEY

NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
SECRET_REQUIRED_MESSAGE = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. "
    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)
CARD = {"payment_method_types": ["card"]}
FORM = "application/x-www-form-urlencoded"


# --------------------------------------------------------------------------- helpers


def _snapshot() -> tuple[list[str], ...]:
    """Newest object of each kind a payment request can create."""
    return tuple(
        [o.id for o in resource.list(limit=1).data]
        for resource in (stripe.PaymentIntent, stripe.PaymentMethod, stripe.Charge, stripe.Refund)
    )


@contextmanager
def nothing_written() -> Iterator[None]:
    before = _snapshot()
    yield
    assert _snapshot() == before, "a refused request created an object"


def check_error(
    status: int,
    body: Any,
    headers: Mapping[str, str],
    *,
    expected_status: int,
    code: str | None,
    param: str | None,
    message: str | None = None,
    starts: str | None = None,
    type: str = "invalid_request_error",
) -> dict[str, Any]:
    validate_error(body)
    error: dict[str, Any] = body["error"]
    assert status == expected_status, error
    assert error["type"] == type, error
    assert error.get("code") == code, error
    assert error.get("param") == param, error
    if code is None:
        assert "doc_url" not in error, error
    else:
        assert error["doc_url"] == "https://stripe.com/docs/error-codes/" + code.replace("_", "-")
    if message is not None:
        assert error["message"] == message
    if starts is not None:
        assert error["message"].startswith(starts), error["message"]
    assert None not in error.values(), "inapplicable keys are left out, not null"
    assert headers.get("Request-Id", "").startswith("req_"), dict(headers)
    assert headers.get("Stripe-Should-Retry") == "false", dict(headers)
    return error


def rejected(
    call: Callable[[], Any],
    *,
    status: int = 400,
    code: str | None = None,
    param: str | None = None,
    message: str | None = None,
    starts: str | None = None,
) -> dict[str, Any]:
    """Run an SDK call that must fail, check the error, and that nothing was created."""
    with nothing_written():
        with pytest.raises(stripe.StripeError) as info:
            call()
    err = info.value
    return check_error(
        err.http_status, err.json_body, err.headers, expected_status=status, code=code,
        param=param, message=message, starts=starts,
    )


def raw_rejected(
    call: Callable[[], httpx.Response],
    *,
    status: int = 400,
    code: str | None = None,
    param: str | None = None,
    message: str | None = None,
    starts: str | None = None,
) -> dict[str, Any]:
    """The same for a raw HTTP request."""
    with nothing_written():
        response = call()
    assert response.headers["content-type"] == "application/json"
    return check_error(
        response.status_code, response.json(), response.headers, expected_status=status,
        code=code, param=param, message=message, starts=starts,
    )


def create(**params: Any) -> Callable[[], Any]:
    return lambda: stripe.PaymentIntent.create(**{"amount": 2000, "currency": "usd", **CARD, **params})


def _unchanged_after(intent_id: str, call: Callable[[], Any], **expected: Any) -> dict[str, Any]:
    before = stripe.PaymentIntent.retrieve(intent_id).to_dict()
    error = rejected(call, **expected)
    assert stripe.PaymentIntent.retrieve(intent_id).to_dict() == before
    return error


# --------------------------------------------------------------------------- API keys


def test_no_api_key_is_401_with_stripes_wording(browser_http: httpx.Client) -> None:
    raw_rejected(
        lambda: browser_http.post("/v1/payment_intents", data={"amount": "2000", "currency": "usd"}),
        status=401, code=None, param=None, message=NO_KEY_MESSAGE,
    )


def test_empty_bearer_is_the_same_as_no_key(browser_http: httpx.Client) -> None:
    raw_rejected(
        lambda: browser_http.get("/v1/payment_intents", headers={"Authorization": "Bearer"}),
        status=401, code=None, param=None, message=NO_KEY_MESSAGE,
    )


def test_unknown_key_is_401_and_masked() -> None:
    rejected(
        lambda: stripe.PaymentIntent.create(
            amount=2000, currency="usd", api_key="sk_test_doesnotexist0000abcd"
        ),
        status=401, code=None, param=None, message="Invalid API Key provided: sk_test_****abcd",
    )


def test_unknown_short_key_is_not_echoed_back(browser_http: httpx.Client) -> None:
    error = raw_rejected(
        lambda: browser_http.get("/v1/payment_intents", headers={"Authorization": "Bearer abc"}),
        status=401, code=None, param=None, starts="Invalid API Key provided: ",
    )
    assert "abc" not in error["message"]


def test_publishable_key_as_bearer_on_a_secret_only_endpoint() -> None:
    rejected(
        create(api_key=PUBLISHABLE_KEY),
        status=401, code="secret_key_required", param=None, message=SECRET_REQUIRED_MESSAGE,
    )


def test_publishable_key_as_key_param_on_a_secret_only_endpoint(browser_http: httpx.Client) -> None:
    raw_rejected(
        lambda: browser_http.post(
            "/v1/payment_intents",
            data={"amount": "2000", "currency": "usd", "key": PUBLISHABLE_KEY},
        ),
        status=401, code="secret_key_required", param=None, message=SECRET_REQUIRED_MESSAGE,
    )
    raw_rejected(
        lambda: browser_http.get("/v1/payment_intents", params={"key": PUBLISHABLE_KEY}),
        status=401, code="secret_key_required", param=None, message=SECRET_REQUIRED_MESSAGE,
    )


def test_basic_auth_with_the_key_as_user_name_works(browser_http: httpx.Client) -> None:
    token = base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
    response = browser_http.get(
        "/v1/payment_intents", params={"limit": "1"}, headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "list"
    assert response.headers["request-id"].startswith("req_")


def test_basic_auth_with_an_unknown_key_is_401(browser_http: httpx.Client) -> None:
    token = base64.b64encode(b"sk_test_nobodyhasthiskey9876:").decode()
    raw_rejected(
        lambda: browser_http.get("/v1/payment_intents", headers={"Authorization": f"Basic {token}"}),
        status=401, code=None, param=None, message="Invalid API Key provided: sk_test_****9876",
    )


@pytest.mark.parametrize(
    "header",
    ["Token " + SECRET_KEY, "Basic !!!not-base64!!!", "Basic " + base64.b64encode(b"\xff\xfe:").decode()],
    ids=["unknown-scheme", "basic-not-base64", "basic-not-utf8"],
)
def test_unreadable_authorization_header_is_401(browser_http: httpx.Client, header: str) -> None:
    error = raw_rejected(
        lambda: browser_http.get("/v1/payment_intents", headers={"Authorization": header}),
        status=401, code=None, param=None, starts="Invalid Authorization header.",
    )
    assert SECRET_KEY not in error["message"]


def test_unknown_key_in_the_key_parameter_is_401_and_masked(browser_http: httpx.Client) -> None:
    raw_rejected(
        lambda: browser_http.get("/v1/payment_intents", params={"key": "sk_test_unknownkeyunknownkey1234"}),
        status=401, code=None, param=None, message="Invalid API Key provided: sk_test_****1234",
    )


# --------------------------------------------------------------------------- unknown and missing


def test_unknown_parameter_with_a_did_you_mean_hint() -> None:
    rejected(
        create(customers="cus_123"),
        code="parameter_unknown", param="customers",
        message="Received unknown parameter: customers. Did you mean customer?",
    )


def test_unknown_parameter_without_a_hint() -> None:
    rejected(
        create(flux_capacitor="1"),
        code="parameter_unknown", param="flux_capacitor",
        message="Received unknown parameter: flux_capacitor",
    )


def test_a_real_parameter_of_another_endpoint_is_unknown_here() -> None:
    rejected(
        create(amount_to_capture=1000),
        code="parameter_unknown", param="amount_to_capture",
        message="Received unknown parameter: amount_to_capture",
    )


def test_nested_unknown_parameter_names_its_full_path() -> None:
    rejected(
        create(shipping={"foo": "bar"}),
        code="parameter_unknown", param="shipping[foo]",
        message="Received unknown parameter: shipping[foo]",
    )


def test_missing_amount() -> None:
    rejected(
        lambda: stripe.PaymentIntent.create(currency="usd", **CARD),
        code="parameter_missing", param="amount", message="Missing required param: amount.",
    )


def test_missing_currency() -> None:
    rejected(
        lambda: stripe.PaymentIntent.create(amount=2000, **CARD),
        code="parameter_missing", param="currency", message="Missing required param: currency.",
    )


def test_missing_nested_required_parameter() -> None:
    rejected(
        create(shipping={"name": "Jenny Rosen"}),
        code="parameter_missing", param="shipping[address]",
        message="Missing required param: shipping[address].",
    )


# --------------------------------------------------------------------------- types


@pytest.mark.parametrize("value", ["1.09", "NaN", "12abc", "1e3"])
def test_amount_must_be_an_integer(value: str) -> None:
    rejected(
        create(amount=value),
        code="parameter_invalid_integer", param="amount", message=f"Invalid integer: {value}",
    )


def test_amount_sent_as_a_hash_is_not_an_integer() -> None:
    error = rejected(
        create(amount={"value": "2000"}), code="parameter_invalid_integer", param="amount",
        starts="Invalid integer: ",
    )
    assert "value" in error["message"]


def test_empty_string_for_a_parameter_that_cannot_be_unset() -> None:
    rejected(
        create(amount=""),
        code="parameter_invalid_empty", param="amount",
        message=(
            "You passed an empty string for 'amount'. We assume empty values are an attempt "
            "to unset a parameter; however 'amount' cannot be unset. You should remove "
            "'amount' from your request or supply a non-empty value."
        ),
    )


def test_empty_string_for_an_enum() -> None:
    rejected(create(capture_method=""), code="parameter_invalid_empty", param="capture_method")


def test_invalid_enum_value() -> None:
    rejected(
        create(capture_method="bogus"),
        code=None, param="capture_method",
        message="Invalid capture_method: must be one of automatic, automatic_async, or manual",
    )


def test_invalid_nested_enum_value_names_the_nested_param() -> None:
    rejected(
        create(payment_method_options={"card": {"request_three_d_secure": "always"}}),
        code=None, param="payment_method_options[card][request_three_d_secure]",
        message=(
            "Invalid payment_method_options[card][request_three_d_secure]: must be one of "
            "any, automatic, or challenge"
        ),
    )


@pytest.mark.parametrize("value", ["yes", "True", "1"])
def test_invalid_boolean(value: str) -> None:
    rejected(create(confirm=value), code=None, param="confirm", message=f"Invalid boolean: {value}")


def test_string_parameter_sent_as_a_hash() -> None:
    rejected(create(description={"a": "b"}), code=None, param="description", starts="Invalid string: ")


def test_description_over_1000_characters() -> None:
    rejected(create(description="x" * 1001), code=None, param="description", starts="Invalid string: ")


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize("amount", [0, -100])
def test_amount_must_be_positive(amount: int) -> None:
    rejected(
        create(amount=amount),
        code="parameter_invalid_integer", param="amount",
        message="This value must be greater than or equal to 1.",
    )


def test_amount_below_the_usd_minimum() -> None:
    rejected(
        create(amount=49),
        code="amount_too_small", param="amount", message="Amount must be at least $0.50 usd",
    )


def test_the_usd_minimum_itself_is_accepted() -> None:
    assert stripe.PaymentIntent.create(amount=50, currency="usd", **CARD).amount == 50


def test_foreign_amount_that_converts_below_50_cents() -> None:
    rejected(
        create(amount=5, currency="jpy"),
        code="amount_too_small", param="amount",
        message="Amount must convert to at least 50 cents. ¥5 converts to approximately $0.03.",
    )


def test_amount_above_the_maximum() -> None:
    rejected(
        create(amount=100_000_000),
        code="amount_too_large", param="amount", message="Amount must be no more than $999,999.99",
    )


def test_three_decimal_currency_needs_a_trailing_zero() -> None:
    rejected(create(amount=5125, currency="kwd"), code="invalid_charge_amount", param="amount",
             starts="Invalid amount 5125 for kwd")


def test_isk_is_sent_times_100() -> None:
    rejected(create(amount=55050, currency="isk"), code="invalid_charge_amount", param="amount",
             starts="Invalid amount 55050 for isk")


@pytest.mark.parametrize("currency", ["zzz", "tnd", "usdx", "us"])
def test_unsupported_currency(currency: str) -> None:
    error = rejected(
        create(currency=currency), code=None, param="currency",
        starts=f"Invalid currency: {currency}. Stripe accounts in US do not support {currency}. "
        "Your account currently supports these currencies: usd, aed, ",
    )
    assert ", jpy, " in error["message"]


def test_empty_currency_cannot_be_unset() -> None:
    rejected(create(currency=""), code="parameter_invalid_empty", param="currency")


def test_uppercase_currency_is_accepted_and_lowercased() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="EUR", **CARD)
    assert intent.currency == "eur"
    updated = stripe.PaymentIntent.modify(intent.id, currency="GBP")
    assert updated.currency == "gbp"


def test_update_to_an_amount_below_the_minimum_changes_nothing() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", **CARD)
    _unchanged_after(
        intent.id, lambda: stripe.PaymentIntent.modify(intent.id, amount=10),
        code="amount_too_small", param="amount", message="Amount must be at least $0.50 usd",
    )


def test_update_to_an_unsupported_currency_changes_nothing() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", **CARD)
    _unchanged_after(
        intent.id, lambda: stripe.PaymentIntent.modify(intent.id, currency="zzz"),
        code=None, param="currency", starts="Invalid currency: zzz.",
    )


# --------------------------------------------------------------------------- metadata


def test_metadata_with_51_keys() -> None:
    rejected(
        create(metadata={f"k{i}": "v" for i in range(51)}),
        code=None, param="metadata", message="Invalid metadata: metadata cannot have more than 50 keys",
    )


def test_metadata_with_50_keys_is_fine() -> None:
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", **CARD, metadata={f"k{i}": "v" for i in range(50)}
    )
    assert len(intent.metadata.to_dict()) == 50


def test_metadata_update_past_50_keys_in_total_changes_nothing() -> None:
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", **CARD, metadata={f"k{i}": "v" for i in range(50)}
    )
    _unchanged_after(
        intent.id, lambda: stripe.PaymentIntent.modify(intent.id, metadata={"one_more": "v"}),
        code=None, param="metadata", message="Invalid metadata: metadata cannot have more than 50 keys",
    )
    # Replacing one key with another keeps the count at 50.
    swapped = stripe.PaymentIntent.modify(intent.id, metadata={"k0": "", "one_more": "v"})
    assert len(swapped.metadata.to_dict()) == 50 and "k0" not in swapped.metadata


def test_metadata_key_over_40_characters() -> None:
    key = "k" * 41
    rejected(
        create(metadata={key: "v"}),
        code=None, param="metadata", message=f"Invalid key: {key} must be a string under 40 characters",
    )


def test_metadata_value_over_500_characters() -> None:
    value = "v" * 501
    rejected(
        create(metadata={"note": value}),
        code=None, param="metadata", message=f"Invalid val: {value} must be a string under 500 characters",
    )


def test_metadata_value_that_is_a_hash() -> None:
    error = rejected(
        create(metadata={"order": {"id": "6735"}}), code=None, param="metadata", starts="Invalid val: ",
    )
    assert error["message"].endswith(" must be a string under 500 characters")


def test_metadata_sent_as_a_string() -> None:
    rejected(create(metadata="order-6735"), code=None, param="metadata")


# --------------------------------------------------------------------------- descriptors


@pytest.mark.parametrize("suffix", ["ORDER <42>", "ORDER*42", 'SAY "HI"', "BACK\\SLASH"])
def test_statement_descriptor_suffix_with_forbidden_characters(suffix: str) -> None:
    rejected(
        create(statement_descriptor_suffix=suffix),
        code="invalid_characters", param="statement_descriptor_suffix",
        starts="The statement descriptor contains invalid characters",
    )


def test_statement_descriptor_suffix_with_non_latin_characters() -> None:
    rejected(
        create(statement_descriptor_suffix="ЗАКАЗ 42"),
        code="invalid_characters", param="statement_descriptor_suffix",
    )


def test_statement_descriptor_suffix_of_digits_only() -> None:
    rejected(
        create(statement_descriptor_suffix="123456"),
        code="invalid_characters", param="statement_descriptor_suffix",
        message="The statement descriptor must contain at least one letter.",
    )


def test_statement_descriptor_suffix_over_22_characters() -> None:
    error = rejected(
        create(statement_descriptor_suffix="A" * 23), code=None, param="statement_descriptor_suffix",
    )
    assert "22" in error["message"]


def test_statement_descriptor_on_a_card_payment_intent() -> None:
    rejected(
        create(statement_descriptor="TENDER SHOP"),
        code=None, param="statement_descriptor",
        starts="The `statement_descriptor` parameter is not supported for the `card` payment method type.",
    )


def test_statement_descriptor_on_a_card_payment_intent_update_changes_nothing() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", **CARD)
    _unchanged_after(
        intent.id, lambda: stripe.PaymentIntent.modify(intent.id, statement_descriptor="TENDER SHOP"),
        code=None, param="statement_descriptor",
        starts="The `statement_descriptor` parameter is not supported for the `card` payment method type.",
    )


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("email", ["jenny", "jenny@", "jenny rosen@example.com"])
def test_receipt_email_invalid(email: str) -> None:
    rejected(
        create(receipt_email=email),
        code="email_invalid", param="receipt_email", message=f"Invalid email address: {email}",
    )


@pytest.mark.parametrize("url", ["not a url", "shop.example/done", "javascript:alert(1)"])
def test_return_url_invalid(url: str) -> None:
    rejected(
        create(confirm=True, payment_method="pm_card_visa", return_url=url),
        code="url_invalid", param="return_url", starts="Not a valid URL",
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("off_session", True),
        ("return_url", "https://shop.example/done"),
        ("error_on_requires_action", True),
        ("use_stripe_sdk", True),
    ],
)
def test_confirm_only_parameters_need_confirm_true(name: str, value: Any) -> None:
    rejected(
        create(payment_method="pm_card_visa", **{name: value}),
        code=None, param=name, message=f"You can only pass `{name}` when `confirm` is set to `true`.",
    )
    rejected(
        create(payment_method="pm_card_visa", confirm=False, **{name: value}),
        code=None, param=name, message=f"You can only pass `{name}` when `confirm` is set to `true`.",
    )


def test_payment_method_and_payment_method_data_are_exclusive() -> None:
    rejected(
        create(payment_method="pm_card_visa", payment_method_data={"type": "card"}),
        code="parameters_exclusive", param="payment_method_data",
        message="You may only specify one of these parameters: payment_method, payment_method_data.",
    )


# --------------------------------------------------------------------------- unknown ids


def test_retrieve_unknown_payment_intent() -> None:
    rejected(
        lambda: stripe.PaymentIntent.retrieve("pi_123"),
        status=404, code="resource_missing", param="intent", message="No such payment_intent: 'pi_123'",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: stripe.PaymentIntent.modify("pi_123", description="x"),
        lambda: stripe.PaymentIntent.confirm("pi_123", payment_method="pm_card_visa"),
        lambda: stripe.PaymentIntent.capture("pi_123"),
        lambda: stripe.PaymentIntent.cancel("pi_123"),
    ],
    ids=["update", "confirm", "capture", "cancel"],
)
def test_operations_on_an_unknown_payment_intent(call: Callable[[], Any]) -> None:
    rejected(
        call, status=404, code="resource_missing", param="intent",
        message="No such payment_intent: 'pi_123'",
    )


def test_unknown_payment_method_in_the_body() -> None:
    rejected(
        create(payment_method="pm_nope"),
        status=404, code="resource_missing", param="payment_method",
        message="No such PaymentMethod: 'pm_nope'",
    )


def test_confirm_with_an_unknown_payment_method_changes_nothing() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", **CARD)
    _unchanged_after(
        intent.id, lambda: stripe.PaymentIntent.confirm(intent.id, payment_method="pm_nope"),
        status=404, code="resource_missing", param="payment_method",
        message="No such PaymentMethod: 'pm_nope'",
    )


def test_retrieve_unknown_payment_method() -> None:
    rejected(
        lambda: stripe.PaymentMethod.retrieve("pm_nope"),
        status=404, code="resource_missing", param="payment_method",
        message="No such PaymentMethod: 'pm_nope'",
    )


def test_retrieve_unknown_charge() -> None:
    rejected(
        lambda: stripe.Charge.retrieve("ch_nope"),
        status=404, code="resource_missing", param="charge", message="No such charge: 'ch_nope'",
    )


def test_list_with_an_unknown_cursor() -> None:
    rejected(
        lambda: stripe.PaymentIntent.list(starting_after="pi_nope"),
        status=404, code="resource_missing", param="starting_after",
        message="No such payment_intent: 'pi_nope'",
    )


def test_unknown_route(http: httpx.Client) -> None:
    raw_rejected(
        lambda: http.get("/v1/payment_intentz"),
        status=404, code=None, param=None,
        message=(
            "Unrecognized request URL (GET: /v1/payment_intentz). Please see "
            "https://stripe.com/docs or we can help at https://support.stripe.com/."
        ),
    )


def test_unknown_method_on_a_known_path(http: httpx.Client) -> None:
    raw_rejected(
        lambda: http.delete("/v1/payment_intents"),
        status=404, code=None, param=None,
        starts="Unrecognized request URL (DELETE: /v1/payment_intents).",
    )


# --------------------------------------------------------------------------- headers


def test_bad_stripe_version_header() -> None:
    rejected(
        create(stripe_version="2019-2-19"),
        code=None, param=None, message="Invalid Stripe API version: 2019-2-19",
    )


def test_idempotency_key_over_255_characters() -> None:
    # Stripe is silent on this one; tender names the header in `param`.
    rejected(
        create(idempotency_key="k" * 256), code=None, param="Idempotency-Key",
        message="Invalid Idempotency-Key: must be at most 255 characters long.",
    )


def test_idempotency_key_of_255_characters_is_fine() -> None:
    key = (str(uuid.uuid4()) * 8)[:255]
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", **CARD, idempotency_key=key)
    assert intent.status == "requires_payment_method"


def test_stripe_version_that_is_not_a_date() -> None:
    rejected(
        create(stripe_version="2019-13-45"),
        code=None, param=None, message="Invalid Stripe API version: 2019-13-45",
    )


def test_empty_idempotency_key_is_not_a_key(http: httpx.Client) -> None:
    first = http.post(
        "/v1/payment_intents", headers={"Idempotency-Key": ""},
        data={"amount": "2000", "currency": "usd", "payment_method_types[]": "card"},
    )
    second = http.post(
        "/v1/payment_intents", headers={"Idempotency-Key": ""},
        data={"amount": "3000", "currency": "usd", "payment_method_types[]": "card"},
    )
    if first.status_code == 200:  # treated as absent: both run
        assert second.status_code == 200, second.text
        assert second.json()["id"] != first.json()["id"]
    else:  # refused as a malformed key
        assert first.status_code == second.status_code == 400
        assert first.json()["error"]["type"] == "invalid_request_error"


# --------------------------------------------------------------------------- malformed bodies


def test_text_plain_body(http: httpx.Client) -> None:
    raw_rejected(
        lambda: http.post(
            "/v1/payment_intents", content=b"amount=2000&currency=usd",
            headers={"Content-Type": "text/plain; charset=utf-8"},
        ),
        code=None, param=None,
        message=(
            "Invalid request: unsupported Content-Type text/plain; charset=utf-8. If error "
            "persists and you need assistance, please contact support@stripe.com."
        ),
    )


def test_json_body(http: httpx.Client) -> None:
    raw_rejected(
        lambda: http.post("/v1/payment_intents", json={"amount": 2000, "currency": "usd"}),
        code=None, param=None,
        message=(
            "Invalid request: unsupported Content-Type application/json. If error persists "
            "and you need assistance, please contact support@stripe.com."
        ),
    )


def test_form_content_type_with_a_charset_is_accepted(http: httpx.Client) -> None:
    response = http.post(
        "/v1/payment_intents", content=b"amount=2000&currency=usd&payment_method_types[]=card",
        headers={"Content-Type": FORM + "; charset=utf-8"},
    )
    assert response.status_code == 200, response.text


def test_form_content_type_is_case_insensitive(http: httpx.Client) -> None:
    response = http.post(
        "/v1/payment_intents", content=b"amount=2000&currency=usd&payment_method_types[]=card",
        headers={"Content-Type": "Application/X-WWW-Form-Urlencoded"},
    )
    assert response.status_code == 200, response.text


def test_body_without_a_content_type(http: httpx.Client) -> None:
    response = http.post("/v1/payment_intents", content=b"amount=2000&currency=usd&payment_method_types[]=card")
    if response.status_code != 200:  # refusing is fine, with a readable message
        check_error(
            response.status_code, response.json(), response.headers, expected_status=400,
            code=None, param=None, starts="Invalid request: ",
        )
        assert "None" not in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [b"amount=2000&currency=usd&description=%FF%FE", b"amount=2000&currency=usd&description=\xff"],
    ids=["percent-encoded", "raw-byte"],
)
def test_invalid_utf8_in_a_form_value(http: httpx.Client, body: bytes) -> None:
    raw_rejected(
        lambda: http.post("/v1/payment_intents", content=body, headers={"Content-Type": FORM}),
        code=None, param=None, message="Invalid request: the request body is not valid UTF-8.",
    )


def test_invalid_utf8_in_a_query_string(http: httpx.Client) -> None:
    raw_rejected(
        lambda: http.get("/v1/payment_intents?customer=%FF"),
        code=None, param=None, starts="Invalid request: ",
    )


def test_body_over_one_megabyte(http: httpx.Client) -> None:
    body = b"amount=2000&currency=usd&description=" + b"x" * (1024 * 1024)
    raw_rejected(
        lambda: http.post("/v1/payment_intents", content=body, headers={"Content-Type": FORM}),
        code=None, param=None, starts="Request body too large",
    )



@pytest.mark.parametrize(
    "body",
    [b"amount=2000&currency=usd&metadata=x&metadata[a]=b", b"amount=2000&currency=usd&metadata[a]=b&metadata=x"],
    ids=["scalar-first", "hash-first"],
)
def test_one_key_sent_as_a_scalar_and_as_a_hash(http: httpx.Client, body: bytes) -> None:
    error = raw_rejected(
        lambda: http.post("/v1/payment_intents", content=body, headers={"Content-Type": FORM}),
        code=None, param="metadata", starts="Invalid request: parameter 'metadata' was sent both as ",
    )
    assert "a string" in error["message"] and "a hash" in error["message"]


def test_malformed_brackets(http: httpx.Client) -> None:
    raw_rejected(
        lambda: http.post(
            "/v1/payment_intents", content=b"amount=2000&currency=usd&metadata[a=b",
            headers={"Content-Type": FORM},
        ),
        code=None, param="metadata[a", starts="Invalid request: malformed parameter name 'metadata[a'",
    )


def test_array_indices_with_a_gap(http: httpx.Client) -> None:
    raw_rejected(
        lambda: http.post(
            "/v1/payment_intents",
            content=b"amount=2000&currency=usd&payment_method_types[0]=card&payment_method_types[2]=card",
            headers={"Content-Type": FORM},
        ),
        code=None, param="payment_method_types", starts="Invalid array: ",
    )


# --------------------------------------------------------------------------- expand


def test_expand_a_field_that_is_not_expandable() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", **CARD)
    rejected(
        lambda: stripe.PaymentIntent.retrieve(intent.id, expand=["metadata"]),
        code=None, param="expand", message="This property cannot be expanded (metadata).",
    )


def test_expand_on_create_is_checked_before_anything_is_written() -> None:
    rejected(
        create(expand=["metadata"]),
        code=None, param="expand", message="This property cannot be expanded (metadata).",
    )


def test_expand_on_a_list_without_the_data_prefix() -> None:
    rejected(
        lambda: stripe.PaymentIntent.list(expand=["customer"]),
        code=None, param="expand",
        message=(
            "This property cannot be expanded (customer). You may want to try expanding "
            "'data.customer' instead."
        ),
    )


def test_expand_more_than_four_levels() -> None:
    rejected(
        lambda: stripe.Charge.list(
            expand=["data.payment_intent.latest_charge.payment_intent.latest_charge.payment_intent"]
        ),
        code=None, param="expand", message="You cannot expand more than 4 levels of a property.",
    )


# --------------------------------------------------------------------------- lists


def test_list_limit_zero() -> None:
    rejected(
        lambda: stripe.PaymentIntent.list(limit=0),
        code=None, param="limit", message="This value must be greater than or equal to 1.",
    )


def test_list_limit_over_100() -> None:
    rejected(
        lambda: stripe.PaymentIntent.list(limit=101),
        code=None, param="limit", message="This value must be less than or equal to 100.",
    )


def test_list_limit_not_an_integer() -> None:
    rejected(
        lambda: stripe.PaymentIntent.list(limit="ten"),
        code="parameter_invalid_integer", param="limit", message="Invalid integer: ten",
    )


@pytest.mark.parametrize(
    "resource",
    [stripe.PaymentIntent, stripe.PaymentMethod, stripe.Charge, stripe.Refund, stripe.BalanceTransaction],
    ids=lambda r: r.OBJECT_NAME,
)
def test_starting_after_and_ending_before_are_exclusive(resource: Any) -> None:
    # Real cursors, so the refusal cannot be a 404 for an unknown id.
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", **CARD, payment_method="pm_card_visa", confirm=True
    )
    charge = stripe.Charge.retrieve(intent.latest_charge)
    refund = stripe.Refund.create(charge=charge.id, amount=100)
    cursor = {
        "payment_intent": intent.id,
        "payment_method": intent.payment_method,
        "charge": charge.id,
        "refund": refund.id,
        "balance_transaction": charge.balance_transaction,
    }[resource.OBJECT_NAME]
    rejected(
        lambda: resource.list(starting_after=cursor, ending_before=cursor),
        code="parameters_exclusive", param="ending_before",
        message="You may only specify one of these parameters: ending_before, starting_after.",
    )


def test_created_filter_with_an_unknown_operator() -> None:
    rejected(
        lambda: stripe.PaymentIntent.list(created={"after": 1}),
        code="parameter_unknown", param="created[after]",
        message="Received unknown parameter: created[after]",
    )


def test_confirm_with_both_payment_method_and_payment_method_data_is_refused() -> None:
    intent = stripe.PaymentIntent.create(amount=2000, currency="usd", payment_method_types=["card"])
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.confirm(
            intent.id, payment_method="pm_card_visa",
            payment_method_data={"type": "card", "card": {"token": "tok_visa"}},
        )
    assert info.value.code == "parameters_exclusive"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_payment_method"


def test_off_session_confirm_with_setup_future_usage_is_refused() -> None:
    customer = stripe.Customer.create()
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="usd", payment_method_types=["card"], customer=customer.id,
        setup_future_usage="off_session",
    )
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa", off_session=True)
    assert info.value.param == "off_session"
    assert "cannot set up future usages when processing payments off-session" in info.value.user_message
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_payment_method"
