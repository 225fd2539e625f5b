"""The PaymentIntent lifecycle (stripe-behaviour §1): statuses, what each allows, and
what an authorisation outcome does to an intent.

Everything here is pure: functions take the intent document and facts, and return the
new document plus the records and events the change causes.  Services load, call the
processor, and persist what these functions decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tender.core.errors import APIError, CardError, InvalidRequestError, StateError, StripeError

REQUIRES_PAYMENT_METHOD = "requires_payment_method"
REQUIRES_CONFIRMATION = "requires_confirmation"
REQUIRES_ACTION = "requires_action"
PROCESSING = "processing"
REQUIRES_CAPTURE = "requires_capture"
SUCCEEDED = "succeeded"
CANCELED = "canceled"

# Which operation is allowed in which status (§1.3).
CONFIRMABLE = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)
# Stripe lists `processing` too; a card intent is there only while a remote processor is
# deciding a charge attempt, and canceling then could not stop the money moving.
CANCELABLE = (
    REQUIRES_PAYMENT_METHOD,
    REQUIRES_CAPTURE,
    REQUIRES_CONFIRMATION,
    REQUIRES_ACTION,
)
CAPTURABLE = (REQUIRES_CAPTURE,)
# Fields that change what will be charged may only move before an attempt is under way.
PAYMENT_FIELDS = (
    "amount",
    "currency",
    "payment_method",
    "payment_method_types",
    "capture_method",
    "setup_future_usage",
    "payment_method_options",
    "customer",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "payment_method_data",
)
PAYMENT_FIELD_STATUSES = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)

CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
MAX_INCREMENTS = 10

AUTHENTICATION_FAILURE_MESSAGE = (
    "The provided PaymentMethod has failed authentication. You can provide "
    "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)
ERROR_ON_REQUIRES_ACTION_MESSAGE = (
    "This payment required an authentication action to complete, but "
    "`error_on_requires_action` was set. When you're ready, you can upgrade your "
    "integration to handle actions at "
    "https://stripe.com/docs/payments/payment-intents/upgrade-to-handle-actions."
)
ATTEMPT_IN_FLIGHT_MESSAGE = (
    "You cannot {operation} this PaymentIntent because it has a status of processing: a "
    "payment attempt is with the card processor. Retrieve the PaymentIntent to see its "
    "outcome, then try again if needed."
)
NOT_PROCESSED_MESSAGE = (
    "The payment could not be completed; no money moved. You can confirm this "
    "PaymentIntent again with a payment method."
)
RETURN_URL_REQUIRED_MESSAGE = (
    "A `return_url` must be specified because this Payment Intent is configured to "
    "automatically accept the payment methods enabled in the Dashboard, some of which may "
    "require a full page redirect to succeed. If you do not want to accept redirect-based "
    "payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents "
    "and Payment Intents."
)


def new_payment_intent(
    *, intent_id: str, client_secret: str, created: int, amount: int, currency: str
) -> dict[str, Any]:
    """A fresh intent with every field of the current API shape, null where unused."""
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": client_secret,
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": None,
        "customer_account": None,
        "description": None,
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": {"enabled": False},
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": REQUIRES_PAYMENT_METHOD,
        "transfer_data": None,
        "transfer_group": None,
    }


def card_options(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """payment_method_options.card with Stripe's defaults filled in."""
    card: dict[str, Any] = {
        "installments": None,
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
    }
    for key, value in (overrides or {}).items():
        card[key] = value
    return card


# -- refusals ---------------------------------------------------------------------------


def state_error(intent: dict[str, Any], message: str) -> StateError:
    return StateError(
        message,
        code="payment_intent_unexpected_state",
        extra={"payment_intent": intent},
    )


def ensure_confirmable(intent: dict[str, Any]) -> None:
    """Confirm is allowed from requires_payment_method / _confirmation / _action (§1.3)."""
    status = intent["status"]
    if status in CONFIRMABLE:
        return
    if status == SUCCEEDED:
        raise state_error(
            intent,
            "You cannot confirm this PaymentIntent because it has already succeeded "
            "after being previously confirmed.",
        )
    raise state_error(
        intent, f"You cannot confirm this PaymentIntent because it has a status of {status}."
    )


def missing_payment_method(intent: dict[str, Any]) -> StateError:
    if intent.get("customer"):
        return state_error(
            intent,
            "You cannot confirm this PaymentIntent because it's missing a payment method. "
            f"To confirm the PaymentIntent with {intent['customer']}, specify a payment "
            "method attached to this customer along with the customer ID.",
        )
    return state_error(
        intent,
        "You cannot confirm this PaymentIntent because it's missing a payment method. You "
        "can either update the PaymentIntent with a payment method and then confirm it "
        "again, or confirm it again directly with a payment method.",
    )


