"""Declines: 402 card errors, a failed Charge per attempt, the intent ready for another card."""

from __future__ import annotations

import pytest
import stripe

DECLINES = [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds",
     "Your card has insufficient funds."),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card", "Your card was declined."),
    ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card", "Your card was declined."),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", None, "Your card has expired."),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", None, "Your card's security code is incorrect."),
    ("pm_card_chargeDeclinedProcessingError", "processing_error", None,
     "An error occurred while processing your card. Try again in a little bit."),
    ("pm_card_radarBlock", "card_declined", "fraudulent", "Your card was declined."),
]


def _confirm_expecting_card_error(payment_method: str) -> tuple[stripe.PaymentIntent, stripe.CardError]:
    intent = stripe.PaymentIntent.create(amount=2500, currency="usd", payment_method_types=["card"])
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentIntent.confirm(intent.id, payment_method=payment_method)
    return intent, info.value


@pytest.mark.parametrize(("payment_method", "code", "decline_code", "message"), DECLINES)
def test_decline_answers_402_and_leaves_intent_requiring_a_payment_method(
    payment_method: str, code: str, decline_code: str | None, message: str
) -> None:
    intent, error = _confirm_expecting_card_error(payment_method)
    assert error.http_status == 402
    assert error.code == code
    assert error.error.decline_code == decline_code
    assert error.user_message == message
    embedded = error.error.payment_intent
    assert embedded.id == intent.id and embedded.status == "requires_payment_method"

    intent = stripe.PaymentIntent.retrieve(intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == code
    assert intent.last_payment_error.payment_method.id.startswith("pm_")
    assert intent.payment_method is None
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.status == "failed" and not charge.paid
    assert charge.failure_code == code and charge.failure_message == message
    assert intent.last_payment_error.charge == charge.id


def test_radar_block_is_reported_as_blocked_not_issuer_declined() -> None:
    intent, _ = _confirm_expecting_card_error("pm_card_radarBlock")
    charge = stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(intent.id).latest_charge)
    assert charge.outcome.type == "blocked"
    assert charge.outcome.network_status == "not_sent_to_network"
    assert charge.outcome.risk_level == "highest"
    assert charge.fraud_details.to_dict() == {"stripe_report": "fraudulent"}


def test_issuer_decline_outcome_names_the_decline_code() -> None:
    intent, _ = _confirm_expecting_card_error("pm_card_visa_chargeDeclinedInsufficientFunds")
    charge = stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(intent.id).latest_charge)
    assert charge.outcome.type == "issuer_declined"
    assert charge.outcome.reason == "insufficient_funds"
    assert charge.outcome.seller_message == "The bank returned the decline code `insufficient_funds`."


def test_a_second_card_after_a_decline_succeeds_and_both_charges_are_listed() -> None:
    intent, _ = _confirm_expecting_card_error("pm_card_visa_chargeDeclined")
    intent = stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert intent.status == "succeeded" and intent.last_payment_error is None
    charges = stripe.Charge.list(payment_intent=intent.id).data
    assert sorted(c.status for c in charges) == ["failed", "succeeded"]
    assert charges[0].id == intent.latest_charge


def test_confirming_again_after_a_decline_without_a_new_card_is_refused() -> None:
    intent, _ = _confirm_expecting_card_error("pm_card_visa_chargeDeclined")
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.PaymentIntent.confirm(intent.id)
    assert info.value.code == "payment_intent_unexpected_state"
    assert "missing a payment method" in info.value.user_message


def test_elevated_risk_card_succeeds_with_elevated_risk_level() -> None:
    intent = stripe.PaymentIntent.create(
        amount=2500, currency="usd", payment_method_types=["card"],
        payment_method="pm_card_riskLevelElevated", confirm=True,
    )
    assert intent.status == "succeeded"
    assert stripe.Charge.retrieve(intent.latest_charge).outcome.risk_level == "elevated"


