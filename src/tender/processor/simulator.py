"""The simulated card network: tender's built-in `Processor`.

It validates raw card data the way Stripe does (stripe-behaviour §2.5), then answers
every later question from the card's row in `cards.TEST_CARDS`: Radar first, then
3-D Secure, then the issuer (§2.2–§2.4, outcomes per §2.7).  A Luhn-valid number that
is not a test card is a "live" card and is declined, as in Stripe's test mode.

Tokens name the card's row (`sim_visa`, `sim_live_mastercard`), never its number, and
end in `:cvc` when a CVC came with the card, since the CVC check depends on it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from tender.core import clock as _clock
from tender.core.errors import CardError
from tender.core.ids import ALPHABET
from tender.processor.base import (
    Approved,
    AuthenticationRequired,
    AuthorizationRequest,
    AuthorizationResult,
    CardDetails,
    Checks,
    Declined,
    IncrementResult,
    Outcome,
    RefundResult,
    ThreeDSecure,
)
from tender.processor.cards import (
    AUTHENTICATION_REQUIRED,
    CARDS_BY_KEY,
    CARDS_BY_NUMBER,
    CVC_LENGTHS,
    DEFAULT_CVC_LENGTH,
    FRAUDULENT,
    GENERIC_DECLINE,
    INCORRECT_CVC,
    INCREMENTAL_AUTHORIZATION_BRANDS,
    LIVE_CARD_KEY_PREFIX,
    MAGIC_IDS,
    NUMBER_LENGTHS,
    IssuerDecline,
    SimulatedCard,
    brand_for_number,
    live_card,
)

TOKEN_PREFIX = "sim_"
CVC_PROVIDED_SUFFIX = ":cvc"
FINGERPRINT_LENGTH = 16

INCORRECT_NUMBER_MESSAGE = "Your card number is incorrect."
INVALID_EXPIRY_MONTH_MESSAGE = "Your card's expiration month is invalid."
INVALID_EXPIRY_YEAR_MESSAGE = "Your card's expiration year is invalid."
INVALID_CVC_MESSAGE = "Your card's security code is invalid."

# Charge.outcome.seller_message (§2.7).
PAYMENT_COMPLETE = "Payment complete."
GENERIC_DECLINE_SELLER_MESSAGE = "The bank did not return any further details with this decline."
SPECIFIC_DECLINE_SELLER_MESSAGE = "The bank returned the decline code `{reason}`."
BLOCKED_SELLER_MESSAGE = "Stripe blocked this payment as too risky."

# Radar's default rule blocks this risk level before the card network sees the payment.
BLOCKED_RISK_LEVEL = "highest"

# request_three_d_secure values that ask for authentication even when not required.
THREE_D_SECURE_REQUESTED = frozenset({"any", "challenge"})

# 3DS support levels that never challenge: (result, result_reason) when 3DS is asked for.
UNCHALLENGED_ATTEMPTS: dict[str, tuple[str, str]] = {
    "not_enrolled": ("attempt_acknowledged", "card_not_enrolled"),
    "not_supported": ("not_supported", "network_not_supported"),
    "optional_processing_error": ("processing_error", "protocol_error"),
}

# Expiry years further ahead than this are not real cards (so "95" is 2095 and invalid).
MAX_EXPIRY_YEARS_AHEAD = 50

# Test-card PaymentMethods carry an expiry this many years ahead (December).
MAGIC_ID_EXPIRY_MONTH = 12
MAGIC_ID_YEARS_AHEAD = 1


class Simulator:
    """Stripe's test-mode card network, answering from the test-card table."""

    # In-process and stateless: an answer commits with the unit of work that asked.
    remote = False

    def __init__(self, fingerprint_key: bytes, *, clock: Callable[[], int] | None = None) -> None:
        self._fingerprint_key = fingerprint_key
        self._clock = clock
        # A test card's details depend only on its alias and this year, and are
        # immutable: each is built (an HMAC) once per year rather than per request.
        self._test_cards: dict[tuple[str, int], CardDetails] = {}

    # -- cards ---------------------------------------------------------------------

    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str | None) -> CardDetails:
        """Check number (Luhn, length), expiry and CVC in that order, raising the
        CardError Stripe gives with the offending `param`; otherwise the card's details."""
        digits = number.replace(" ", "").replace("-", "")
        brand = _brand_of_valid_number(digits)
        full_year = self._valid_expiry_year(exp_month, exp_year)
        cvc_provided = _cvc_provided(cvc, brand)
        card = CARDS_BY_NUMBER.get(digits) or live_card(brand)
        return self._details(card, digits, exp_month, full_year, cvc_provided)

    def test_payment_method(self, alias: str) -> CardDetails | None:
        """`pm_card_*` / `tok_*` magic ids: the listed card, expiring next December,
        with a CVC taken as given.  None for anything else."""
        number = MAGIC_IDS.get(alias)
        if number is None:
            return None
        year = time.gmtime(self._now()).tm_year + MAGIC_ID_YEARS_AHEAD
        details = self._test_cards.get((alias, year))
        if details is None:
            card = CARDS_BY_NUMBER[number]
            details = self._details(card, number, MAGIC_ID_EXPIRY_MONTH, year, cvc_provided=True)
            self._test_cards[alias, year] = details
        return details

    def simulated_card(self, token: str) -> SimulatedCard:
        """The table row a token stands for (for features such as disputes that act on
        what happens after a payment).  Raises ValueError for a token not made here."""
        return _resolve(token)[0]

    def check_attachable(self, token: str) -> CardError | None:
        """Issuer-decline cards and live cards refuse the verification done on attach;
        every other card (…0341 chargeCustomerFail included) attaches."""
        card = self.simulated_card(token)
        if card.attachable:
            return None
        decline = card.decline or GENERIC_DECLINE
        return CardError(decline.message, code=decline.code, decline_code=decline.decline_code)

    # -- money movement ------------------------------------------------------------

    def authorize(self, request: AuthorizationRequest, attempt_id: str | None = None) -> AuthorizationResult:
        """Radar may block; 3-D Secure may ask for a challenge or decline off-session;
        then the issuer declines (failing CVC check, or the card's decline) or approves.
        `attempt_id` is not needed: nothing here outlives the unit of work that asked."""
        card, cvc_provided = _resolve(request.token)
        checks = _checks(card, cvc_provided, request)
        if card.risk_level == BLOCKED_RISK_LEVEL:
            return _blocked(card, checks)
        authentication = _authenticate(card, request)
        if isinstance(authentication, AuthenticationRequired):
            return authentication
        if isinstance(authentication, IssuerDecline):
            return _declined(authentication, card, checks)
        if checks.cvc_check == "fail":
            return _declined(INCORRECT_CVC, card, checks, authentication)
        if card.decline is not None:
            return _declined(card.decline, card, checks, authentication)
        return Approved(
            outcome=Outcome(
                network_status="approved_by_network",
                type="authorized",
                seller_message=PAYMENT_COMPLETE,
                risk_level=card.risk_level,
                risk_score=card.risk_score,
            ),
            checks=checks,
            three_d_secure=authentication,
            authorization_code=f"{secrets.randbelow(1_000_000):06d}",
            bypass_pending=card.bypass_pending,
            incremental_authorization_supported=_supports_increments(card),
        )

    def lookup(self, attempt_id: str) -> AuthorizationResult | None:
        """Keeps no record of attempts (it is not remote): never seen."""
        return None

    def increment_authorization(self, token: str, new_amount: int) -> IncrementResult:
        """Visa, Mastercard and Discover issuers approve increments; any card that
        declines charges, or another brand, declines card_declined/generic_decline."""
        card = self.simulated_card(token)
        if card.decline is None and _supports_increments(card):
            return IncrementResult(approved=True)
        return IncrementResult(approved=False, decline=_declined(GENERIC_DECLINE, card, Checks()))

    def refund(self, token: str, amount: int) -> RefundResult:
        """Refunds settle at once, except on …7726 (pendingRefund) where they start pending."""
        card = self.simulated_card(token)
        return RefundResult(status="pending" if card.refund == "pending" else "succeeded")

    # -- helpers -------------------------------------------------------------------

    def _now(self) -> int:
        return self._clock() if self._clock is not None else _clock.now()

    def _valid_expiry_year(self, exp_month: int, exp_year: int) -> int:
        """The four-digit expiry year (two-digit years are 20YY); raises when the month
        is not 1–12, or the card expired before the current month or expires more than
        50 years ahead."""
        if not 1 <= exp_month <= 12:
            raise CardError(INVALID_EXPIRY_MONTH_MESSAGE, code="invalid_expiry_month", param="exp_month")
        full_year = 2000 + exp_year if 0 <= exp_year < 100 else exp_year
        today = time.gmtime(self._now())
        expired = (full_year, exp_month) < (today.tm_year, today.tm_mon)
        if expired or full_year > today.tm_year + MAX_EXPIRY_YEARS_AHEAD:
            raise CardError(INVALID_EXPIRY_YEAR_MESSAGE, code="invalid_expiry_year", param="exp_year")
        return full_year

    def _details(
        self,
        card: SimulatedCard,
        number: str,
        exp_month: int,
        exp_year: int,
        cvc_provided: bool,
    ) -> CardDetails:
        return CardDetails(
            token=TOKEN_PREFIX + card.key + (CVC_PROVIDED_SUFFIX if cvc_provided else ""),
            brand=card.brand,
            funding=card.funding,
            country=card.country,
            last4=number[-4:],
            exp_month=exp_month,
            exp_year=exp_year,
            fingerprint=card_fingerprint(self._fingerprint_key, number),
            networks=card.networks,
            three_d_secure_supported=card.three_d_secure != "not_supported",
            cvc_provided=cvc_provided,
        )