def ensure_capturable(intent: dict[str, Any]) -> None:
    if intent["status"] not in CAPTURABLE:
        raise state_error(
            intent,
            "This PaymentIntent could not be captured because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
            "may be captured: requires_capture.",
        )


def ensure_cancelable(intent: dict[str, Any]) -> None:
    """Cancel is allowed until the payment is final, except while a charge attempt is
    with the processor (`processing`)."""
    if intent["status"] == PROCESSING:
        raise state_error(intent, ATTEMPT_IN_FLIGHT_MESSAGE.format(operation="cancel"))
    if intent["status"] not in CANCELABLE:
        raise state_error(
            intent,
            "You cannot cancel this PaymentIntent because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
            "may be canceled: requires_payment_method, requires_capture, "
            "requires_confirmation, requires_action, processing.",
        )


def ensure_updatable(intent: dict[str, Any], fields: list[str]) -> None:
    """Payment-shaping fields move only before an attempt is under way (§1.3)."""
    if intent["status"] in PAYMENT_FIELD_STATUSES:
        return
    for name in fields:
        if name in PAYMENT_FIELDS:
            raise state_error(
                intent,
                f"This PaymentIntent's {name} could not be updated because it has a status "
                f"of {intent['status']}. You may only update the {name} of a PaymentIntent "
                "with one of the following statuses: requires_payment_method, "
                "requires_confirmation, requires_action.",
            )


def ensure_incrementable(intent: dict[str, Any], charge: dict[str, Any] | None, new_amount: int) -> None:
    """Incremental authorisation: requires_capture, asked for at confirm, amount grows (§1.9)."""
    if intent["status"] != REQUIRES_CAPTURE:
        raise state_error(
            intent,
            "This PaymentIntent's amount could not be incremented because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            "have its amount incremented: requires_capture.",
        )
    details = (charge or {}).get("payment_method_details", {}).get("card", {})
    if details.get("incremental_authorization", {}).get("status") != "available":
        raise InvalidRequestError(
            "The PaymentIntent does not support incremental authorization. To increment an "
            "authorization, confirm the PaymentIntent with "
            "`payment_method_options[card][request_incremental_authorization]=if_available` "
            "using a card that supports it.",
            code="payment_intent_invalid_parameter",
            extra={"payment_intent": intent},
        )
    if new_amount <= intent["amount"]:
        raise InvalidRequestError(
            "The amount must be greater than the PaymentIntent's current amount "
            f"({intent['amount']}).",
            code="amount_too_small",
            param="amount",
            extra={"payment_intent": intent},
        )


def ensure_capture_amount(intent: dict[str, Any], amount_to_capture: int) -> None:
    if amount_to_capture > intent["amount_capturable"]:
        raise InvalidRequestError(
            f"The amount to capture ({amount_to_capture}) must be less than or equal to the "
            f"PaymentIntent's amount_capturable ({intent['amount_capturable']}).",
            code="amount_too_large",
            param="amount_to_capture",
            extra={"payment_intent": intent},
        )


def requires_return_url(intent: dict[str, Any], off_session: bool) -> bool:
    """Dashboard-driven methods may redirect, so confirm needs `return_url` (§0, 2023-08-16)."""
    apm = intent.get("automatic_payment_methods")
    if not apm or not apm.get("enabled") or off_session:
        return False
    return bool(apm.get("allow_redirects", "always") != "never")


# -- outcomes of an attempt -------------------------------------------------------------


@dataclass
class Transition:
    """What a step of the lifecycle decided: events to emit, an error for the caller."""

    events: list[str] = field(default_factory=list)
    error: StripeError | None = None


def succeed_authorization(intent: dict[str, Any], charge: dict[str, Any]) -> Transition:
    """T4/T5/T7: the issuer approved; capture now or hold the funds."""
    intent["latest_charge"] = charge["id"]
    intent["next_action"] = None
    intent["last_payment_error"] = None
    if intent["capture_method"] == "manual":
        intent["status"] = REQUIRES_CAPTURE
        intent["amount_capturable"] = intent["amount"]
        return Transition(["charge.succeeded", "payment_intent.amount_capturable_updated"])
    intent["status"] = SUCCEEDED
    intent["amount_received"] = intent["amount"]
    intent["amount_capturable"] = 0
    return Transition(["charge.succeeded", "payment_intent.succeeded"])


