"""The simulated card network behaves as Stripe's test cards do (stripe-behaviour §2)."""

from __future__ import annotations

import calendar
import string
from dataclasses import replace
from typing import Any

import pytest

from tender.core.errors import CardError
from tender.processor.base import (
    Approved,
    AuthenticationRequired,
    AuthorizationRequest,
    AuthorizationResult,
    CardDetails,
    Declined,
    ThreeDSecure,
)
from tender.processor.cards import MAGIC_IDS, NUMBER_LENGTHS, TEST_CARDS, SimulatedCard, brand_for_number
from tender.processor.simulator import Simulator, passes_luhn

NOW = calendar.timegm((2025, 6, 15, 12, 0, 0, 0, 0, 0))  # mid-June 2025, UTC
KEY = b"fingerprint-key"


@pytest.fixture
def simulator() -> Simulator:
    return Simulator(KEY, clock=lambda: NOW)


def card(simulator: Simulator, alias_or_number: str, cvc: str | None = "123") -> CardDetails:
    """A card by magic id (`pm_card_visa`) or by number (tokenised with a CVC)."""
    if alias_or_number.startswith(("pm_card_", "tok_")):
        details = simulator.test_payment_method(alias_or_number)
        assert details is not None, alias_or_number
        return details
    if cvc is not None and brand_for_number(alias_or_number) == "amex":
        cvc = "1234"
    return simulator.tokenize_card(alias_or_number, 12, 2030, cvc)


def authorize(
    simulator: Simulator, alias_or_number: str, cvc: str | None = "123", **request: Any
) -> AuthorizationResult:
    """Authorize 20.00 USD on the card; `request` sets other AuthorizationRequest fields."""
    token = card(simulator, alias_or_number, cvc).token
    return simulator.authorize(replace(AuthorizationRequest(token, 2000, "usd"), **request))


def approved(result: AuthorizationResult) -> Approved:
    assert isinstance(result, Approved), result
    return result


def declined(result: AuthorizationResult) -> Declined:
    assert isinstance(result, Declined), result
    return result


def with_check_digit(prefix: str) -> str:
    """`prefix` plus the digit that makes it pass Luhn."""
    return next(prefix + d for d in string.digits if passes_luhn(prefix + d))


# -- the table itself ------------------------------------------------------------------


@pytest.mark.parametrize("row", TEST_CARDS, ids=lambda row: row.key)
def test_every_test_card_is_a_well_formed_number_of_its_brand(row: SimulatedCard) -> None:
    assert passes_luhn(row.number)
    assert brand_for_number(row.number) == row.brand
    assert len(row.number) in NUMBER_LENGTHS[row.brand]


def test_each_test_card_number_and_key_appears_once() -> None:
    assert len({row.number for row in TEST_CARDS}) == len(TEST_CARDS)
    assert len({row.key for row in TEST_CARDS}) == len(TEST_CARDS)


def test_every_pm_card_alias_has_a_tok_twin_for_the_same_number() -> None:
    for alias, number in MAGIC_IDS.items():
        if alias.startswith("pm_card_"):
            assert MAGIC_IDS["tok_" + alias.removeprefix("pm_card_")] == number