# -- validation ----------------------------------------------------------------------


def passes_luhn(digits: str) -> bool:
    """The mod-10 check every card number carries in its last digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _brand_of_valid_number(digits: str) -> str:
    """The brand of a well-formed number: digits only, a length the brand issues, and a
    valid Luhn check digit; otherwise CardError incorrect_number."""
    brand = brand_for_number(digits)
    if not (
        digits.isascii() and digits.isdigit() and len(digits) in NUMBER_LENGTHS[brand] and passes_luhn(digits)
    ):
        raise CardError(INCORRECT_NUMBER_MESSAGE, code="incorrect_number", param="number")
    return brand


def _cvc_provided(cvc: str | None, brand: str) -> bool:
    """Whether a CVC came with the card; one that is not 3 digits (4 for amex) raises
    CardError invalid_cvc.  An empty CVC counts as none."""
    if not cvc:
        return False
    expected_length = CVC_LENGTHS.get(brand, DEFAULT_CVC_LENGTH)
    if not (cvc.isascii() and cvc.isdigit() and len(cvc) == expected_length):
        raise CardError(INVALID_CVC_MESSAGE, code="invalid_cvc", param="cvc")
    return True


def card_fingerprint(key: bytes, number: str) -> str:
    """16 base62 characters of HMAC-SHA256(key, number): stable per number and key,
    and no way back to the number."""
    value = int.from_bytes(hmac.new(key, number.encode(), hashlib.sha256).digest(), "big")
    chars = []
    for _ in range(FINGERPRINT_LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


# -- tokens --------------------------------------------------------------------------


def _resolve(token: str) -> tuple[SimulatedCard, bool]:
    """The card row a token names and whether a CVC was provided with it."""
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError(f"not a simulator card token: {token!r}")
    key = token.removeprefix(TOKEN_PREFIX)
    cvc_provided = key.endswith(CVC_PROVIDED_SUFFIX)
    key = key.removesuffix(CVC_PROVIDED_SUFFIX)
    if key in CARDS_BY_KEY:
        return CARDS_BY_KEY[key], cvc_provided
    brand = key.removeprefix(LIVE_CARD_KEY_PREFIX)
    if key.startswith(LIVE_CARD_KEY_PREFIX) and brand in NUMBER_LENGTHS:
        return live_card(brand), cvc_provided
    raise ValueError(f"not a simulator card token: {token!r}")


# -- authorization ---------------------------------------------------------------------


def _checks(card: SimulatedCard, cvc_provided: bool, request: AuthorizationRequest) -> Checks:
    """A check runs only when the payment carries its field; otherwise it is null."""
    return Checks(
        cvc_check=card.cvc_check if cvc_provided else None,
        address_line1_check=card.address_line1_check if request.address_line1 else None,
        address_postal_code_check=(card.address_postal_code_check if request.address_postal_code else None),
    )


def _authenticate(
    card: SimulatedCard, request: AuthorizationRequest
) -> ThreeDSecure | AuthenticationRequired | IssuerDecline | None:
    """3-D Secure before the issuer (§2.4): the ThreeDSecure result to report (None if
    3DS did not run), a challenge to ask for on-session, or a decline."""
    support = card.three_d_secure
    requested = request.request_three_d_secure in THREE_D_SECURE_REQUESTED
    if support == "frictionless":
        return ThreeDSecure(result="authenticated", authentication_flow="frictionless")
    if support == "required_processing_error":
        return GENERIC_DECLINE
    if support in UNCHALLENGED_ATTEMPTS:
        if not requested:
            return None
        result, reason = UNCHALLENGED_ATTEMPTS[support]
        return ThreeDSecure(result=result, authentication_flow=None, result_reason=reason)
    if support == "optional" and not requested:
        return None
    if request.authenticated:
        return ThreeDSecure(result="authenticated", authentication_flow="challenge")
    if not request.off_session:
        return AuthenticationRequired()
    if _may_skip_authentication_off_session(card, request):
        return None
    return AUTHENTICATION_REQUIRED


def _may_skip_authentication_off_session(card: SimulatedCard, request: AuthorizationRequest) -> bool:
    """…0446 always goes through off-session; …3155 once it was set up for it."""
    return card.off_session == "allowed" or (
        card.off_session == "allowed_once_set_up" and request.set_up_for_off_session
    )


def _supports_increments(card: SimulatedCard) -> bool:
    return card.brand in INCREMENTAL_AUTHORIZATION_BRANDS


def _seller_message(reason: str) -> str:
    if reason == GENERIC_DECLINE.reason:
        return GENERIC_DECLINE_SELLER_MESSAGE
    return SPECIFIC_DECLINE_SELLER_MESSAGE.format(reason=reason)


def _declined(
    decline: IssuerDecline,
    card: SimulatedCard,
    checks: Checks,
    three_d_secure: ThreeDSecure | None = None,
) -> Declined:
    """A refusal by the card network: outcome declined_by_network / issuer_declined,
    reason = the decline code (or the error code when there is none)."""
    return Declined(
        code=decline.code,
        message=decline.message,
        decline_code=decline.decline_code,
        outcome=Outcome(
            network_status="declined_by_network",
            type="issuer_declined",
            seller_message=_seller_message(decline.reason),
            risk_level=card.risk_level,
            risk_score=card.risk_score,
            reason=decline.reason,
        ),
        checks=checks,
        three_d_secure=three_d_secure,
    )


def _blocked(card: SimulatedCard, checks: Checks) -> Declined:
    """Radar's default rule: highest risk never reaches the network; the customer sees
    an ordinary card_declined with decline_code fraudulent."""
    return Declined(
        code=FRAUDULENT.code,
        message=FRAUDULENT.message,
        decline_code=FRAUDULENT.decline_code,
        outcome=Outcome(
            network_status="not_sent_to_network",
            type="blocked",
            seller_message=BLOCKED_SELLER_MESSAGE,
            risk_level=card.risk_level,
            risk_score=card.risk_score,
            reason="highest_risk_level",
        ),
        checks=checks,
    )