def test_live_card_number_is_declined_in_test_mode() -> None:
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentIntent.create(
            amount=2500, currency="usd", payment_method_types=["card"], confirm=True,
            payment_method_data={
                "type": "card",
                "card": {"number": "4111111111111111", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
            },
        )
    assert info.value.error.decline_code == "test_mode_live_card"


def test_invalid_card_number_is_refused_when_the_payment_method_is_created() -> None:
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentMethod.create(
            type="card", card={"number": "4242424242424241", "exp_month": 12, "exp_year": 2035}
        )
    assert info.value.code == "incorrect_number"
    assert info.value.param == "card[number]"
    assert info.value.user_message == "Your card number is incorrect."


@pytest.mark.parametrize(
    ("card", "code", "param"),
    [
        ({"number": "4242424242424242", "exp_month": 13, "exp_year": 2035}, "invalid_expiry_month", "card[exp_month]"),
        ({"number": "4242424242424242", "exp_month": 12, "exp_year": 2015}, "invalid_expiry_year", "card[exp_year]"),
        ({"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "99"}, "invalid_cvc", "card[cvc]"),
    ],
)
def test_bad_card_data_names_the_field(card: dict[str, object], code: str, param: str) -> None:
    with pytest.raises(stripe.CardError) as info:
        stripe.PaymentMethod.create(type="card", card=card)
    assert info.value.code == code
    assert info.value.param == param


def _pay_with_card(number: str, **billing: str) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.create(
        amount=2500, currency="usd", payment_method_types=["card"], confirm=True,
        payment_method_data={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123"},
            "billing_details": {"address": billing} if billing else {},
        },
    )


def test_address_checks_pass_for_an_ordinary_card_when_an_address_is_given() -> None:
    intent = _pay_with_card("4242424242424242", line1="1 Main St", postal_code="94107")
    checks = stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.checks
    assert (checks.cvc_check, checks.address_line1_check, checks.address_postal_code_check) == (
        "pass", "pass", "pass"
    )


def test_address_checks_are_null_when_no_address_is_given() -> None:
    intent = _pay_with_card("4242424242424242")
    checks = stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.checks
    assert checks.address_line1_check is None and checks.address_postal_code_check is None


def test_avs_fail_card_fails_both_checks_but_the_payment_succeeds() -> None:
    intent = _pay_with_card("4000000000000010", line1="1 Main St", postal_code="94107")
    assert intent.status == "succeeded"
    checks = stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.checks
    assert checks.address_line1_check == "fail" and checks.address_postal_code_check == "fail"


def test_avs_unchecked_card_reports_unavailable() -> None:
    intent = _pay_with_card("4000000000000044", line1="1 Main St", postal_code="94107")
    checks = stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.checks
    assert checks.address_line1_check == "unavailable" and checks.address_postal_code_check == "unavailable"


def test_cvc_check_fail_card_is_declined_with_incorrect_cvc() -> None:
    with pytest.raises(stripe.CardError) as info:
        _pay_with_card("4000000000000101")
    assert info.value.code == "incorrect_cvc"
    intent = stripe.PaymentIntent.retrieve(info.value.error.payment_intent.id)
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.payment_method_details.card.checks.cvc_check == "fail"


@pytest.mark.parametrize(
    ("payment_method", "brand", "funding"),
    [
        ("pm_card_visa", "visa", "credit"),
        ("pm_card_visa_debit", "visa", "debit"),
        ("pm_card_mastercard", "mastercard", "credit"),
        ("pm_card_mastercard_prepaid", "mastercard", "prepaid"),
        ("pm_card_amex", "amex", "credit"),
        ("pm_card_discover", "discover", "credit"),
        ("pm_card_diners", "diners", "credit"),
        ("pm_card_jcb", "jcb", "credit"),
        ("pm_card_unionpay", "unionpay", "credit"),
    ],
)
def test_every_brand_succeeds(payment_method: str, brand: str, funding: str) -> None:
    intent = stripe.PaymentIntent.create(
        amount=2500, currency="usd", payment_method_types=["card"], payment_method=payment_method,
        confirm=True,
    )
    assert intent.status == "succeeded"
    card = stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card
    assert (card.brand, card.funding) == (brand, funding)


def test_country_card_sets_the_card_country() -> None:
    intent = stripe.PaymentIntent.create(
        amount=2500, currency="usd", payment_method_types=["card"], payment_method="pm_card_gb",
        confirm=True,
    )
    assert stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.country == "GB"