# Every magic id section 2 names, with the card it stands for.
SECTION_2_MAGIC_IDS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_mastercard_debit": "5200828282828210",
    "pm_card_mastercard_prepaid": "5105105105105100",
    "pm_card_amex": "378282246310005",
    "pm_card_discover": "6011111111111117",
    "pm_card_diners": "3056930009020004",
    "pm_card_jcb": "3566002020360505",
    "pm_card_unionpay": "6200000000000005",
    "pm_card_visa_cartesBancaires": "4000002500001001",
    "pm_card_mastercard_cartesBancaires": "5555552500001001",
    "pm_card_visa_debit_eftposAuCoBranded": "4000050360000001",
    "pm_card_mastercard_debit_eftposAuCoBranded": "5555050360000080",
    "pm_card_us": "4242424242424242",
    "pm_card_gb": "4000008260000000",
    "pm_card_de": "4000002760000016",
    "pm_card_fr": "4000002500000003",
    "pm_card_ca": "4000001240000000",
    "pm_card_au": "4000000360000006",
    "pm_card_jp": "4000003920000003",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_visa_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_visa_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_visa_chargeDeclinedVelocityLimitExceeded": "4000000000006975",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_radarBlock": "4100000000000019",
    "pm_card_riskLevelHighest": "4000000000004954",
    "pm_card_riskLevelElevated": "4000000000009235",
    "pm_card_cvcCheckFail": "4000000000000101",
    "pm_card_avsZipFail": "4000000000000036",
    "pm_card_avsLine1Fail": "4000000000000028",
    "pm_card_avsFail": "4000000000000010",
    "pm_card_avsUnchecked": "4000000000000044",
    "pm_card_highFraudDisputeScore": "4000008400000407",
    "pm_card_highEfwScore": "4000008400000159",
    "pm_card_adaptive3dsChallenge": "4000008405600003",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_authenticationRequiredSetupForOffSession": "4000003800000446",
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds": "4000008260003178",
    "pm_card_threeDSecure2Required": "4000000000003220",
    "pm_card_threeDSecureRequiredChargeDeclined": "4000008400001629",
    "pm_card_threeDSecureRequiredProcessingError": "4000008400001280",
    "pm_card_threeDSecureOptional": "4000000000003055",
    "pm_card_threeDSecureOptionalProcessingError": "4000000000003097",
    "pm_card_amex_threeDSecureNotSupported": "378282246310005",
    "pm_card_createDispute": "4000000000000259",
    "pm_card_createDisputeProductNotReceived": "4000000000002685",
    "pm_card_createDisputeInquiry": "4000000000001976",
    "pm_card_createIssuerFraudRecord": "4000000000005423",
    "pm_card_createMultipleDisputes": "4000000404000079",
    "pm_card_pendingRefund": "4000000000007726",
    "pm_card_refundFail": "4000000000005126",
    "pm_card_bypassPending": "4000000000000077",
    "pm_card_bypassPendingInternational": "4000003720000278",
}


@pytest.mark.parametrize(("alias", "number"), SECTION_2_MAGIC_IDS.items())
def test_magic_ids_resolve_to_their_card_as_pm_card_and_tok(
    simulator: Simulator, alias: str, number: str
) -> None:
    for magic_id in (alias, "tok_" + alias.removeprefix("pm_card_")):
        details = simulator.test_payment_method(magic_id)
        assert details is not None, magic_id
        assert details.last4 == number[-4:]
        assert details.fingerprint == simulator.tokenize_card(number, 12, 2030, None).fingerprint


def test_magic_id_cards_expire_next_december_with_a_cvc(simulator: Simulator) -> None:
    details = card(simulator, "pm_card_visa")
    assert (details.exp_month, details.exp_year) == (12, 2026)
    assert details.cvc_provided
    assert (
        approved(simulator.authorize(AuthorizationRequest(details.token, 100, "usd"))).checks.cvc_check
        == "pass"
    )


def test_magic_id_cards_expire_in_the_december_after_the_current_year_at_every_new_year() -> None:
    now = [calendar.timegm((2025, 12, 31, 23, 59, 59, 0, 0, 0))]
    simulator = Simulator(KEY, clock=lambda: now[0])
    assert card(simulator, "pm_card_visa").exp_year == 2026
    now[0] += 1
    assert card(simulator, "pm_card_visa").exp_year == 2027
    assert card(simulator, "tok_visa").exp_year == 2027


def test_an_unknown_magic_id_is_not_a_test_payment_method(simulator: Simulator) -> None:
    assert simulator.test_payment_method("pm_card_nonsense") is None
    assert simulator.test_payment_method("pm_1234") is None


# -- §2.1 successful cards ----------------------------------------------------------------

SUCCESS_CARDS = [
    # number, brand, funding, country, networks
    ("4242424242424242", "visa", "credit", "US", ("visa",)),
    ("4000056655665556", "visa", "debit", "US", ("visa",)),
    ("5555555555554444", "mastercard", "credit", "US", ("mastercard",)),
    ("2223003122003222", "mastercard", "credit", "US", ("mastercard",)),
    ("5200828282828210", "mastercard", "debit", "US", ("mastercard",)),
    ("5105105105105100", "mastercard", "prepaid", "US", ("mastercard",)),
    ("378282246310005", "amex", "credit", "US", ("amex",)),
    ("371449635398431", "amex", "credit", "US", ("amex",)),
    ("6011111111111117", "discover", "credit", "US", ("discover",)),
    ("6011000990139424", "discover", "credit", "US", ("discover",)),
    ("6011981111111113", "discover", "debit", "US", ("discover",)),
    ("3056930009020004", "diners", "credit", "US", ("diners",)),
    ("36227206271667", "diners", "credit", "US", ("diners",)),
    ("6555900000604105", "discover", "credit", "US", ("discover",)),
    ("3566002020360505", "jcb", "credit", "JP", ("jcb",)),
    ("6200000000000005", "unionpay", "credit", "CN", ("unionpay",)),
    ("6200000000000047", "unionpay", "debit", "CN", ("unionpay",)),
    ("6205500000000000004", "unionpay", "credit", "CN", ("unionpay",)),
    ("4000002500001001", "visa", "credit", "FR", ("cartes_bancaires", "visa")),
    ("5555552500001001", "mastercard", "credit", "FR", ("cartes_bancaires", "mastercard")),
    ("4000050360000001", "visa", "debit", "AU", ("eftpos_au", "visa")),
    ("5555050360000080", "mastercard", "debit", "AU", ("eftpos_au", "mastercard")),
]


