"""/v1/payment_intents: parameter specs and the service each operation calls."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import (
    SHIPPING,
    AnyOf,
    Bool,
    Hash,
    Int,
    List,
    Metadata,
    Str,
    check_email,
    check_url,
)
from tender.api.routes.collections import LIST_PARAMS, SEARCH_PARAMS, list_response, search_response
from tender.api.routes.payment_methods import CREATE as PAYMENT_METHOD_DATA_FIELDS
from tender.core import money, search
from tender.core.descriptors import validate_descriptor, validate_suffix
from tender.core.errors import InvalidRequestError
from tender.core.metadata import UNSET
from tender.services import payment_intents
from tender.services.context import Context
from tender.store.base import Tx

CAPTURE_METHOD = Str(enum=("automatic", "automatic_async", "manual"))
SETUP_FUTURE_USAGE = Str(enum=("off_session", "on_session"), nullable=True)
CARD_OPTIONS = Hash(
    {
        "capture_method": Str(enum=("manual",), nullable=True),
        "request_three_d_secure": Str(enum=("any", "automatic", "challenge")),
        "request_incremental_authorization": Str(enum=("if_available", "never")),
        "request_extended_authorization": Str(enum=("if_available", "never")),
        "request_multicapture": Str(enum=("if_available", "never")),
        "request_overcapture": Str(enum=("if_available", "never")),
        "setup_future_usage": Str(enum=("none", "off_session", "on_session"), nullable=True),
        "statement_descriptor_suffix_kana": Str(max_length=22, nullable=True),
        "statement_descriptor_suffix_kanji": Str(max_length=17, nullable=True),
        "network": Str(nullable=True),
    },
    nullable=True,
)
PAYMENT_METHOD_OPTIONS = Hash({"card": CARD_OPTIONS}, nullable=True)
PAYMENT_METHOD_DATA = Hash(
    {k: v for k, v in PAYMENT_METHOD_DATA_FIELDS.items() if k != "metadata"}
    | {"metadata": Metadata()},
    required=("type",),
)
OFF_SESSION = AnyOf((Bool(), Str(enum=("one_off", "recurring"))))
DESCRIPTION = Str(max_length=1000, nullable=True)
SUFFIX = Str(max_length=22, check=validate_suffix, nullable=True)
DESCRIPTOR = Str(max_length=22, check=validate_descriptor, nullable=True)
PAYMENT_METHOD_TYPES = List(Str(enum=("card",)), max_items=20)


def _check_currency(value: str, param: str) -> None:
    money.validate_currency(value, param)


# Any length, so that `usdx` reads "Invalid currency: usdx" rather than a length error.
CURRENCY = Str(max_length=100, check=_check_currency)

CREATE = {
    "amount": Int(),
    "currency": CURRENCY,
    "automatic_payment_methods": Hash(
        {"enabled": Bool(), "allow_redirects": Str(enum=("always", "never"))},
        required=("enabled",),
    ),
    "capture_method": CAPTURE_METHOD,
    "confirm": Bool(),
    "confirmation_method": Str(enum=("automatic", "manual")),
    "customer": Str(),
    "description": DESCRIPTION,
    "error_on_requires_action": Bool(),
    "metadata": Metadata(),
    "off_session": OFF_SESSION,
    "payment_method": Str(),
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
    "payment_method_types": PAYMENT_METHOD_TYPES,
    "receipt_email": Str(check=check_email),
    "return_url": Str(check=check_url),
    "setup_future_usage": Str(enum=("off_session", "on_session")),
    "shipping": SHIPPING,
    "statement_descriptor": DESCRIPTOR,
    "statement_descriptor_suffix": SUFFIX,
    "use_stripe_sdk": Bool(),
}
CONFIRM_ONLY = ("off_session", "error_on_requires_action", "return_url", "use_stripe_sdk")

UPDATE = {
    "amount": Int(),
    "currency": CURRENCY,
    "capture_method": CAPTURE_METHOD,
    "customer": Str(nullable=True),
    "description": DESCRIPTION,
    "metadata": Metadata(),
    "payment_method": Str(nullable=True),
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
    "payment_method_types": PAYMENT_METHOD_TYPES,
    "receipt_email": Str(check=check_email, nullable=True),
    "setup_future_usage": SETUP_FUTURE_USAGE,
    "shipping": Hash(SHIPPING.fields, SHIPPING.required, nullable=True),
    "statement_descriptor": DESCRIPTOR,
    "statement_descriptor_suffix": SUFFIX,
}

CONFIRM = {
    "capture_method": CAPTURE_METHOD,
    "client_secret": Str(),
    "error_on_requires_action": Bool(),
    "off_session": OFF_SESSION,
    "payment_method": Str(),
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
    "payment_method_types": PAYMENT_METHOD_TYPES,
    "receipt_email": Str(check=check_email, nullable=True),
    "return_url": Str(check=check_url),
    "setup_future_usage": SETUP_FUTURE_USAGE,
    "shipping": Hash(SHIPPING.fields, SHIPPING.required, nullable=True),
    "use_stripe_sdk": Bool(),
}
# Stripe.js confirms with the publishable key; these stay secret-key only (§1.5).
PUBLISHABLE_CONFIRM = frozenset(CONFIRM) - {
    "capture_method",
    "off_session",
    "payment_method_options",
    "payment_method_types",
} | {"expected_payment_method_type"}

CAPTURE = {
    "amount_to_capture": Int(minimum=1),
    "metadata": Metadata(),
    "statement_descriptor": DESCRIPTOR,
    "statement_descriptor_suffix": SUFFIX,
    "final_capture": Bool(),
}
CANCEL = {
    "cancellation_reason": Str(
        enum=("abandoned", "duplicate", "fraudulent", "requested_by_customer")
    )
}
INCREMENT = {
    "amount": Int(minimum=1),
    "description": DESCRIPTION,
    "metadata": Metadata(),
    "statement_descriptor": DESCRIPTOR,
}
LIST = LIST_PARAMS | {"customer": Str()}
SEARCH = SEARCH_PARAMS


def _create(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return payment_intents.create(tx, ctx, call.params)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return payment_intents.retrieve(tx, ctx, call.path["intent"], call.params.get("client_secret"))


def _refuse_card_descriptor(params: dict[str, Any]) -> None:
    """tender's intents are card-only, and cards take `statement_descriptor_suffix`
    (stripe-behaviour §6.3); create refuses it in the service, the others here."""
    if params.get("statement_descriptor", UNSET) is not UNSET:
        raise InvalidRequestError(
            "The `statement_descriptor` parameter is not supported for the `card` payment "
            "method type. Please use `statement_descriptor_suffix` instead.",
            param="statement_descriptor",
        )


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    _refuse_card_descriptor(call.params)
    return payment_intents.update(tx, ctx, call.path["intent"], call.params)


def _confirm(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    params = dict(call.params)
    params.pop("expected_payment_method_type", None)
    return payment_intents.confirm(tx, ctx, call.path["intent"], params)


def _capture(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    _refuse_card_descriptor(call.params)
    return payment_intents.capture(tx, ctx, call.path["intent"], call.params)


def _cancel(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return payment_intents.cancel(tx, ctx, call.path["intent"], call.params)


def _increment(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    _refuse_card_descriptor(call.params)
    return payment_intents.increment_authorization(tx, ctx, call.path["intent"], call.params)


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return list_response(
        tx, ctx, "payment_intent", call.params, "/v1/payment_intents", customer=call.params.get("customer")
    )


def _search(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return search_response(
        tx, "payment_intent", search.PAYMENT_INTENT_FIELDS, call, "/v1/payment_intents/search"
    )


ENDPOINTS = [
    Endpoint("POST", "/v1/payment_intents", _create, "payment_intent", CREATE, ("amount", "currency")),
    Endpoint("GET", "/v1/payment_intents", _list, "list", LIST, item_type="payment_intent"),
    Endpoint(
        "GET", "/v1/payment_intents/search", _search, "search_result", SEARCH, ("query",),
        item_type="payment_intent",
    ),
    Endpoint(
        "GET", "/v1/payment_intents/{intent}", _retrieve, "payment_intent",
        {"client_secret": Str()}, publishable_params=frozenset({"client_secret"}),
    ),
    Endpoint("POST", "/v1/payment_intents/{intent}", _update, "payment_intent", UPDATE),
    Endpoint(
        "POST", "/v1/payment_intents/{intent}/confirm", _confirm, "payment_intent",
        CONFIRM | {"expected_payment_method_type": Str(enum=("card",))},
        publishable_params=PUBLISHABLE_CONFIRM,
    ),
    Endpoint("POST", "/v1/payment_intents/{intent}/capture", _capture, "payment_intent", CAPTURE),
    Endpoint("POST", "/v1/payment_intents/{intent}/cancel", _cancel, "payment_intent", CANCEL),
    Endpoint(
        "POST", "/v1/payment_intents/{intent}/increment_authorization", _increment,
        "payment_intent", INCREMENT, ("amount",),
    ),
]
