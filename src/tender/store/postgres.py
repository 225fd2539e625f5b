"""PostgreSQL store: many tender processes on one database.

Each write unit of work runs in its own READ COMMITTED transaction on a pooled
connection: row locks (`get_for_update` is `SELECT … FOR UPDATE`) serialise the work on
one object, work on different objects proceeds in parallel, in this process and in every
other one.  A unit that loses a deadlock or a serialization check is run again, a bounded
number of times, from the start (units are plain functions of their transaction, so that
is safe).

Where a unit runs:
- reads and `contained` writes (API requests with the simulated processor, the
  idempotency claims, the outbox): on the event loop, over asyncpg (`pg_loop`), which
  keeps the unit's Python on the loop's thread and costs the least per statement;
- other writes (a unit that may call a remote processor), and everything synchronous
  (the CLI, start-up): psycopg, in a thread of the store's own executor for the former,
  so that a slow network call blocks one thread, not the loop.

No driver exception leaves this module: a database that cannot be reached, or fails a
statement, becomes a Stripe `api_error` (`APIError`, HTTP 500, `Stripe-Should-Retry`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]
import orjson
import psycopg
import psycopg_pool
from psycopg import errors as pg_errors

from tender.core import webhook_endpoints
from tender.core.errors import APIError, ServiceUnavailable, StripeError
from tender.core.search import SearchPlan, metadata_terms
from tender.store import pg_loop
from tender.store.base import PENDING_ANSWER as PENDING
from tender.store.base import ChargeAttempt, IdempotencyRecord, ListQuery, RequestLogEntry, Stored
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
log = logging.getLogger("tender.store")

POOL_SIZE = 8
RETRIES = 5  # deadlock / serialization failures, then the request fails with api_error
CONNECT_TIMEOUT = 5.0  # seconds a unit waits for a connection before answering api_error
MIGRATION_LOCK = 0x74656E646572  # "tender": pg_advisory_lock key around migrations
CLAIM_TTL = 300  # seconds after which an idempotency claim is taken to be abandoned
_RETRYABLE = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
# The same on the event loop (asyncpg), and what says the database cannot be reached.
_LOOP_RETRYABLE = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)
_LOOP_UNREACHABLE = (
    OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError, asyncpg.AdminShutdownError,
)
_DRIVER_ERRORS = (psycopg.Error, asyncpg.PostgresError, asyncpg.InterfaceError)
_BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
_NOW = "EXTRACT(EPOCH FROM now())::bigint"


class _StaleConnection(Exception):
    """A pooled connection died while idle (the database restarted): nothing was sent,
    so the unit can run on another connection."""


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _ending(exc: StripeError, read_only: bool) -> str:
    """How a unit that answered with a Stripe error ends: its changes stay only when the
    error says so (a decline records the failed attempt)."""
    return "COMMIT" if exc.persist_changes and not read_only else "ROLLBACK"


def _unavailable(exc: BaseException) -> APIError:
    """The one error a caller sees for anything the database did wrong."""
    log.warning("database failure: %s: %s", type(exc).__name__, exc)
    failure: APIError
    if isinstance(exc, (psycopg_pool.PoolTimeout, psycopg.OperationalError, _StaleConnection, *_LOOP_UNREACHABLE)):
        failure = ServiceUnavailable("tender cannot reach its database right now. Retry the request shortly.")
    else:
        failure = APIError("The database could not complete this request. Retry it.")
    failure.__cause__ = exc
    return failure


def migrate(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply the numbered files of `migrations/postgres/` not yet recorded, holding an
    advisory lock so that processes starting together apply each exactly once."""
    conn.autocommit = True
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied BIGINT)"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        applied = []
        for migration in migrations("postgres"):
            if migration.version in done:
                continue
            with conn.transaction():
                for statement in migration.statements:
                    conn.execute(statement.encode())  # bytes: no %-placeholder parsing
                conn.execute(
                    f"INSERT INTO schema_migrations VALUES (%s, {_NOW})", (migration.version,)
                )
            applied.append(migration.name)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


