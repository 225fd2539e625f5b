"""WebhookEndpoints (stripe-behaviour §7.6): the document, its signing secrets, which
events it receives.

An endpoint receives an event when its `enabled_events` names the event's type or is
`["*"]`.  Its signing secrets live outside the document (the store's private column):
the current one, and after a roll the previous one until it expires, so a receiver
that still has the old secret keeps verifying deliveries during the overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tender.core import ids
from tender.core.errors import InvalidRequestError

ENABLED = "enabled"
DISABLED = "disabled"
# Stripe allows at most 16 endpoints per account and mode (§7.5).
MAX_ENDPOINTS = 16
# A rolled secret stays valid for at most a day (§7.4).
MAX_SECRET_OVERLAP = 86400

# Every event type Stripe documents for `enabled_events` (the 2023-08-16 OpenAPI enum,
# shared/stripe-openapi), plus `refund.failed`, which is newer than that enum (§7.2).
# tender emits only the Payment Intents family's events; the rest are accepted so that
# configurations written for Stripe work unchanged.
EVENT_TYPES: frozenset[str] = frozenset(
    """
    * account.application.authorized account.application.deauthorized
    account.external_account.created account.external_account.deleted
    account.external_account.updated account.updated application_fee.created
    application_fee.refund.updated application_fee.refunded balance.available
    billing_portal.configuration.created billing_portal.configuration.updated
    billing_portal.session.created capability.updated cash_balance.funds_available
    charge.captured charge.dispute.closed charge.dispute.created
    charge.dispute.funds_reinstated charge.dispute.funds_withdrawn charge.dispute.updated
    charge.expired charge.failed charge.pending charge.refund.updated charge.refunded
    charge.succeeded charge.updated checkout.session.async_payment_failed
    checkout.session.async_payment_succeeded checkout.session.completed
    checkout.session.expired coupon.created coupon.deleted coupon.updated
    credit_note.created credit_note.updated credit_note.voided customer.created
    customer.deleted customer.discount.created customer.discount.deleted
    customer.discount.updated customer.source.created customer.source.deleted
    customer.source.expiring customer.source.updated customer.subscription.created
    customer.subscription.deleted customer.subscription.paused
    customer.subscription.pending_update_applied customer.subscription.pending_update_expired
    customer.subscription.resumed customer.subscription.trial_will_end
    customer.subscription.updated customer.tax_id.created customer.tax_id.deleted
    customer.tax_id.updated customer.updated customer_cash_balance_transaction.created
    file.created financial_connections.account.created
    financial_connections.account.deactivated financial_connections.account.disconnected
    financial_connections.account.reactivated
    financial_connections.account.refreshed_balance identity.verification_session.canceled
    identity.verification_session.created identity.verification_session.processing
    identity.verification_session.redacted identity.verification_session.requires_input
    identity.verification_session.verified invoice.created invoice.deleted
    invoice.finalization_failed invoice.finalized invoice.marked_uncollectible invoice.paid
    invoice.payment_action_required invoice.payment_failed invoice.payment_succeeded
    invoice.sent invoice.upcoming invoice.updated invoice.voided invoiceitem.created
    invoiceitem.deleted issuing_authorization.created issuing_authorization.request
    issuing_authorization.updated issuing_card.created issuing_card.updated
    issuing_cardholder.created issuing_cardholder.updated issuing_dispute.closed
    issuing_dispute.created issuing_dispute.funds_reinstated issuing_dispute.submitted
    issuing_dispute.updated issuing_transaction.created issuing_transaction.updated
    mandate.updated order.created payment_intent.amount_capturable_updated
    payment_intent.canceled payment_intent.created payment_intent.partially_funded
    payment_intent.payment_failed payment_intent.processing payment_intent.requires_action
    payment_intent.succeeded payment_link.created payment_link.updated
    payment_method.attached payment_method.automatically_updated payment_method.detached
    payment_method.updated payout.canceled payout.created payout.failed payout.paid
    payout.reconciliation_completed payout.updated person.created person.deleted
    person.updated plan.created plan.deleted plan.updated price.created price.deleted
    price.updated product.created product.deleted product.updated promotion_code.created
    promotion_code.updated quote.accepted quote.canceled quote.created quote.finalized
    radar.early_fraud_warning.created radar.early_fraud_warning.updated recipient.created
    recipient.deleted recipient.updated refund.created refund.failed refund.updated
    reporting.report_run.failed reporting.report_run.succeeded
    reporting.report_type.updated review.closed review.opened setup_intent.canceled
    setup_intent.created setup_intent.requires_action setup_intent.setup_failed
    setup_intent.succeeded sigma.scheduled_query_run.created sku.created sku.deleted
    sku.updated source.canceled source.chargeable source.failed
    source.mandate_notification source.refund_attributes_required
    source.transaction.created source.transaction.updated subscription_schedule.aborted
    subscription_schedule.canceled subscription_schedule.completed
    subscription_schedule.created subscription_schedule.expiring
    subscription_schedule.released subscription_schedule.updated tax.settings.updated
    tax_rate.created tax_rate.updated terminal.reader.action_failed
    terminal.reader.action_succeeded test_helpers.test_clock.advancing
    test_helpers.test_clock.created test_helpers.test_clock.deleted
    test_helpers.test_clock.internal_failure test_helpers.test_clock.ready topup.canceled
    topup.created topup.failed topup.reversed topup.succeeded transfer.created
    transfer.reversed transfer.updated treasury.credit_reversal.created
    treasury.credit_reversal.posted treasury.debit_reversal.completed
    treasury.debit_reversal.created treasury.debit_reversal.initial_credit_granted
    treasury.financial_account.closed treasury.financial_account.created
    treasury.financial_account.features_status_updated treasury.inbound_transfer.canceled
    treasury.inbound_transfer.created treasury.inbound_transfer.failed
    treasury.inbound_transfer.succeeded treasury.outbound_payment.canceled
    treasury.outbound_payment.created
    treasury.outbound_payment.expected_arrival_date_updated
    treasury.outbound_payment.failed treasury.outbound_payment.posted
    treasury.outbound_payment.returned treasury.outbound_transfer.canceled
    treasury.outbound_transfer.created
    treasury.outbound_transfer.expected_arrival_date_updated
    treasury.outbound_transfer.failed treasury.outbound_transfer.posted
    treasury.outbound_transfer.returned treasury.received_credit.created
    treasury.received_credit.failed treasury.received_credit.succeeded
    treasury.received_debit.created
    """.split()
)

_TYPE_PATTERN = re.compile(r"^[a-z0-9_.*]+$")


def new_webhook_endpoint(
    *,
    endpoint_id: str,
    created: int,
    url: str,
    enabled_events: list[str],
    api_version: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The endpoint as the API shows it after creation (never with its secret)."""
    return {
        "id": endpoint_id,
        "object": "webhook_endpoint",
        "api_version": api_version,
        "application": None,
        "created": created,
        "description": description,
        "enabled_events": enabled_events,
        "livemode": False,
        "metadata": metadata or {},
        "status": ENABLED,
        "url": url,
    }