def fail_attempt(
    intent: dict[str, Any],
    error: CardError,
    payment_method: dict[str, Any],
    charge: dict[str, Any] | None,
) -> Transition:
    """T9–T12: the attempt failed; back to requires_payment_method, error kept (§1.2, §2.7)."""
    last_error = error.body()
    last_error["payment_method"] = payment_method
    if charge is not None:
        last_error["charge"] = charge["id"]
        intent["latest_charge"] = charge["id"]
    intent["status"] = REQUIRES_PAYMENT_METHOD
    intent["last_payment_error"] = last_error
    intent["next_action"] = None
    intent["payment_method"] = None
    error.persist_changes = True
    error.extra["payment_method"] = payment_method
    if charge is not None:
        error.extra["charge"] = charge["id"]
    error.extra["payment_intent"] = intent
    events = ["charge.failed", "payment_intent.payment_failed"] if charge else ["payment_intent.payment_failed"]
    return Transition(events, error)


def begin_processing(intent: dict[str, Any]) -> Transition:
    """A charge attempt is with a remote processor: the intent waits in `processing`,
    where confirm, capture and cancel are refused, until the answer is applied.  An
    internal pause, not a step of the card flow, so no event."""
    intent["status"] = PROCESSING
    intent["next_action"] = None
    intent["last_payment_error"] = None
    return Transition([])


def fail_unprocessed(intent: dict[str, Any], payment_method: dict[str, Any]) -> Transition:
    """The processor never saw the attempt (tender stopped before calling it): back to
    requires_payment_method with an `api_error`; no Charge, no money moved."""
    error = APIError(NOT_PROCESSED_MESSAGE)
    last_error = error.body()
    last_error["payment_method"] = payment_method
    intent["status"] = REQUIRES_PAYMENT_METHOD
    intent["last_payment_error"] = last_error
    intent["next_action"] = None
    intent["payment_method"] = None
    error.persist_changes = True
    error.extra["payment_intent"] = intent
    return Transition(["payment_intent.payment_failed"], error)


def authentication_failed(intent: dict[str, Any], payment_method: dict[str, Any]) -> Transition:
    """T9: 3-D Secure failed or was abandoned; no Charge is created."""
    intent["status"] = REQUIRES_PAYMENT_METHOD
    intent["next_action"] = None
    intent["payment_method"] = None
    intent["last_payment_error"] = {
        "code": "payment_intent_authentication_failure",
        "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
        "message": AUTHENTICATION_FAILURE_MESSAGE,
        "payment_method": payment_method,
        "type": "invalid_request_error",
    }
    return Transition(["payment_intent.payment_failed"])


def require_action(intent: dict[str, Any], next_action: dict[str, Any]) -> Transition:
    """T6: the customer must authenticate; no Charge yet."""
    intent["status"] = REQUIRES_ACTION
    intent["next_action"] = next_action
    intent["last_payment_error"] = None
    return Transition(["payment_intent.requires_action"])


def authentication_completed_manual(intent: dict[str, Any]) -> Transition:
    """T8: with manual confirmation the server must confirm again; Stripe sends no event."""
    intent["status"] = REQUIRES_CONFIRMATION
    intent["next_action"] = None
    return Transition([])


def capture(intent: dict[str, Any], amount: int) -> Transition:
    """T14: capture x ≤ amount_capturable; the rest of the hold is released."""
    intent["status"] = SUCCEEDED
    intent["amount_received"] = amount
    intent["amount_capturable"] = 0
    return Transition(["charge.captured", "payment_intent.succeeded"])


def cancel(intent: dict[str, Any], reason: str | None, now: int) -> Transition:
    """T15: terminal; a held authorisation is released."""
    intent["status"] = CANCELED
    intent["canceled_at"] = now
    intent["cancellation_reason"] = reason
    intent["amount_capturable"] = 0
    intent["next_action"] = None
    return Transition(["payment_intent.canceled"])


def increment(intent: dict[str, Any], new_amount: int) -> Transition:
    intent["amount"] = new_amount
    intent["amount_capturable"] = new_amount
    return Transition(["payment_intent.amount_capturable_updated"])


PUBLISHABLE_FIELDS = (
    "id",
    "object",
    "amount",
    "automatic_payment_methods",
    "canceled_at",
    "cancellation_reason",
    "capture_method",
    "client_secret",
    "confirmation_method",
    "created",
    "currency",
    "description",
    "last_payment_error",
    "livemode",
    "next_action",
    "payment_method",
    "payment_method_types",
    "processing",
    "receipt_email",
    "setup_future_usage",
    "shipping",
    "status",
)


def publishable_view(intent: dict[str, Any]) -> dict[str, Any]:
    """What a publishable key with the client secret may see (§1.13)."""
    return {key: intent.get(key) for key in PUBLISHABLE_FIELDS}