class PostgresTx(KeysetPages):
    """The unit-of-work view of one connection inside a transaction, scoped to one account."""

    placeholder = "%s"

    def __init__(self, conn: Any, account: str, read_only: bool = False) -> None:
        self.conn = conn  # a psycopg.Connection (threads) or a pg_loop.Connection (the loop)
        self.account = account
        self.read_only = read_only  # a snapshot: nothing to lock
        # The account's enabled endpoints, read once per unit of work for all its events
        # (a unit that writes an endpoint reads them again).
        self._receivers: list[tuple[str, list[str]]] | None = None

    def _all(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, tuple(args)).fetchall()

    def _one(self, sql: str, args: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        return self.conn.execute(sql, tuple(args)).fetchone()

    def _write(self, sql: str, args: Sequence[Any]) -> None:
        """A statement whose answer nothing reads: on the event loop it travels with the
        unit's next round trip (`pg_loop.Connection.execute_later`)."""
        later = getattr(self.conn, "execute_later", None)
        if later is not None:
            later(sql, args)
        else:
            self.conn.execute(sql, tuple(args))

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A nested unit: undone if it raises, unless the error says its changes stay.
        A read has nothing to undo."""
        if self.read_only:
            yield
            return
        self.conn.execute("SAVEPOINT atomic")
        try:
            yield
        except StripeError as exc:
            if not exc.persist_changes:
                self.conn.execute("ROLLBACK TO SAVEPOINT atomic")
                self._receivers = None
            self.conn.execute("RELEASE SAVEPOINT atomic")
            raise
        except _DRIVER_ERRORS:
            raise  # the transaction is aborted: the whole unit fails (or is retried)
        except BaseException:
            self.conn.execute("ROLLBACK TO SAVEPOINT atomic")
            self._receivers = None
            self.conn.execute("RELEASE SAVEPOINT atomic")
            raise
        else:
            self.conn.execute("RELEASE SAVEPOINT atomic")

    def get(self, type: str, object_id: str) -> Stored | None:
        row = self._one(
            "SELECT doc, private FROM objects WHERE id = %s AND account = %s AND type = %s",
            (object_id, self.account, type),
        )
        return stored_from_row(row[0], row[1]) if row else None

    def get_for_update(self, type: str, object_id: str) -> Stored | None:
        """The object, locked until this unit commits: concurrent units on it queue here."""
        if self.read_only:
            return self.get(type, object_id)
        row = self._one(
            "SELECT doc, private FROM objects WHERE id = %s AND account = %s AND type = %s FOR UPDATE",
            (object_id, self.account, type),
        )
        return stored_from_row(row[0], row[1]) if row else None

    def insert(self, stored: Stored) -> None:
        doc = stored.doc
        if doc["object"] == "webhook_endpoint":
            self._receivers = None
        terms = metadata_terms(doc)
        insert = (
            "INSERT INTO objects (id, account, type, created, customer, parent, status, doc, private)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        args = (
            doc["id"], self.account, doc["object"], doc["created"], customer_of(doc),
            parent_of(doc), doc.get("status"), _json(doc), _json(stored.private),
        )
        if not terms:
            self._write(insert, args)
            return
        # The object and the search index of its metadata in one statement.
        self._write(
            f"WITH inserted AS ({insert} RETURNING id, account, type, created)"
            " INSERT INTO object_metadata (account, type, key, value, created, object_id)"
            " SELECT i.account, i.type, t.key, t.value, i.created, i.id"
            " FROM inserted i, jsonb_each_text(%s::jsonb) AS t(key, value)",
            (*args, _json(terms)),
        )

    def update(self, stored: Stored) -> None:
        """The object, and in the same statement the search index of its metadata:
        rows for keys it no longer has are deleted, changed values rewritten, the rest
        left alone."""
        doc = stored.doc
        if doc["object"] == "webhook_endpoint":
            self._receivers = None
        terms = metadata_terms(doc)
        self.conn.execute(
            "WITH updated AS (UPDATE objects SET customer = %s, status = %s, doc = %s, private = %s"
            "  WHERE id = %s AND account = %s RETURNING id, account, type, created),"
            " terms AS (SELECT key, value FROM jsonb_each_text(%s::jsonb)),"
            " dropped AS (DELETE FROM object_metadata m USING updated u WHERE m.object_id = u.id"
            "  AND NOT EXISTS (SELECT 1 FROM terms t WHERE t.key = m.key))"
            " INSERT INTO object_metadata (account, type, key, value, created, object_id)"
            " SELECT u.account, u.type, t.key, t.value, u.created, u.id FROM updated u, terms t"
            " ON CONFLICT (object_id, key) DO UPDATE SET value = excluded.value"
            " WHERE object_metadata.value <> excluded.value",
            (
                customer_of(doc), doc.get("status"), _json(doc), _json(stored.private), doc["id"],
                self.account, _json(terms),
            ),
        )

    def list(self, query: ListQuery) -> tuple[list[Stored], bool]:
        where = ["account = %s", "type = %s"]
        args: list[Any] = [self.account, query.type]
        if query.customer is not None:
            where.append("customer = %s")
            args.append(query.customer)
        if query.parent is not None:
            where.append("parent = %s")
            args.append(query.parent)
        _created_filter(query.created, where, args)
        backwards = False
        if query.starting_after is not None:
            where.append("(created, id) < (SELECT created, id FROM objects WHERE id = %s)")
            args.append(query.starting_after)
        elif query.ending_before is not None:
            where.append("(created, id) > (SELECT created, id FROM objects WHERE id = %s)")
            args.append(query.ending_before)
            backwards = True
        order = "ASC" if backwards else "DESC"
        rows = self._all(
            f"SELECT doc, private FROM objects WHERE {' AND '.join(where)}"
            f" ORDER BY created {order}, id {order} LIMIT %s",
            (*args, query.limit + 1),
        )
        has_more = len(rows) > query.limit
        rows = rows[: query.limit]
        if backwards:
            rows.reverse()
        return [stored_from_row(d, p) for d, p in rows], has_more

    def scan(self, type: str) -> Iterable[Stored]:
        for doc, private in self._all(
            "SELECT doc, private FROM objects WHERE account = %s AND type = %s"
            " ORDER BY created DESC, id DESC",
            (self.account, type),
        ):
            yield stored_from_row(doc, private)

    SEARCH_CHUNK_MAX = 1024  # rows per round trip, however long the walk

    def search(
        self, type: str, plan: SearchPlan, after: tuple[int, str] | None, chunk: int
    ) -> Iterator[Stored]:
        source, created, id, where, args = self._search_filter(type, plan)
        while True:
            position = f" AND ({created}, {id}) < (%s, %s)" if after is not None else ""
            rows = self._all(
                f"SELECT {created}, {id}, o.doc, o.private FROM {source} WHERE {where}{position}"
                f" ORDER BY {created} DESC, {id} DESC LIMIT %s",
                (*args, *(after or ()), chunk),
            )
            for _, _, doc, private in rows:
                yield stored_from_row(doc, private)
            if len(rows) < chunk:
                return
            after = rows[-1][0], rows[-1][1]
            chunk = min(chunk * 2, self.SEARCH_CHUNK_MAX)

    def count_search(self, type: str, plan: SearchPlan) -> int:
        source, _, _, where, args = self._search_filter(type, plan)
        row = self._one(f"SELECT count(*) FROM {source} WHERE {where}", args)
        return int(row[0]) if row else 0

    def _search_filter(self, type: str, plan: SearchPlan) -> tuple[str, str, str, str, Sequence[Any]]:
        """FROM and WHERE for a search plan, and the columns its walk pages on: the
        metadata index when the plan has a metadata pair, else the objects' indexes."""
        if plan.metadata:
            (key, value), others = plan.metadata[0], plan.metadata[1:]
            source = "object_metadata m JOIN objects o ON o.id = m.object_id"
            created, id = "m.created", "m.object_id"
            where = ["m.account = %s", "m.type = %s", "m.key = %s", "m.value = %s"]
            args: list[Any] = [self.account, type, key, value]
            for key, value in others:
                where.append(
                    "EXISTS (SELECT 1 FROM object_metadata x"
                    " WHERE x.object_id = m.object_id AND x.key = %s AND x.value = %s)"
                )
                args += [key, value]
        else:
            source, created, id = "objects o", "o.created", "o.id"
            where, args = ["o.account = %s", "o.type = %s"], [self.account, type]
        if plan.status is not None:
            where.append("o.status = %s")
            args.append(plan.status)
        if plan.customer is not None:
            where.append("o.customer = %s")
            args.append(plan.customer)
        for op, bound in plan.created:
            where.append(f"{created} {op} %s")  # one of = > < >= <=
            args.append(bound)
        return source, created, id, " AND ".join(where), args

    def find_by_status(self, type: str, status: str) -> list[Stored]:
        rows = self._all(
            "SELECT doc, private FROM objects WHERE type = %s AND status = %s AND account = %s",
            (type, status, self.account),
        )
        return [stored_from_row(d, p) for d, p in rows]

    def holds_due(self, now: int) -> list[str]:
        """Uncaptured PaymentIntents whose charge's `capture_before` has passed, found
        in SQL so the sweep decodes only those (the rule itself stays in the service)."""
        return [row[0] for row in self._all(
            "SELECT o.id FROM objects o JOIN objects c ON c.id = o.doc::jsonb ->> 'latest_charge'"
            " WHERE o.type = 'payment_intent' AND o.status = 'requires_capture' AND o.account = %s"
            " AND (c.doc::jsonb #>> '{payment_method_details,card,capture_before}')::bigint <= %s",
            (self.account, now),
        )]

    def account_settings(self) -> dict[str, Any]:
        row = self._one("SELECT settings FROM accounts WHERE id = %s", (self.account,))
        return dict(orjson.loads(row[0])) if row else {}

    def save_account_settings(self, settings: dict[str, Any]) -> None:
        self.conn.execute("UPDATE accounts SET settings = %s WHERE id = %s", (_json(settings), self.account))

    def insert_event(self, event: dict[str, Any]) -> None:
        """The event, and in the same transaction one outbox row per enabled endpoint
        that receives its type: no event is ever without its deliveries."""
        self._write(
            "INSERT INTO events (id, account, type, created, object_id, doc) VALUES (%s, %s, %s, %s, %s, %s)",
            (event["id"], self.account, event["type"], event["created"],
             event["data"]["object"].get("id"), _json(event)),
        )
        now = time.time()
        if self._receivers is None:
            self._receivers = [
                (endpoint_id, orjson.loads(doc)["enabled_events"])
                for endpoint_id, doc in self._all(
                    "SELECT id, doc FROM objects"
                    " WHERE type = 'webhook_endpoint' AND status = 'enabled' AND account = %s",
                    (self.account,),
                )
            ]
        for endpoint_id, enabled_events in self._receivers:
            if webhook_endpoints.receives(enabled_events, event["type"]):
                self._write(
                    "INSERT INTO deliveries (event_id, endpoint_id, account, status, created,"
                    " window_start, next_attempt_at) VALUES (%s, %s, %s, 'pending', %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    (event["id"], endpoint_id, self.account, now, now, now),
                )

    # -- events and webhook deliveries (issue 4) ------------------------------------

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        row = self._one(
            f"SELECT doc, {PENDING_WEBHOOKS} FROM events WHERE id = %s AND account = %s",
            (event_id, self.account),
        )
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
        where = ["account = %s"]
        args: list[Any] = [self.account]
        if type_pattern is not None:
            where.append("type LIKE %s")
            args.append(_like(type_pattern))
        if types is not None:
            where.append("type = ANY(%s)")
            args.append(list(types))
        _created_filter(created, where, args)
        if delivery_success is not None:
            where.append(("NOT " if delivery_success else "") + f"EXISTS ({UNDELIVERED})")
        backwards = False
        if starting_after is not None:
            where.append("(created, id) < (SELECT created, id FROM events WHERE id = %s)")
            args.append(starting_after)
        elif ending_before is not None:
            where.append("(created, id) > (SELECT created, id FROM events WHERE id = %s)")
            args.append(ending_before)
            backwards = True
        order = "ASC" if backwards else "DESC"
        rows = self._all(
            f"SELECT doc, {PENDING_WEBHOOKS} FROM events WHERE {' AND '.join(where)}"
            f" ORDER BY created {order}, id {order} LIMIT %s",
            (*args, limit + 1),
        )
        has_more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        return [event_doc(row) for row in rows], has_more

    def events_about(self, object_ids: list[str], limit: int) -> list[dict[str, Any]]:
        """Oldest first, through `events_by_object` (a payment's timeline)."""
        rows = self._all(
            f"SELECT doc, {PENDING_WEBHOOKS} FROM events WHERE account = %s AND object_id = ANY(%s)"
            " ORDER BY created, id LIMIT %s",
            (self.account, list(object_ids), limit),
        )
        return [event_doc(row) for row in rows]

    def delete(self, type: str, object_id: str) -> bool:
        if type == "webhook_endpoint":
            self._receivers = None
        row = self._one(
            "WITH deleted AS (DELETE FROM objects WHERE id = %s AND account = %s AND type = %s"
            "  RETURNING id),"
            " dropped AS (DELETE FROM object_metadata m USING deleted d WHERE m.object_id = d.id)"
            " SELECT count(*) FROM deleted",
            (object_id, self.account, type),
        )
        return row is not None and row[0] == 1

    def close_deliveries(self, endpoint_id: str, status: str) -> int:
        """Stop retrying an endpoint's pending deliveries (it was disabled or deleted)."""
        cur = self.conn.execute(
            "UPDATE deliveries SET status = %s, next_attempt_at = NULL, claim = NULL"
            " WHERE endpoint_id = %s AND account = %s AND status = 'pending'",
            (status, endpoint_id, self.account),
        )
        return cur.rowcount

    def get_delivery(self, event_id: str, endpoint_id: str) -> dict[str, Any] | None:
        """Locked until the unit commits: recording an attempt decides from what it reads
        here, and a resend committed in between must not be overwritten."""
        lock = "" if self.read_only else " FOR UPDATE"
        cur = self.conn.execute(
            "SELECT * FROM deliveries WHERE event_id = %s AND endpoint_id = %s AND account = %s" + lock,
            (event_id, endpoint_id, self.account),
        )
        row = cur.fetchone()
        return _as_dict(cur, row) if row else None

    def schedule_delivery(self, event_id: str, endpoint_id: str, now: float) -> None:
        """Due now, with a fresh retry window: a manual resend (or a first delivery)."""
        self.conn.execute(
            "INSERT INTO deliveries (event_id, endpoint_id, account, status, created,"
            " window_start, next_attempt_at) VALUES (%s, %s, %s, 'pending', %s, %s, %s)"
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
            "UPDATE deliveries SET status = %s, next_attempt_at = %s, claim = NULL,"
            " attempts = attempts + 1, last_attempt_at = %s, last_status_code = %s, last_error = %s"
            " WHERE event_id = %s AND endpoint_id = %s AND account = %s",
            (status, next_attempt_at, attempted_at, status_code, error, event_id, endpoint_id,
             self.account),
        )

    def insert_delivery_attempt(self, attempt: dict[str, Any]) -> int:
        row = self._one(
            "INSERT INTO delivery_attempts (account, event_id, endpoint_id, event_type, url,"
            " attempted_at, succeeded, status_code, latency_ms, response_body, error)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                self.account, attempt["event_id"], attempt["endpoint_id"], attempt["event_type"],
                attempt["url"], attempt["attempted_at"], int(attempt["succeeded"]),
                attempt["status_code"], attempt["latency_ms"], attempt["response_body"],
                attempt["error"],
            ),
        )
        return int(row[0]) if row else 0

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
        where = ["endpoint_id = %s", "account = %s"]
        args: list[Any] = [endpoint_id, self.account]
        if event_id is not None:
            where.append("event_id = %s")
            args.append(event_id)
        return self._id_page("delivery_attempts", where, args, limit, starting_after, ending_before)

    def save_idempotency(self, key: str, record: IdempotencyRecord) -> None:
        self.conn.execute(
            "INSERT INTO idempotency_keys"
            " (account, key, method, path, params_hash, status, body, request_id, created)"
            f" VALUES (%s, %s, %s, %s, %s, %s, %s, %s, {_NOW})"
            " ON CONFLICT (account, key) DO UPDATE SET method = excluded.method,"
            " path = excluded.path, params_hash = excluded.params_hash, status = excluded.status,"
            " body = excluded.body, request_id = excluded.request_id, created = excluded.created",
            (self.account, key, record.method, record.path, record.params_hash, record.status,
             record.body, record.request_id),
        )

    # -- request logs (issue 8) -------------------------------------------------------

    def insert_request_logs(self, entries: Sequence[RequestLogEntry]) -> None:
        """One statement for the whole batch (round trips are the cost here)."""
        if not entries:
            return
        columns = list(zip(*[
            (e.account, e.created, e.method, e.path, e.status, e.request_id, e.key_kind,
             e.key_last4, e.duration_ms) for e in entries
        ], strict=True))
        self.conn.execute(
            "INSERT INTO request_logs (account, created, method, path, status, request_id,"
            " key_kind, key_last4, duration_ms) SELECT * FROM unnest(%s::text[],"
            " %s::float8[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[],"
            " %s::text[], %s::float8[])",
            [list(c) for c in columns],
        )

    # -- charge attempts (remote processors) -------------------------------------------

    def insert_charge_attempt(self, attempt: ChargeAttempt) -> None:
        self.conn.execute(
            f"INSERT INTO charge_attempts ({CHARGE_ATTEMPT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                attempt.id, self.account, attempt.payment_intent, _json(attempt.request),
                _json(attempt.context), attempt.created, attempt.status, attempt.outcome,
            ),
        )

    def get_charge_attempt(self, attempt_id: str) -> ChargeAttempt | None:
        lock = "" if self.read_only else " FOR UPDATE"
        row = self._one(
            f"SELECT {CHARGE_ATTEMPT_COLUMNS} FROM charge_attempts WHERE id = %s AND account = %s{lock}",
            (attempt_id, self.account),
        )
        return charge_attempt_from_row(row) if row else None

    def finish_charge_attempt(self, attempt_id: str, status: str, outcome: str) -> None:
        self.conn.execute(
            "UPDATE charge_attempts SET status = %s, outcome = %s, resolved = %s WHERE id = %s AND account = %s",
            (status, outcome, time.time(), attempt_id, self.account),
        )


