"""Seed a SQLite file with N PaymentIntents directly, without the API.

Documents come from tender's own builders (`new_payment_intent`, `new_id`,
`new_client_secret`, `card_options`) and rows go in through tender's own insert
(`SQLiteTx.insert`, the store's INSERT with its derived columns), in transactions of
BATCH intents, with no journal and no fsync until the end (the file is a cache; tender
then runs it in WAL mode as always).  ~100 µs of CPU per intent: 1M take 2–5 minutes.  Status-specific fields are copied from intents a real tender produced
for each status (see `bench.probe`), so every seeded intent looks like one the API made.

Mix (a checkout's day-to-day): 68% succeeded, 15% requires_payment_method (abandoned),
7% canceled, 3% requires_confirmation, 2% requires_action, 5% requires_capture — holds
exist only in the last 6 days (older ones were released by the capture window, as the
sweeper does, and are canceled with reason `automatic`).  Succeeded and requires_capture
intents get their Charge (from a real Charge template); half the intents carry metadata
`order_id`.  `created` spans the 90 days before seeding, increasing with the id.

Not seeded: events, idempotency records, one PaymentMethod per intent (all seeded intents
share one), balance transactions per charge.  None is read by the benchmarked requests;
they would only make the file bigger.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from typing import Any

from tender.core import ids
from tender.core import payment_intents as lifecycle
from tender.store.base import Stored
from tender.store.sqlite import SQLiteStore, SQLiteTx

STATUS_WEIGHTS = {
    "succeeded": 68,
    "requires_payment_method": 15,
    "canceled": 7,
    "requires_confirmation": 3,
    "requires_action": 2,
    "requires_capture": 5,
}
SPAN_SECONDS = 90 * 86400
HOLD_DAYS = 6
BATCH = 50_000
# Fields a fresh intent has that never vary with its status.
IDENTITY = ("id", "client_secret", "created", "amount", "currency", "metadata")
CURRENCIES = ("usd",) * 8 + ("eur", "gbp")


def status_fields(templates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each status: the fields where a real intent in it differs from a fresh one."""
    out = {}
    for status, real in templates.items():
        fresh = lifecycle.new_payment_intent(
            intent_id=real["id"], client_secret=real["client_secret"], created=real["created"],
            amount=real["amount"], currency=real["currency"])
        fresh["payment_method_options"] = {"card": lifecycle.card_options()}
        out[status] = {k: v for k, v in real.items() if k not in IDENTITY and fresh.get(k) != v}
    return out


def seed(path: str, account: str, n: int, templates: dict[str, Any], *,
         rng_seed: int = 7, progress: Any = None) -> dict[str, Any]:
    """Insert n intents (and their charges) for `account` into the tender database at path.

    Returns facts about the seeded set: counts by status, the newest `created`, the ids
    file content is left to the caller (`intent_ids`)."""
    SQLiteStore(path).close()  # migrations, same as tender's start-up
    rng = random.Random(rng_seed)
    fields = status_fields(templates["intents"])
    charge_templates = templates["charges"]
    pm_doc, pm_private = templates["payment_method"]
    txn_doc, txn_private = templates["balance_transaction"]
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())

    conn = sqlite3.connect(path, isolation_level=None)
    # A cache file, written once: no journal (WAL would write every page twice), no fsync
    # until the end.  It is put back in WAL mode, as tender runs it, when done.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    tx = SQLiteTx(conn, account)
    now = int(time.time())
    start = now - SPAN_SECONDS
    counts = dict.fromkeys(statuses, 0)
    counts["canceled_expired_hold"] = 0
    charges = 0
    intent_ids: list[str] = []
    t0 = time.monotonic()

    conn.execute("BEGIN")
    # The one PaymentMethod and balance transaction every seeded charge points at.
    pm_id = pm_doc["id"]
    tx.insert(Stored(dict(pm_doc), dict(pm_private)))
    tx.insert(Stored(dict(txn_doc), dict(txn_private)))
    for i in range(n):
        created = start + (SPAN_SECONDS * i) // max(n, 1)
        intent_id = ids.new_id("payment_intent")
        currency = rng.choice(CURRENCIES)
        amount = rng.choice((500, 999, 1500, 2000, 2500, 4999, 10000, 25000)) + rng.randrange(100)
        doc = lifecycle.new_payment_intent(
            intent_id=intent_id, client_secret=ids.new_client_secret(intent_id), created=created,
            amount=amount, currency=currency)
        doc["payment_method_options"] = {"card": lifecycle.card_options()}
        if rng.random() < 0.5:
            doc["metadata"] = {"order_id": f"ord_{i:08d}"}
        status = rng.choices(statuses, weights)[0]
        if status == "requires_capture" and created < now - HOLD_DAYS * 86400:
            status = "canceled_expired_hold"
        doc.update(fields["canceled" if status == "canceled_expired_hold" else status])
        counts[status] += 1
        if "payment_method" in fields.get(status, {}):
            doc["payment_method"] = pm_id
        if status == "canceled_expired_hold":
            doc["cancellation_reason"] = "automatic"
        if doc.get("canceled_at") is not None:
            doc["canceled_at"] = created + 600
        if status in charge_templates:
            charge_id = ids.new_id("charge")
            template, private = charge_templates[status]
            charge = dict(template)
            charge.update(id=charge_id, created=created, amount=amount, currency=currency,
                          payment_intent=intent_id, payment_method=pm_id,
                          metadata=doc["metadata"])
            if status == "requires_capture":  # the hold ends 7 days after the charge
                details = dict(charge["payment_method_details"])
                details["card"] = {**details["card"], "capture_before": created + 7 * 86400}
                charge["payment_method_details"] = details
            if status == "succeeded":
                charge["amount_captured"] = amount
                doc["amount_received"] = amount
            else:
                doc["amount_capturable"] = amount
            doc["latest_charge"] = charge_id
            tx.insert(Stored(charge, dict(private)))
            charges += 1
        tx.insert(Stored(doc, {}))
        intent_ids.append(intent_id)
        if (i + 1) % BATCH == 0:
            conn.execute("COMMIT")
            if progress:
                progress(i + 1, n, time.monotonic() - t0)
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    # No ANALYZE: a database tender filled through its API has no statistics either.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    # Make the file durable once, so later fsyncs of the benchmark do not pay for it.
    with open(path, "rb+") as f:
        os.fsync(f.fileno())
    return {
        "intents": n,
        "charges": charges,
        "statuses": counts,
        "max_created": now,
        "seconds": round(time.monotonic() - t0, 1),
        "intent_ids": intent_ids,
    }
