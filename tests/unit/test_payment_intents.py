"""The PaymentIntent lifecycle (stripe-behaviour §1, events §7.3).

Table 1.3 says which operation each status allows; every refused cell is a 400
`payment_intent_unexpected_state` that embeds the intent.  Table 1.2 says where each
transition leads and what it causes; table 1.7 follows the amounts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tender.core import payment_intents as lifecycle
from tender.core.errors import CardError, InvalidRequestError, StateError
from tender.core.payment_intents import (
    CANCELED,
    PROCESSING,
    REQUIRES_ACTION,
    REQUIRES_CAPTURE,
    REQUIRES_CONFIRMATION,
    REQUIRES_PAYMENT_METHOD,
    SUCCEEDED,
)

AMOUNT = 2000
NOW = 1_750_000_000

ALL_STATUSES = (
    REQUIRES_PAYMENT_METHOD,
    REQUIRES_CONFIRMATION,
    REQUIRES_ACTION,
    PROCESSING,
    REQUIRES_CAPTURE,
    SUCCEEDED,
    CANCELED,
)
BEFORE_AN_ATTEMPT = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)
AFTER_AN_ATTEMPT = tuple(s for s in ALL_STATUSES if s not in BEFORE_AN_ATTEMPT)

# Table 1.3, row "update amount, currency, payment_method, …": these move only before an attempt.
TABLE_PAYMENT_FIELDS = (
    "amount",
    "currency",
    "payment_method",
    "payment_method_types",
    "capture_method",
    "setup_future_usage",
)
# Table 1.3, row "update metadata, description, receipt_email, shipping": allowed everywhere.
PLAIN_FIELDS = ("metadata", "description", "receipt_email", "shipping")


def intent_in(status: str, **fields: Any) -> dict[str, Any]:
    """A fresh 20.00 USD intent put in `status`, with `fields` overriding the rest."""
    intent = lifecycle.new_payment_intent(
        intent_id="pi_3TestIntent",
        client_secret="pi_3TestIntent_secret_abc",
        created=NOW - 60,
        amount=AMOUNT,
        currency="usd",
    )
    intent["status"] = status
    intent.update(fields)
    return intent


def held_intent(**fields: Any) -> dict[str, Any]:
    """An authorised, uncaptured intent (T5)."""
    fields = {"capture_method": "manual", "amount_capturable": AMOUNT, "latest_charge": "ch_held"} | fields
    return intent_in(REQUIRES_CAPTURE, **fields)


def card_payment_method() -> dict[str, Any]:
    return {"id": "pm_card", "object": "payment_method", "type": "card", "card": {"last4": "0002"}}


def charge_with(incremental: str = "unavailable", charge_id: str = "ch_attempt") -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "charge",
        "payment_method_details": {"card": {"incremental_authorization": {"status": incremental}}},
    }


def refusal(operation: Callable[[], object], intent: dict[str, Any]) -> StateError:
    """Run a refused operation and check the parts of the error every refusal shares."""
    with pytest.raises(StateError) as info:
        operation()
    error = info.value
    assert error.status == 400
    assert error.type == "invalid_request_error"
    assert error.code == "payment_intent_unexpected_state"
    body = error.body()
    assert body["doc_url"] == "https://stripe.com/docs/error-codes/payment-intent-unexpected-state"
    assert body["payment_intent"] is intent
    return error


# --- a fresh intent ---------------------------------------------------------------------


def test_a_new_intent_waits_for_a_payment_method_with_nothing_held_or_received() -> None:
    intent = lifecycle.new_payment_intent(
        intent_id="pi_1", client_secret="pi_1_secret_x", created=NOW, amount=AMOUNT, currency="usd"
    )
    assert intent["object"] == "payment_intent"
    assert intent["status"] == REQUIRES_PAYMENT_METHOD
    assert (intent["amount"], intent["amount_capturable"], intent["amount_received"]) == (AMOUNT, 0, 0)
    assert intent["client_secret"] == "pi_1_secret_x"
    assert intent["capture_method"] == "automatic_async"  # default since 2024-04-10 (§0)
    assert intent["confirmation_method"] == "automatic"
    assert intent["payment_method"] is None
    assert intent["last_payment_error"] is None
    assert intent["next_action"] is None
    assert intent["metadata"] == {}
    assert intent["livemode"] is False


def test_card_options_default_to_automatic_three_d_secure_and_take_overrides() -> None:
    assert lifecycle.card_options()["request_three_d_secure"] == "automatic"
    options = lifecycle.card_options({"request_three_d_secure": "any", "capture_method": "manual"})
    assert options["request_three_d_secure"] == "any"
    assert options["capture_method"] == "manual"
    assert options["installments"] is None


# --- table 1.3: confirm -----------------------------------------------------------------


@pytest.mark.parametrize("status", BEFORE_AN_ATTEMPT)
def test_confirm_is_allowed_until_an_attempt_has_finished(status: str) -> None:
    lifecycle.ensure_confirmable(intent_in(status))


@pytest.mark.parametrize("status", [PROCESSING, REQUIRES_CAPTURE, CANCELED])
def test_confirm_in_a_later_status_names_that_status(status: str) -> None:
    intent = intent_in(status)
    error = refusal(lambda: lifecycle.ensure_confirmable(intent), intent)
    assert error.message == f"You cannot confirm this PaymentIntent because it has a status of {status}."


def test_confirm_after_success_says_it_already_succeeded() -> None:
    intent = intent_in(SUCCEEDED)
    error = refusal(lambda: lifecycle.ensure_confirmable(intent), intent)
    assert error.message == (
        "You cannot confirm this PaymentIntent because it has already succeeded after being "
        "previously confirmed."
    )


def test_confirm_without_any_payment_method_says_how_to_supply_one() -> None:
    intent = intent_in(REQUIRES_PAYMENT_METHOD)
    error = lifecycle.missing_payment_method(intent)
    assert error.code == "payment_intent_unexpected_state"
    assert error.extra["payment_intent"] is intent
    assert error.message == (
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can "
        "either update the PaymentIntent with a payment method and then confirm it again, or "
        "confirm it again directly with a payment method."
    )


def test_confirm_without_a_payment_method_for_a_customer_names_the_customer() -> None:
    intent = intent_in(REQUIRES_PAYMENT_METHOD, customer="cus_Alice")
    error = lifecycle.missing_payment_method(intent)
    assert error.code == "payment_intent_unexpected_state"
    assert error.message == (
        "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm "
        "the PaymentIntent with cus_Alice, specify a payment method attached to this customer "
        "along with the customer ID."
    )


# --- table 1.3: capture -----------------------------------------------------------------


def test_capture_is_allowed_only_while_funds_are_held() -> None:
    lifecycle.ensure_capturable(held_intent())


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s != REQUIRES_CAPTURE])
def test_capture_in_any_other_status_lists_requires_capture(status: str) -> None:
    intent = intent_in(status)
    error = refusal(lambda: lifecycle.ensure_capturable(intent), intent)
    assert error.message == (
        f"This PaymentIntent could not be captured because it has a status of {status}. Only a "
        "PaymentIntent with one of the following statuses may be captured: requires_capture."
    )


@pytest.mark.parametrize("amount_to_capture", [1, AMOUNT - 1, AMOUNT])
def test_capture_of_up_to_the_capturable_amount_is_accepted(amount_to_capture: int) -> None:
    lifecycle.ensure_capture_amount(held_intent(), amount_to_capture)


def test_capture_of_more_than_is_capturable_is_too_large() -> None:
    intent = held_intent()
    with pytest.raises(InvalidRequestError) as info:
        lifecycle.ensure_capture_amount(intent, AMOUNT + 1)
    assert info.value.code == "amount_too_large"
    assert info.value.param == "amount_to_capture"
    assert info.value.extra["payment_intent"] is intent
    assert str(AMOUNT + 1) in info.value.message and str(AMOUNT) in info.value.message


# --- table 1.3: cancel ------------------------------------------------------------------

# Stripe's own refusal lists `processing` among the cancelable statuses; a card intent is
# there only while a remote processor decides a charge attempt, and is refused then.
CANCELABLE = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION, REQUIRES_CAPTURE)


@pytest.mark.parametrize("status", CANCELABLE)
def test_cancel_is_allowed_until_the_payment_is_final(status: str) -> None:
    lifecycle.ensure_cancelable(intent_in(status))


@pytest.mark.parametrize("status", [SUCCEEDED, CANCELED])
def test_cancel_of_a_final_intent_lists_the_cancelable_statuses(status: str) -> None:
    intent = intent_in(status)
    error = refusal(lambda: lifecycle.ensure_cancelable(intent), intent)
    assert error.message == (
        f"You cannot cancel this PaymentIntent because it has a status of {status}. Only a "
        "PaymentIntent with one of the following statuses may be canceled: "
        "requires_payment_method, requires_capture, requires_confirmation, requires_action, "
        "processing."
    )


def test_cancel_while_a_charge_attempt_is_with_the_processor_is_refused() -> None:
    intent = intent_in(PROCESSING)
    error = refusal(lambda: lifecycle.ensure_cancelable(intent), intent)
    assert error.message.startswith(
        "You cannot cancel this PaymentIntent because it has a status of processing: a payment "
        "attempt is with the card processor."
    )


def test_an_attempt_sent_to_a_remote_processor_holds_the_intent_in_processing() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, last_payment_error={"code": "card_declined"})
    step = lifecycle.begin_processing(intent)
    assert intent["status"] == PROCESSING and intent["last_payment_error"] is None
    assert step.events == [] and step.error is None
    with pytest.raises(StateError):
        lifecycle.ensure_confirmable(intent)
    with pytest.raises(StateError):
        lifecycle.ensure_capturable(intent)


def test_an_attempt_the_processor_never_saw_fails_with_api_error_and_no_charge() -> None:
    intent = intent_in(PROCESSING, payment_method="pm_1")
    method = {"id": "pm_1", "object": "payment_method"}
    step = lifecycle.fail_unprocessed(intent, method)
    assert intent["status"] == REQUIRES_PAYMENT_METHOD and intent["payment_method"] is None
    assert intent["latest_charge"] is None
    assert intent["last_payment_error"] == {
        "message": lifecycle.NOT_PROCESSED_MESSAGE, "payment_method": method, "type": "api_error",
    }
    assert "no money moved" in lifecycle.NOT_PROCESSED_MESSAGE
    assert step.events == ["payment_intent.payment_failed"]
    assert step.error is not None and step.error.persist_changes
    assert step.error.status == 500 and step.error.body()["payment_intent"] is intent


def test_cancellation_reasons_a_caller_may_give() -> None:
    assert set(lifecycle.CANCELLATION_REASONS) == {
        "duplicate",
        "fraudulent",
        "requested_by_customer",
        "abandoned",
    }


# --- table 1.3: update ------------------------------------------------------------------


@pytest.mark.parametrize("status", BEFORE_AN_ATTEMPT)
@pytest.mark.parametrize("field", TABLE_PAYMENT_FIELDS)
def test_payment_fields_may_change_before_an_attempt(status: str, field: str) -> None:
    lifecycle.ensure_updatable(intent_in(status), [field])


@pytest.mark.parametrize("status", AFTER_AN_ATTEMPT)
@pytest.mark.parametrize("field", TABLE_PAYMENT_FIELDS)
def test_payment_fields_are_frozen_once_an_attempt_is_under_way(status: str, field: str) -> None:
    intent = intent_in(status)
    error = refusal(lambda: lifecycle.ensure_updatable(intent, [field]), intent)
    assert error.message == (
        f"This PaymentIntent's {field} could not be updated because it has a status of {status}. "
        f"You may only update the {field} of a PaymentIntent with one of the following statuses: "
        "requires_payment_method, requires_confirmation, requires_action."
    )


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_metadata_description_receipt_email_and_shipping_may_change_in_every_status(status: str) -> None:
    lifecycle.ensure_updatable(intent_in(status), list(PLAIN_FIELDS))


def test_an_update_mixing_plain_and_payment_fields_is_refused_naming_the_payment_field() -> None:
    intent = intent_in(SUCCEEDED)
    error = refusal(lambda: lifecycle.ensure_updatable(intent, ["metadata", "amount"]), intent)
    assert error.message.startswith("This PaymentIntent's amount could not be updated")


def test_every_payment_field_of_table_1_3_is_guarded() -> None:
    assert set(TABLE_PAYMENT_FIELDS) <= set(lifecycle.PAYMENT_FIELDS)
    assert not set(PLAIN_FIELDS) & set(lifecycle.PAYMENT_FIELDS)


# --- table 1.3: increment_authorization (§1.9) ------------------------------------------


def test_increment_is_allowed_on_a_hold_that_asked_for_it() -> None:
    lifecycle.ensure_incrementable(held_intent(), charge_with("available"), AMOUNT + 500)


@pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s != REQUIRES_CAPTURE])
def test_increment_in_any_other_status_lists_requires_capture(status: str) -> None:
    intent = intent_in(status)
    error = refusal(
        lambda: lifecycle.ensure_incrementable(intent, charge_with("available"), AMOUNT + 500), intent
    )
    assert error.message == (
        f"This PaymentIntent's amount could not be incremented because it has a status of {status}. "
        "Only a PaymentIntent with one of the following statuses may have its amount incremented: "
        "requires_capture."
    )


@pytest.mark.parametrize("charge", [None, charge_with("unavailable"), {"id": "ch_x"}])
def test_increment_of_a_hold_that_did_not_ask_for_it_is_refused(charge: dict[str, Any] | None) -> None:
    intent = held_intent()
    with pytest.raises(InvalidRequestError) as info:
        lifecycle.ensure_incrementable(intent, charge, AMOUNT + 500)
    assert not isinstance(info.value, StateError)
    assert info.value.code == "payment_intent_invalid_parameter"
    assert "request_incremental_authorization]=if_available" in info.value.message
    assert info.value.extra["payment_intent"] is intent


@pytest.mark.parametrize("new_total", [AMOUNT, AMOUNT - 1])
def test_increment_must_raise_the_total_strictly(new_total: int) -> None:
    intent = held_intent()
    with pytest.raises(InvalidRequestError) as info:
        lifecycle.ensure_incrementable(intent, charge_with("available"), new_total)
    assert info.value.code == "amount_too_small"
    assert info.value.param == "amount"
    assert f"({AMOUNT})" in info.value.message


def test_at_most_ten_increments_per_intent() -> None:
    assert lifecycle.MAX_INCREMENTS == 10


# --- return_url for Dashboard-driven payment methods (§0, 2023-08-16) -------------------


@pytest.mark.parametrize(
    ("automatic_payment_methods", "off_session", "required"),
    [
        (None, False, False),
        ({"enabled": False}, False, False),
        ({"enabled": True}, False, True),
        ({"enabled": True, "allow_redirects": "always"}, False, True),
        ({"enabled": True, "allow_redirects": "never"}, False, False),
        ({"enabled": True}, True, False),
        ({"enabled": True, "allow_redirects": "always"}, True, False),
    ],
)
def test_return_url_is_required_only_when_automatic_methods_may_redirect_an_on_session_payer(
    automatic_payment_methods: dict[str, Any] | None, off_session: bool, required: bool
) -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, automatic_payment_methods=automatic_payment_methods)
    assert lifecycle.requires_return_url(intent, off_session) is required


def test_the_return_url_message_advises_allow_redirects_never() -> None:
    assert lifecycle.RETURN_URL_REQUIRED_MESSAGE.startswith(
        "A `return_url` must be specified because this Payment Intent is configured to "
        "automatically accept the payment methods enabled in the Dashboard, some of which may "
        "require a full page redirect to succeed."
    )
    assert "`automatic_payment_methods[allow_redirects]` to `never`" in lifecycle.RETURN_URL_REQUIRED_MESSAGE


# --- T4/T5/T7: an approved authorisation ------------------------------------------------


@pytest.mark.parametrize("capture_method", ["automatic", "automatic_async"])
def test_approval_with_automatic_capture_succeeds_and_receives_the_whole_amount(capture_method: str) -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, capture_method=capture_method, payment_method="pm_card")
    step = lifecycle.succeed_authorization(intent, charge_with(charge_id="ch_ok"))
    assert intent["status"] == SUCCEEDED
    assert intent["amount_received"] == AMOUNT
    assert intent["amount_capturable"] == 0
    assert intent["latest_charge"] == "ch_ok"
    assert intent["payment_method"] == "pm_card"
    assert step.events == ["charge.succeeded", "payment_intent.succeeded"]
    assert step.error is None


def test_approval_with_manual_capture_holds_the_whole_amount() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, capture_method="manual")
    step = lifecycle.succeed_authorization(intent, charge_with(charge_id="ch_hold"))
    assert intent["status"] == REQUIRES_CAPTURE
    assert intent["amount_capturable"] == AMOUNT
    assert intent["amount_received"] == 0
    assert intent["latest_charge"] == "ch_hold"
    assert step.events == ["charge.succeeded", "payment_intent.amount_capturable_updated"]
    assert step.error is None


def test_approval_after_authentication_clears_the_action_and_any_earlier_error() -> None:
    intent = intent_in(
        REQUIRES_ACTION,
        next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {}},
        last_payment_error={"code": "card_declined"},
    )
    lifecycle.succeed_authorization(intent, charge_with())
    assert intent["status"] == SUCCEEDED
    assert intent["next_action"] is None
    assert intent["last_payment_error"] is None


# --- T10/T11/T12: a failed attempt ------------------------------------------------------


def decline() -> CardError:
    return CardError(
        "Your card has insufficient funds.", code="card_declined", decline_code="insufficient_funds"
    )


def test_a_decline_returns_the_intent_to_requires_payment_method() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, payment_method="pm_card")
    failed = charge_with(charge_id="ch_failed")
    step = lifecycle.fail_attempt(intent, decline(), card_payment_method(), failed)
    assert intent["status"] == REQUIRES_PAYMENT_METHOD
    assert intent["amount_capturable"] == 0
    assert intent["amount_received"] == 0
    assert intent["latest_charge"] == "ch_failed"
    assert step.events == ["charge.failed", "payment_intent.payment_failed"]


def test_a_failed_attempt_clears_the_payment_method_so_the_next_confirm_must_name_one() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, payment_method="pm_card")
    lifecycle.fail_attempt(intent, decline(), card_payment_method(), charge_with())
    assert intent["payment_method"] is None


def test_last_payment_error_is_the_callers_error_with_the_payment_method_and_charge() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, payment_method="pm_card")
    error = decline()
    expected = error.body() | {"payment_method": card_payment_method(), "charge": "ch_failed"}
    lifecycle.fail_attempt(intent, error, card_payment_method(), charge_with(charge_id="ch_failed"))
    assert intent["last_payment_error"] == expected
    assert intent["last_payment_error"] == {
        "charge": "ch_failed",
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": "Your card has insufficient funds.",
        "payment_method": card_payment_method(),
        "type": "card_error",
    }
    assert "payment_intent" not in intent["last_payment_error"]


def test_the_decline_error_is_persisted_and_embeds_intent_payment_method_and_charge() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, payment_method="pm_card")
    failed = charge_with(charge_id="ch_failed")
    step = lifecycle.fail_attempt(intent, decline(), card_payment_method(), failed)
    error = step.error
    assert isinstance(error, CardError)
    assert error.status == 402
    assert error.persist_changes is True
    body = error.body()
    assert body["type"] == "card_error"
    assert body["charge"] == "ch_failed"
    assert body["payment_method"] == card_payment_method()
    assert body["payment_intent"] is intent
    assert body["payment_intent"]["status"] == REQUIRES_PAYMENT_METHOD


def test_off_session_authentication_required_is_recorded_like_a_decline() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, payment_method="pm_card")
    error = CardError(
        "Your card was declined. This transaction requires authentication.",
        code="authentication_required",
        decline_code="authentication_required",
    )
    lifecycle.fail_attempt(intent, error, card_payment_method(), charge_with(charge_id="ch_auth"))
    assert intent["last_payment_error"]["code"] == "authentication_required"
    assert intent["last_payment_error"]["decline_code"] == "authentication_required"
    assert intent["last_payment_error"]["charge"] == "ch_auth"


def test_error_on_requires_action_fails_without_a_charge_and_emits_only_payment_failed() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, payment_method="pm_card", latest_charge=None)
    error = CardError(
        lifecycle.ERROR_ON_REQUIRES_ACTION_MESSAGE,
        code="authentication_required",
        decline_code="authentication_not_handled",
    )
    step = lifecycle.fail_attempt(intent, error, card_payment_method(), None)
    assert intent["status"] == REQUIRES_PAYMENT_METHOD
    assert intent["latest_charge"] is None
    assert "charge" not in intent["last_payment_error"]
    assert "charge" not in error.body()
    assert intent["last_payment_error"]["decline_code"] == "authentication_not_handled"
    assert intent["last_payment_error"]["message"] == lifecycle.ERROR_ON_REQUIRES_ACTION_MESSAGE
    assert step.events == ["payment_intent.payment_failed"]
    assert step.error is error and error.persist_changes


def test_a_failed_attempt_from_requires_action_drops_the_next_action() -> None:
    intent = intent_in(REQUIRES_ACTION, payment_method="pm_card", next_action={"type": "use_stripe_sdk"})
    lifecycle.fail_attempt(intent, decline(), card_payment_method(), charge_with())
    assert intent["next_action"] is None


# --- T6/T8/T9: authentication -----------------------------------------------------------


def test_an_on_session_authentication_request_requires_action_without_a_charge() -> None:
    intent = intent_in(
        REQUIRES_PAYMENT_METHOD, payment_method="pm_card", last_payment_error={"code": "card_declined"}
    )
    next_action = {"type": "redirect_to_url", "redirect_to_url": {"url": "https://x/3ds", "return_url": "https://m"}}
    step = lifecycle.require_action(intent, next_action)
    assert intent["status"] == REQUIRES_ACTION
    assert (intent["amount_capturable"], intent["amount_received"]) == (0, 0)
    assert intent["next_action"] == next_action
    assert intent["last_payment_error"] is None
    assert intent["latest_charge"] is None
    assert intent["payment_method"] == "pm_card"
    assert step.events == ["payment_intent.requires_action"]
    assert step.error is None


def test_failed_authentication_records_an_authentication_failure_and_no_charge() -> None:
    intent = intent_in(REQUIRES_ACTION, payment_method="pm_card", next_action={"type": "use_stripe_sdk"})
    step = lifecycle.authentication_failed(intent, card_payment_method())
    assert intent["status"] == REQUIRES_PAYMENT_METHOD
    assert (intent["amount_capturable"], intent["amount_received"]) == (0, 0)
    assert intent["next_action"] is None
    assert intent["payment_method"] is None
    assert intent["latest_charge"] is None
    assert intent["last_payment_error"] == {
        "code": "payment_intent_authentication_failure",
        "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
        "message": (
            "The provided PaymentMethod has failed authentication. You can provide "
            "payment_method_data or a new PaymentMethod to attempt to fulfill this "
            "PaymentIntent again."
        ),
        "payment_method": card_payment_method(),
        "type": "invalid_request_error",
    }
    assert step.events == ["payment_intent.payment_failed"]
    assert step.error is None


def test_authentication_with_manual_confirmation_waits_for_confirmation_silently() -> None:
    intent = intent_in(
        REQUIRES_ACTION, confirmation_method="manual", payment_method="pm_card", next_action={"type": "x"}
    )
    step = lifecycle.authentication_completed_manual(intent)
    assert intent["status"] == REQUIRES_CONFIRMATION
    assert (intent["amount_capturable"], intent["amount_received"]) == (0, 0)
    assert intent["next_action"] is None
    assert intent["payment_method"] == "pm_card"
    assert step.events == []  # Stripe sends no webhook for this step (§7.2)
    assert step.error is None


# --- T14: capture -----------------------------------------------------------------------


def test_capture_of_the_whole_hold_receives_the_whole_amount() -> None:
    intent = held_intent()
    step = lifecycle.capture(intent, AMOUNT)
    assert intent["status"] == SUCCEEDED
    assert intent["amount"] == AMOUNT
    assert intent["amount_received"] == AMOUNT
    assert intent["amount_capturable"] == 0
    assert step.events == ["charge.captured", "payment_intent.succeeded"]


def test_capture_of_less_than_authorised_releases_the_rest() -> None:
    intent = held_intent()
    lifecycle.capture(intent, 1500)
    assert intent["status"] == SUCCEEDED
    assert intent["amount"] == AMOUNT
    assert intent["amount_received"] == 1500
    assert intent["amount_capturable"] == 0


# --- T15: cancel ------------------------------------------------------------------------


def test_cancel_of_a_hold_releases_it_and_stamps_time_and_reason() -> None:
    intent = held_intent()
    step = lifecycle.cancel(intent, "requested_by_customer", NOW)
    assert intent["status"] == CANCELED
    assert intent["canceled_at"] == NOW
    assert intent["cancellation_reason"] == "requested_by_customer"
    assert intent["amount_capturable"] == 0
    assert intent["amount_received"] == 0
    assert step.events == ["payment_intent.canceled"]
    assert step.error is None


def test_cancel_without_a_reason_leaves_the_reason_null_but_sets_canceled_at() -> None:
    intent = intent_in(REQUIRES_PAYMENT_METHOD)
    lifecycle.cancel(intent, None, NOW)
    assert intent["cancellation_reason"] is None
    assert intent["canceled_at"] == NOW


def test_cancel_during_authentication_drops_the_next_action() -> None:
    intent = intent_in(REQUIRES_ACTION, next_action={"type": "use_stripe_sdk"})
    lifecycle.cancel(intent, "abandoned", NOW)
    assert intent["next_action"] is None


# --- increment_authorization (§1.9) -----------------------------------------------------


def test_increment_raises_amount_and_amount_capturable_to_the_new_total() -> None:
    intent = held_intent()
    step = lifecycle.increment(intent, 3500)
    assert intent["status"] == REQUIRES_CAPTURE
    assert intent["amount"] == 3500
    assert intent["amount_capturable"] == 3500
    assert intent["amount_received"] == 0
    assert step.events == ["payment_intent.amount_capturable_updated"]


# --- table 1.7: the amounts through one held payment ------------------------------------


def test_amount_fields_through_a_held_incremented_and_partly_captured_payment() -> None:
    intent = intent_in(REQUIRES_PAYMENT_METHOD, capture_method="manual")

    def amounts() -> tuple[int, int, int]:
        return intent["amount"], intent["amount_capturable"], intent["amount_received"]

    assert amounts() == (AMOUNT, 0, 0)
    lifecycle.fail_attempt(intent, decline(), card_payment_method(), charge_with(charge_id="ch_1"))
    assert amounts() == (AMOUNT, 0, 0)
    lifecycle.succeed_authorization(intent, charge_with(charge_id="ch_2"))
    assert amounts() == (AMOUNT, AMOUNT, 0)
    lifecycle.increment(intent, 2600)
    assert amounts() == (2600, 2600, 0)
    lifecycle.capture(intent, 2100)
    assert amounts() == (2600, 0, 2100)


# --- §1.13: what a publishable key sees -------------------------------------------------

PUBLISHABLE = {
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
}


def test_a_publishable_key_sees_exactly_the_browser_safe_fields() -> None:
    intent = held_intent(customer="cus_Alice", metadata={"order": "6735"}, description="Shoes")
    view = lifecycle.publishable_view(intent)
    assert set(view) == PUBLISHABLE
    assert all(view[key] == intent[key] for key in view)


@pytest.mark.parametrize(
    "hidden",
    [
        "customer",
        "metadata",
        "latest_charge",
        "amount_capturable",
        "amount_received",
        "amount_details",
        "payment_method_options",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "review",
        "application",
        "application_fee_amount",
        "on_behalf_of",
        "transfer_data",
        "transfer_group",
    ],
)
def test_a_publishable_key_does_not_see_server_side_fields(hidden: str) -> None:
    intent = held_intent(customer="cus_Alice", metadata={"order": "6735"})
    assert hidden in intent
    assert hidden not in lifecycle.publishable_view(intent)


def test_the_publishable_view_is_a_new_object_leaving_the_intent_whole() -> None:
    intent = held_intent(customer="cus_Alice")
    view = lifecycle.publishable_view(intent)
    view["status"] = "tampered"
    assert intent["status"] == REQUIRES_CAPTURE
    assert intent["customer"] == "cus_Alice"
