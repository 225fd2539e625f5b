"""The simulated card network's data: every test card Stripe documents (stripe-behaviour
§2) and what each one does, plus the issuer ranges that name a brand for any number.

One `SimulatedCard` row per number.  `simulator.py` reads the rows; it holds no
per-card special cases of its own.  `pm_card_*` and `tok_*` magic ids come from each
row's `aliases` (the part after the prefix, shared by both forms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tender.processor.base import CheckResult

# -- what a card can do --------------------------------------------------------------

ThreeDSecureSupport = Literal[
    # Supported but not enrolled: never challenged; a requested attempt comes back
    # `attempt_acknowledged`.  The default for every card without a 3DS entry in §2.4.
    "not_enrolled",
    # Challenged only when the payment asks (request_three_d_secure any/challenge).
    "optional",
    # Requested attempts fail with a processing error; the payment goes on without it.
    "optional_processing_error",
    # Every payment needs a challenge (see `off_session` for payments without the customer).
    "required",
    # The 3DS lookup always errors and the payment is declined card_declined.
    "required_processing_error",
    # Every payment is authenticated without a challenge.
    "frictionless",
    # 3DS cannot be invoked; payments proceed unauthenticated.
    "not_supported",
]

# What an off-session payment does when the card would need a challenge (§1.10, §2.4).
OffSessionRule = Literal[
    "requires_authentication",  # 402 authentication_required (…3184 and most)
    "allowed_once_set_up",  # succeeds if the card was set up for off-session use (…3155)
    "allowed",  # always succeeds, as if already set up (…0446, …3178)
]

# How a refund on this card settles (§2.6).
RefundBehaviour = Literal["succeeded", "pending", "fails_later"]

# What the network does after a successful payment (§2.6); recorded for the disputes
# and fraud-warning features, not acted on by the simulator itself.
FollowUp = Literal[
    "dispute_fraudulent",
    "dispute_product_not_received",
    "dispute_inquiry",
    "early_fraud_warning",
    "multiple_disputes",
]


# -- messages clients match on (§2.2, §2.5, §1.10) -------------------------------------

CARD_DECLINED_MESSAGE = "Your card was declined."
INSUFFICIENT_FUNDS_MESSAGE = "Your card has insufficient funds."
EXPIRED_CARD_MESSAGE = "Your card has expired."
INCORRECT_CVC_MESSAGE = "Your card's security code is incorrect."
PROCESSING_ERROR_MESSAGE = "An error occurred while processing your card. Try again in a little bit."
VELOCITY_EXCEEDED_MESSAGE = (
    "Your card was declined for making repeated attempts too frequently or exceeding its amount limit."
)
LIVE_CARD_MESSAGE = (
    "Your card was declined. Your request was in test mode, but used a non test (live) "
    "card. For a list of valid test cards, visit: https://stripe.com/docs/testing."
)
AUTHENTICATION_REQUIRED_MESSAGE = "Your card was declined. This transaction requires authentication."


@dataclass(frozen=True)
class IssuerDecline:
    """A refusal as the API reports it: Stripe's `code`, the issuer's `decline_code`
    (absent for expired_card, incorrect_cvc and processing_error) and the message."""

    code: str
    message: str
    decline_code: str | None = None

    @property
    def reason(self) -> str:
        """Charge.outcome.reason: the decline code, or the error code when there is none."""
        return self.decline_code or self.code


GENERIC_DECLINE = IssuerDecline("card_declined", CARD_DECLINED_MESSAGE, "generic_decline")
INSUFFICIENT_FUNDS = IssuerDecline("card_declined", INSUFFICIENT_FUNDS_MESSAGE, "insufficient_funds")
LOST_CARD = IssuerDecline("card_declined", CARD_DECLINED_MESSAGE, "lost_card")
STOLEN_CARD = IssuerDecline("card_declined", CARD_DECLINED_MESSAGE, "stolen_card")
EXPIRED_CARD = IssuerDecline("expired_card", EXPIRED_CARD_MESSAGE)
INCORRECT_CVC = IssuerDecline("incorrect_cvc", INCORRECT_CVC_MESSAGE)
PROCESSING_ERROR = IssuerDecline("processing_error", PROCESSING_ERROR_MESSAGE)
VELOCITY_EXCEEDED = IssuerDecline("card_declined", VELOCITY_EXCEEDED_MESSAGE, "card_velocity_exceeded")
FRAUDULENT = IssuerDecline("card_declined", CARD_DECLINED_MESSAGE, "fraudulent")
LIVE_CARD_IN_TEST_MODE = IssuerDecline("card_declined", LIVE_CARD_MESSAGE, "test_mode_live_card")
AUTHENTICATION_REQUIRED = IssuerDecline(
    "authentication_required", AUTHENTICATION_REQUIRED_MESSAGE, "authentication_required"
)


# -- the table row ---------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedCard:
    """One test card and everything it does.  The defaults describe a US credit card
    that approves, passes every check it is given and is not enrolled in 3DS."""

    # Stable name; card tokens carry it instead of the number, so it must never change.
    key: str
    number: str
    brand: str
    funding: str = "credit"
    country: str | None = "US"
    # Magic-id suffixes: ("visa",) gives pm_card_visa and tok_visa.
    aliases: tuple[str, ...] = ()
    # Co-branded cards list the local network first; empty means (brand,).
    co_brands: tuple[str, ...] = ()
    # The issuer refuses every charge that reaches it (after any 3DS challenge).
    decline: IssuerDecline | None = None
    # Issuer-decline cards refuse the verification done when attaching to a Customer.
    attachable: bool = True
    # Radar's view; "highest" is blocked by the default rule.
    risk_level: str = "normal"
    risk_score: int = 20
    # Results of the checks when the payment carries the field (None otherwise).  A
    # failing CVC check declines incorrect_cvc (tender's default Radar setting).
    cvc_check: CheckResult = "pass"
    address_line1_check: CheckResult = "pass"
    address_postal_code_check: CheckResult = "pass"
    three_d_secure: ThreeDSecureSupport = "not_enrolled"
    off_session: OffSessionRule = "requires_authentication"
    refund: RefundBehaviour = "succeeded"
    # Funds go straight to the available balance.
    bypass_pending: bool = False
    follow_up: FollowUp | None = None

    @property
    def networks(self) -> tuple[str, ...]:
        return self.co_brands + (self.brand,)


def _country_card(
    country: str, number: str, brand: str = "visa", funding: str = "credit", alias: str = ""
) -> SimulatedCard:
    """A card from Stripe's "payment by country" list: approves, sets card.country."""
    suffix = alias or country.lower()
    return SimulatedCard(
        key=suffix, number=number, brand=brand, funding=funding, country=country, aliases=(suffix,)
    )


