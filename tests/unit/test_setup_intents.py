"""The SetupIntent lifecycle (stripe-behaviour §8.1, §2.8, events §7.2).

Which operation each status allows (every refusal is a 400 `setup_intent_unexpected_state`
embedding the intent), where each outcome of a setup attempt leads, and what a browser
holding the client secret may see.
"""

from __future__ import annotations

from typing import Any

import pytest

from tender.core import setup_intents as lifecycle
from tender.core.errors import CardError, InvalidRequestError, StateError
from tender.core.payment_methods import REUSE_MESSAGE
from tender.core.setup_intents import (
    CANCELED,
    PROCESSING,
    REQUIRES_ACTION,
    REQUIRES_CONFIRMATION,
    REQUIRES_PAYMENT_METHOD,
    SUCCEEDED,
)
from tender.processor.base import Approved, Checks, Declined, Outcome, ThreeDSecure

NOW = 1_750_000_000
ALL_STATUSES = (
    REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION, PROCESSING, SUCCEEDED, CANCELED,
)
OPEN = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)
CLOSED = (SUCCEEDED, CANCELED)


def intent_in(status: str, **fields: Any) -> dict[str, Any]:
    intent = lifecycle.new_setup_intent(
        intent_id="seti_1Test", client_secret="seti_1Test_secret_abc", created=NOW
    )
    intent["status"] = status
    intent.update(fields)
    return intent


def card_method(customer: str | None = None) -> dict[str, Any]:
    return {
        "id": "pm_1Card",
        "object": "payment_method",
        "customer": customer,
        "card": {
            "brand": "visa",
            "country": "FR",
            "exp_month": 12,
            "exp_year": 2030,
            "fingerprint": "fp",
            "funding": "credit",
            "last4": "3155",
            "networks": {"available": ["visa"], "preferred": None},
        },
    }


def attempt_for(intent: dict[str, Any]) -> dict[str, Any]:
    return lifecycle.new_setup_attempt(
        attempt_id="setatt_1Test", created=NOW, intent=intent, payment_method=card_method()
    )


APPROVED = Approved(
    outcome=Outcome("approved_by_network", "authorized", "Payment complete."),
    checks=Checks(cvc_check="pass"),
    three_d_secure=ThreeDSecure(result="authenticated", authentication_flow="challenge"),
)
DECLINED = Declined(
    code="card_declined",
    message="Your card has insufficient funds.",
    decline_code="insufficient_funds",
    outcome=Outcome("declined_by_network", "issuer_declined", "…", reason="insufficient_funds"),
    checks=Checks(cvc_check="pass"),
)


# --- the object ---------------------------------------------------------------------------


def test_a_new_setup_intent_waits_for_a_payment_method_and_defaults_to_off_session_usage() -> None:
    intent = lifecycle.new_setup_intent(intent_id="seti_1", client_secret="seti_1_secret_x", created=NOW)
    assert intent["object"] == "setup_intent"
    assert intent["status"] == REQUIRES_PAYMENT_METHOD
    assert intent["usage"] == "off_session"
    assert intent["payment_method_types"] == ["card"]
    assert intent["latest_attempt"] is None and intent["last_setup_error"] is None
    assert intent["client_secret"].startswith("seti_1_secret_")


def test_card_options_default_to_automatic_three_d_secure() -> None:
    assert lifecycle.card_options() == {
        "mandate_options": None, "network": None, "request_three_d_secure": "automatic",
    }
    assert lifecycle.card_options({"request_three_d_secure": "any"})["request_three_d_secure"] == "any"


def test_a_setup_attempt_records_customer_usage_and_card_at_confirmation() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, customer="cus_1", usage="on_session")
    attempt = attempt_for(intent)
    assert attempt["id"] == "setatt_1Test" and attempt["object"] == "setup_attempt"
    assert attempt["setup_intent"] == intent["id"]
    assert attempt["customer"] == "cus_1" and attempt["usage"] == "on_session"
    card = attempt["payment_method_details"]["card"]
    assert card["last4"] == "3155" and card["network"] == "visa" and card["three_d_secure"] is None


# --- which operation each status allows ------------------------------------------------------


@pytest.mark.parametrize("status", OPEN)
def test_confirm_is_allowed_before_success(status: str) -> None:
    lifecycle.ensure_confirmable(intent_in(status))


