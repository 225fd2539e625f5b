"""The SetupIntent lifecycle (stripe-behaviour §8.1): statuses, what each allows, and what
the outcome of a setup attempt does to an intent and to its SetupAttempt.

A SetupIntent saves a card for later without charging it: each confirmation is one
SetupAttempt (`setatt_…`, `latest_attempt`), a zero-amount authorisation that may ask
for 3-D Secure.  Everything here is pure; services load, ask the processor, persist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tender.core.errors import DOC_URL, CardError, InvalidRequestError, StateError, StripeError

# SetupIntents use the PaymentIntent status names (less requires_capture).
from tender.core.payment_intents import CANCELED as CANCELED
from tender.core.payment_intents import PROCESSING as PROCESSING
from tender.core.payment_intents import REQUIRES_ACTION as REQUIRES_ACTION
from tender.core.payment_intents import REQUIRES_CONFIRMATION as REQUIRES_CONFIRMATION
from tender.core.payment_intents import REQUIRES_PAYMENT_METHOD as REQUIRES_PAYMENT_METHOD
from tender.core.payment_intents import SUCCEEDED as SUCCEEDED
from tender.core.payment_methods import ensure_usable
from tender.processor.base import Approved, Declined, ThreeDSecure

# Which operation is allowed in which status (§8.1).
CONFIRMABLE = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)
CANCELABLE = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)
# Fields that shape the setup may only move before it succeeded or was canceled;
# `description` and `metadata` may change in any status.
SETUP_FIELDS = (
    "customer",
    "payment_method",
    "payment_method_data",
    "payment_method_options",
    "payment_method_types",
)
SETUP_FIELD_STATUSES = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)

USAGES = ("off_session", "on_session")
DEFAULT_USAGE = "off_session"
CANCELLATION_REASONS = ("abandoned", "duplicate", "requested_by_customer")

# A setup verifies the card with a zero-amount authorisation; cards carry no currency of
# their own, so the check is made in this one.
VERIFICATION_CURRENCY = "usd"

# SetupAttempt statuses.
ATTEMPT_REQUIRES_ACTION = "requires_action"
ATTEMPT_SUCCEEDED = "succeeded"
ATTEMPT_FAILED = "failed"
ATTEMPT_ABANDONED = "abandoned"

AUTHENTICATION_FAILURE_CODE = "setup_intent_authentication_failure"
AUTHENTICATION_FAILURE_MESSAGE = (
    "The latest attempt to set up the payment method has failed because authentication failed."
)
RETURN_URL_REQUIRED_MESSAGE = (
    "A `return_url` must be specified because this Setup Intent is configured to "
    "automatically accept the payment methods enabled in the Dashboard, some of which may "
    "require a full page redirect to succeed. If you do not want to accept redirect-based "
    "payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents "
    "and Payment Intents."
)


def new_setup_intent(*, intent_id: str, client_secret: str, created: int) -> dict[str, Any]:
    """A fresh SetupIntent with every field of the current API shape, null where unused."""
    return {
        "id": intent_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": None,
        "cancellation_reason": None,
        "client_secret": client_secret,
        "created": created,
        "customer": None,
        "description": None,
        "excluded_payment_method_types": None,
        "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "single_use_mandate": None,
        "status": REQUIRES_PAYMENT_METHOD,
        "usage": DEFAULT_USAGE,
    }


def card_options(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """payment_method_options.card of a SetupIntent with Stripe's defaults filled in."""
    card: dict[str, Any] = {
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
    }
    card.update(overrides or {})
    return card