# libpq parameters of a connection URL that asyncpg does not read itself (it would send
# them to the server as settings, which refuses them): the connect timeout is used, the
# rest (client-side TCP and authentication tuning) is left to the psycopg side.
_LIBPQ_ONLY = frozenset({
    "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    "tcp_user_timeout", "gssencmode", "channel_binding", "fallback_application_name", "client_encoding",
    "requirepeer", "hostaddr",
})


def asyncpg_dsn(url: str) -> tuple[str, float]:
    """The URL for asyncpg, and its connect timeout (`connect_timeout`, else CONNECT_TIMEOUT)."""
    scheme, sep, rest = url.partition("://")
    base, qmark, query = rest.partition("?")
    if not qmark:
        return url, CONNECT_TIMEOUT
    kept, timeout = [], CONNECT_TIMEOUT
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name == "connect_timeout" and value.isdigit() and int(value) > 0:
            timeout = float(value)
        if name not in _LIBPQ_ONLY:
            kept.append(pair)
    return f"{scheme}{sep}{base}" + (f"?{'&'.join(kept)}" if kept else ""), timeout


async def _given_back(conn: asyncpg.Connection) -> None:
    """A connection back in the asyncpg pool.  A unit leaves no session state (asyncpg's
    default reset query, a round trip per unit, clears what it never sets), only, after
    a failure, perhaps an open transaction."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def _created_filter(created: dict[str, int] | None, where: list[str], args: list[Any]) -> None:
    for op, sql in (("gt", ">"), ("gte", ">="), ("lt", "<"), ("lte", "<="), ("eq", "=")):
        if created and op in created:
            where.append(f"created {sql} %s")
            args.append(created[op])


def _like(pattern: str) -> str:
    """An event-type filter with `*` wildcards as a LIKE pattern (`_` is literal there)."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def _as_dict(cur: psycopg.Cursor[Any], row: tuple[Any, ...]) -> dict[str, Any]:
    return {column.name: value for column, value in zip(cur.description or [], row, strict=True)}