def _decline_card(key: str, number: str, decline: IssuerDecline, *aliases: str) -> SimulatedCard:
    """An issuer-decline card (§2.2): every charge fails, attaching is refused."""
    return SimulatedCard(key, number, "visa", aliases=(key, *aliases), decline=decline, attachable=False)


TEST_CARDS: tuple[SimulatedCard, ...] = (
    # §2.1 successful cards by brand
    SimulatedCard("visa", "4242424242424242", "visa", aliases=("visa", "us")),
    SimulatedCard("visa_debit", "4000056655665556", "visa", "debit", aliases=("visa_debit",)),
    SimulatedCard("mastercard", "5555555555554444", "mastercard", aliases=("mastercard",)),
    SimulatedCard("mastercard_2series", "2223003122003222", "mastercard"),
    SimulatedCard(
        "mastercard_debit", "5200828282828210", "mastercard", "debit",
        aliases=("mastercard_debit",),
    ),
    SimulatedCard(
        "mastercard_prepaid", "5105105105105100", "mastercard", "prepaid",
        aliases=("mastercard_prepaid",),
    ),
    SimulatedCard(
        "amex", "378282246310005", "amex", aliases=("amex", "amex_threeDSecureNotSupported"),
        three_d_secure="not_supported",
    ),
    SimulatedCard("amex_2", "371449635398431", "amex"),
    SimulatedCard("discover", "6011111111111117", "discover", aliases=("discover",)),
    SimulatedCard("discover_2", "6011000990139424", "discover"),
    SimulatedCard("discover_debit", "6011981111111113", "discover", "debit"),
    SimulatedCard("diners", "3056930009020004", "diners", aliases=("diners",)),
    SimulatedCard("diners_14digit", "36227206271667", "diners"),
    # BCcard and DinaCard run on the Discover network.
    SimulatedCard("bccard_dinacard", "6555900000604105", "discover"),
    SimulatedCard("jcb", "3566002020360505", "jcb", country="JP", aliases=("jcb",)),
    SimulatedCard("jcb_jp", "3530111333300000", "jcb", country="JP"),
    SimulatedCard("unionpay", "6200000000000005", "unionpay", country="CN", aliases=("unionpay",)),
    SimulatedCard("unionpay_debit", "6200000000000047", "unionpay", "debit", country="CN"),
    SimulatedCard("unionpay_19digit", "6205500000000000004", "unionpay", country="CN"),
    SimulatedCard(
        "visa_cartesBancaires", "4000002500001001", "visa", country="FR",
        aliases=("visa_cartesBancaires",), co_brands=("cartes_bancaires",),
    ),
    SimulatedCard(
        "mastercard_cartesBancaires", "5555552500001001", "mastercard", country="FR",
        aliases=("mastercard_cartesBancaires",), co_brands=("cartes_bancaires",),
    ),
    SimulatedCard(
        "visa_debit_eftposAuCoBranded", "4000050360000001", "visa", "debit", country="AU",
        aliases=("visa_debit_eftposAuCoBranded",), co_brands=("eftpos_au",),
    ),
    SimulatedCard(
        "mastercard_debit_eftposAuCoBranded", "5555050360000080", "mastercard", "debit",
        country="AU", aliases=("mastercard_debit_eftposAuCoBranded",), co_brands=("eftpos_au",),
    ),
    # §2.1 country cards (pm_card_us is the Visa above): approve without authentication.
    _country_card("AR", "4000000320000021"),
    _country_card("BR", "4000000760000002"),
    _country_card("CA", "4000001240000000"),
    _country_card("CL", "4000001520000001"),
    _country_card("CO", "4000001700000003"),
    _country_card("CR", "4000001880000005"),
    _country_card("EC", "4000002180000000"),
    _country_card("MX", "4000004840008001"),
    _country_card("PA", "4000005910000000"),
    _country_card("PY", "4000006000000066"),
    _country_card("PE", "4000006040000068"),
    _country_card("UY", "4000008580000003"),
    _country_card("AE", "4000007840000001"),
    _country_card("AE", "5200007840000022", "mastercard", alias="ae_mastercard"),
    _country_card("AT", "4000000400000008"),
    _country_card("BE", "4000000560000004"),
    _country_card("BG", "4000001000000000"),
    _country_card("BY", "4000001120000005"),
    _country_card("HR", "4000001910000009"),
    _country_card("CY", "4000001960000008"),
    _country_card("CZ", "4000002030000002"),
    _country_card("DK", "4000002080000001"),
    _country_card("EE", "4000002330000009"),
    _country_card("FI", "4000002460000001"),
    _country_card("FR", "4000002500000003"),
    _country_card("DE", "4000002760000016"),
    _country_card("GI", "4000002920000005"),
    _country_card("GR", "4000003000000030"),
    _country_card("HU", "4000003480000005"),
    _country_card("IE", "4000003720000005"),
    _country_card("IT", "4000003800000008"),
    _country_card("LV", "4000004280000005"),
    _country_card("LI", "4000004380000004"),
    _country_card("LT", "4000004400000000"),
    _country_card("LU", "4000004420000006"),
    _country_card("MT", "4000004700000007"),
    _country_card("NL", "4000005280000002"),
    _country_card("NO", "4000005780000007"),
    _country_card("PL", "4000006160000005"),
    _country_card("PT", "4000006200000007"),
    _country_card("RO", "4000006420000001"),
    _country_card("SI", "4000007050000006"),
    _country_card("SK", "4000007030000001"),
    _country_card("ES", "4000007240000007"),
    _country_card("SE", "4000007520000008"),
    _country_card("CH", "4000007560000009"),
    _country_card("GB", "4000008260000000"),
    _country_card("GB", "4000058260000005", funding="debit", alias="gb_debit"),
    _country_card("GB", "5555558265554449", "mastercard", alias="gb_mastercard"),
    _country_card("AU", "4000000360000006"),
    _country_card("CN", "4000001560000002"),
    _country_card("HK", "4000003440000004"),
    _country_card("IN", "4000003560000008"),
    _country_card("JP", "4000003920000003"),
    _country_card("MY", "4000004580000002"),
    _country_card("NZ", "4000005540000008"),
    _country_card("SG", "4000007020000003"),
    _country_card("TW", "4000001580000008"),
    _country_card("TH", "4000007640000003", alias="th_credit"),
    _country_card("TH", "4000057640000008", funding="debit", alias="th_debit"),
    # §2.2 issuer declines
    _decline_card("visa_chargeDeclined", "4000000000000002", GENERIC_DECLINE, "chargeDeclined"),
    _decline_card(
        "visa_chargeDeclinedInsufficientFunds", "4000000000009995", INSUFFICIENT_FUNDS,
        "chargeDeclinedInsufficientFunds",
    ),
    _decline_card(
        "visa_chargeDeclinedLostCard", "4000000000009987", LOST_CARD, "chargeDeclinedLostCard"
    ),
    _decline_card(
        "visa_chargeDeclinedStolenCard", "4000000000009979", STOLEN_CARD,
        "chargeDeclinedStolenCard",
    ),
    _decline_card(
        "chargeDeclinedExpiredCard", "4000000000000069", EXPIRED_CARD,
        "visa_chargeDeclinedExpiredCard",
    ),
    _decline_card(
        "chargeDeclinedIncorrectCvc", "4000000000000127", INCORRECT_CVC,
        "visa_chargeDeclinedIncorrectCvc",
    ),
    _decline_card(
        "chargeDeclinedProcessingError", "4000000000000119", PROCESSING_ERROR,
        "visa_chargeDeclinedProcessingError",
    ),
    _decline_card(
        "visa_chargeDeclinedVelocityLimitExceeded", "4000000000006975", VELOCITY_EXCEEDED
    ),
    SimulatedCard(
        "chargeCustomerFail", "4000000000000341", "visa",
        aliases=("chargeCustomerFail", "visa_chargeCustomerFail"), decline=GENERIC_DECLINE,
    ),
    # §2.3 Radar
    SimulatedCard(
        "radarBlock", "4100000000000019", "visa", aliases=("radarBlock",),
        risk_level="highest", risk_score=95,
    ),
    SimulatedCard(
        "riskLevelHighest", "4000000000004954", "visa", aliases=("riskLevelHighest",),
        risk_level="highest", risk_score=95,
    ),
    SimulatedCard(
        "riskLevelElevated", "4000000000009235", "visa", aliases=("riskLevelElevated",),
        risk_level="elevated", risk_score=65,
    ),
    SimulatedCard(
        "cvcCheckFail", "4000000000000101", "visa", aliases=("cvcCheckFail",), cvc_check="fail"
    ),
    SimulatedCard(
        "avsZipFail", "4000000000000036", "visa", aliases=("avsZipFail",),
        address_postal_code_check="fail",
    ),
    SimulatedCard(
        "avsLine1Fail", "4000000000000028", "visa", aliases=("avsLine1Fail",),
        address_line1_check="fail",
    ),
    SimulatedCard(
        "avsFail", "4000000000000010", "visa", aliases=("avsFail",),
        address_line1_check="fail", address_postal_code_check="fail",
    ),
    SimulatedCard(
        "avsUnchecked", "4000000000000044", "visa", aliases=("avsUnchecked",),
        address_line1_check="unavailable", address_postal_code_check="unavailable",
    ),
    SimulatedCard(
        "highFraudDisputeScore", "4000008400000407", "visa", aliases=("highFraudDisputeScore",)
    ),
    SimulatedCard("highEfwScore", "4000008400000159", "visa", aliases=("highEfwScore",)),
    # tender has no Adaptive 3DS switch: asking for 3DS is what triggers the challenge.
    SimulatedCard(
        "adaptive3dsChallenge", "4000008405600003", "visa", aliases=("adaptive3dsChallenge",),
        three_d_secure="optional",
    ),
    # §2.4 3D Secure
    SimulatedCard(
        "authenticationRequiredOnSetup", "4000002500003155", "visa", country="FR",
        aliases=("authenticationRequiredOnSetup",), three_d_secure="required",
        off_session="allowed_once_set_up",
    ),
    SimulatedCard(
        "authenticationRequired", "4000002760003184", "visa", country="DE",
        aliases=("authenticationRequired",), three_d_secure="required",
    ),
    SimulatedCard(
        "authenticationRequiredSetupForOffSession", "4000003800000446", "visa", country="IT",
        aliases=("authenticationRequiredSetupForOffSession",), three_d_secure="required",
        off_session="allowed",
    ),
    # Declined insufficient_funds after authentication on-session, and off-session too
    # ("even after being ... previously set up").
    SimulatedCard(
        "authenticationRequiredChargeDeclinedInsufficientFunds", "4000008260003178", "visa",
        country="GB", aliases=("authenticationRequiredChargeDeclinedInsufficientFunds",),
        three_d_secure="required", off_session="allowed", decline=INSUFFICIENT_FUNDS,
    ),
    SimulatedCard(
        "threeDSecure2Required", "4000000000003220", "visa", country="IE",
        aliases=("threeDSecure2Required",), three_d_secure="required",
    ),
    SimulatedCard("threeDSecure2Required_us", "4000008400000027", "visa", three_d_secure="required"),
    SimulatedCard(
        "threeDSecureRequiredChargeDeclined", "4000008400001629", "visa",
        aliases=("threeDSecureRequiredChargeDeclined",), three_d_secure="required",
        decline=GENERIC_DECLINE,
    ),
    SimulatedCard(
        "threeDSecureRequiredProcessingError", "4000008400001280", "visa",
        aliases=("threeDSecureRequiredProcessingError",),
        three_d_secure="required_processing_error",
    ),
    SimulatedCard(
        "threeDSecureOptional", "4000000000003055", "visa", aliases=("threeDSecureOptional",),
        three_d_secure="optional",
    ),
    SimulatedCard(
        "threeDSecureOptionalProcessingError", "4000000000003097", "visa",
        aliases=("threeDSecureOptionalProcessingError",),
        three_d_secure="optional_processing_error",
    ),
    SimulatedCard(
        "threeDSecureFrictionless", "4000000032200000", "visa", three_d_secure="frictionless"
    ),
    # Legacy 3DS1 "required" card still found in old code.
    SimulatedCard("threeDSecureLegacyRequired", "4000000000003063", "visa", three_d_secure="required"),
    # Mobile SDK challenge UIs; through the API they are ordinary challenge cards.
    SimulatedCard("threeDSecureOutOfBand", "4000582600000094", "visa", three_d_secure="required"),
    SimulatedCard("threeDSecureOneTimePasscode", "4000582600000045", "visa", three_d_secure="required"),
    SimulatedCard("threeDSecureSingleSelect", "4000582600000102", "visa", three_d_secure="required"),
    SimulatedCard("threeDSecureMultiSelect", "4000582600000110", "visa", three_d_secure="required"),
    # §2.6 disputes, refunds, balance
    SimulatedCard(
        "createDispute", "4000000000000259", "visa", aliases=("createDispute",),
        follow_up="dispute_fraudulent",
    ),
    SimulatedCard(
        "createDisputeProductNotReceived", "4000000000002685", "visa",
        aliases=("createDisputeProductNotReceived",), follow_up="dispute_product_not_received",
    ),
    SimulatedCard(
        "createDisputeInquiry", "4000000000001976", "visa", aliases=("createDisputeInquiry",),
        follow_up="dispute_inquiry",
    ),
    SimulatedCard(
        "createIssuerFraudRecord", "4000000000005423", "visa",
        aliases=("createIssuerFraudRecord",), follow_up="early_fraud_warning",
    ),
    SimulatedCard(
        "createMultipleDisputes", "4000000404000079", "visa",
        aliases=("createMultipleDisputes",), follow_up="multiple_disputes",
    ),
    SimulatedCard(
        "pendingRefund", "4000000000007726", "visa", aliases=("pendingRefund",),
        refund="pending",
    ),
    SimulatedCard(
        "refundFail", "4000000000005126", "visa", aliases=("refundFail",), refund="fails_later"
    ),
    SimulatedCard(
        "bypassPending", "4000000000000077", "visa", aliases=("bypassPending",),
        bypass_pending=True,
    ),
    SimulatedCard(
        "bypassPendingInternational", "4000003720000278", "visa", country="IE",
        aliases=("bypassPendingInternational",), bypass_pending=True,
    ),
)  # fmt: skip

