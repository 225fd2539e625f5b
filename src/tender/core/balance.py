"""Balance transactions: money in from captured charges (minus the fee), out for refunds."""

from __future__ import annotations

from typing import Any

from tender.core.money import stripe_fee

AVAILABLE_AFTER = 2 * 86400  # test-mode funds settle after two days


def new_balance_transaction(
    *,
    txn_id: str,
    created: int,
    kind: str,
    source: str,
    amount: int,
    currency: str,
    description: str | None,
    bypass_pending: bool = False,
) -> dict[str, Any]:
    """kind is `charge` (amount > 0, fee taken) or `refund` (amount < 0, no fee)."""
    fee = stripe_fee(amount, currency) if kind == "charge" else 0
    available_on = created if bypass_pending else created + AVAILABLE_AFTER
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": available_on,
        "balance_type": "payments",
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": amount - fee,
        "reporting_category": kind,
        "source": source,
        "status": "available" if available_on <= created else "pending",
        "type": kind,
    }


def summarize(transactions: list[dict[str, Any]], now: int) -> dict[str, Any]:
    """GET /v1/balance: net amounts per currency, available once `available_on` passed."""
    available: dict[str, int] = {}
    pending: dict[str, int] = {}
    for txn in transactions:
        bucket = available if txn["available_on"] <= now else pending
        bucket[txn["currency"]] = bucket.get(txn["currency"], 0) + txn["net"]
    currencies = sorted(set(available) | set(pending)) or ["usd"]

    def entries(bucket: dict[str, int]) -> list[dict[str, Any]]:
        return [
            {"amount": bucket.get(c, 0), "currency": c, "source_types": {"card": bucket.get(c, 0)}}
            for c in currencies
        ]

    return {
        "object": "balance",
        "available": entries(available),
        "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
        "livemode": False,
        "pending": entries(pending),
    }
