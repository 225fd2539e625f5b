"""3-D Secure: next_action, tender's own challenge page, and what each answer does."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe


def _answer_challenge(url: str, action: str) -> httpx.Response:
    page = httpx.get(url)
    assert page.status_code == 200
    assert "Complete authentication" in page.text and "Fail authentication" in page.text
    return httpx.post(url, data={"action": action}, follow_redirects=False)


def _intent_needing_3ds(card: str = "pm_card_threeDSecure2Required", **extra: object) -> stripe.PaymentIntent:
    params = dict(amount=4200, currency="usd", payment_method_types=["card"], payment_method=card, confirm=True)
    params.update(extra)
    return stripe.PaymentIntent.create(**params)


def test_confirm_without_return_url_gives_use_stripe_sdk_action() -> None:
    intent = _intent_needing_3ds()
    assert intent.status == "requires_action"
    assert intent.next_action.type == "use_stripe_sdk"
    assert intent.next_action.use_stripe_sdk.stripe_js.startswith("http://127.0.0.1")
    assert intent.latest_charge is None


def test_redirect_flow_completes_and_returns_with_documented_parameters() -> None:
    intent = _intent_needing_3ds(return_url="https://shop.example/return?order=42")
    assert intent.next_action.type == "redirect_to_url"
    action = intent.next_action.redirect_to_url
    assert action.return_url == "https://shop.example/return?order=42"
    answer = _answer_challenge(action.url, "complete")
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert location.netloc == "shop.example" and query["order"] == ["42"]
    assert query["payment_intent"] == [intent.id]
    assert query["payment_intent_client_secret"] == [intent.client_secret]
    assert query["redirect_status"] == ["succeeded"]
    intent = stripe.PaymentIntent.retrieve(intent.id)
    assert intent.status == "succeeded" and intent.next_action is None
    tds = stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.three_d_secure
    assert tds.result == "authenticated" and tds.authentication_flow == "challenge"


def test_failed_authentication_returns_to_requires_payment_method_without_a_charge() -> None:
    intent = _intent_needing_3ds(return_url="https://shop.example/return")
    answer = _answer_challenge(intent.next_action.redirect_to_url.url, "fail")
    assert parse_qs(urlsplit(answer.headers["location"]).query)["redirect_status"] == ["failed"]
    intent = stripe.PaymentIntent.retrieve(intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"
    assert intent.latest_charge is None


def test_challenge_page_cannot_be_answered_twice() -> None:
    intent = _intent_needing_3ds(return_url="https://shop.example/return")
    url = intent.next_action.redirect_to_url.url
    _answer_challenge(url, "complete")
    assert httpx.post(url, data={"action": "fail"}).status_code == 404
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"


def test_decline_after_successful_authentication() -> None:
    intent = _intent_needing_3ds(
        "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", return_url="https://shop.example/r"
    )
    _answer_challenge(intent.next_action.redirect_to_url.url, "complete")
    intent = stripe.PaymentIntent.retrieve(intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "insufficient_funds"
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.status == "failed"
    assert charge.payment_method_details.card.three_d_secure.result == "authenticated"


def test_manual_confirmation_returns_to_requires_confirmation_after_authentication() -> None:
    intent = _intent_needing_3ds(confirmation_method="manual", return_url="https://shop.example/r")
    _answer_challenge(intent.next_action.redirect_to_url.url, "complete")
    intent = stripe.PaymentIntent.retrieve(intent.id)
    assert intent.status == "requires_confirmation"
    intent = stripe.PaymentIntent.confirm(intent.id)
    assert intent.status == "succeeded"


def test_manual_capture_after_authentication_holds_the_funds() -> None:
    intent = _intent_needing_3ds(capture_method="manual", return_url="https://shop.example/r")
    _answer_challenge(intent.next_action.redirect_to_url.url, "complete")
    intent = stripe.PaymentIntent.retrieve(intent.id)
    assert intent.status == "requires_capture" and intent.amount_capturable == 4200


def test_error_on_requires_action_fails_instead_of_asking() -> None:
    with pytest.raises(stripe.CardError) as info:
        _intent_needing_3ds(error_on_requires_action=True)
    assert info.value.code == "authentication_required"
    assert info.value.error.decline_code == "authentication_not_handled"
    assert info.value.error.payment_intent.status == "requires_payment_method"


def test_off_session_payment_needing_authentication_is_declined() -> None:
    customer = None  # off-session without a saved card: the 3184 card always needs auth
    del customer
    with pytest.raises(stripe.CardError) as info:
        _intent_needing_3ds("pm_card_authenticationRequired", off_session=True)
    assert info.value.code == "authentication_required"
    assert info.value.user_message == "Your card was declined. This transaction requires authentication."
    intent = stripe.PaymentIntent.retrieve(info.value.error.payment_intent.id)
    assert intent.status == "requires_payment_method"
    assert stripe.Charge.retrieve(intent.latest_charge).failure_code == "authentication_required"


def test_frictionless_card_succeeds_without_a_challenge() -> None:
    intent = stripe.PaymentIntent.create(
        amount=4200, currency="usd", payment_method_types=["card"], confirm=True,
        payment_method_data={
            "type": "card",
            "card": {"number": "4000000032200000", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
        },
    )
    assert intent.status == "succeeded"
    tds = stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.three_d_secure
    assert tds.authentication_flow == "frictionless"


def test_optional_card_is_challenged_only_when_3ds_is_requested() -> None:
    plain = _intent_needing_3ds("pm_card_threeDSecureOptional")
    assert plain.status == "succeeded"
    requested = _intent_needing_3ds(
        "pm_card_threeDSecureOptional",
        payment_method_options={"card": {"request_three_d_secure": "any"}},
    )
    assert requested.status == "requires_action"