def test_confirming_a_succeeded_setup_intent_says_it_already_succeeded() -> None:
    intent = intent_in(SUCCEEDED)
    with pytest.raises(StateError) as info:
        lifecycle.ensure_confirmable(intent)
    assert info.value.code == "setup_intent_unexpected_state"
    assert info.value.message == (
        "You cannot confirm this SetupIntent because it has already succeeded after being "
        "previously confirmed."
    )
    assert info.value.extra["setup_intent"] is intent


@pytest.mark.parametrize("status", (CANCELED, PROCESSING))
def test_confirming_in_another_status_names_the_status(status: str) -> None:
    with pytest.raises(StateError) as info:
        lifecycle.ensure_confirmable(intent_in(status))
    assert info.value.message == f"You cannot confirm this SetupIntent because it has a status of {status}."


@pytest.mark.parametrize("status", OPEN)
def test_cancel_is_allowed_before_success(status: str) -> None:
    lifecycle.ensure_cancelable(intent_in(status))


@pytest.mark.parametrize("status", (SUCCEEDED, CANCELED, PROCESSING))
def test_cancel_is_refused_once_the_setup_is_over(status: str) -> None:
    with pytest.raises(StateError) as info:
        lifecycle.ensure_cancelable(intent_in(status))
    assert info.value.code == "setup_intent_unexpected_state"
    assert f"it has a status of {status}" in info.value.message
    assert "requires_payment_method, requires_confirmation, requires_action" in info.value.message


@pytest.mark.parametrize("status", CLOSED)
@pytest.mark.parametrize("field", lifecycle.SETUP_FIELDS)
def test_what_is_set_up_cannot_change_after_the_setup_is_over(status: str, field: str) -> None:
    with pytest.raises(StateError) as info:
        lifecycle.ensure_updatable(intent_in(status), [field])
    assert info.value.message.startswith(
        f"This SetupIntent's {field} could not be updated because it has a status of {status}."
    )


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_description_and_metadata_change_in_any_status(status: str) -> None:
    lifecycle.ensure_updatable(intent_in(status), ["description", "metadata"])


@pytest.mark.parametrize("status", OPEN)
def test_payment_method_changes_before_success(status: str) -> None:
    lifecycle.ensure_updatable(intent_in(status), ["payment_method", "customer"])


def test_confirming_without_a_payment_method_explains_both_ways_to_give_one() -> None:
    error = lifecycle.missing_payment_method(intent_in(REQUIRES_PAYMENT_METHOD))
    assert error.code == "setup_intent_unexpected_state"
    assert "missing a payment method" in error.message


# --- which PaymentMethod may be set up -------------------------------------------------------


def test_a_card_on_another_customer_cannot_be_set_up_for_this_one() -> None:
    with pytest.raises(InvalidRequestError) as info:
        lifecycle.ensure_usable_for_setup({}, card_method(customer="cus_Other"), "cus_Mine")
    assert info.value.param == "payment_method"
    assert info.value.message == (
        "The payment method supplied (pm_1Card) does not belong to a Customer, but you supplied "
        "Customer cus_Mine. Please attach the payment method to this Customer before using it "
        "with a SetupIntent."
    )


@pytest.mark.parametrize("owner", (None, "cus_Mine"))
def test_an_unattached_card_or_one_already_on_the_customer_may_be_set_up(owner: str | None) -> None:
    lifecycle.ensure_usable_for_setup({}, card_method(customer=owner), "cus_Mine")