def new_secret() -> str:
    """`whsec_…`: the HMAC key, used as the string it is (not decoded) (§7.4)."""
    return "whsec_" + ids.random_token(32)


def check_enabled_events(events: list[str], param: str = "enabled_events") -> list[str]:
    """Every entry must be a documented event type or `*`; duplicates are dropped."""
    if not events:
        raise InvalidRequestError(
            f"Invalid {param}: must contain at least one event type.", param=param
        )
    for index, name in enumerate(events):
        if name not in EVENT_TYPES:
            raise InvalidRequestError(
                f"Invalid {param}[{index}]: '{name}' is not a valid event type. See "
                "https://stripe.com/docs/api/events/types for the list.",
                param=f"{param}[{index}]",
            )
    return list(dict.fromkeys(events))


def receives(enabled_events: Iterable[str], event_type: str) -> bool:
    """An endpoint receives an event when it names the type or enables `*`."""
    return any(name == "*" or name == event_type for name in enabled_events)


def check_type_filter(value: str, param: str = "type") -> str:
    """`GET /v1/events?type=`: an event name or a pattern with `*` (`payment_intent.*`)."""
    if not _TYPE_PATTERN.match(value):
        raise InvalidRequestError(f"Invalid {param}: {value}", param=param)
    return value


# -- signing secrets ---------------------------------------------------------------------


def initial_secrets(secret: str) -> list[dict[str, Any]]:
    return [{"secret": secret, "expires_at": None}]


def roll_secrets(
    secrets: list[dict[str, Any]], new: str, now: float, overlap: int
) -> list[dict[str, Any]]:
    """The new secret becomes current; the one it replaces stays valid for `overlap`
    seconds (0: expires now).  Secrets already expiring keep their own expiry."""
    if not 0 <= overlap <= MAX_SECRET_OVERLAP:
        raise InvalidRequestError(
            f"Invalid expires_in: must be between 0 and {MAX_SECRET_OVERLAP} seconds.",
            param="expires_in",
        )
    kept = []
    for entry in active_secrets(secrets, now):
        expires_at = entry["expires_at"] if entry["expires_at"] is not None else now + overlap
        if expires_at > now:
            kept.append({"secret": entry["secret"], "expires_at": expires_at})
    return [{"secret": new, "expires_at": None}, *kept]


def active_secrets(secrets: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Secrets that still sign deliveries: the current one and any not yet expired."""
    return [s for s in secrets if s["expires_at"] is None or s["expires_at"] > now]


def signing_keys(private: dict[str, Any], now: float) -> list[str]:
    """The secrets a delivery is signed with right now, newest first."""
    return [entry["secret"] for entry in active_secrets(private.get("secrets", []), now)]


# -- health ------------------------------------------------------------------------------


def record_success(private: dict[str, Any]) -> bool:
    """A 2xx ends a failing streak.  True when that changed something to persist."""
    return private.pop("failing_since", None) is not None


def record_failure(private: dict[str, Any], now: float) -> float:
    """A failed attempt starts (or continues) a failing streak; returns its start."""
    since = private.get("failing_since")
    if since is None:
        private["failing_since"] = since = now
    return float(since)


def should_disable(failing_since: float, now: float, disable_after: float) -> bool:
    """An endpoint failing without a single success for `disable_after` seconds is
    disabled (0 = never)."""
    return disable_after > 0 and now - failing_since >= disable_after


def disable(doc: dict[str, Any], private: dict[str, Any]) -> None:
    doc["status"] = DISABLED
    private.pop("failing_since", None)


def enable(doc: dict[str, Any], private: dict[str, Any]) -> None:
    doc["status"] = ENABLED
    private.pop("failing_since", None)
