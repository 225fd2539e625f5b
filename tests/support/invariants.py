"""What must hold for every payment in a tender database, whatever happened to the
processes that wrote it (issue 6): read entirely through the API, so the same check runs
on SQLite and PostgreSQL, after `kill -9`, after races.

`check_money(client)` lists every PaymentIntent, Charge, Refund and balance transaction
of the account and fails with every broken rule it finds:

- an intent's `amount_received` is the sum of its captured charges' `amount_captured`;
  it has at most one captured charge, and only a succeeded intent has one;
- a succeeded intent's `latest_charge` is a succeeded, captured charge of its own; a
  `requires_capture` intent's is a succeeded, uncaptured one holding `amount_capturable`;
- a charge's `amount_refunded` is what its capture released (amount − amount_captured)
  plus its refunds, never more than its `amount`; refunds never exceed what was captured;
  an uncaptured charge has no refunds and is either still held (0) or released (amount);
- every captured charge and every refund has exactly one balance transaction of its
  amount, and no balance transaction lacks its charge or refund;
- the balance (available + pending, per currency) is the sum of the balance
  transactions' `net`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import httpx

Doc = dict[str, Any]


def all_pages(client: httpx.Client, path: str, **params: Any) -> list[Doc]:
    """Every object a list endpoint returns, following `starting_after` to the end."""
    query: dict[str, Any] = {"limit": 100, **params}
    found: list[Doc] = []
    while True:
        answer = client.get(path, params=query)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        page = answer.json()
        found += page["data"]
        if not page["has_more"]:
            return found
        query["starting_after"] = page["data"][-1]["id"]


@dataclass
class Books:
    """Everything the account holds, as the API lists it."""

    intents: list[Doc]
    charges: list[Doc]
    refunds: list[Doc]
    transactions: list[Doc]
    balance: Doc

    @classmethod
    def read(cls, client: httpx.Client) -> Books:
        balance = client.get("/v1/balance")
        assert balance.status_code == 200, balance.text
        return cls(
            intents=all_pages(client, "/v1/payment_intents"),
            charges=all_pages(client, "/v1/charges"),
            refunds=all_pages(client, "/v1/refunds"),
            transactions=all_pages(client, "/v1/balance_transactions"),
            balance=balance.json(),
        )


def check_money(client: httpx.Client) -> Books:
    """Fail (listing every violation) unless the rules above hold for every object; the
    caller must make sure nothing writes meanwhile. Returns what was read."""
    books = Books.read(client)
    problems = violations(books)
    assert not problems, f"{len(problems)} broken invariants:\n" + "\n".join(problems[:40])
    return books


def violations(books: Books) -> list[str]:
    problems: list[str] = []
    intents = {i["id"]: i for i in books.intents}
    charges = {c["id"]: c for c in books.charges}
    transactions = {t["id"]: t for t in books.transactions}
    charges_of: dict[str, list[Doc]] = defaultdict(list)
    for charge in books.charges:
        if charge["payment_intent"] not in intents:
            problems.append(f"{charge['id']}: its PaymentIntent {charge['payment_intent']} does not exist")
        charges_of[charge["payment_intent"]].append(charge)
    refunds_of: dict[str, list[Doc]] = defaultdict(list)
    for refund in books.refunds:
        if refund["charge"] not in charges:
            problems.append(f"{refund['id']}: its charge {refund['charge']} does not exist")
        refunds_of[refund["charge"]].append(refund)

    for intent in books.intents:
        problems += _intent_violations(intent, charges_of[intent["id"]], charges)
    for charge in books.charges:
        problems += _charge_violations(charge, refunds_of[charge["id"]], transactions)
    for refund in books.refunds:
        txn = transactions.get(refund["balance_transaction"] or "")
        if txn is None or (txn["type"], txn["source"], txn["amount"]) != ("refund", refund["id"], -refund["amount"]):
            problems.append(f"{refund['id']} ({refund['amount']}): balance transaction {txn} does not match")
    problems += _balance_violations(books, charges)
    return problems


def _intent_violations(intent: Doc, own: list[Doc], charges: dict[str, Doc]) -> list[str]:
    name = f"{intent['id']} ({intent['status']})"
    problems = []
    captured = [c for c in own if c["captured"]]
    received = sum(c["amount_captured"] for c in captured)
    if intent["amount_received"] != received:
        problems.append(f"{name}: amount_received {intent['amount_received']} but captured charges sum to {received}")
    if len(captured) > 1:
        problems.append(f"{name}: {len(captured)} captured charges {[c['id'] for c in captured]}")
    succeeded = [c for c in own if c["status"] == "succeeded"]
    if len(succeeded) > 1:
        problems.append(f"{name}: {len(succeeded)} succeeded charges {[c['id'] for c in succeeded]}")
    latest = charges.get(intent["latest_charge"] or "")
    if intent["latest_charge"] and (latest is None or latest["payment_intent"] != intent["id"]):
        problems.append(f"{name}: latest_charge {intent['latest_charge']} is not one of its charges")
    if intent["status"] == "succeeded":
        if latest is None or latest["status"] != "succeeded" or not latest["captured"]:
            problems.append(f"{name}: succeeded without a succeeded, captured latest charge ({latest and latest['id']})")
        if intent["amount_capturable"] != 0:
            problems.append(f"{name}: amount_capturable {intent['amount_capturable']} after capture")
    elif captured:
        problems.append(f"{name}: captured charge {captured[0]['id']} on an intent that did not succeed")
    if intent["status"] == "requires_capture" and (
        latest is None or latest["status"] != "succeeded" or latest["captured"]
        or latest["amount"] != intent["amount_capturable"]
    ):
        problems.append(f"{name}: amount_capturable {intent['amount_capturable']} not held by latest charge {latest}")
    return problems


def _charge_violations(charge: Doc, refunds: list[Doc], transactions: dict[str, Doc]) -> list[str]:
    name = f"{charge['id']} (amount {charge['amount']}, captured {charge['amount_captured']})"
    problems = []
    refunded = sum(r["amount"] for r in refunds)
    if not 0 <= charge["amount_refunded"] <= charge["amount"]:
        problems.append(f"{name}: amount_refunded {charge['amount_refunded']} outside 0..amount")
    if charge["captured"]:
        released = charge["amount"] - charge["amount_captured"]
        if charge["amount_refunded"] != released + refunded:
            problems.append(
                f"{name}: amount_refunded {charge['amount_refunded']} but released {released}"
                f" + refunds {[r['amount'] for r in refunds]}"
            )
        if refunded > charge["amount_captured"]:
            problems.append(f"{name}: refunds {refunded} exceed the captured amount")
        txn = transactions.get(charge["balance_transaction"] or "")
        if txn is None or (txn["type"], txn["source"], txn["amount"]) != ("charge", charge["id"], charge["amount_captured"]):
            problems.append(f"{name}: balance transaction {txn} does not match the capture")
    else:
        if refunds:
            problems.append(f"{name}: uncaptured but refunded by {[r['id'] for r in refunds]}")
        if charge["amount_captured"] != 0 or charge["balance_transaction"] is not None:
            problems.append(f"{name}: uncaptured but has money in ({charge['balance_transaction']})")
        if charge["amount_refunded"] not in (0, charge["amount"]):
            problems.append(f"{name}: uncaptured, amount_refunded {charge['amount_refunded']} is neither 0 nor the hold")
    return problems


def _balance_violations(books: Books, charges: dict[str, Doc]) -> list[str]:
    problems = []
    refunds = {r["id"] for r in books.refunds}
    net: dict[str, int] = defaultdict(int)
    for txn in books.transactions:
        net[txn["currency"]] += txn["net"]
        owner = charges if txn["type"] == "charge" else refunds if txn["type"] == "refund" else None
        if owner is None or txn["source"] not in owner:
            problems.append(f"{txn['id']}: {txn['type']} transaction of {txn['amount']} whose source {txn['source']} does not exist")
    sources = [t["source"] for t in books.transactions]
    if len(sources) != len(set(sources)):
        problems.append(f"{len(sources) - len(set(sources))} charges or refunds have two balance transactions")
    shown: dict[str, int] = defaultdict(int)
    for bucket in ("available", "pending"):
        for entry in books.balance[bucket]:
            shown[entry["currency"]] += entry["amount"]
    for currency in set(net) | set(shown):
        if shown[currency] != net[currency]:
            problems.append(
                f"balance {currency}: available + pending = {shown[currency]}, transactions' net sum to {net[currency]}"
            )
    return problems
