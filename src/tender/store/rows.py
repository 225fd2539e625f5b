"""What both stores share about rows: documents to and from their columns.

Documents are stored as the JSON text orjson writes and read back with orjson, so a
resource reads back byte for byte the same from SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from tender.store.base import ChargeAttempt, Stored

# The columns of `charge_attempts`, in the order `charge_attempt_from_row` reads them.
CHARGE_ATTEMPT_COLUMNS = "id, account, payment_intent, request, context, created, status, outcome"


def charge_attempt_from_row(row: tuple[Any, ...]) -> ChargeAttempt:
    attempt_id, account, intent, request, context, created, status, outcome = row
    return ChargeAttempt(
        attempt_id, account, intent, orjson.loads(request), orjson.loads(context), float(created), status, outcome
    )


def stored_from_row(doc: str | bytes, private: str | bytes) -> Stored:
    return Stored(orjson.loads(doc), orjson.loads(private))


def event_doc(row: tuple[Any, ...]) -> dict[str, Any]:
    """Events are stored as created and never re-rendered; only `pending_webhooks`,
    the endpoints still to receive it, is live."""
    doc: dict[str, Any] = orjson.loads(row[0])
    doc["pending_webhooks"] = row[1]
    return doc


def customer_of(doc: dict[str, Any]) -> str | None:
    """The `customer` list filter's column: the id, whether expanded or not."""
    customer = doc.get("customer")
    if isinstance(customer, dict):
        return str(customer["id"])
    return customer if isinstance(customer, str) else None


def parent_of(doc: dict[str, Any]) -> str | None:
    """The `parent` list filter's column: a charge's intent, a refund's charge."""
    kind = doc["object"]
    if kind == "charge":
        return doc.get("payment_intent")
    if kind == "refund":
        return doc.get("charge")
    return None


# Deliveries not (yet) received: still being retried, or given up on.
UNDELIVERED = (
    "SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.status IN ('pending', 'failed')"
)
PENDING_WEBHOOKS = (
    "(SELECT COUNT(*) FROM deliveries d WHERE d.event_id = events.id"
    " AND d.status IN ('pending', 'failed'))"
)


def request_log_filter(
    placeholder: str, account: str, method: str | None, status_class: int | None, request_id: str | None
) -> tuple[list[str], list[Any]]:
    """The WHERE terms of a request-log page (`placeholder`: `?` or `%s`)."""
    where: list[str] = [f"account = {placeholder}"]
    args: list[Any] = [account]
    if method is not None:
        where.append(f"method = {placeholder}")
        args.append(method)
    if status_class is not None:
        where.append(f"status >= {placeholder} AND status < {placeholder}")
        args += [status_class * 100, status_class * 100 + 100]
    if request_id is not None:
        where.append(f"request_id = {placeholder}")
        args.append(request_id)
    return where, args


def id_page_query(
    placeholder: str,
    table: str,
    where: list[str],
    args: list[Any],
    limit: int,
    older_than: int | None,
    newer_than: int | None,
) -> tuple[str, list[Any], bool]:
    """One page of `table` by its integer `id`, newest first: the SELECT, its arguments,
    and whether it reads backwards (`newer_than`, whose rows `id_page` turns around)."""
    where, args = list(where), list(args)
    backwards = False
    if older_than is not None:
        where.append(f"id < {placeholder}")
        args.append(older_than)
    elif newer_than is not None:
        where.append(f"id > {placeholder}")
        args.append(newer_than)
        backwards = True
    sql = (
        f"SELECT * FROM {table} WHERE {' AND '.join(where)}"
        f" ORDER BY id {'ASC' if backwards else 'DESC'} LIMIT {placeholder}"
    )
    return sql, [*args, limit + 1], backwards


def id_page(rows: list[dict[str, Any]], limit: int, backwards: bool) -> tuple[list[dict[str, Any]], bool]:
    """The rows of `id_page_query` (limit + 1 read) as a page, newest first, and has_more."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    return rows, has_more


# Request-log retention: the oldest rows past the age limit, then those beyond the newest
# `keep` (each bounded by a batch size); `{p}` is the driver's placeholder.
PRUNE_REQUEST_LOGS = (
    "DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs"
    " WHERE created < {p} ORDER BY created LIMIT {p})",
    "DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs"
    " WHERE id <= (SELECT MAX(id) FROM request_logs) - {p} ORDER BY id LIMIT {p})",
)


class KeysetPages:
    """The request log's Tx methods and pages by integer id, for both stores' Tx: the
    same SQL, written with the driver's `placeholder` (`?` for sqlite3, `%s` for
    psycopg)."""

    placeholder: ClassVar[str]
    conn: Any
    account: str

    def list_request_logs(
        self,
        *,
        limit: int,
        before: int | None = None,
        after: int | None = None,
        method: str | None = None,
        status_class: int | None = None,
        request_id: str | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        where, args = request_log_filter(self.placeholder, self.account, method, status_class, request_id)
        return self._id_page("request_logs", where, args, limit, before, after)

    def prune_request_logs(self, *, created_before: float, keep: int, batch: int) -> int:
        by_age, by_count = (sql.format(p=self.placeholder) for sql in PRUNE_REQUEST_LOGS)
        old = self.conn.execute(by_age, (created_before, batch)).rowcount
        beyond = self.conn.execute(by_count, (keep, batch)).rowcount
        return int(old + beyond)

    def _id_page(
        self, table: str, where: list[str], args: list[Any], limit: int,
        older_than: int | None, newer_than: int | None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """A page of `table` by integer id (delivery attempts, request logs)."""
        sql, args, backwards = id_page_query(self.placeholder, table, where, args, limit, older_than, newer_than)
        cur = self.conn.execute(sql, args)
        names = [column[0] for column in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return id_page(rows, limit, backwards)
