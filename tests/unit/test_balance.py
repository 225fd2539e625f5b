"""Balance transactions and the balance (stripe-behaviour §9.4)."""

from __future__ import annotations

from typing import Any

from tender.core.balance import AVAILABLE_AFTER, new_balance_transaction, summarize

CREATED = 1_750_000_000
DAY = 86400


def txn(
    amount: int,
    kind: str = "charge",
    currency: str = "usd",
    created: int = CREATED,
    bypass_pending: bool = False,
    source: str = "ch_1",
) -> dict[str, Any]:
    return new_balance_transaction(
        txn_id=f"txn_{kind}_{amount}_{currency}",
        created=created,
        kind=kind,
        source=source,
        amount=amount,
        currency=currency,
        description="Shoes",
        bypass_pending=bypass_pending,
    )


# --- a charge's transaction -------------------------------------------------------------


def test_a_charge_pays_a_fee_of_2_9_percent_plus_30_cents() -> None:
    charge = txn(3340)
    assert charge["amount"] == 3340
    assert charge["fee"] == 127
    assert charge["net"] == 3340 - 127


def test_the_fee_is_itemised_as_a_stripe_processing_fee() -> None:
    assert txn(3340)["fee_details"] == [
        {
            "amount": 127,
            "application": None,
            "currency": "usd",
            "description": "Stripe processing fees",
            "type": "stripe_fee",
        }
    ]


def test_a_zero_decimal_charge_has_no_fixed_fee_part() -> None:
    assert txn(1000, currency="jpy")["fee"] == 29


def test_a_charge_transaction_names_its_source_type_and_category() -> None:
    charge = txn(3340, source="ch_paid")
    assert charge["object"] == "balance_transaction"
    assert charge["id"] == "txn_charge_3340_usd"
    assert charge["type"] == charge["reporting_category"] == "charge"
    assert charge["source"] == "ch_paid"
    assert charge["currency"] == "usd"
    assert charge["created"] == CREATED
    assert charge["description"] == "Shoes"


def test_charge_funds_are_pending_for_two_days() -> None:
    charge = txn(3340)
    assert AVAILABLE_AFTER == 2 * DAY
    assert charge["available_on"] == CREATED + 2 * DAY
    assert charge["status"] == "pending"


def test_bypass_pending_funds_are_available_at_once() -> None:
    charge = txn(3340, bypass_pending=True)
    assert charge["available_on"] == CREATED
    assert charge["status"] == "available"


# --- a refund's transaction -------------------------------------------------------------


def test_a_refund_takes_money_out_without_a_fee() -> None:
    refund = txn(-1000, kind="refund", source="re_1")
    assert refund["amount"] == -1000
    assert refund["fee"] == 0
    assert refund["fee_details"] == []
    assert refund["net"] == -1000
    assert refund["type"] == refund["reporting_category"] == "refund"
    assert refund["source"] == "re_1"


# --- the balance ------------------------------------------------------------------------


def amounts(balance: dict[str, Any], bucket: str) -> dict[str, int]:
    return {entry["currency"]: entry["amount"] for entry in balance[bucket]}


def test_net_amounts_are_pending_until_available_on_and_available_from_then() -> None:
    transactions = [txn(3340), txn(1000, created=CREATED - 3 * DAY)]
    before = summarize(transactions, now=CREATED + 2 * DAY - 1)
    assert amounts(before, "available") == {"usd": 1000 - 59}
    assert amounts(before, "pending") == {"usd": 3340 - 127}
    at = summarize(transactions, now=CREATED + 2 * DAY)
    assert amounts(at, "available") == {"usd": (1000 - 59) + (3340 - 127)}
    assert amounts(at, "pending") == {"usd": 0}


def test_refunds_reduce_the_balance_they_land_in() -> None:
    transactions = [txn(3340, bypass_pending=True), txn(-1000, kind="refund", bypass_pending=True)]
    assert amounts(summarize(transactions, now=CREATED), "available") == {"usd": 3340 - 127 - 1000}


def test_each_currency_has_its_own_entry_in_both_buckets_sorted_by_code() -> None:
    balance = summarize([txn(3340), txn(1000, currency="eur", bypass_pending=True)], now=CREATED)
    assert [entry["currency"] for entry in balance["available"]] == ["eur", "usd"]
    assert [entry["currency"] for entry in balance["pending"]] == ["eur", "usd"]
    assert amounts(balance, "available") == {"eur": 1000 - 59, "usd": 0}
    assert amounts(balance, "pending") == {"eur": 0, "usd": 3213}


def test_card_is_the_only_source_type() -> None:
    balance = summarize([txn(3340, bypass_pending=True)], now=CREATED)
    assert balance["available"][0]["source_types"] == {"card": 3213}


def test_an_empty_account_shows_zero_usd() -> None:
    assert summarize([], now=CREATED) == {
        "object": "balance",
        "available": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
        "connect_reserved": [{"amount": 0, "currency": "usd"}],
        "livemode": False,
        "pending": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
    }
