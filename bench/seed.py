"""Seed a database with N PaymentIntents directly, without the API.

Documents come from tender's own builders (`new_payment_intent`, `new_id`,
`new_client_secret`, `card_options`), in the same order for every store (`Plan`).

- SQLite (`seed`): rows go in through tender's own insert (`SQLiteTx.insert`, the store's
  INSERT with its derived columns), in transactions of BATCH intents, with no journal and
  no fsync until the end (the file is a cache; tender then runs it in WAL mode as always).
  ~100 µs of CPU per intent: 1M take 2–5 minutes.
- PostgreSQL (`seed_postgres`): each row is built by `PostgresTx.insert` and sent with
  COPY (or, for a statement COPY cannot express, as the store's own statement, pipelined).

Status-specific fields are copied from intents a real tender produced for each status
(see `bench.probe`), so every seeded intent looks like one the API made.

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

import itertools
import os
import random
import re
import sqlite3
import time
from collections.abc import Iterator
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
COPY_CHUNK = 10_000  # PostgreSQL: intents whose rows are built, then copied, per transaction
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


class Plan:
    """The seeded set, intent by intent: the same documents, in the same order, whichever
    store they go into.  `fixed` comes first (the one PaymentMethod and balance transaction
    every seeded charge points at); `intents()` then yields, per intent, the rows to insert
    (its Charge first, when it has one).  Counts are kept as it goes."""

    def __init__(self, n: int, templates: dict[str, Any], now: int, rng_seed: int = 7) -> None:
        self.n = n
        self.now = now
        self.rng = random.Random(rng_seed)
        self.fields = status_fields(templates["intents"])
        self.charge_templates = templates["charges"]
        pm_doc, pm_private = templates["payment_method"]
        txn_doc, txn_private = templates["balance_transaction"]
        self.pm_id = pm_doc["id"]
        self.fixed = [Stored(dict(pm_doc), dict(pm_private)), Stored(dict(txn_doc), dict(txn_private))]
        self.statuses = list(STATUS_WEIGHTS)
        self.weights = list(STATUS_WEIGHTS.values())
        self.counts = dict.fromkeys(self.statuses, 0)
        self.counts["canceled_expired_hold"] = 0
        self.charges = 0
        self.intent_ids: list[str] = []

    def intents(self) -> Iterator[list[Stored]]:
        rng, fields, pm_id, n, now = self.rng, self.fields, self.pm_id, self.n, self.now
        start = now - SPAN_SECONDS
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
            status = rng.choices(self.statuses, self.weights)[0]
            if status == "requires_capture" and created < now - HOLD_DAYS * 86400:
                status = "canceled_expired_hold"
            doc.update(fields["canceled" if status == "canceled_expired_hold" else status])
            self.counts[status] += 1
            if "payment_method" in fields.get(status, {}):
                doc["payment_method"] = pm_id
            if status == "canceled_expired_hold":
                doc["cancellation_reason"] = "automatic"
            if doc.get("canceled_at") is not None:
                doc["canceled_at"] = created + 600
            rows: list[Stored] = []
            if status in self.charge_templates:
                charge_id = ids.new_id("charge")
                template, private = self.charge_templates[status]
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
                rows.append(Stored(charge, dict(private)))
                self.charges += 1
            rows.append(Stored(doc, {}))
            self.intent_ids.append(intent_id)
            yield rows

    def facts(self, seconds: float) -> dict[str, Any]:
        return {
            "intents": self.n,
            "charges": self.charges,
            "statuses": self.counts,
            "max_created": self.now,
            "seconds": round(seconds, 1),
            "intent_ids": self.intent_ids,
        }


def seed(path: str, account: str, n: int, templates: dict[str, Any], *,
         rng_seed: int = 7, progress: Any = None) -> dict[str, Any]:
    """Insert n intents (and their charges) for `account` into the tender database at path.

    Returns facts about the seeded set: counts by status, the newest `created`, the ids
    file content is left to the caller (`intent_ids`)."""
    SQLiteStore(path).close()  # migrations, same as tender's start-up
    plan = Plan(n, templates, int(time.time()), rng_seed)

    conn = sqlite3.connect(path, isolation_level=None)
    # A cache file, written once: no journal (WAL would write every page twice), no fsync
    # until the end.  It is put back in WAL mode, as tender runs it, when done.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    tx = SQLiteTx(conn, account)
    t0 = time.monotonic()

    conn.execute("BEGIN")
    for stored in plan.fixed:
        tx.insert(stored)
    for i, rows in enumerate(plan.intents()):
        for stored in rows:
            tx.insert(stored)
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
    return plan.facts(time.monotonic() - t0)


# -- PostgreSQL -------------------------------------------------------------------------

_INSERT = re.compile(r"^\s*INSERT INTO (\w+) \(([\w\s,]+)\) VALUES \(((?:\s*%s\s*,)*\s*%s\s*)\)\s*$")


class _RowCapture:
    """Stands in for the psycopg connection under `PostgresTx`: the store builds each row
    (derived columns, JSON text, any side-table rows) exactly as it does for a real
    INSERT; the seeder takes the parameters, per statement, and sends them with COPY
    instead of one INSERT per row."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.rows.setdefault(sql, []).append(tuple(params))

    @staticmethod
    def copy_statement(sql: str) -> str | None:
        """`COPY table (columns) FROM STDIN` for a plain INSERT the store ran; None for
        anything else (a CTE writing a side table too, say), which is sent as it is."""
        m = _INSERT.match(sql)
        if m is None:
            return None
        table, columns = m.group(1), [c.strip() for c in m.group(2).split(",")]
        if len(columns) != m.group(3).count("%s"):
            return None
        return f"COPY {table} ({', '.join(columns)}) FROM STDIN"


def seed_postgres(url: str, account: str, n: int, templates: dict[str, Any], *,
                  rng_seed: int = 7, progress: Any = None) -> dict[str, Any]:
    """The same documents as `seed`, into the PostgreSQL database at `url` (migrated,
    with the account in it): each row built by `PostgresTx.insert` and sent with COPY
    (a plain INSERT) or as the store's own statement in a pipeline (anything else), in
    transactions of COPY_CHUNK intents without waiting for the WAL flush (the database is a
    cache; a checkpoint makes it durable at the end), then VACUUM (FREEZE, ANALYZE): a
    database in service has been vacuumed and analysed by autovacuum."""
    import psycopg

    from tender.store.postgres import PostgresTx

    plan = Plan(n, templates, int(time.time()), rng_seed)
    capture = _RowCapture()
    builder = PostgresTx(capture, account)  # type: ignore[arg-type]
    t0 = time.monotonic()
    for stored in plan.fixed:
        builder.insert(stored)
    intents = plan.intents()
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        done = 0
        while True:
            for rows in itertools.islice(intents, COPY_CHUNK):
                for stored in rows:
                    builder.insert(stored)
                done += 1
            if not capture.rows:
                break
            for sql, params in capture.rows.items():
                statement = capture.copy_statement(sql)
                if statement is None:  # the store's own statement, pipelined
                    conn.cursor().executemany(sql, params)
                    continue
                with conn.cursor().copy(statement) as copy:
                    for row in params:
                        copy.write_row(row)
            capture.rows.clear()
            conn.commit()
            if progress and (done % BATCH == 0 or done == n):
                progress(done, n, time.monotonic() - t0)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (FREEZE, ANALYZE)")
        conn.execute("CHECKPOINT")
    return plan.facts(time.monotonic() - t0)