@pytest.mark.parametrize(("number", "brand", "funding", "country", "networks"), SUCCESS_CARDS)
def test_success_cards_approve_with_their_brand_funding_and_country(
    simulator: Simulator, number: str, brand: str, funding: str, country: str, networks: tuple[str, ...]
) -> None:
    details = card(simulator, number)
    assert (details.brand, details.funding, details.country, details.networks) == (
        brand,
        funding,
        country,
        networks,
    )
    assert details.last4 == number[-4:]
    result = approved(authorize(simulator, number))
    assert result.outcome.network_status == "approved_by_network"
    assert result.outcome.type == "authorized"
    assert result.outcome.seller_message == "Payment complete."
    assert result.outcome.risk_level == "normal"
    assert result.three_d_secure is None


@pytest.mark.parametrize(
    ("alias", "country"),
    [
        ("pm_card_us", "US"),
        ("pm_card_gb", "GB"),
        ("pm_card_de", "DE"),
        ("pm_card_fr", "FR"),
        ("pm_card_jp", "JP"),
        ("pm_card_ca", "CA"),
        ("pm_card_au", "AU"),
        ("pm_card_br", "BR"),
        ("pm_card_ie", "IE"),
        ("pm_card_gb_mastercard", "GB"),
    ],
)
def test_country_cards_set_the_card_country_and_succeed_without_authentication(
    simulator: Simulator, alias: str, country: str
) -> None:
    assert card(simulator, alias).country == country
    assert approved(authorize(simulator, alias)).three_d_secure is None


def has_no_special_behaviour(row: SimulatedCard) -> bool:
    return row == SimulatedCard(
        row.key, row.number, row.brand, row.funding, row.country, row.aliases, row.co_brands
    )


@pytest.mark.parametrize(
    "row", [row for row in TEST_CARDS if has_no_special_behaviour(row)], ids=lambda row: row.key
)
def test_every_card_without_special_behaviour_approves_on_and_off_session(
    simulator: Simulator, row: SimulatedCard
) -> None:
    details = card(simulator, row.number)
    assert (details.brand, details.funding, details.country) == (row.brand, row.funding, row.country)
    approved(authorize(simulator, row.number))
    approved(authorize(simulator, row.number, off_session=True))


@pytest.mark.parametrize(
    ("alias", "supported"),
    [
        ("pm_card_visa", True),
        ("pm_card_mastercard", True),
        ("pm_card_discover", True),
        ("pm_card_amex", False),
    ],
)
def test_incremental_authorization_is_supported_for_visa_mastercard_and_discover(
    simulator: Simulator, alias: str, supported: bool
) -> None:
    assert approved(authorize(simulator, alias)).incremental_authorization_supported is supported


def test_approvals_carry_a_six_digit_authorization_code(simulator: Simulator) -> None:
    code = approved(authorize(simulator, "pm_card_visa")).authorization_code
    assert code is not None and len(code) == 6 and code.isdigit()


# -- §2.2 issuer declines -----------------------------------------------------------------

