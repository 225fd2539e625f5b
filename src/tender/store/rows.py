"""What both stores share about rows: documents to and from their columns.

Documents are stored as the JSON text orjson writes and read back with orjson, so a
resource reads back byte for byte the same from SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

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
