"""The account balance and its transactions."""

from __future__ import annotations

from typing import Any

from tender.core import balance, clock
from tender.services.context import Context, load
from tender.store.base import Tx


def retrieve_balance(tx: Tx, ctx: Context) -> dict[str, Any]:
    transactions = [row.doc for row in tx.scan("balance_transaction")]
    return balance.summarize(transactions, clock.now())


def retrieve_transaction(tx: Tx, ctx: Context, txn_id: str) -> dict[str, Any]:
    return load(tx, "balance_transaction", txn_id, "id").doc
