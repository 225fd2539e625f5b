"""The Stripe-Signature header (stripe-behaviour §7.4), checked against the official SDK."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import stripe

from tender.core import webhook_endpoints as rules
from tender.webhooks import signing

SECRET = "whsec_test_0123456789abcdefghijklmnopqrstuv"
OLD_SECRET = "whsec_old_0123456789abcdefghijklmnopqrstuv"
BODY = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                   "data": {"object": {"id": "pi_1", "object": "payment_intent"}}}, indent=2).encode()
NOW = 1_750_000_000


def test_v1_is_hex_hmac_sha256_of_timestamp_dot_body_keyed_with_the_whsec_string() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signing.signature(SECRET, NOW, BODY) == expected
    assert signing.signature_header([SECRET], NOW, BODY) == f"t={NOW},v1={expected}"


def test_the_official_sdk_accepts_the_header() -> None:
    header = signing.signature_header([SECRET], NOW, BODY)
    stripe.WebhookSignature.verify_header(BODY.decode(), header, SECRET, tolerance=None)
    event = stripe.Webhook.construct_event(BODY, header, SECRET, tolerance=None)
    assert event.type == "payment_intent.succeeded"


def test_the_sdk_rejects_a_tampered_body_and_a_wrong_secret() -> None:
    header = signing.signature_header([SECRET], NOW, BODY)
    with pytest.raises(stripe.SignatureVerificationError, match="No signatures found matching"):
        stripe.WebhookSignature.verify_header(BODY.decode() + " ", header, SECRET, tolerance=None)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(BODY.decode(), header, "whsec_other", tolerance=None)


def test_one_v1_per_active_secret_and_either_secret_verifies() -> None:
    header = signing.signature_header([SECRET, OLD_SECRET], NOW, BODY)
    assert header.count("v1=") == 2
    for secret in (SECRET, OLD_SECRET):
        stripe.WebhookSignature.verify_header(BODY.decode(), header, secret, tolerance=None)
        assert signing.verify(header, BODY, secret, now=NOW)


def test_an_old_timestamp_is_outside_the_sdk_tolerance() -> None:
    header = signing.signature_header([SECRET], NOW, BODY)
    with pytest.raises(stripe.SignatureVerificationError, match="Timestamp outside the tolerance zone"):
        stripe.WebhookSignature.verify_header(BODY.decode(), header, SECRET, tolerance=300)
    assert not signing.verify(header, BODY, SECRET, now=NOW + 301)


def test_a_header_needs_at_least_one_secret() -> None:
    with pytest.raises(ValueError):
        signing.signature_header([], NOW, BODY)


# --- secrets across a roll ---------------------------------------------------------------


def test_a_rolled_secret_keeps_signing_until_its_overlap_ends() -> None:
    secrets = rules.initial_secrets(OLD_SECRET)
    rolled = rules.roll_secrets(secrets, SECRET, now=NOW, overlap=3600)
    assert rules.signing_keys({"secrets": rolled}, NOW) == [SECRET, OLD_SECRET]
    assert rules.signing_keys({"secrets": rolled}, NOW + 3599) == [SECRET, OLD_SECRET]
    assert rules.signing_keys({"secrets": rolled}, NOW + 3600) == [SECRET]


def test_rolling_with_no_overlap_retires_the_old_secret_at_once() -> None:
    rolled = rules.roll_secrets(rules.initial_secrets(OLD_SECRET), SECRET, now=NOW, overlap=0)
    assert rules.signing_keys({"secrets": rolled}, NOW) == [SECRET]


def test_the_overlap_is_at_most_a_day() -> None:
    with pytest.raises(rules.InvalidRequestError):
        rules.roll_secrets(rules.initial_secrets(OLD_SECRET), SECRET, now=NOW, overlap=86401)


def test_a_second_roll_keeps_the_first_old_secrets_own_expiry() -> None:
    first = rules.roll_secrets(rules.initial_secrets("whsec_a"), "whsec_b", now=NOW, overlap=100)
    second = rules.roll_secrets(first, "whsec_c", now=NOW + 10, overlap=1000)
    assert rules.signing_keys({"secrets": second}, NOW + 50) == ["whsec_c", "whsec_b", "whsec_a"]
    assert rules.signing_keys({"secrets": second}, NOW + 100) == ["whsec_c", "whsec_b"]


# --- which endpoints receive which events --------------------------------------------------


def test_an_endpoint_receives_the_types_it_names_or_everything_with_star() -> None:
    assert rules.receives(["charge.succeeded"], "charge.succeeded")
    assert not rules.receives(["charge.succeeded"], "charge.failed")
    assert rules.receives(["*"], "refund.created")


def test_enabled_events_must_be_documented_names() -> None:
    assert rules.check_enabled_events(["*", "charge.failed", "charge.failed"]) == ["*", "charge.failed"]
    assert rules.check_enabled_events(["invoice.paid"]) == ["invoice.paid"]  # Stripe's, not emitted
    with pytest.raises(rules.InvalidRequestError) as raised:
        rules.check_enabled_events(["charge.succeeded", "payment_intent.updated"])
    assert raised.value.param == "enabled_events[1]"
    with pytest.raises(rules.InvalidRequestError):
        rules.check_enabled_events([])


def test_a_failing_streak_disables_only_after_the_configured_period() -> None:
    private: dict[str, float] = {}
    since = rules.record_failure(private, NOW)
    assert rules.record_failure(private, NOW + 10) == since == NOW
    assert not rules.should_disable(since, NOW + 99, disable_after=100)
    assert rules.should_disable(since, NOW + 100, disable_after=100)
    assert not rules.should_disable(since, NOW + 10**9, disable_after=0)
    assert rules.record_success(private) and "failing_since" not in private
    assert not rules.record_success(private)