CARDS_BY_NUMBER: dict[str, SimulatedCard] = {card.number: card for card in TEST_CARDS}
CARDS_BY_KEY: dict[str, SimulatedCard] = {card.key: card for card in TEST_CARDS}

MAGIC_ID_PREFIXES = ("pm_card_", "tok_")

# Every magic id (`pm_card_visa`, `tok_visa`, `pm_card_chargeDeclined`, …) → its number.
MAGIC_IDS: dict[str, str] = {
    prefix + alias: card.number
    for card in TEST_CARDS
    for alias in card.aliases
    for prefix in MAGIC_ID_PREFIXES
}


# -- any number: brand by issuer range -------------------------------------------------


@dataclass(frozen=True)
class IssuerRange:
    """Numbers whose leading digits fall in [first, last] (same width) belong to `brand`."""

    brand: str
    first: str
    last: str

    def contains(self, number: str) -> bool:
        return self.first <= number[: len(self.first)] <= self.last


# Ordered: the first matching range wins, so narrower ranges come before wider ones.
ISSUER_RANGES: tuple[IssuerRange, ...] = (
    IssuerRange("amex", "34", "34"),
    IssuerRange("amex", "37", "37"),
    IssuerRange("jcb", "3528", "3589"),
    IssuerRange("diners", "300", "305"),
    IssuerRange("diners", "3095", "3095"),
    IssuerRange("diners", "36", "36"),
    IssuerRange("diners", "38", "39"),
    IssuerRange("visa", "4", "4"),
    IssuerRange("mastercard", "51", "55"),
    IssuerRange("mastercard", "2221", "2720"),
    IssuerRange("discover", "6011", "6011"),
    IssuerRange("discover", "644", "649"),
    IssuerRange("discover", "65", "65"),
    IssuerRange("unionpay", "62", "62"),
    IssuerRange("unionpay", "81", "81"),
)

