"""SQLite store: WAL, synchronous=FULL by default, group commit on the event loop.

Write units of work queue up; one task takes whatever is queued (up to BATCH, or
BATCH_SECONDS of work), runs each unit inside its own SAVEPOINT of one transaction,
commits once, and only then answers the callers — so a response is sent only for work
that is on disk, and many concurrent requests share one fsync.  Units run on the event
loop's thread: Python never competes with itself for the GIL, which measured 22–44%
faster than a writer thread (docs/performance.md).  BEGIN IMMEDIATE and COMMIT, which
wait for locks and the disk, run on an I/O thread while the loop serves other requests.
Reads run on the loop's thread against a separate connection (WAL readers never block
the writer).

Several processes may serve one database (`tender serve --workers N`, a separate `tender
dispatcher`).  SQLite lets one transaction write at a time; a batch also holds an
advisory lock on the database file (`flock`) from BEGIN to COMMIT, so a process waiting
for the writer sleeps in the kernel and wakes the moment the other one commits, instead
of polling in SQLite's busy handler (1, 2, 5, 10… ms naps).  Each batch's BEGIN IMMEDIATE
sees every earlier commit, whichever process made it, so a unit's reads are as fresh as
with one process.

With several processes the writer's turn is what limits writes, so while another process
competes for it (the last turn had to wait), API requests rehearse their unit
(`write(..., contained=True)`): it runs at once against the reader's snapshot,
its SELECTs recorded with the rows they found and its other statements only recorded.  Its
turn replays the statements, re-running each SELECT in its place; if one finds other rows
(another unit changed them, or the unit read its own write) or a write another rowcount
than the unit relied on, the replay is undone and the unit runs in its turn as before.  The
turn then holds the SQL only, not the unit's Python (a create+confirm: ~600 → ~200 µs).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import orjson

from tender.core import webhook_endpoints
from tender.core.errors import APIError, IdempotencyConflict, StripeError
from tender.core.search import SearchPlan, metadata_terms
from tender.store.base import (
    PENDING_ANSWER,
    ChargeAttempt,
    IdempotencyRecord,
    ListQuery,
    RequestLogEntry,
    Stored,
)
from tender.store.rows import (
    CHARGE_ATTEMPT_COLUMNS,
    PENDING_WEBHOOKS,
    UNDELIVERED,
    KeysetPages,
    charge_attempt_from_row,
    customer_of,
    event_doc,
    parent_of,
    stored_from_row,
)
from tender.store.schema import migrations

T = TypeVar("T")
BATCH = 256
# A batch's units hold the event loop while they run; past this, the rest of the queue
# waits for the next batch so reads and new requests get a turn.
BATCH_SECONDS = 0.02
log = logging.getLogger("tender.store")


def _connect(path: str, durability: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
    conn.execute("PRAGMA cache_size=-32768")  # 32 MB: as fast as 128 MB in bench/, 100 MB less RSS
    # A unit's SAVEPOINT keeps the pages it changes in a statement journal; on a file
    # (the default, in /var/tmp once past 64 KB) that is a pwrite per page and a temp file
    # per batch: in memory, a write unit costs about 20% less (docs/performance.md).
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the numbered SQL files in `tender.store.migrations` not yet recorded."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied INTEGER)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    applied = []
    for migration in migrations("sqlite"):
        if migration.version in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)).fetchone():
            conn.execute("ROLLBACK")  # another process applied it meanwhile
            continue
        for statement in migration.statements:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?, strftime('%s','now'))", (migration.version,)
        )
        conn.execute("COMMIT")
        applied.append(migration.name)
    return applied


class SQLiteTx(KeysetPages):
    """The unit-of-work view of one connection, scoped to one account."""

    placeholder = "?"

    def __init__(self, conn: sqlite3.Connection, account: str) -> None:
        self.conn = conn
        self.account = account
        # The account's enabled endpoints, read once per unit of work for all its events
        # (a unit that writes an endpoint reads them again).
        self._receivers: list[tuple[str, list[str]]] | None = None

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A nested unit: undone if it raises, unless the error says its changes stay."""
        self.conn.execute("SAVEPOINT atomic")
        try:
            yield
        except StripeError as exc:
            if not exc.persist_changes:
                self.conn.execute("ROLLBACK TO atomic")
                self._receivers = None
            self.conn.execute("RELEASE atomic")
            raise
        except BaseException:
            self.conn.execute("ROLLBACK TO atomic")
            self._receivers = None
            self.conn.execute("RELEASE atomic")
            raise
        else:
            self.conn.execute("RELEASE atomic")

    def get(self, type: str, object_id: str) -> Stored | None:
        row = self.conn.execute(
            "SELECT doc, private FROM objects WHERE id = ? AND account = ? AND type = ?",
            (object_id, self.account, type),
        ).fetchone()
        if row is None:
            return None
        return stored_from_row(row[0], row[1])

    # Units take turns at the database (one write transaction at a time, across processes
    # too): everything a unit reads is already serialised.
    get_for_update = get

    def insert(self, stored: Stored) -> None:
        doc = stored.doc
        if doc["object"] == "webhook_endpoint":
            self._receivers = None
        self.conn.execute(
            "INSERT INTO objects (id, account, type, created, customer, parent, status, doc, private)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc["id"],
                self.account,
                doc["object"],
                doc["created"],
                customer_of(doc),
                parent_of(doc),
                doc.get("status"),
                orjson.dumps(doc),
                orjson.dumps(stored.private),
            ),
        )
        terms = metadata_terms(doc)
        if terms:
            self.conn.executemany(
                "INSERT INTO object_metadata (account, type, key, value, created, object_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(self.account, doc["object"], k, v, doc["created"], doc["id"]) for k, v in terms.items()],
            )

    def update(self, stored: Stored) -> None:
        doc = stored.doc
        if doc["object"] == "webhook_endpoint":
            self._receivers = None
        cur = self.conn.execute(
            "UPDATE objects SET customer = ?, status = ?, doc = ?, private = ?"
            " WHERE id = ? AND account = ?",
            (
                customer_of(doc),
                doc.get("status"),
                orjson.dumps(doc),
                orjson.dumps(stored.private),
                doc["id"],
                self.account,
            ),
        )
        if cur.rowcount != 1:
            return
        # The search index of its metadata, rewritten only when the metadata changed.
        terms = metadata_terms(doc)
        indexed = dict(self.conn.execute(
            "SELECT key, value FROM object_metadata WHERE object_id = ?", (doc["id"],)
        ).fetchall())
        if indexed != terms:
            self.conn.execute("DELETE FROM object_metadata WHERE object_id = ?", (doc["id"],))
            self.conn.executemany(
                "INSERT INTO object_metadata (account, type, key, value, created, object_id)"
                " SELECT account, type, ?, ?, created, id FROM objects WHERE id = ?",
                [(k, v, doc["id"]) for k, v in terms.items()],
            )

    def list(self, query: ListQuery) -> tuple[list[Stored], bool]:
        where = ["account = ?", "type = ?"]
        args: list[Any] = [self.account, query.type]
        if query.customer is not None:
            where.append("customer = ?")
            args.append(query.customer)
        if query.parent is not None:
            where.append("parent = ?")
            args.append(query.parent)
        for op, sql in (("gt", ">"), ("gte", ">="), ("lt", "<"), ("lte", "<="), ("eq", "=")):
            if query.created and op in query.created:
                where.append(f"created {sql} ?")
                args.append(query.created[op])
        backwards = False
        if query.starting_after is not None:
            where.append("(created, id) < (SELECT created, id FROM objects WHERE id = ?)")
            args.append(query.starting_after)
        elif query.ending_before is not None:
            where.append("(created, id) > (SELECT created, id FROM objects WHERE id = ?)")
            args.append(query.ending_before)
            backwards = True
        order = "ASC" if backwards else "DESC"
        rows = self.conn.execute(
            f"SELECT doc, private FROM objects WHERE {' AND '.join(where)}"
            f" ORDER BY created {order}, id {order} LIMIT ?",
            (*args, query.limit + 1),
        ).fetchall()
        has_more = len(rows) > query.limit
        rows = rows[: query.limit]
        if backwards:
            rows.reverse()
        return [stored_from_row(d, p) for d, p in rows], has_more

    def scan(self, type: str) -> Iterable[Stored]:
        for doc, private in self.conn.execute(
            "SELECT doc, private FROM objects WHERE account = ? AND type = ?"
            " ORDER BY created DESC, id DESC",
            (self.account, type),
        ):
            yield stored_from_row(doc, private)

    SEARCH_CHUNK_MAX = 1024  # rows per read, however long the walk

    def search(
        self, type: str, plan: SearchPlan, after: tuple[int, str] | None, chunk: int
    ) -> Iterator[Stored]:
        source, created, id, where, args = self._search_filter(type, plan)
        while True:
            position = f" AND ({created}, {id}) < (?, ?)" if after is not None else ""
            rows = self.conn.execute(
                f"SELECT {created}, {id}, o.doc, o.private FROM {source} WHERE {where}{position}"
                f" ORDER BY {created} DESC, {id} DESC LIMIT ?",
                (*args, *(after or ()), chunk),
            ).fetchall()
            for _, _, doc, private in rows:
                yield stored_from_row(doc, private)
            if len(rows) < chunk:
                return
            after = rows[-1][0], rows[-1][1]
            chunk = min(chunk * 2, self.SEARCH_CHUNK_MAX)

    def count_search(self, type: str, plan: SearchPlan) -> int:
        source, _, _, where, args = self._search_filter(type, plan)
        return int(self.conn.execute(f"SELECT count(*) FROM {source} WHERE {where}", args).fetchone()[0])

    def _search_filter(self, type: str, plan: SearchPlan) -> tuple[str, str, str, str, Sequence[Any]]:
        """FROM and WHERE for a search plan, and the columns its walk pages on: the
        metadata index when the plan has a metadata pair, else the objects' indexes."""
        if plan.metadata:
            (key, value), others = plan.metadata[0], plan.metadata[1:]
            # CROSS JOIN: SQLite walks the metadata index first, in its order.
            source = "object_metadata m CROSS JOIN objects o ON o.id = m.object_id"
            created, id = "m.created", "m.object_id"
            where = ["m.account = ?", "m.type = ?", "m.key = ?", "m.value = ?"]
            args: list[Any] = [self.account, type, key, value]
            for key, value in others:
                where.append(
                    "EXISTS (SELECT 1 FROM object_metadata x"
                    " WHERE x.object_id = m.object_id AND x.key = ? AND x.value = ?)"
                )
                args += [key, value]
        else:
            source, created, id = "objects o", "o.created", "o.id"
            where, args = ["o.account = ?", "o.type = ?"], [self.account, type]
        if plan.status is not None:
            # A customer has few objects, a status many: `+` keeps SQLite on the
            # customer's index when there is one to use.
            where.append("+o.status = ?" if plan.customer is not None else "o.status = ?")
            args.append(plan.status)
        if plan.customer is not None:
            where.append("o.customer = ?")
            args.append(plan.customer)
        for op, bound in plan.created:
            where.append(f"{created} {op} ?")  # one of = > < >= <=
            args.append(bound)
        return source, created, id, " AND ".join(where), args

    def find_by_status(self, type: str, status: str) -> list[Stored]:
        rows = self.conn.execute(
            "SELECT doc, private FROM objects WHERE type = ? AND status = ? AND account = ?",
            (type, status, self.account),
        ).fetchall()
        return [stored_from_row(d, p) for d, p in rows]

    def holds_due(self, now: int) -> list[str]:
        """Uncaptured PaymentIntents whose charge's `capture_before` has passed, found
        in SQL so the sweep decodes only those (the rule itself stays in the service)."""
        return [row[0] for row in self.conn.execute(
            "SELECT o.id FROM objects o JOIN objects c ON c.id = json_extract(o.doc, '$.latest_charge')"
            " WHERE o.type = 'payment_intent' AND o.status = 'requires_capture' AND o.account = ?"
            " AND json_extract(c.doc, '$.payment_method_details.card.capture_before') <= ?",
            (self.account, now),
        )]

    def account_settings(self) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT settings FROM accounts WHERE id = ?", (self.account,)
        ).fetchone()
        return dict(orjson.loads(row[0])) if row else {}

    def save_account_settings(self, settings: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE accounts SET settings = ? WHERE id = ?", (orjson.dumps(settings), self.account)
        )

    def insert_event(self, event: dict[str, Any]) -> None:
        """The event, and in the same transaction one outbox row per enabled endpoint
        that receives its type: no event is ever without its deliveries."""
        self.conn.execute(
            "INSERT INTO events (id, account, type, created, object_id, doc) VALUES (?, ?, ?, ?, ?, ?)",
            (event["id"], self.account, event["type"], event["created"],
             event["data"]["object"].get("id"), orjson.dumps(event)),
        )
        now = time.time()
        if self._receivers is None:
            self._receivers = [
                (endpoint_id, orjson.loads(enabled_events))
                for endpoint_id, enabled_events in self.conn.execute(
                    "SELECT id, json_extract(doc, '$.enabled_events') FROM objects"
                    " WHERE type = 'webhook_endpoint' AND status = 'enabled' AND account = ?",
                    (self.account,),
                )
            ]
        for endpoint_id, enabled_events in self._receivers:
            if webhook_endpoints.receives(enabled_events, event["type"]):
                self.conn.execute(
                    "INSERT OR IGNORE INTO deliveries (event_id, endpoint_id, account, status,"
                    " created, window_start, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                    (event["id"], endpoint_id, self.account, now, now, now),
                )

    # -- events and webhook deliveries (issue 4) ------------------------------------

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT doc, {PENDING_WEBHOOKS} FROM events WHERE id = ? AND account = ?",
            (event_id, self.account),
        ).fetchone()
        return event_doc(row) if row else None

    def list_events(
        self,
        *,
        limit: int,
        starting_after: str | None = None,
        ending_before: str | None = None,
        created: dict[str, int] | None = None,
        type_pattern: str | None = None,
        types: list[str] | None = None,
        delivery_success: bool | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Newest first; `type_pattern` may use `*` wildcards; `delivery_success`
        keeps events every endpoint received (true) or not yet / never (false)."""
        where = ["account = ?"]
        args: list[Any] = [self.account]
        if type_pattern is not None:
            where.append("type GLOB ?")
            args.append(type_pattern)
        if types is not None:
            where.append(f"type IN ({', '.join('?' * len(types))})")
            args.extend(types)
        for op, sql in (("gt", ">"), ("gte", ">="), ("lt", "<"), ("lte", "<="), ("eq", "=")):
            if created and op in created:
                where.append(f"created {sql} ?")
                args.append(created[op])
        if delivery_success is not None:
            where.append(("NOT " if delivery_success else "") + f"EXISTS ({UNDELIVERED})")
        backwards = False
        if starting_after is not None:
            where.append("(created, id) < (SELECT created, id FROM events WHERE id = ?)")
            args.append(starting_after)
        elif ending_before is not None:
            where.append("(created, id) > (SELECT created, id FROM events WHERE id = ?)")
            args.append(ending_before)
            backwards = True
        order = "ASC" if backwards else "DESC"
        rows = self.conn.execute(
            f"SELECT doc, {PENDING_WEBHOOKS} FROM events WHERE {' AND '.join(where)}"
            f" ORDER BY created {order}, id {order} LIMIT ?",
            (*args, limit + 1),
        ).fetchall()
        has_more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        return [event_doc(row) for row in rows], has_more

    def events_about(self, object_ids: list[str], limit: int) -> list[dict[str, Any]]:
        """Oldest first, through `events_by_object` (a payment's timeline)."""
        rows = self.conn.execute(
            # Named: unprompted, the planner walks events_by_created to skip a sort of a handful of rows.
            f"SELECT doc, {PENDING_WEBHOOKS} FROM events INDEXED BY events_by_object WHERE account = ?"
            f" AND object_id IN ({', '.join('?' * len(object_ids)) or 'NULL'})"
            " ORDER BY created, id LIMIT ?",
            (self.account, *object_ids, limit),
        ).fetchall()
        return [event_doc(row) for row in rows]

    def delete(self, type: str, object_id: str) -> bool:
        if type == "webhook_endpoint":
            self._receivers = None
        cur = self.conn.execute(
            "DELETE FROM objects WHERE id = ? AND account = ? AND type = ?",
            (object_id, self.account, type),
        )
        if cur.rowcount != 1:
            return False
        self.conn.execute("DELETE FROM object_metadata WHERE object_id = ?", (object_id,))
        return True

    def close_deliveries(self, endpoint_id: str, status: str) -> int:
        """Stop retrying an endpoint's pending deliveries (it was disabled or deleted)."""
        cur = self.conn.execute(
            "UPDATE deliveries SET status = ?, next_attempt_at = NULL, claim = NULL"
            " WHERE endpoint_id = ? AND account = ? AND status = 'pending'",
            (status, endpoint_id, self.account),
        )
        return cur.rowcount

    def get_delivery(self, event_id: str, endpoint_id: str) -> dict[str, Any] | None:
        cur = self.conn.execute(
            "SELECT * FROM deliveries WHERE event_id = ? AND endpoint_id = ? AND account = ?",
            (event_id, endpoint_id, self.account),
        )
        row = cur.fetchone()
        return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else None

    def schedule_delivery(self, event_id: str, endpoint_id: str, now: float) -> None:
        """Due now, with a fresh retry window: a manual resend (or a first delivery)."""
        self.conn.execute(
            "INSERT INTO deliveries (event_id, endpoint_id, account, status, created,"
            " window_start, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)"
            " ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending',"
            " window_start = excluded.window_start, next_attempt_at = excluded.next_attempt_at,"
            " claim = NULL",
            (event_id, endpoint_id, self.account, now, now, now),
        )

    def finish_delivery(
        self,
        event_id: str,
        endpoint_id: str,
        *,
        status: str,
        next_attempt_at: float | None,
        attempted_at: float,
        status_code: int | None,
        error: str | None,
    ) -> None:
        self.conn.execute(
            "UPDATE deliveries SET status = ?, next_attempt_at = ?, claim = NULL,"
            " attempts = attempts + 1, last_attempt_at = ?, last_status_code = ?, last_error = ?"
            " WHERE event_id = ? AND endpoint_id = ? AND account = ?",
            (status, next_attempt_at, attempted_at, status_code, error, event_id, endpoint_id,
             self.account),
        )

    def insert_delivery_attempt(self, attempt: dict[str, Any]) -> int:
        cur = self.conn.execute(
            "INSERT INTO delivery_attempts (account, event_id, endpoint_id, event_type, url,"
            " attempted_at, succeeded, status_code, latency_ms, response_body, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.account, attempt["event_id"], attempt["endpoint_id"], attempt["event_type"],
                attempt["url"], attempt["attempted_at"], int(attempt["succeeded"]),
                attempt["status_code"], attempt["latency_ms"], attempt["response_body"],
                attempt["error"],
            ),
        )
        return int(cur.lastrowid or 0)

    def list_delivery_attempts(
        self,
        endpoint_id: str,
        *,
        limit: int,
        event_id: str | None = None,
        starting_after: int | None = None,
        ending_before: int | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """An endpoint's attempts, newest first; cursors are attempt numbers."""
        where = ["endpoint_id = ?", "account = ?"]
        args: list[Any] = [endpoint_id, self.account]
        if event_id is not None:
            where.append("event_id = ?")
            args.append(event_id)
        return self._id_page("delivery_attempts", where, args, limit, starting_after, ending_before)

    def save_idempotency(self, key: str, record: IdempotencyRecord) -> None:
        """The answer to a key, written with the work it describes.  It may replace only a
        placeholder (a charge attempt's, `PENDING`): finding a real answer means another
        process ran the same key meanwhile (each checks for a record before its unit, and
        units take turns), so this unit is undone and answered 409, as for any request
        whose key is still being executed."""
        cur = self.conn.execute(
            "INSERT INTO idempotency_keys"
            " (account, key, method, path, params_hash, status, body, request_id, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, strftime('%s','now'))"
            " ON CONFLICT (account, key) DO UPDATE SET method = excluded.method,"
            " path = excluded.path, params_hash = excluded.params_hash, status = excluded.status,"
            " body = excluded.body, request_id = excluded.request_id, created = excluded.created"
            " WHERE idempotency_keys.status = ?",
            (
                self.account,
                key,
                record.method,
                record.path,
                record.params_hash,
                record.status,
                record.body,
                record.request_id,
                PENDING_ANSWER,
            ),
        )
        if cur.rowcount == 0:
            raise IdempotencyConflict()

    # -- request logs (issue 8) -------------------------------------------------------

    def insert_request_logs(self, entries: Sequence[RequestLogEntry]) -> None:
        self.conn.executemany(
            "INSERT INTO request_logs (account, created, method, path, status, request_id,"
            " key_kind, key_last4, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            entries,  # tuples in the columns' order
        )

    # -- charge attempts (remote processors) -------------------------------------------

    def insert_charge_attempt(self, attempt: ChargeAttempt) -> None:
        self.conn.execute(
            f"INSERT INTO charge_attempts ({CHARGE_ATTEMPT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                attempt.id, self.account, attempt.payment_intent, orjson.dumps(attempt.request),
                orjson.dumps(attempt.context), attempt.created, attempt.status, attempt.outcome,
            ),
        )

    def get_charge_attempt(self, attempt_id: str) -> ChargeAttempt | None:
        row = self.conn.execute(
            f"SELECT {CHARGE_ATTEMPT_COLUMNS} FROM charge_attempts WHERE id = ? AND account = ?",
            (attempt_id, self.account),
        ).fetchone()
        return charge_attempt_from_row(row) if row else None

    def finish_charge_attempt(self, attempt_id: str, status: str, outcome: str) -> None:
        self.conn.execute(
            "UPDATE charge_attempts SET status = ?, outcome = ?, resolved = ? WHERE id = ? AND account = ?",
            (status, outcome, time.time(), attempt_id, self.account),
        )


class _ReadTx(SQLiteTx):
    @contextmanager
    def atomic(self) -> Iterator[None]:
        yield


def _endpoint_scope(endpoint_ids: Iterable[str] | None) -> tuple[str, list[str]]:
    """A SQL condition limiting deliveries to some endpoints (`tender listen`)."""
    if endpoint_ids is None:
        return "", []
    chosen = list(endpoint_ids)
    return f" AND endpoint_id IN ({', '.join('?' * len(chosen)) or 'NULL'})", chosen


# A unit run ahead of its turn (`SQLiteStore._rehearse`): its statements in order, and
# what it answered (ok, result or error, whether its changes stay).
_READ, _WRITE, _MANY = 0, 1, 2
_Step = list[Any]  # [kind, sql, parameters, rows read | rowcount the unit relied on]
_Rehearsed = tuple[list[_Step], tuple[bool, Any, bool]]


class _Unpredictable(Exception):
    """A rehearsed unit asked for what only executing its write can tell."""


class _Rehearsal:
    """Stands in for the writer's connection while a unit runs ahead of its turn: a
    SELECT runs on the reader's snapshot and is recorded with the rows it found; any
    other statement is only recorded.  A unit that reads a write's rowcount is assumed
    to find 1, and the replay checks it did.  A SAVEPOINT released with no ROLLBACK TO
    since changed nothing: the pair is left out of the replay."""

    def __init__(self, reader: sqlite3.Connection) -> None:
        self._reader = reader
        self._steps: list[_Step | None] = []
        self._savepoints: list[tuple[str, int, int]] = []  # name, its step, rollbacks before it
        self._rollbacks = 0

    @property
    def steps(self) -> list[_Step]:
        return [step for step in self._steps if step is not None]

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _Rows | _Written:
        if isinstance(parameters, list):  # kept for the replay: the caller may reuse its list
            parameters = tuple(parameters)
        if sql.startswith("SELECT"):
            rows = self._reader.execute(sql, parameters).fetchall()
            self._steps.append([_READ, sql, parameters, rows])
            return _Rows(rows)
        if sql.startswith("SAVEPOINT "):
            self._savepoints.append((sql[10:], len(self._steps), self._rollbacks))
        elif sql.startswith("ROLLBACK TO "):
            self._rollbacks += 1
        elif sql.startswith("RELEASE ") and self._savepoints:
            name, index, rollbacks = self._savepoints.pop()
            if name == sql[8:] and rollbacks == self._rollbacks:
                self._steps[index] = None
                return _Written(None)
            self._savepoints.clear()  # not the innermost one: keep every pair from here on
        step = [_WRITE, sql, parameters, None]
        self._steps.append(step)
        return _Written(step)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> _Written:
        self._steps.append([_MANY, sql, list(seq), None])
        return _Written(None)


class _Rows:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = iter(rows)

    def fetchone(self) -> Any:
        return next(self._rows, None)

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return self._rows


class _Written:
    def __init__(self, step: _Step | None) -> None:
        self._step = step

    @property
    def rowcount(self) -> int:
        if self._step is None:  # executemany: no single row to assume
            raise _Unpredictable("rowcount of executemany")
        self._step[3] = 1
        return 1

    def __getattr__(self, name: str) -> Any:  # lastrowid, fetchone of RETURNING, …
        raise _Unpredictable(name)


def _replay(conn: sqlite3.Connection, steps: list[_Step]) -> bool:
    """The rehearsed statements on the writer's connection, in their order; False as
    soon as a read finds other rows, or a write another rowcount, than the rehearsal."""
    for kind, sql, parameters, seen in steps:
        if kind == _READ:
            if conn.execute(sql, parameters).fetchall() != seen:
                return False
        elif kind == _MANY:
            conn.executemany(sql, parameters)
        elif conn.execute(sql, parameters).rowcount != seen and seen is not None:
            return False
    return True


_Unit = tuple[str, Callable[[SQLiteTx], Any], "asyncio.Future[Any]", "_Rehearsed | None"]


def _run_unit(
    conn: sqlite3.Connection, account: str, fn: Callable[[SQLiteTx], Any], rehearsed: _Rehearsed | None = None
) -> tuple[bool, Any]:
    """One request's unit of work inside the batch's transaction: its SAVEPOINT is
    rolled back when it fails, unless the error says its changes stay.  A rehearsed unit
    replays its statements; if any read finds other rows than the rehearsal did, the
    replay is undone and `fn` runs here after all."""
    conn.execute("SAVEPOINT unit")
    if rehearsed is not None:
        steps, (ok, value, keep) = rehearsed
        try:
            replayed = _replay(conn, steps)
        except Exception:  # e.g. a constraint another unit's write now breaks
            replayed = False
        if replayed:
            if not keep:
                conn.execute("ROLLBACK TO unit")
            conn.execute("RELEASE unit")
            return ok, value
        conn.execute("ROLLBACK TO unit")
    try:
        result = fn(SQLiteTx(conn, account))
    except StripeError as exc:
        if not exc.persist_changes:
            conn.execute("ROLLBACK TO unit")
        conn.execute("RELEASE unit")
        return False, exc
    except Exception as exc:  # a bug or a database failure: keep nothing of it
        conn.execute("ROLLBACK TO unit")
        conn.execute("RELEASE unit")
        return False, exc
    conn.execute("RELEASE unit")
    return True, result


class SQLiteStore:
    def __init__(self, path: str, durability: str = "full", rehearse_always: bool = False) -> None:
        self.path = path
        self.durability = durability
        # Rehearsing pays only while another process competes for the writer's turn
        # (alone, a process runs the same Python either way, and measured 6–15% slower
        # creates rehearsing); tests ask for it always.
        self.rehearse_always = rehearse_always
        setup = _connect(path, durability)
        migrate(setup)
        setup.close()
        self._reader = _connect(path, durability)
        self._writer = _connect(path, durability)
        self._pending: list[_Unit] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._committing = False
        # BEGIN IMMEDIATE (which may wait for another process's lock) and COMMIT (the
        # fsync) release the GIL and can take milliseconds: they run on this thread.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tender-commit")
        self._turn = _WriterTurn(path)

    # -- writes ---------------------------------------------------------------------

    async def write(self, account: str, fn: Callable[[SQLiteTx], T], contained: bool = False) -> T:
        """Run `fn` in a transaction shared with the other writes queued meanwhile (group
        commit) and return its result once that transaction is on disk.

        A `contained` unit (no effect outside the transaction but its result) may first
        run at once against a snapshot (`_rehearse`), its turn at the database then only
        replaying the statements it made: the Python of the unit runs while another
        process holds the writer's turn."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._loop is not None and not self._loop.is_closed() and self._pending:
                raise RuntimeError("SQLiteStore.write used from two event loops at once")
            self._loop, self._pending, self._committing = loop, [], False
        future: asyncio.Future[T] = loop.create_future()
        rehearsed = None
        if contained and (self._turn.contended or self.rehearse_always):
            rehearsed = self._rehearse(account, fn)
        self._pending.append((account, fn, future, rehearsed))
        if not self._committing:
            self._committing = True
            loop.create_task(self._commit_pending())
        return await future

    def write_sync(self, account: str, fn: Callable[[SQLiteTx], T]) -> T:
        """For the CLI and start-up: run one unit of work outside any event loop."""
        conn = _connect(self.path, self.durability)
        try:
            conn.execute("BEGIN IMMEDIATE")
            result = fn(SQLiteTx(conn, account))
            conn.execute("COMMIT")
            return result
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    async def _commit_pending(self) -> None:
        """Batches until nothing is queued.  Units run here, on the event loop's thread,
        one SAVEPOINT each; only BEGIN and COMMIT go to the I/O thread, and requests that
        arrive during a COMMIT form the next batch."""
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                await asyncio.sleep(0)  # requests already read join this batch
                batch: list[_Unit] = []
                try:
                    outcomes = await self._run_batch(loop, batch)
                except BaseException as exc:  # never leave callers waiting
                    log.exception("writer batch failed")
                    failure = APIError("The database could not complete this request. Retry it.")
                    failure.__cause__ = exc
                    if not batch:  # it failed before taking its units
                        batch = self._take()
                    outcomes = [(False, failure)] * len(batch)
                    # Never keep the turn from the other processes (a no-op if not held).
                    self._turn.end(self._writer, "ROLLBACK")
                    self._writer = _reset(self._writer, self.path, self.durability)
                for (_, _, future, _), (ok, value) in zip(batch, outcomes, strict=True):
                    _resolve(future, ok, value)
        finally:
            self._committing = False

    def _rehearse(self, account: str, fn: Callable[[SQLiteTx], Any]) -> _Rehearsed | None:
        """`fn` run against the reader's snapshot, its statements recorded (reads with
        the rows they found, writes unexecuted); None when it needs what only the real
        write can tell, or fails in a way its turn should meet for itself."""
        stand_in = _Rehearsal(self._reader)
        try:
            self._reader.execute("BEGIN")
        except sqlite3.Error:
            return None
        try:
            outcome = (True, fn(SQLiteTx(stand_in, account)), True)  # type: ignore[arg-type]
        except StripeError as exc:
            outcome = (False, exc, exc.persist_changes)
        except Exception:  # _Unpredictable, a bug, a database error: run in the turn
            return None
        finally:
            self._reader.execute("COMMIT")
        return stand_in.steps, outcome

    def _take(self) -> list[_Unit]:
        batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
        return batch

    async def _run_batch(self, loop: asyncio.AbstractEventLoop, batch: list[_Unit]) -> list[tuple[bool, Any]]:
        """One transaction.  The units are taken (into `batch`) once the writer's turn is
        ours: with several processes, whatever was queued while another process held the
        turn joins this batch instead of waiting for the next one and its own fsync."""
        conn = self._writer
        outcomes: list[tuple[bool, Any]] = []
        await loop.run_in_executor(self._io, self._turn.begin, conn)
        batch.extend(self._take())
        try:
            deadline = time.perf_counter() + BATCH_SECONDS
            for index, (account, fn, _, rehearsed) in enumerate(batch):
                if time.perf_counter() > deadline:  # the loop has other work: the rest waits
                    self._pending[:0] = batch[index:]
                    del batch[index:]
                    break
                outcomes.append(_run_unit(conn, account, fn, rehearsed))
            await loop.run_in_executor(self._io, self._turn.end, conn, "COMMIT")
        except sqlite3.Error as exc:
            log.exception("commit failed")
            self._turn.end(conn, "ROLLBACK")
            failure = APIError("The database could not commit this request. Retry it.")
            failure.__cause__ = exc
            outcomes = [(False, failure)] * len(batch)
        return outcomes

    # -- reads ----------------------------------------------------------------------

    async def read(self, account: str, fn: Callable[[SQLiteTx], T]) -> T:
        """`fn` sees one snapshot (a deferred transaction), without the SAVEPOINTs a
        write unit takes: a read has nothing to roll back."""
        conn = self._reader
        conn.execute("BEGIN")
        try:
            return fn(_ReadTx(conn, account))
        finally:
            conn.execute("COMMIT")

    async def get_idempotency(self, account: str, key: str) -> IdempotencyRecord | None:
        row = self._reader.execute(
            "SELECT method, path, params_hash, status, body, request_id FROM idempotency_keys"
            " WHERE account = ? AND key = ?",
            (account, key),
        ).fetchone()
        return IdempotencyRecord(*row) if row else None

    async def claim_idempotency(self, account: str, key: str) -> bool:
        """Units take turns at the database, so no claim is written: `InFlight` excludes
        concurrent use of a key in this process, and a unit of another process that ran
        the same key meanwhile is undone by `SQLiteTx.save_idempotency`."""
        return await self.get_idempotency(account, key) is None

    async def release_idempotency(self, account: str, key: str) -> None:
        return None

    async def find_api_key(self, key_hash: str) -> tuple[str, str] | None:
        row = self._reader.execute(
            "SELECT account, kind FROM api_keys WHERE key_hash = ?"
            " AND (expires_at IS NULL OR expires_at > strftime('%s','now'))",
            (key_hash,),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def pending_charge_attempts(self, created_before: float) -> list[ChargeAttempt]:
        rows = self._reader.execute(
            f"SELECT {CHARGE_ATTEMPT_COLUMNS} FROM charge_attempts WHERE status = 'pending' AND created < ?"
            " ORDER BY created",
            (created_before,),
        ).fetchall()
        return [charge_attempt_from_row(row) for row in rows]

    # -- accounts and keys ----------------------------------------------------------

    def ensure_account(self, account: str, settings: dict[str, Any]) -> bool:
        """Create the account if missing; True when it was created now."""
        def create(tx: SQLiteTx) -> bool:
            cur = tx.conn.execute(
                "INSERT OR IGNORE INTO accounts (id, created, settings) VALUES (?, strftime('%s','now'), ?)",
                (account, orjson.dumps(settings)),
            )
            return cur.rowcount == 1
        return self.write_sync(account, create)

    def read_settings(self, account: str) -> dict[str, Any]:
        row = self._reader.execute("SELECT settings FROM accounts WHERE id = ?", (account,)).fetchone()
        return dict(orjson.loads(row[0])) if row else {}

    def first_account(self) -> str | None:
        row = self._reader.execute("SELECT id FROM accounts ORDER BY created LIMIT 1").fetchone()
        return row[0] if row else None

    def add_api_key(self, account: str, key_hash: str, kind: str, last4: str) -> None:
        def add(tx: SQLiteTx) -> None:
            tx.conn.execute(
                "INSERT OR IGNORE INTO api_keys (key_hash, account, kind, last4, created)"
                " VALUES (?, ?, ?, ?, strftime('%s','now'))",
                (key_hash, account, kind, last4),
            )
        self.write_sync(account, add)

    def delete_api_keys(self, account: str) -> None:
        def delete(tx: SQLiteTx) -> None:
            tx.conn.execute("DELETE FROM api_keys WHERE account = ?", (account,))
        self.write_sync(account, delete)

    def api_keys(self, account: str) -> list[tuple[str, str]]:
        return [
            (kind, last4)
            for kind, last4 in self._reader.execute(
                "SELECT kind, last4 FROM api_keys WHERE account = ? ORDER BY created", (account,)
            )
        ]

    def list_api_keys(self, account: str) -> list[dict[str, Any]]:
        """The keys that still work: kind, last4, created, expires_at (None: never)."""
        cur = self._reader.execute(
            "SELECT kind, last4, created, expires_at FROM api_keys WHERE account = ?"
            " AND (expires_at IS NULL OR expires_at > strftime('%s','now')) ORDER BY created, kind",
            (account,),
        )
        return [dict(zip(("kind", "last4", "created", "expires_at"), row, strict=True)) for row in cur]

    def roll_api_key(self, account: str, kind: str, key_hash: str, last4: str, old_expires_at: int | None) -> None:
        """In one transaction: a new key of `kind`; the account's other keys of that kind
        are deleted (`old_expires_at` None) or stop working at `old_expires_at`."""
        def roll(tx: SQLiteTx) -> None:
            if old_expires_at is None:
                tx.conn.execute("DELETE FROM api_keys WHERE account = ? AND kind = ?", (account, kind))
            else:
                tx.conn.execute(
                    "UPDATE api_keys SET expires_at = ? WHERE account = ? AND kind = ?"
                    " AND (expires_at IS NULL OR expires_at > ?)",
                    (old_expires_at, account, kind, old_expires_at),
                )
            tx.conn.execute(
                "INSERT INTO api_keys (key_hash, account, kind, last4, created)"
                " VALUES (?, ?, ?, ?, strftime('%s','now'))",
                (key_hash, account, kind, last4),
            )
        self.write_sync(account, roll)

    # -- the webhook outbox, across accounts (issue 4) -------------------------------

    async def next_delivery_due(self, endpoint_ids: Iterable[str] | None = None) -> float | None:
        """When the earliest pending delivery comes due (None: nothing pending)."""
        scope, args = _endpoint_scope(endpoint_ids)
        row = self._reader.execute(
            f"SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'{scope}", args
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    async def claim_deliveries(
        self,
        *,
        now: float,
        lease_until: float,
        token: str,
        limit: int,
        per_endpoint: int,
        busy: dict[str, int],
        endpoint_ids: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Take up to `limit` due deliveries, at most `per_endpoint` in flight for any one
        endpoint (counting `busy`, those this dispatcher already holds), so a slow or
        dead endpoint cannot occupy every slot.  A claim is a lease: the delivery comes
        due again at `lease_until` unless its outcome is recorded first, which is what
        makes a `kill -9` between claim and record harmless (at-least-once)."""
        scope, scope_args = _endpoint_scope(endpoint_ids)

        def claim(tx: SQLiteTx) -> list[dict[str, Any]]:
            conn = tx.conn
            candidates = conn.execute(
                "SELECT event_id, endpoint_id FROM (SELECT event_id, endpoint_id, next_attempt_at,"
                " ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, event_id) AS rank"
                f" FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?{scope})"
                " WHERE rank <= ? ORDER BY next_attempt_at",
                (now, *scope_args, per_endpoint),
            ).fetchall()
            taken: dict[str, int] = {}
            claimed: list[dict[str, Any]] = []
            for event_id, endpoint_id in candidates:
                if len(claimed) >= limit:
                    break
                if busy.get(endpoint_id, 0) + taken.get(endpoint_id, 0) >= per_endpoint:
                    continue
                row = conn.execute(
                    "SELECT d.account, d.attempts, d.window_start, e.type, e.doc, o.doc, o.private,"
                    " (SELECT COUNT(*) FROM deliveries x WHERE x.event_id = d.event_id"
                    "  AND x.status IN ('pending', 'failed'))"
                    " FROM deliveries d LEFT JOIN events e ON e.id = d.event_id"
                    " LEFT JOIN objects o ON o.id = d.endpoint_id AND o.type = 'webhook_endpoint'"
                    " WHERE d.event_id = ? AND d.endpoint_id = ?",
                    (event_id, endpoint_id),
                ).fetchone()
                account, attempts, window_start, event_type, event_json, doc, private, pending = row
                if event_json is None or doc is None:  # retention or endpoint deletion won
                    conn.execute(
                        "UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL"
                        " WHERE event_id = ? AND endpoint_id = ?",
                        (event_id, endpoint_id),
                    )
                    continue
                endpoint = orjson.loads(doc)
                if endpoint["status"] != "enabled":
                    conn.execute(
                        "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL"
                        " WHERE event_id = ? AND endpoint_id = ?",
                        (event_id, endpoint_id),
                    )
                    continue
                conn.execute(
                    "UPDATE deliveries SET next_attempt_at = ?, claim = ?"
                    " WHERE event_id = ? AND endpoint_id = ?",
                    (lease_until, token, event_id, endpoint_id),
                )
                taken[endpoint_id] = taken.get(endpoint_id, 0) + 1
                claimed.append({
                    "account": account,
                    "event_id": event_id,
                    "event_type": event_type,
                    "event": event_doc((event_json, pending)),
                    "endpoint_id": endpoint_id,
                    "url": endpoint["url"],
                    "private": orjson.loads(private),
                    "attempts": attempts,
                    "window_start": window_start,
                })
            return claimed

        return await self.write("", claim)

    async def delete_events_before(self, cutoff: int, batch: int = 5000) -> int:
        """Retention: events created before `cutoff`, with their deliveries and attempts,
        in batches so that no single transaction holds the writer for long."""

        def delete(tx: SQLiteTx) -> int:
            conn = tx.conn
            ids = [r[0] for r in conn.execute(  # per account, on events_by_created
                "SELECT e.id FROM accounts AS a CROSS JOIN events AS e"
                " WHERE e.account = a.id AND e.created < ? LIMIT ?",
                (cutoff, batch),
            )]
            for table in ("delivery_attempts", "deliveries"):
                conn.executemany(f"DELETE FROM {table} WHERE event_id = ?", [(i,) for i in ids])
            conn.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in ids])
            return len(ids)

        total = 0
        while True:
            deleted = await self.write("", delete)
            total += deleted
            if deleted < batch:
                return total

    def events_after(
        self, account: str, after: tuple[int, str] | None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Events newer than `after` (created, id), oldest first: `tender events tail`."""
        where, args = "account = ?", [account]
        if after is not None:
            where += " AND (created, id) > (?, ?)"
            args += [after[0], after[1]]
        rows = self._reader.execute(
            f"SELECT doc, {PENDING_WEBHOOKS} FROM events WHERE {where}"
            " ORDER BY created, id LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [event_doc(row) for row in rows]

    def attempts_after(self, after_id: int, endpoint_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Delivery attempts recorded after attempt number `after_id`, oldest first."""
        scope, args = _endpoint_scope(endpoint_ids)
        cur = self._reader.execute(
            f"SELECT * FROM delivery_attempts WHERE id > ?{scope} ORDER BY id LIMIT 1000",
            (after_id, *args),
        )
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def last_attempt_id(self) -> int:
        row = self._reader.execute("SELECT MAX(id) FROM delivery_attempts").fetchone()
        return int(row[0] or 0)

    def add_expiring_api_key(self, account: str, key_hash: str, kind: str, last4: str, expires_at: int) -> None:
        """A key for one CLI command (`tender trigger`), unusable after `expires_at`."""
        def add(tx: SQLiteTx) -> None:
            tx.conn.execute(
                "INSERT INTO api_keys (key_hash, account, kind, last4, created, expires_at)"
                " VALUES (?, ?, ?, ?, strftime('%s','now'), ?)",
                (key_hash, account, kind, last4, expires_at),
            )
        self.write_sync(account, add)

    def delete_api_key(self, key_hash: str) -> None:
        def delete(tx: SQLiteTx) -> None:
            tx.conn.execute("DELETE FROM api_keys WHERE key_hash = ?", (key_hash,))
        self.write_sync("", delete)

    def close(self) -> None:
        self._io.shutdown(wait=True)
        self._writer.close()
        self._reader.close()
        # Last: closing any descriptor of the file drops every POSIX lock this process
        # holds on it, SQLite's included, so it must outlive the connections.
        self._turn.close()


class _WriterTurn:
    """This process's turn at writing the database: an exclusive `flock` on the database
    file, then BEGIN IMMEDIATE; given back after COMMIT or ROLLBACK.  Without it, a
    process finding the database locked would poll in SQLite's busy handler.  SQLite's own
    lock still decides (the CLI's short units and migrations take only that one)."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self._held = False
        self.contended = False  # whether the last turn had to wait for another process

    def begin(self, conn: sqlite3.Connection) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.contended = False
        except BlockingIOError:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            self.contended = True
        self._held = True
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release()
            raise

    def end(self, conn: sqlite3.Connection, statement: str) -> None:
        """COMMIT or ROLLBACK, then the turn passes (also when the statement fails)."""
        try:
            if conn.in_transaction:
                conn.execute(statement)
        finally:
            self._release()

    def _release(self) -> None:
        if self._held:
            self._held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


def _reset(conn: sqlite3.Connection, path: str, durability: str) -> sqlite3.Connection:
    """A connection left in an unknown state is replaced by a fresh one."""
    try:
        conn.close()
    except sqlite3.Error:
        pass
    return _connect(path, durability)


def _resolve(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