def new_setup_attempt(
    *,
    attempt_id: str,
    created: int,
    intent: dict[str, Any],
    payment_method: dict[str, Any],
) -> dict[str, Any]:
    """One confirmation of `intent` with `payment_method`: customer and usage as they were
    at confirmation, card details filled in as the attempt resolves."""
    card = payment_method["card"]
    return {
        "id": attempt_id,
        "object": "setup_attempt",
        "application": None,
        "created": created,
        "customer": intent["customer"],
        "flow_directions": None,
        "livemode": False,
        "on_behalf_of": None,
        "payment_method": payment_method["id"],
        "payment_method_details": {
            "card": {
                "brand": card["brand"],
                "checks": None,
                "country": card["country"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "fingerprint": card["fingerprint"],
                "funding": card["funding"],
                "last4": card["last4"],
                "network": card["networks"]["available"][0] if card["networks"]["available"] else card["brand"],
                "three_d_secure": None,
                "wallet": None,
            },
            "type": "card",
        },
        "setup_error": None,
        "setup_intent": intent["id"],
        "status": ATTEMPT_REQUIRES_ACTION,
        "usage": intent["usage"],
    }


# -- refusals ---------------------------------------------------------------------------


def state_error(intent: dict[str, Any], message: str) -> StateError:
    """The 400 for an operation the intent's status does not allow; it embeds the intent."""
    return StateError(message, code="setup_intent_unexpected_state", extra={"setup_intent": intent})


def ensure_confirmable(intent: dict[str, Any]) -> None:
    """Confirm is allowed from requires_payment_method / _confirmation / _action (§8.1)."""
    status = intent["status"]
    if status in CONFIRMABLE:
        return
    if status == SUCCEEDED:
        raise state_error(
            intent,
            "You cannot confirm this SetupIntent because it has already succeeded after "
            "being previously confirmed.",
        )
    raise state_error(
        intent, f"You cannot confirm this SetupIntent because it has a status of {status}."
    )


def missing_payment_method(intent: dict[str, Any]) -> StateError:
    return state_error(
        intent,
        "You cannot confirm this SetupIntent because it's missing a payment method. You can "
        "either update the SetupIntent with a payment method and then confirm it again, or "
        "confirm it again directly with a payment method.",
    )


def ensure_cancelable(intent: dict[str, Any]) -> None:
    """Only a SetupIntent that has not succeeded or been canceled may be canceled (§8.1)."""
    if intent["status"] not in CANCELABLE:
        raise state_error(
            intent,
            "You cannot cancel this SetupIntent because it has a status of "
            f"{intent['status']}. Only a SetupIntent with one of the following statuses may "
            "be canceled: requires_payment_method, requires_confirmation, requires_action.",
        )


def ensure_updatable(intent: dict[str, Any], fields: list[str]) -> None:
    """What will be set up (customer, payment method, options) moves only before success;
    description and metadata move in any status."""
    if intent["status"] in SETUP_FIELD_STATUSES:
        return
    for name in fields:
        if name in SETUP_FIELDS:
            raise state_error(
                intent,
                f"This SetupIntent's {name} could not be updated because it has a status of "
                f"{intent['status']}. You may only update the {name} of a SetupIntent with "
                "one of the following statuses: requires_payment_method, "
                "requires_confirmation, requires_action.",
            )


def ensure_usable_for_setup(
    private: dict[str, Any], method: dict[str, Any], customer: str | None
) -> None:
    """The PaymentMethod may be set up for this intent: not spent or detached (§8.2), and
    with a `customer`, unattached or already that customer's (§8.1)."""
    owner = method.get("customer")
    if customer is not None and owner is not None and owner != customer:
        raise InvalidRequestError(
            f"The payment method supplied ({method['id']}) does not belong to a Customer, but "
            f"you supplied Customer {customer}. Please attach the payment method to this "
            "Customer before using it with a SetupIntent.",
            param="payment_method",
        )
    ensure_usable(private, method, customer)


def requires_return_url(intent: dict[str, Any]) -> bool:
    """Dashboard-driven methods may redirect, so confirm needs `return_url` (§0, 2023-08-16)."""
    apm = intent.get("automatic_payment_methods")
    if not apm or not apm.get("enabled"):
        return False
    return bool(apm.get("allow_redirects", "always") != "never")


# -- outcomes of an attempt -------------------------------------------------------------


@dataclass
class Transition:
    """What a step of the lifecycle decided: events to emit, an error for the caller."""

    events: list[str] = field(default_factory=list)
    error: StripeError | None = None


def start_attempt(intent: dict[str, Any], attempt: dict[str, Any]) -> None:
    """A confirmation begins: it becomes the intent's `latest_attempt`."""
    intent["latest_attempt"] = attempt["id"]


def succeed(intent: dict[str, Any], attempt: dict[str, Any], result: Approved | Declined) -> Transition:
    """The card was verified (and authenticated where asked): the setup is done."""
    intent["status"] = SUCCEEDED
    intent["next_action"] = None
    intent["last_setup_error"] = None
    attempt["status"] = ATTEMPT_SUCCEEDED
    _record_card_results(attempt, result)
    return Transition(["setup_intent.succeeded"])


def fail(
    intent: dict[str, Any],
    attempt: dict[str, Any],
    result: Declined,
    payment_method: dict[str, Any],
) -> Transition:
    """The verification was declined: back to requires_payment_method, the error kept on
    `last_setup_error` and the attempt; the caller gets a 402 after the change commits."""
    error = CardError(result.message, code=result.code, decline_code=result.decline_code)
    last_error = error.body()
    last_error["payment_method"] = payment_method
    intent["status"] = REQUIRES_PAYMENT_METHOD
    intent["last_setup_error"] = last_error
    intent["next_action"] = None
    intent["payment_method"] = None
    attempt["status"] = ATTEMPT_FAILED
    attempt["setup_error"] = last_error
    _record_card_results(attempt, result)
    error.persist_changes = True
    error.extra["payment_method"] = payment_method
    error.extra["setup_intent"] = intent
    return Transition(["setup_intent.setup_failed"], error)


def authentication_failed(
    intent: dict[str, Any], attempt: dict[str, Any] | None, payment_method: dict[str, Any]
) -> Transition:
    """The customer failed (or abandoned) the 3-D Secure challenge (§2.8)."""
    last_error = {
        "code": AUTHENTICATION_FAILURE_CODE,
        "doc_url": DOC_URL + AUTHENTICATION_FAILURE_CODE.replace("_", "-"),
        "message": AUTHENTICATION_FAILURE_MESSAGE,
        "payment_method": payment_method,
        "type": "invalid_request_error",
    }
    intent["status"] = REQUIRES_PAYMENT_METHOD
    intent["next_action"] = None
    intent["payment_method"] = None
    intent["last_setup_error"] = last_error
    if attempt is not None:
        attempt["status"] = ATTEMPT_FAILED
        attempt["setup_error"] = last_error
        card = attempt["payment_method_details"]["card"]
        card["three_d_secure"] = _three_d_secure(ThreeDSecure(result="failed", authentication_flow="challenge"))
    return Transition(["setup_intent.setup_failed"])


def require_action(intent: dict[str, Any], attempt: dict[str, Any], next_action: dict[str, Any]) -> Transition:
    """The issuer wants the cardholder authenticated before the card is set up."""
    intent["status"] = REQUIRES_ACTION
    intent["next_action"] = next_action
    intent["last_setup_error"] = None
    attempt["status"] = ATTEMPT_REQUIRES_ACTION
    return Transition(["setup_intent.requires_action"])


def abandon_attempt(attempt: dict[str, Any]) -> None:
    """An attempt still waiting for the customer is left behind (new PM, cancel)."""
    if attempt["status"] == ATTEMPT_REQUIRES_ACTION:
        attempt["status"] = ATTEMPT_ABANDONED


def cancel(intent: dict[str, Any], reason: str | None) -> Transition:
    """Terminal; a pending authentication is dropped."""
    intent["status"] = CANCELED
    intent["cancellation_reason"] = reason
    intent["next_action"] = None
    return Transition(["setup_intent.canceled"])


def _record_card_results(attempt: dict[str, Any], result: Approved | Declined) -> None:
    """What the verification found: the checks it ran and any 3-D Secure result."""
    card = attempt["payment_method_details"]["card"]
    card["checks"] = {
        "address_line1_check": result.checks.address_line1_check,
        "address_postal_code_check": result.checks.address_postal_code_check,
        "cvc_check": result.checks.cvc_check,
    }
    card["three_d_secure"] = _three_d_secure(result.three_d_secure)


def _three_d_secure(tds: ThreeDSecure | None) -> dict[str, Any] | None:
    if tds is None:
        return None
    return {
        "authentication_flow": tds.authentication_flow,
        "electronic_commerce_indicator": "05" if tds.result == "authenticated" else None,
        "result": tds.result,
        "result_reason": tds.result_reason,
        "transaction_id": None,
        "version": tds.version,
    }


# What a publishable key with the client secret may see (§1.13 by analogy, §4.7): the
# fields Stripe.js needs to drive and show a setup; never customer, metadata, attempts
# or options.
PUBLISHABLE_FIELDS = (
    "id",
    "object",
    "automatic_payment_methods",
    "cancellation_reason",
    "client_secret",
    "created",
    "description",
    "last_setup_error",
    "livemode",
    "next_action",
    "payment_method",
    "payment_method_types",
    "status",
    "usage",
)


def publishable_view(intent: dict[str, Any]) -> dict[str, Any]:
    """A SetupIntent as a browser holding its client secret sees it."""
    return {key: intent.get(key) for key in PUBLISHABLE_FIELDS}