@pytest.mark.parametrize("flag", ("consumed", "detached"))
def test_a_spent_or_detached_card_cannot_be_set_up(flag: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        lifecycle.ensure_usable_for_setup({flag: True}, card_method(), "cus_Mine")
    assert info.value.message == REUSE_MESSAGE


def test_return_url_is_needed_only_when_dashboard_methods_may_redirect() -> None:
    assert not lifecycle.requires_return_url(intent_in(REQUIRES_CONFIRMATION))
    redirecting = {"enabled": True, "allow_redirects": "always"}
    assert lifecycle.requires_return_url(intent_in(REQUIRES_CONFIRMATION, automatic_payment_methods=redirecting))
    never = {"enabled": True, "allow_redirects": "never"}
    assert not lifecycle.requires_return_url(intent_in(REQUIRES_CONFIRMATION, automatic_payment_methods=never))


# --- outcomes of an attempt ------------------------------------------------------------------


def test_a_verified_card_succeeds_the_setup_and_the_attempt() -> None:
    intent = intent_in(REQUIRES_ACTION, payment_method="pm_1Card", next_action={"type": "use_stripe_sdk"})
    attempt = attempt_for(intent)
    step = lifecycle.succeed(intent, attempt, APPROVED)
    assert step.events == ["setup_intent.succeeded"] and step.error is None
    assert intent["status"] == SUCCEEDED and intent["next_action"] is None
    assert intent["payment_method"] == "pm_1Card"
    assert attempt["status"] == "succeeded"
    card = attempt["payment_method_details"]["card"]
    assert card["three_d_secure"]["result"] == "authenticated"
    assert card["checks"] == {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"}


def test_a_declined_verification_returns_to_requires_payment_method_with_the_card_error() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, payment_method="pm_1Card")
    attempt = attempt_for(intent)
    method = card_method()
    step = lifecycle.fail(intent, attempt, DECLINED, method)
    assert step.events == ["setup_intent.setup_failed"]
    assert intent["status"] == REQUIRES_PAYMENT_METHOD and intent["payment_method"] is None
    error = intent["last_setup_error"]
    assert error["type"] == "card_error" and error["code"] == "card_declined"
    assert error["decline_code"] == "insufficient_funds" and error["payment_method"] == method
    assert attempt["status"] == "failed" and attempt["setup_error"] == error
    assert isinstance(step.error, CardError) and step.error.persist_changes
    assert step.error.status == 402 and step.error.extra["setup_intent"] is intent


def test_failed_authentication_keeps_a_setup_intent_authentication_failure() -> None:
    intent = intent_in(REQUIRES_ACTION, payment_method="pm_1Card", next_action={"type": "use_stripe_sdk"})
    attempt = attempt_for(intent)
    step = lifecycle.authentication_failed(intent, attempt, card_method())
    assert step.events == ["setup_intent.setup_failed"] and step.error is None
    assert intent["status"] == REQUIRES_PAYMENT_METHOD and intent["next_action"] is None
    error = intent["last_setup_error"]
    assert error["code"] == "setup_intent_authentication_failure"
    assert error["message"] == (
        "The latest attempt to set up the payment method has failed because authentication failed."
    )
    assert error["doc_url"].endswith("/setup-intent-authentication-failure")
    assert error["payment_method"]["id"] == "pm_1Card"
    assert attempt["status"] == "failed"
    assert attempt["payment_method_details"]["card"]["three_d_secure"]["result"] == "failed"


def test_a_challenge_moves_the_setup_to_requires_action() -> None:
    intent = intent_in(REQUIRES_CONFIRMATION, last_setup_error={"code": "card_declined"})
    attempt = attempt_for(intent)
    lifecycle.start_attempt(intent, attempt)
    action = {"type": "redirect_to_url", "redirect_to_url": {"url": "u", "return_url": "r"}}
    step = lifecycle.require_action(intent, attempt, action)
    assert step.events == ["setup_intent.requires_action"]
    assert intent["status"] == REQUIRES_ACTION and intent["next_action"] == action
    assert intent["latest_attempt"] == "setatt_1Test" and intent["last_setup_error"] is None
    assert attempt["status"] == "requires_action"


def test_only_an_attempt_waiting_for_the_customer_is_abandoned() -> None:
    waiting = attempt_for(intent_in(REQUIRES_ACTION))
    lifecycle.abandon_attempt(waiting)
    assert waiting["status"] == "abandoned"
    done = attempt_for(intent_in(REQUIRES_ACTION))
    done["status"] = "succeeded"
    lifecycle.abandon_attempt(done)
    assert done["status"] == "succeeded"


def test_cancel_is_terminal_and_keeps_the_reason() -> None:
    intent = intent_in(REQUIRES_ACTION, next_action={"type": "use_stripe_sdk"})
    step = lifecycle.cancel(intent, "requested_by_customer")
    assert step.events == ["setup_intent.canceled"]
    assert intent["status"] == CANCELED and intent["next_action"] is None
    assert intent["cancellation_reason"] == "requested_by_customer"


# --- the publishable view --------------------------------------------------------------------


def test_a_browser_sees_what_it_needs_to_drive_the_setup_and_nothing_private() -> None:
    intent = intent_in(
        REQUIRES_ACTION, customer="cus_1", metadata={"order": "1"}, latest_attempt="setatt_1",
        next_action={"type": "use_stripe_sdk"},
    )
    view = lifecycle.publishable_view(intent)
    assert view["id"] == intent["id"] and view["client_secret"] == intent["client_secret"]
    assert view["status"] == REQUIRES_ACTION and view["next_action"] == {"type": "use_stripe_sdk"}
    for hidden in ("customer", "metadata", "latest_attempt", "payment_method_options", "mandate"):
        assert hidden not in view
