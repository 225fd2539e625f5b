"""The seam between the payment lifecycle and whatever moves money.

A processor sees card data and answers questions about money movement; nothing above
this package ever holds a full card number or CVC.  `CardDetails` is everything that
may leave: an opaque `token` the processor can resolve later, plus display data.

The lifecycle (`tender.core`) asks `authorize` and decides what the answer means for
the PaymentIntent: an `AuthenticationRequired` becomes `requires_action` on-session and a
402 `authentication_required` off-session.

A processor is `remote` when it moves money outside tender's database.  Tender then
calls its `authorize` outside any transaction, with an attempt id recorded beforehand,
and after a crash asks `lookup(attempt_id)` what became of it
(`tender.services.charge_attempts`).  The in-process simulator is not remote: its answer
commits with the unit of work that asked, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from tender.core.errors import CardError

CheckResult = Literal["pass", "fail", "unavailable", "unchecked"]


@dataclass(frozen=True)
class CardDetails:
    """What a tokenised card looks like outside the processor layer (never the number)."""

    token: str  # opaque; the processor resolves it in later calls
    brand: str  # visa, mastercard, amex, discover, diners, jcb, unionpay, cartes_bancaires, eftpos_au, unknown
    funding: str  # credit, debit, prepaid, unknown
    country: str | None  # ISO 3166-1 alpha-2
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str  # stable per card number, per processor instance
    networks: tuple[str, ...]  # e.g. ("visa",) or ("cartes_bancaires", "visa")
    three_d_secure_supported: bool
    cvc_provided: bool


@dataclass(frozen=True)
class Checks:
    cvc_check: CheckResult | None = None
    address_line1_check: CheckResult | None = None
    address_postal_code_check: CheckResult | None = None


@dataclass(frozen=True)
class Outcome:
    """Charge.outcome, as Stripe reports it."""

    network_status: str  # approved_by_network, declined_by_network, not_sent_to_network
    type: str  # authorized, manual_review, issuer_declined, blocked, invalid
    seller_message: str
    risk_level: str = "normal"
    risk_score: int = 20
    reason: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class ThreeDSecure:
    """Charge.payment_method_details.card.three_d_secure."""

    result: str  # authenticated, attempt_acknowledged, exempted, failed, not_supported, processing_error
    authentication_flow: str | None  # challenge, frictionless, None
    version: str = "2.2.0"
    result_reason: str | None = None


@dataclass(frozen=True)
class AuthorizationRequest:
    token: str
    amount: int
    currency: str
    off_session: bool = False
    # The card was set up for future use (SetupIntent, or setup_future_usage succeeded).
    set_up_for_off_session: bool = False
    # payment_method_options[card][request_three_d_secure]: automatic | any | challenge
    request_three_d_secure: str = "automatic"
    # The customer completed a 3DS challenge for this attempt.
    authenticated: bool = False
    address_line1: str | None = None
    address_postal_code: str | None = None


@dataclass(frozen=True)
class Approved:
    outcome: Outcome
    checks: Checks
    three_d_secure: ThreeDSecure | None = None
    authorization_code: str | None = None
    # Balance funds go straight to `available` (pm_card_bypassPending).
    bypass_pending: bool = False
    incremental_authorization_supported: bool = False


@dataclass(frozen=True)
class Declined:
    code: str  # card_declined, expired_card, incorrect_cvc, processing_error, authentication_required, ...
    message: str
    outcome: Outcome
    checks: Checks
    decline_code: str | None = None
    three_d_secure: ThreeDSecure | None = None


@dataclass(frozen=True)
class AuthenticationRequired:
    """The issuer wants the cardholder authenticated (3-D Secure challenge) first."""

    version: str = "2.2.0"


AuthorizationResult = Approved | Declined | AuthenticationRequired


@dataclass(frozen=True)
class RefundResult:
    status: Literal["succeeded", "pending"]


@dataclass(frozen=True)
class IncrementResult:
    approved: bool
    decline: Declined | None = None


@dataclass
class ProcessorInfo:
    name: str
    extra: dict[str, str] = field(default_factory=dict)


class ProcessorUnavailable(Exception):
    """The processor could not be asked or did not answer (refused, timed out, failed):
    whether it acted is unknown, so the attempt stays for `lookup` to settle."""


class AttemptClosed(Exception):
    """`authorize` with an attempt id that `lookup` already reported as never seen: the
    processor will never move money for it."""


class Processor(Protocol):
    """What tender needs from anything that moves money for cards."""

    # True when money moves outside tender's database (see the module docstring).
    remote: bool

    def tokenize_card(
        self, number: str, exp_month: int, exp_year: int, cvc: str | None
    ) -> CardDetails:
        """Validate raw card data and return its safe details; raises CardError with
        code incorrect_number / invalid_expiry_month / invalid_expiry_year / invalid_cvc
        and `param` naming the offending field (number, exp_month, exp_year, cvc)."""
        ...

    def test_payment_method(self, alias: str) -> CardDetails | None:
        """Resolve a magic id such as `pm_card_visa` or `tok_visa`; None if unknown."""
        ...

    def check_attachable(self, token: str) -> CardError | None:
        """Attaching to a Customer verifies the card: decline cards refuse (return the
        CardError), pm_card_chargeCustomerFail attaches fine."""
        ...

    def authorize(self, request: AuthorizationRequest, attempt_id: str | None = None) -> AuthorizationResult:
        """Ask the issuer.  `attempt_id` is the idempotency key: a repeat returns the first
        answer and moves no more money (a remote processor requires it; raises
        ProcessorUnavailable, or AttemptClosed after `lookup` reported the id unseen)."""
        ...

    def lookup(self, attempt_id: str) -> AuthorizationResult | None:
        """What `authorize` answered for `attempt_id`, or None when it never saw it; after
        None it never will (a later `authorize` with that id raises AttemptClosed), which
        is what lets tender fail the attempt without risking a charge.  Raises
        ProcessorUnavailable."""
        ...

    def increment_authorization(self, token: str, new_amount: int) -> IncrementResult: ...

    def refund(self, token: str, amount: int) -> RefundResult: ...
