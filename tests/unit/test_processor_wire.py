"""Authorisation requests and answers survive the trip to a remote processor and back."""

from __future__ import annotations

import pytest

from tender.processor.base import (
    Approved,
    AuthenticationRequired,
    AuthorizationRequest,
    AuthorizationResult,
    Checks,
    Declined,
    Outcome,
    ThreeDSecure,
)
from tender.processor.wire import request_from_json, request_to_json, result_from_json, result_to_json

OUTCOME = Outcome(network_status="approved_by_network", type="authorized", seller_message="Payment complete.")


def test_a_request_round_trips() -> None:
    request = AuthorizationRequest("sim_visa:cvc", 2000, "usd", off_session=True, address_postal_code="94107")
    assert request_from_json(request_to_json(request)) == request


@pytest.mark.parametrize("result", [
    Approved(OUTCOME, Checks(cvc_check="pass"), ThreeDSecure("authenticated", "challenge"), "123456"),
    Approved(OUTCOME, Checks(), bypass_pending=True, incremental_authorization_supported=True),
    Declined("card_declined", "Your card was declined.", OUTCOME, Checks(), decline_code="generic_decline"),
    AuthenticationRequired(),
])
def test_every_kind_of_answer_round_trips(result: AuthorizationResult) -> None:
    assert result_from_json(result_to_json(result)) == result