ISSUER_DECLINES = [
    # alias, code, decline_code, message
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
    ("pm_card_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
    (
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card", "Your card was declined."),
    ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card", "Your card was declined."),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", None, "Your card has expired."),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", None, "Your card's security code is incorrect."),
    (
        "pm_card_chargeDeclinedProcessingError",
        "processing_error",
        None,
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    (
        "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
        "card_declined",
        "card_velocity_exceeded",
        "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
    ),
    ("pm_card_chargeCustomerFail", "card_declined", "generic_decline", "Your card was declined."),
]


@pytest.mark.parametrize(("alias", "code", "decline_code", "message"), ISSUER_DECLINES)
def test_decline_cards_decline_with_their_code_decline_code_and_message(
    simulator: Simulator, alias: str, code: str, decline_code: str | None, message: str
) -> None:
    result = declined(authorize(simulator, alias))
    assert (result.code, result.decline_code, result.message) == (code, decline_code, message)
    assert result.outcome.network_status == "declined_by_network"
    assert result.outcome.type == "issuer_declined"
    assert result.outcome.reason == (decline_code or code)


def test_insufficient_funds_card_declines_with_its_decline_code(simulator: Simulator) -> None:
    result = declined(authorize(simulator, "4000000000009995"))
    assert result.decline_code == "insufficient_funds"
    assert result.outcome.seller_message == "The bank returned the decline code `insufficient_funds`."


def test_a_generic_decline_tells_the_seller_the_bank_gave_no_details(simulator: Simulator) -> None:
    result = declined(authorize(simulator, "4000000000000002"))
    assert result.outcome.seller_message == "The bank did not return any further details with this decline."


def test_a_processing_error_reports_processing_error_as_the_outcome_reason(simulator: Simulator) -> None:
    result = declined(authorize(simulator, "4000000000000119"))
    assert result.outcome.reason == "processing_error"
    assert result.outcome.seller_message == "The bank returned the decline code `processing_error`."


@pytest.mark.parametrize(
    "number",
    [
        "4000000000000002",
        "4000000000009995",
        "4000000000009987",
        "4000000000009979",
        "4000000000000069",
        "4000000000000127",
        "4000000000000119",
        "4000000000006975",
    ],
)
def test_issuer_decline_cards_cannot_be_attached(simulator: Simulator, number: str) -> None:
    token = card(simulator, number).token
    error = simulator.check_attachable(token)
    assert isinstance(error, CardError)
    result = declined(simulator.authorize(AuthorizationRequest(token, 100, "usd")))
    assert (error.code, error.decline_code, error.message) == (
        result.code,
        result.decline_code,
        result.message,
    )


def test_charge_customer_fail_card_attaches_but_every_charge_fails(simulator: Simulator) -> None:
    token = card(simulator, "pm_card_chargeCustomerFail").token
    assert simulator.check_attachable(token) is None
    for _ in range(2):
        assert declined(simulator.authorize(AuthorizationRequest(token, 100, "usd"))).code == "card_declined"


@pytest.mark.parametrize("alias", ["pm_card_visa", "pm_card_radarBlock", "pm_card_authenticationRequired"])
def test_cards_that_are_not_issuer_declines_attach(simulator: Simulator, alias: str) -> None:
    assert simulator.check_attachable(card(simulator, alias).token) is None


# -- §2.3 Radar, CVC and address checks ----------------------------------------------------


@pytest.mark.parametrize("alias", ["pm_card_radarBlock", "pm_card_riskLevelHighest"])
def test_highest_risk_cards_are_blocked_by_radar_before_the_network(simulator: Simulator, alias: str) -> None:
    result = declined(authorize(simulator, alias))
    assert (result.code, result.decline_code, result.message) == (
        "card_declined",
        "fraudulent",
        "Your card was declined.",
    )
    assert result.outcome.network_status == "not_sent_to_network"
    assert result.outcome.type == "blocked"
    assert result.outcome.reason == "highest_risk_level"
    assert result.outcome.risk_level == "highest"
    assert result.outcome.risk_score >= 90
    assert result.outcome.seller_message == "Stripe blocked this payment as too risky."


def test_elevated_risk_card_approves_with_an_elevated_risk_level(simulator: Simulator) -> None:
    outcome = approved(authorize(simulator, "pm_card_riskLevelElevated")).outcome
    assert outcome.risk_level == "elevated"
    assert 60 <= outcome.risk_score < 90
    assert outcome.type == "authorized"


def test_cvc_check_fail_card_declines_incorrect_cvc_when_a_cvc_is_given(simulator: Simulator) -> None:
    result = declined(authorize(simulator, "4000000000000101", cvc="123"))
    assert result.checks.cvc_check == "fail"
    assert (result.code, result.decline_code, result.message) == (
        "incorrect_cvc",
        None,
        "Your card's security code is incorrect.",
    )


def test_cvc_check_fail_card_approves_when_no_cvc_is_given(simulator: Simulator) -> None:
    assert approved(authorize(simulator, "4000000000000101", cvc=None)).checks.cvc_check is None


def test_the_cvc_check_passes_when_a_cvc_is_given_and_is_null_without_one(simulator: Simulator) -> None:
    assert approved(authorize(simulator, "4242424242424242", cvc="123")).checks.cvc_check == "pass"
    assert approved(authorize(simulator, "4242424242424242", cvc=None)).checks.cvc_check is None


ADDRESS_CHECKS = [
    # alias, line1 check, postal code check (when both fields are given)
    ("pm_card_visa", "pass", "pass"),
    ("pm_card_avsZipFail", "pass", "fail"),
    ("pm_card_avsLine1Fail", "fail", "pass"),
    ("pm_card_avsFail", "fail", "fail"),
    ("pm_card_avsUnchecked", "unavailable", "unavailable"),
]


@pytest.mark.parametrize(("alias", "line1", "postal_code"), ADDRESS_CHECKS)
def test_address_checks_report_the_card_result_and_the_payment_succeeds(
    simulator: Simulator, alias: str, line1: str, postal_code: str
) -> None:
    result = approved(authorize(simulator, alias, address_line1="1 Main St", address_postal_code="94107"))
    assert (result.checks.address_line1_check, result.checks.address_postal_code_check) == (
        line1,
        postal_code,
    )


@pytest.mark.parametrize(("alias", "line1", "postal_code"), ADDRESS_CHECKS)
def test_address_checks_are_null_when_the_payment_carries_no_address(
    simulator: Simulator, alias: str, line1: str, postal_code: str
) -> None:
    checks = approved(authorize(simulator, alias)).checks
    assert (checks.address_line1_check, checks.address_postal_code_check) == (None, None)


def test_only_the_address_field_given_is_checked(simulator: Simulator) -> None:
    checks = approved(authorize(simulator, "pm_card_avsFail", address_postal_code="94107")).checks
    assert (checks.address_line1_check, checks.address_postal_code_check) == (None, "fail")


@pytest.mark.parametrize("alias", ["pm_card_highFraudDisputeScore", "pm_card_highEfwScore"])
def test_high_dispute_and_fraud_warning_score_cards_approve_by_default(
    simulator: Simulator, alias: str
) -> None:
    approved(authorize(simulator, alias))


# -- §2.4 3D Secure ----------------------------------------------------------------------

CHALLENGE_CARDS = [
    "pm_card_authenticationRequiredOnSetup",
    "pm_card_authenticationRequired",
    "pm_card_authenticationRequiredSetupForOffSession",
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
    "pm_card_threeDSecure2Required",
    "4000008400000027",
    "pm_card_threeDSecureRequiredChargeDeclined",
    "4000000000003063",
    "4000582600000094",
    "4000582600000045",
    "4000582600000102",
    "4000582600000110",
]


@pytest.mark.parametrize("alias", CHALLENGE_CARDS)
def test_cards_requiring_authentication_ask_for_a_challenge_on_session(
    simulator: Simulator, alias: str
) -> None:
    assert isinstance(authorize(simulator, alias), AuthenticationRequired)
    assert isinstance(authorize(simulator, alias, set_up_for_off_session=True), AuthenticationRequired)


@pytest.mark.parametrize(
    "alias",
    [
        "pm_card_authenticationRequiredOnSetup",
        "pm_card_authenticationRequired",
        "pm_card_authenticationRequiredSetupForOffSession",
        "pm_card_threeDSecure2Required",
        "4000008400000027",
    ],
)
def test_cards_requiring_authentication_approve_after_the_challenge(simulator: Simulator, alias: str) -> None:
    result = approved(authorize(simulator, alias, authenticated=True))
    assert result.three_d_secure == ThreeDSecure(result="authenticated", authentication_flow="challenge")


@pytest.mark.parametrize(
    ("alias", "code", "decline_code"),
    [
        (
            "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
            "card_declined",
            "insufficient_funds",
        ),
        ("pm_card_threeDSecureRequiredChargeDeclined", "card_declined", "generic_decline"),
    ],
)
def test_some_cards_decline_after_a_successful_challenge(
    simulator: Simulator, alias: str, code: str, decline_code: str
) -> None:
    result = declined(authorize(simulator, alias, authenticated=True))
    assert (result.code, result.decline_code) == (code, decline_code)
    assert result.three_d_secure is not None and result.three_d_secure.result == "authenticated"


OFF_SESSION = [
    # alias, set up for off-session?, expected: "approved" or the decline_code
    ("pm_card_authenticationRequiredOnSetup", False, "authentication_required"),
    ("pm_card_authenticationRequiredOnSetup", True, "approved"),
    ("pm_card_authenticationRequired", False, "authentication_required"),
    ("pm_card_authenticationRequired", True, "authentication_required"),
    ("pm_card_authenticationRequiredSetupForOffSession", False, "approved"),
    ("pm_card_authenticationRequiredSetupForOffSession", True, "approved"),
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", False, "insufficient_funds"),
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", True, "insufficient_funds"),
    ("pm_card_threeDSecure2Required", False, "authentication_required"),
    ("pm_card_visa", False, "approved"),
]


@pytest.mark.parametrize(("alias", "set_up", "expected"), OFF_SESSION)
def test_off_session_payments_on_authentication_cards(
    simulator: Simulator, alias: str, set_up: bool, expected: str
) -> None:
    result = authorize(simulator, alias, off_session=True, set_up_for_off_session=set_up)
    if expected == "approved":
        assert approved(result).three_d_secure is None
    else:
        assert declined(result).decline_code == expected


def test_off_session_authentication_required_is_a_decline_with_stripes_message(simulator: Simulator) -> None:
    result = declined(authorize(simulator, "pm_card_authenticationRequired", off_session=True))
    assert (result.code, result.decline_code, result.message) == (
        "authentication_required",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    )
    assert result.outcome.reason == "authentication_required"


@pytest.mark.parametrize("off_session", [False, True])
def test_3ds_lookup_error_card_is_declined_card_declined(simulator: Simulator, off_session: bool) -> None:
    result = declined(
        authorize(simulator, "pm_card_threeDSecureRequiredProcessingError", off_session=off_session)
    )
    assert result.code == "card_declined"


def test_optional_3ds_card_succeeds_without_action_unless_3ds_is_requested(simulator: Simulator) -> None:
    assert approved(authorize(simulator, "pm_card_threeDSecureOptional")).three_d_secure is None
    for requested in ("any", "challenge"):
        result = authorize(simulator, "pm_card_threeDSecureOptional", request_three_d_secure=requested)
        assert isinstance(result, AuthenticationRequired)
    after = approved(
        authorize(simulator, "pm_card_threeDSecureOptional", request_three_d_secure="any", authenticated=True)
    )
    assert after.three_d_secure == ThreeDSecure(result="authenticated", authentication_flow="challenge")


def test_optional_3ds_processing_error_card_proceeds_when_the_attempt_errors(simulator: Simulator) -> None:
    assert (
        approved(authorize(simulator, "pm_card_threeDSecureOptionalProcessingError")).three_d_secure is None
    )
    result = approved(
        authorize(simulator, "pm_card_threeDSecureOptionalProcessingError", request_three_d_secure="any")
    )
    assert result.three_d_secure is not None and result.three_d_secure.result == "processing_error"


@pytest.mark.parametrize("requested", ["any", "challenge"])
def test_unenrolled_visa_is_never_challenged_even_when_3ds_is_requested(
    simulator: Simulator, requested: str
) -> None:
    result = approved(authorize(simulator, "pm_card_visa", request_three_d_secure=requested))
    assert result.three_d_secure is not None
    assert (result.three_d_secure.result, result.three_d_secure.authentication_flow) == (
        "attempt_acknowledged",
        None,
    )


def test_amex_without_3ds_support_proceeds_unauthenticated(simulator: Simulator) -> None:
    assert not card(simulator, "pm_card_amex_threeDSecureNotSupported").three_d_secure_supported
    result = approved(
        authorize(simulator, "pm_card_amex_threeDSecureNotSupported", request_three_d_secure="any")
    )
    assert result.three_d_secure is not None and result.three_d_secure.result == "not_supported"
    assert approved(authorize(simulator, "pm_card_amex")).three_d_secure is None


@pytest.mark.parametrize("off_session", [False, True])
def test_frictionless_card_is_authenticated_without_a_challenge(
    simulator: Simulator, off_session: bool
) -> None:
    result = approved(authorize(simulator, "4000000032200000", off_session=off_session))
    assert result.three_d_secure == ThreeDSecure(result="authenticated", authentication_flow="frictionless")


def test_adaptive_3ds_card_challenges_only_when_3ds_is_requested(simulator: Simulator) -> None:
    approved(authorize(simulator, "pm_card_adaptive3dsChallenge"))
    result = authorize(simulator, "pm_card_adaptive3dsChallenge", request_three_d_secure="any")
    assert isinstance(result, AuthenticationRequired)


# -- §2.5 invalid data and live cards ------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["4242424242424241", "4242 4242 4242 424x", "", "424242424242424", "42424242424242424242", "٤٢٤٢"],
)
def test_malformed_numbers_are_incorrect_number_on_param_number(simulator: Simulator, number: str) -> None:
    with pytest.raises(CardError) as raised:
        simulator.tokenize_card(number, 12, 2030, "123")
    assert (raised.value.code, raised.value.param, raised.value.message) == (
        "incorrect_number",
        "number",
        "Your card number is incorrect.",
    )
    assert raised.value.status == 402


def test_spaces_and_dashes_in_the_number_are_ignored(simulator: Simulator) -> None:
    spaced = simulator.tokenize_card("4242 4242-4242 4242", 12, 2030, None)
    assert spaced.fingerprint == simulator.tokenize_card("4242424242424242", 12, 2030, None).fingerprint


@pytest.mark.parametrize("exp_month", [0, 13, -1])
def test_an_expiry_month_outside_1_to_12_is_invalid(simulator: Simulator, exp_month: int) -> None:
    with pytest.raises(CardError) as raised:
        simulator.tokenize_card("4242424242424242", exp_month, 2030, "123")
    assert (raised.value.code, raised.value.param, raised.value.message) == (
        "invalid_expiry_month",
        "exp_month",
        "Your card's expiration month is invalid.",
    )


@pytest.mark.parametrize(
    ("exp_month", "exp_year"), [(12, 2024), (5, 2025), (5, 25), (1, 95), (1, 1995), (1, 2100)]
)
def test_an_expiry_before_this_month_or_implausibly_far_ahead_is_an_invalid_year(
    simulator: Simulator, exp_month: int, exp_year: int
) -> None:
    with pytest.raises(CardError) as raised:
        simulator.tokenize_card("4242424242424242", exp_month, exp_year, "123")
    assert (raised.value.code, raised.value.param, raised.value.message) == (
        "invalid_expiry_year",
        "exp_year",
        "Your card's expiration year is invalid.",
    )


@pytest.mark.parametrize(
    ("exp_month", "exp_year", "full_year"), [(6, 2025, 2025), (6, 25, 2025), (1, 34, 2034)]
)
def test_this_month_and_two_digit_years_are_accepted(
    simulator: Simulator, exp_month: int, exp_year: int, full_year: int
) -> None:
    details = simulator.tokenize_card("4242424242424242", exp_month, exp_year, "123")
    assert (details.exp_month, details.exp_year) == (exp_month, full_year)


@pytest.mark.parametrize(
    ("number", "cvc"),
    [
        ("4242424242424242", "99"),
        ("4242424242424242", "1234"),
        ("4242424242424242", "12a"),
        ("378282246310005", "123"),
        ("378282246310005", "12345"),
    ],
)
def test_a_cvc_of_the_wrong_length_is_invalid(simulator: Simulator, number: str, cvc: str) -> None:
    with pytest.raises(CardError) as raised:
        simulator.tokenize_card(number, 12, 2030, cvc)
    assert (raised.value.code, raised.value.param, raised.value.message) == (
        "invalid_cvc",
        "cvc",
        "Your card's security code is invalid.",
    )


@pytest.mark.parametrize(("number", "cvc"), [("4242424242424242", "123"), ("378282246310005", "1234")])
def test_a_cvc_of_three_digits_or_four_for_amex_is_accepted(
    simulator: Simulator, number: str, cvc: str
) -> None:
    assert simulator.tokenize_card(number, 12, 2030, cvc).cvc_provided


@pytest.mark.parametrize("cvc", [None, ""])
def test_a_card_without_a_cvc_is_accepted_and_marked_as_such(simulator: Simulator, cvc: str | None) -> None:
    assert not simulator.tokenize_card("4242424242424242", 12, 2030, cvc).cvc_provided


def test_the_number_is_checked_before_the_expiry_and_the_expiry_before_the_cvc(simulator: Simulator) -> None:
    with pytest.raises(CardError) as raised:
        simulator.tokenize_card("4242424242424241", 13, 1990, "1")
    assert raised.value.param == "number"
    with pytest.raises(CardError) as raised:
        simulator.tokenize_card("4242424242424242", 13, 1990, "1")
    assert raised.value.param == "exp_month"
    with pytest.raises(CardError) as raised:
        simulator.tokenize_card("4242424242424242", 12, 1990, "1")
    assert raised.value.param == "exp_year"


@pytest.mark.parametrize(
    ("prefix", "brand"),
    [
        ("411111111111111", "visa"),
        ("550000000000000", "mastercard"),
        ("272000000000000", "mastercard"),
        ("222100000000000", "mastercard"),
        ("34000000000000", "amex"),
        ("37000000000000", "amex"),
        ("601100000000000", "discover"),
        ("644000000000000", "discover"),
        ("650000000000000", "discover"),
        ("3000000000000", "diners"),
        ("3800000000000", "diners"),
        ("353000000000000", "jcb"),
        ("358900000000000", "jcb"),
        ("621234567890123", "unionpay"),
        ("999999999999999", "unknown"),
    ],
)
def test_brand_comes_from_the_issuer_range_for_any_number(
    simulator: Simulator, prefix: str, brand: str
) -> None:
    details = simulator.tokenize_card(with_check_digit(prefix), 12, 2030, None)
    assert details.brand == brand


def test_a_real_card_number_is_declined_as_a_live_card_in_test_mode(simulator: Simulator) -> None:
    details = simulator.tokenize_card("4111111111111111", 12, 2030, "123")
    assert details.token.startswith("sim_live_visa")
    result = declined(simulator.authorize(AuthorizationRequest(details.token, 100, "usd")))
    assert (result.code, result.decline_code, result.message) == (
        "card_declined",
        "test_mode_live_card",
        "Your card was declined. Your request was in test mode, but used a non test (live) card. "
        "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
    )
    error = simulator.check_attachable(details.token)
    assert error is not None and error.decline_code == "test_mode_live_card"


# -- fingerprints and tokens ---------------------------------------------------------------


def test_the_fingerprint_is_stable_per_number_and_differs_between_numbers(simulator: Simulator) -> None:
    visa = simulator.tokenize_card("4242424242424242", 12, 2030, "123").fingerprint
    assert visa == simulator.tokenize_card("4242 4242 4242 4242", 1, 2031, None).fingerprint
    assert visa == card(simulator, "pm_card_visa").fingerprint
    assert visa != simulator.tokenize_card("4000056655665556", 12, 2030, "123").fingerprint
    assert len(visa) == 16 and visa.isalnum()


def test_the_fingerprint_depends_on_the_processor_key() -> None:
    one = Simulator(b"one", clock=lambda: NOW).tokenize_card("4242424242424242", 12, 2030, None)
    two = Simulator(b"two", clock=lambda: NOW).tokenize_card("4242424242424242", 12, 2030, None)
    assert one.fingerprint != two.fingerprint


@pytest.mark.parametrize("row", TEST_CARDS, ids=lambda row: row.key)
def test_the_token_never_contains_the_card_number(simulator: Simulator, row: SimulatedCard) -> None:
    token = card(simulator, row.number).token
    assert row.number not in token
    assert token.startswith("sim_")


def test_the_token_for_a_live_card_never_contains_the_number(simulator: Simulator) -> None:
    assert "4111111111111111" not in simulator.tokenize_card("4111111111111111", 12, 2030, "123").token


def test_a_token_not_made_by_the_simulator_is_rejected(simulator: Simulator) -> None:
    for token in ("tok_visa", "sim_nonsense", "sim_live_nonsense"):
        with pytest.raises(ValueError):
            simulator.authorize(AuthorizationRequest(token, 100, "usd"))


# -- increments, refunds, balance -----------------------------------------------------------


def test_increments_are_approved_on_brands_that_support_them(simulator: Simulator) -> None:
    assert simulator.increment_authorization(card(simulator, "pm_card_visa").token, 5000).approved
    assert simulator.increment_authorization(card(simulator, "pm_card_mastercard").token, 5000).approved


@pytest.mark.parametrize("alias", ["pm_card_amex", "pm_card_chargeCustomerFail"])
def test_increments_are_declined_card_declined_otherwise(simulator: Simulator, alias: str) -> None:
    result = simulator.increment_authorization(card(simulator, alias).token, 5000)
    assert not result.approved
    assert result.decline is not None
    assert (result.decline.code, result.decline.decline_code) == ("card_declined", "generic_decline")


def test_refunds_on_the_pending_refund_card_start_pending(simulator: Simulator) -> None:
    assert simulator.refund(card(simulator, "pm_card_pendingRefund").token, 100).status == "pending"


@pytest.mark.parametrize("alias", ["pm_card_visa", "pm_card_refundFail", "pm_card_createDispute"])
def test_refunds_on_other_cards_succeed_at_once(simulator: Simulator, alias: str) -> None:
    assert simulator.refund(card(simulator, alias).token, 100).status == "succeeded"


@pytest.mark.parametrize(
    ("alias", "bypass"),
    [("pm_card_bypassPending", True), ("pm_card_bypassPendingInternational", True), ("pm_card_visa", False)],
)
def test_bypass_pending_cards_send_funds_straight_to_available(
    simulator: Simulator, alias: str, bypass: bool
) -> None:
    assert approved(authorize(simulator, alias)).bypass_pending is bypass


@pytest.mark.parametrize(
    ("alias", "follow_up"),
    [
        ("pm_card_createDispute", "dispute_fraudulent"),
        ("pm_card_createDisputeProductNotReceived", "dispute_product_not_received"),
        ("pm_card_createDisputeInquiry", "dispute_inquiry"),
        ("pm_card_createIssuerFraudRecord", "early_fraud_warning"),
        ("pm_card_createMultipleDisputes", "multiple_disputes"),
    ],
)
def test_dispute_cards_approve_and_name_what_follows(
    simulator: Simulator, alias: str, follow_up: str
) -> None:
    token = card(simulator, alias).token
    approved(simulator.authorize(AuthorizationRequest(token, 100, "usd")))
    assert simulator.simulated_card(token).follow_up == follow_up