# Card-number lengths each brand issues; anything else is an incorrect number.
NUMBER_LENGTHS: dict[str, tuple[int, ...]] = {
    "visa": (13, 16, 19),
    "mastercard": (16,),
    "amex": (15,),
    "discover": (16, 17, 18, 19),
    "diners": (14, 15, 16, 17, 18, 19),
    "jcb": (16, 17, 18, 19),
    "unionpay": (16, 17, 18, 19),
    "unknown": tuple(range(12, 20)),
}

CVC_LENGTHS: dict[str, int] = {"amex": 4}
DEFAULT_CVC_LENGTH = 3

# Brands whose issuers accept incremental authorizations (§1.9).
INCREMENTAL_AUTHORIZATION_BRANDS = frozenset({"visa", "mastercard", "discover"})


def brand_for_number(number: str) -> str:
    """The card brand its leading digits name, or "unknown"."""
    for issuer_range in ISSUER_RANGES:
        if issuer_range.contains(number):
            return issuer_range.brand
    return "unknown"


LIVE_CARD_KEY_PREFIX = "live_"


def live_card(brand: str) -> SimulatedCard:
    """A real (non-test) number used in test mode: declined `test_mode_live_card` at
    every authorization and refused on attach.  The number itself is never kept."""
    return SimulatedCard(
        key=LIVE_CARD_KEY_PREFIX + brand,
        number="",
        brand=brand,
        funding="unknown",
        country=None,
        decline=LIVE_CARD_IN_TEST_MODE,
        attachable=False,
    )