def _endpoint_scope(endpoint_ids: Iterable[str] | None) -> tuple[str, list[Any]]:
    """A SQL condition limiting deliveries to some endpoints (`tender listen`)."""
    if endpoint_ids is None:
        return "", []
    return " AND endpoint_id = ANY(%s)", [list(endpoint_ids)]


class PostgresStore:
    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        try:
            with psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT)) as setup:
                migrate(setup)
        except psycopg.Error as exc:
            raise _unavailable(exc) from exc
        self._pool = psycopg_pool.ConnectionPool(
            url, min_size=1, max_size=pool_size, timeout=CONNECT_TIMEOUT, open=True,
            # autocommit: the explicit BEGIN in `_run` opens each unit's transaction (with
            # its isolation level), not an implicit one psycopg would otherwise start.
            kwargs={"connect_timeout": int(CONNECT_TIMEOUT), "autocommit": True},
        )
        self._threads = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="tender-pg")
        self.pool_size = pool_size
        # asyncpg's pool for the units run on the event loop: one per loop (the CLI and
        # the tests run several loops one after the other), opened on first use.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_pool: asyncio.Task[asyncpg.Pool] | None = None
        self._slots: asyncio.Semaphore | None = None  # the pool's connections, in turn

    # -- units of work ----------------------------------------------------------------

    async def write(self, account: str, fn: Callable[[PostgresTx], T], contained: bool = False) -> T:
        """A `contained` unit runs on the event loop; any other on the store's threads,
        where a network call it makes blocks one thread, not the loop."""
        if contained:
            return await self._on_loop(account, fn, read_only=False)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self.write_sync, account, fn)

    def write_sync(self, account: str, fn: Callable[[PostgresTx], T]) -> T:
        """One unit in one transaction, run again on a deadlock or serialization failure."""
        for attempt in range(RETRIES):
            try:
                return self._run(account, fn)
            except (*_RETRYABLE, _StaleConnection) as exc:
                if attempt == RETRIES - 1:
                    raise _unavailable(exc) from exc
                time.sleep(0.005 * (attempt + 1))
            except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
                raise _unavailable(exc) from exc
        raise AssertionError("unreachable")

    def _run(self, account: str, fn: Callable[[PostgresTx], T], read_only: bool = False) -> T:
        with self._pool.connection() as conn:
            try:
                conn.execute(_BEGIN_READ if read_only else "BEGIN")
            except psycopg.OperationalError as exc:
                raise _StaleConnection() from exc
            try:
                result = fn(PostgresTx(conn, account, read_only))
            except StripeError as exc:
                conn.execute(_ending(exc, read_only))
                raise
            except BaseException:
                if not conn.broken:
                    with contextlib.suppress(psycopg.Error):
                        conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    async def read(self, account: str, fn: Callable[[PostgresTx], T]) -> T:
        """`fn` sees one snapshot: its statement's own if it runs one, else a REPEATABLE
        READ READ ONLY transaction's; on the event loop."""
        return await self._on_loop(account, fn, read_only=True)

    async def _on_loop(self, account: str, fn: Callable[[PostgresTx], T], read_only: bool) -> T:
        """One unit in one transaction over asyncpg (`pg_loop`), run again on a deadlock,
        a serialization failure or a connection that died idle."""
        failure: BaseException | None = None
        for attempt in range(RETRIES):
            try:
                return await self._unit_on_loop(account, fn, read_only)
            except _StaleConnection as exc:
                failure = exc.__cause__ or exc
            except _LOOP_RETRYABLE as exc:
                failure = exc
                await asyncio.sleep(0.005 * (attempt + 1))
            except (asyncpg.PostgresError, *_LOOP_UNREACHABLE) as exc:
                raise _unavailable(exc) from exc
        assert failure is not None
        raise _unavailable(failure) from failure

    async def _unit_on_loop(self, account: str, fn: Callable[[PostgresTx], T], read_only: bool) -> T:
        async with self._connection() as raw:
            # Most reads are one statement (a retrieve, a page of a list): tried outside any
            # transaction first; one that needs a second statement runs again in a snapshot.
            conn = pg_loop.Connection(raw, single=read_only)
            try:
                if read_only:
                    try:
                        return await pg_loop.run_unit(fn, PostgresTx(conn, account, read_only))
                    except pg_loop.NeedsSnapshot:
                        conn = pg_loop.Connection(raw)
                conn.begin(_BEGIN_READ if read_only else "BEGIN")  # sent with the first statement
                try:
                    result = await pg_loop.run_unit(fn, PostgresTx(conn, account, read_only))
                except StripeError as exc:
                    await conn.finish(_ending(exc, read_only))
                    raise
                except BaseException:
                    if not raw.is_closed():
                        with contextlib.suppress(*_DRIVER_ERRORS, OSError):
                            await conn.finish("ROLLBACK")
                    raise
                await conn.finish("COMMIT")
            except _LOOP_UNREACHABLE as exc:
                # The connection failed before COMMIT was sent (it died while idle, or
                # during the unit): nothing of the unit can have committed, run it again.
                if not conn.committing:
                    raise _StaleConnection() from exc
                raise
            return result

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of this loop's pool, handed out in the order asked for.  asyncpg's
        pool lets a newcomer take a connection just given back ahead of the units already
        waiting (each woken waiter that finds it gone queues again at the back): under
        load, one unit in a hundred waited ten times the median for its connection."""
        pool = await self._pool_on_loop()
        slots = self._slots
        assert slots is not None
        await asyncio.wait_for(slots.acquire(), CONNECT_TIMEOUT)  # FIFO: a newcomer waits its turn
        try:
            async with pool.acquire(timeout=CONNECT_TIMEOUT) as conn:
                yield conn
        finally:
            slots.release()

    async def _pool_on_loop(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._loop_pool is None:
            self._drop_loop_pool()
            self._loop = loop
            self._slots = asyncio.Semaphore(self.pool_size)
            self._loop_pool = loop.create_task(self._open_loop_pool())
        return await self._loop_pool

    def _drop_loop_pool(self) -> None:
        """Close the asyncpg pool's connections, if its loop can still run their
        transports (a closed loop's sockets close when collected)."""
        task, self._loop_pool = self._loop_pool, None
        if task is None or self._loop is None or self._loop.is_closed():
            return
        if task.done() and not task.cancelled() and task.exception() is None:
            task.result().terminate()
        else:
            task.cancel()

    async def _open_loop_pool(self) -> asyncpg.Pool:
        # min_size=0: nothing connects until a unit needs it, so a database that is down
        # fails requests (api_error), not the server's start.
        dsn, timeout = asyncpg_dsn(self.url)
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn, min_size=0, max_size=self.pool_size, timeout=timeout, reset=_given_back,
        )
        return pool

    def read_sync(self, account: str, fn: Callable[[PostgresTx], T]) -> T:
        """A consistent snapshot (REPEATABLE READ, read only)."""
        for _ in range(RETRIES):
            try:
                return self._run(account, fn, read_only=True)
            except _StaleConnection as exc:
                stale = exc
            except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
                raise _unavailable(exc) from exc
        raise _unavailable(stale.__cause__ or stale)

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """One read outside any unit of work (the CLI, auth, the dispatcher's timer);
        retried on a connection that died idle, as a read may be."""
        for attempt in range(RETRIES):
            conn = None
            try:
                with self._pool.connection() as conn:
                    return conn.execute(sql, tuple(args)).fetchall()
            except psycopg_pool.PoolTimeout as exc:
                raise _unavailable(exc) from exc
            except psycopg.Error as exc:
                if attempt == RETRIES - 1 or conn is None or not conn.broken:
                    raise _unavailable(exc) from exc
        raise AssertionError("unreachable")

    async def _query_on_loop(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """`_query` for what a request or the dispatcher awaits: a read of one statement
        (one round trip), which waits without holding the event loop."""
        return await self.read("", lambda tx: tx._all(sql, args))

    async def get_idempotency(self, account: str, key: str) -> IdempotencyRecord | None:
        rows = await self._query_on_loop(
            "SELECT method, path, params_hash, status, body, request_id FROM idempotency_keys"
            " WHERE account = %s AND key = %s",
            (account, key),
        )
        if not rows:
            return None
        method, path, digest, status, body, request_id = rows[0]
        return IdempotencyRecord(method, path, digest, status, bytes(body), request_id)

    async def claim_idempotency(self, account: str, key: str) -> bool:
        """A placeholder record (status `PENDING`), committed before the work runs, so a
        request with the same key on any process sees it and answers 409.  The unit's
        own record replaces it; a claim older than CLAIM_TTL (its process died) is taken over."""

        def claim(tx: PostgresTx) -> bool:
            cur = tx.conn.execute(
                "INSERT INTO idempotency_keys"
                " (account, key, method, path, params_hash, status, body, request_id, created)"
                f" VALUES (%s, %s, '', '', '', %s, '', '', {_NOW})"
                " ON CONFLICT (account, key) DO UPDATE SET created = excluded.created"
                " WHERE idempotency_keys.status = %s AND idempotency_keys.created < excluded.created - %s",
                (account, key, PENDING, PENDING, CLAIM_TTL),
            )
            return cur.rowcount == 1

        return await self.write(account, claim, contained=True)

    async def release_idempotency(self, account: str, key: str) -> None:
        def release(tx: PostgresTx) -> None:
            tx.conn.execute(
                "DELETE FROM idempotency_keys WHERE account = %s AND key = %s AND status = %s",
                (account, key, PENDING),
            )

        await self.write(account, release, contained=True)

    async def find_api_key(self, key_hash: str) -> tuple[str, str] | None:
        rows = await self._query_on_loop(
            "SELECT account, kind FROM api_keys WHERE key_hash = %s"
            f" AND (expires_at IS NULL OR expires_at > {_NOW})",
            (key_hash,),
        )
        return (rows[0][0], rows[0][1]) if rows else None

    def pending_charge_attempts(self, created_before: float) -> list[ChargeAttempt]:
        rows = self._query(
            f"SELECT {CHARGE_ATTEMPT_COLUMNS} FROM charge_attempts WHERE status = 'pending' AND created < %s"
            " ORDER BY created",
            (created_before,),
        )
        return [charge_attempt_from_row(row) for row in rows]

    # -- accounts and keys ----------------------------------------------------------

    def ensure_account(self, account: str, settings: dict[str, Any]) -> bool:
        """Create the account if missing; True when it was created now."""
        def create(tx: PostgresTx) -> bool:
            cur = tx.conn.execute(
                f"INSERT INTO accounts (id, created, settings) VALUES (%s, {_NOW}, %s)"
                " ON CONFLICT DO NOTHING",
                (account, _json(settings)),
            )
            return cur.rowcount == 1
        return self.write_sync(account, create)

    def read_settings(self, account: str) -> dict[str, Any]:
        rows = self._query("SELECT settings FROM accounts WHERE id = %s", (account,))
        return dict(orjson.loads(rows[0][0])) if rows else {}

    def first_account(self) -> str | None:
        rows = self._query("SELECT id FROM accounts ORDER BY created, id LIMIT 1")
        return rows[0][0] if rows else None

    def add_api_key(self, account: str, key_hash: str, kind: str, last4: str) -> None:
        def add(tx: PostgresTx) -> None:
            tx.conn.execute(
                "INSERT INTO api_keys (key_hash, account, kind, last4, created)"
                f" VALUES (%s, %s, %s, %s, {_NOW}) ON CONFLICT DO NOTHING",
                (key_hash, account, kind, last4),
            )
        self.write_sync(account, add)

    def delete_api_keys(self, account: str) -> None:
        def delete(tx: PostgresTx) -> None:
            tx.conn.execute("DELETE FROM api_keys WHERE account = %s", (account,))
        self.write_sync(account, delete)

    def api_keys(self, account: str) -> list[tuple[str, str]]:
        rows = self._query("SELECT kind, last4 FROM api_keys WHERE account = %s ORDER BY created", (account,))
        return [(kind, last4) for kind, last4 in rows]

    def list_api_keys(self, account: str) -> list[dict[str, Any]]:
        """The keys that still work: kind, last4, created, expires_at (None: never)."""
        rows = self._query(
            "SELECT kind, last4, created, expires_at FROM api_keys WHERE account = %s"
            f" AND (expires_at IS NULL OR expires_at > {_NOW}) ORDER BY created, kind",
            (account,),
        )
        return [dict(zip(("kind", "last4", "created", "expires_at"), row, strict=True)) for row in rows]

    def roll_api_key(self, account: str, kind: str, key_hash: str, last4: str, old_expires_at: int | None) -> None:
        """In one transaction: a new key of `kind`; the account's other keys of that kind
        are deleted (`old_expires_at` None) or stop working at `old_expires_at`."""
        def roll(tx: PostgresTx) -> None:
            if old_expires_at is None:
                tx.conn.execute("DELETE FROM api_keys WHERE account = %s AND kind = %s", (account, kind))
            else:
                tx.conn.execute(
                    "UPDATE api_keys SET expires_at = %s WHERE account = %s AND kind = %s"
                    " AND (expires_at IS NULL OR expires_at > %s)",
                    (old_expires_at, account, kind, old_expires_at),
                )
            tx.conn.execute(
                "INSERT INTO api_keys (key_hash, account, kind, last4, created)"
                f" VALUES (%s, %s, %s, %s, {_NOW})",
                (key_hash, account, kind, last4),
            )
        self.write_sync(account, roll)

    def add_expiring_api_key(self, account: str, key_hash: str, kind: str, last4: str, expires_at: int) -> None:
        """A key for one CLI command (`tender trigger`), unusable after `expires_at`."""
        def add(tx: PostgresTx) -> None:
            tx.conn.execute(
                "INSERT INTO api_keys (key_hash, account, kind, last4, created, expires_at)"
                f" VALUES (%s, %s, %s, %s, {_NOW}, %s)",
                (key_hash, account, kind, last4, expires_at),
            )
        self.write_sync(account, add)

    def delete_api_key(self, key_hash: str) -> None:
        def delete(tx: PostgresTx) -> None:
            tx.conn.execute("DELETE FROM api_keys WHERE key_hash = %s", (key_hash,))
        self.write_sync("", delete)

    # -- the webhook outbox, across accounts (issue 4) -------------------------------

    async def next_delivery_due(self, endpoint_ids: Iterable[str] | None = None) -> float | None:
        """When the earliest pending delivery comes due (None: nothing pending)."""
        scope, args = _endpoint_scope(endpoint_ids)
        rows = await self._query_on_loop(f"SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'{scope}", args)
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

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
        """As `SQLiteStore.claim_deliveries`; here several dispatchers claim at once, and
        `FOR UPDATE SKIP LOCKED` gives each due delivery to one of them."""
        scope, scope_args = _endpoint_scope(endpoint_ids)

        def claim(tx: PostgresTx) -> list[dict[str, Any]]:
            candidates = tx._all(
                "SELECT event_id, endpoint_id FROM deliveries"
                " WHERE status = 'pending' AND next_attempt_at <= %s"
                " AND (event_id, endpoint_id) IN (SELECT event_id, endpoint_id FROM ("
                "  SELECT event_id, endpoint_id, ROW_NUMBER() OVER"
                "  (PARTITION BY endpoint_id ORDER BY next_attempt_at, event_id) AS rank"
                f"  FROM deliveries WHERE status = 'pending' AND next_attempt_at <= %s{scope}) ranked"
                "  WHERE rank <= %s)"
                " ORDER BY next_attempt_at FOR UPDATE SKIP LOCKED",
                (now, now, *scope_args, per_endpoint),
            )
            taken: dict[str, int] = {}
            claimed: list[dict[str, Any]] = []
            for event_id, endpoint_id in candidates:
                if len(claimed) >= limit:
                    break
                if busy.get(endpoint_id, 0) + taken.get(endpoint_id, 0) >= per_endpoint:
                    continue
                row = tx._one(
                    "SELECT d.account, d.attempts, d.window_start, e.type, e.doc, o.doc, o.private,"
                    " (SELECT COUNT(*) FROM deliveries x WHERE x.event_id = d.event_id"
                    "  AND x.status IN ('pending', 'failed'))"
                    " FROM deliveries d LEFT JOIN events e ON e.id = d.event_id"
                    " LEFT JOIN objects o ON o.id = d.endpoint_id AND o.type = 'webhook_endpoint'"
                    " WHERE d.event_id = %s AND d.endpoint_id = %s",
                    (event_id, endpoint_id),
                )
                assert row is not None  # locked above
                account, attempts, window_start, event_type, event_json, doc, private, pending = row
                if event_json is None or doc is None:  # retention or endpoint deletion won
                    tx.conn.execute(
                        "UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL"
                        " WHERE event_id = %s AND endpoint_id = %s",
                        (event_id, endpoint_id),
                    )
                    continue
                endpoint = orjson.loads(doc)
                if endpoint["status"] != "enabled":
                    tx.conn.execute(
                        "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL"
                        " WHERE event_id = %s AND endpoint_id = %s",
                        (event_id, endpoint_id),
                    )
                    continue
                tx.conn.execute(
                    "UPDATE deliveries SET next_attempt_at = %s, claim = %s"
                    " WHERE event_id = %s AND endpoint_id = %s",
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

        return await self.write("", claim, contained=True)

    async def delete_events_before(self, cutoff: int, batch: int = 5000) -> int:
        """Retention: events created before `cutoff`, with their deliveries and attempts."""

        def delete(tx: PostgresTx) -> int:
            ids = [r[0] for r in tx._all(
                "SELECT id FROM events WHERE account IN (SELECT id FROM accounts) AND created < %s"
                " LIMIT %s FOR UPDATE SKIP LOCKED",  # per account, on events_by_created
                (cutoff, batch),
            )]
            for table in ("delivery_attempts", "deliveries"):
                tx.conn.execute(f"DELETE FROM {table} WHERE event_id = ANY(%s)", (ids,))
            tx.conn.execute("DELETE FROM events WHERE id = ANY(%s)", (ids,))
            return len(ids)

        total = 0
        while True:
            deleted = await self.write("", delete, contained=True)
            total += deleted
            if deleted < batch:
                return total

    def events_after(
        self, account: str, after: tuple[int, str] | None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Events newer than `after` (created, id), oldest first: `tender events tail`."""
        where, args = "account = %s", [account]
        if after is not None:
            where += " AND (created, id) > (%s, %s)"
            args += [after[0], after[1]]
        rows = self._query(
            f"SELECT doc, {PENDING_WEBHOOKS} FROM events WHERE {where} ORDER BY created, id LIMIT %s",
            (*args, limit),
        )
        return [event_doc(row) for row in rows]

    def attempts_after(self, after_id: int, endpoint_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Delivery attempts recorded after attempt number `after_id`, oldest first."""
        scope, args = _endpoint_scope(endpoint_ids)

        def fetch(tx: PostgresTx) -> list[dict[str, Any]]:
            cur = tx.conn.execute(
                f"SELECT * FROM delivery_attempts WHERE id > %s{scope} ORDER BY id LIMIT 1000",
                (after_id, *args),
            )
            return [_as_dict(cur, row) for row in cur.fetchall()]

        return self.read_sync("", fetch)

    def last_attempt_id(self) -> int:
        rows = self._query("SELECT MAX(id) FROM delivery_attempts")
        return int(rows[0][0] or 0)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self._pool.close()
        self._drop_loop_pool()
