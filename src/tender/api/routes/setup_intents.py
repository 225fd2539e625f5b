"""/v1/setup_intents: parameter specs and the service each operation calls."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call, Endpoint
from tender.api.params import Bool, Hash, Metadata, Spec, Str, check_cursors, check_url
from tender.api.routes.collections import LIST_PARAMS, list_response
from tender.api.routes.payment_intents import DESCRIPTION, PAYMENT_METHOD_DATA, PAYMENT_METHOD_TYPES
from tender.core import setup_intents as lifecycle
from tender.services import setup_intents
from tender.services.context import Context
from tender.store.base import Tx

CARD_OPTIONS = Hash(
    {
        "request_three_d_secure": Str(enum=("any", "automatic", "challenge")),
        "network": Str(nullable=True),
    },
    nullable=True,
)
PAYMENT_METHOD_OPTIONS = Hash({"card": CARD_OPTIONS}, nullable=True)

CREATE = {
    "automatic_payment_methods": Hash(
        {"enabled": Bool(), "allow_redirects": Str(enum=("always", "never"))},
        required=("enabled",),
    ),
    "confirm": Bool(),
    "customer": Str(),
    "description": DESCRIPTION,
    "metadata": Metadata(),
    "payment_method": Str(),
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
    "payment_method_types": PAYMENT_METHOD_TYPES,
    "return_url": Str(check=check_url),
    "usage": Str(enum=lifecycle.USAGES),
    "use_stripe_sdk": Bool(),
}
UPDATE = {
    "customer": Str(),
    "description": DESCRIPTION,
    "metadata": Metadata(),
    "payment_method": Str(),
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
    "payment_method_types": PAYMENT_METHOD_TYPES,
}
CONFIRM = {
    "client_secret": Str(),
    "payment_method": Str(),
    "payment_method_data": PAYMENT_METHOD_DATA,
    "payment_method_options": PAYMENT_METHOD_OPTIONS,
    "return_url": Str(check=check_url),
    "use_stripe_sdk": Bool(),
    "expected_payment_method_type": Str(enum=("card",)),
}
# Stripe.js confirms with the publishable key (confirmCardSetup); options stay secret-key only.
PUBLISHABLE_CONFIRM = frozenset(CONFIRM) - {"payment_method_options"}
CANCEL: dict[str, Spec] = {"cancellation_reason": Str(enum=lifecycle.CANCELLATION_REASONS)}
LIST = LIST_PARAMS | {"customer": Str(), "payment_method": Str()}


def _create(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return setup_intents.create(tx, ctx, call.params)


def _retrieve(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return setup_intents.retrieve(tx, ctx, call.path["intent"], call.params.get("client_secret"))


def _update(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return setup_intents.update(tx, ctx, call.path["intent"], call.params)


def _confirm(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    params = dict(call.params)
    params.pop("expected_payment_method_type", None)
    return setup_intents.confirm(tx, ctx, call.path["intent"], params)


def _cancel(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    return setup_intents.cancel(tx, ctx, call.path["intent"], call.params)


def _list(tx: Tx, ctx: Context, call: Call) -> dict[str, Any]:
    p = call.params
    if "payment_method" not in p:
        return list_response(tx, ctx, "setup_intent", p, "/v1/setup_intents", customer=p.get("customer"))
    check_cursors(p)
    data, has_more = setup_intents.list_by_payment_method(tx, ctx, p)
    return {"object": "list", "data": data, "has_more": has_more, "url": "/v1/setup_intents"}


ENDPOINTS = [
    Endpoint("POST", "/v1/setup_intents", _create, "setup_intent", CREATE),
    Endpoint("GET", "/v1/setup_intents", _list, "list", LIST, item_type="setup_intent"),
    Endpoint(
        "GET", "/v1/setup_intents/{intent}", _retrieve, "setup_intent",
        {"client_secret": Str()}, publishable_params=frozenset({"client_secret"}),
    ),
    Endpoint("POST", "/v1/setup_intents/{intent}", _update, "setup_intent", UPDATE),
    Endpoint(
        "POST", "/v1/setup_intents/{intent}/confirm", _confirm, "setup_intent", CONFIRM,
        publishable_params=PUBLISHABLE_CONFIRM,
    ),
    Endpoint("POST", "/v1/setup_intents/{intent}/cancel", _cancel, "setup_intent", CANCEL),
]
