"""Lists (cursor pagination) and search (query language, page tokens) for any resource."""

from __future__ import annotations

import base64
from typing import Any

from tender.core.errors import InvalidRequestError, ResourceMissing
from tender.core.search import Query, matches
from tender.store.base import ListQuery, Tx


def list_page(tx: Tx, query: ListQuery) -> tuple[list[dict[str, Any]], bool]:
    """Newest first; an unknown cursor is a 404 naming the cursor parameter."""
    for param in ("starting_after", "ending_before"):
        cursor = getattr(query, param)
        if cursor is not None and tx.get(query.type, cursor) is None:
            raise ResourceMissing(query.type, cursor, param)
    rows, has_more = tx.list(query)
    return [row.doc for row in rows], has_more


def search_page(
    tx: Tx, type: str, query: Query, limit: int, page: str | None
) -> tuple[list[dict[str, Any]], str | None, int]:
    """Matches newest first; `page` is the opaque token a previous page handed out.

    The token names the last object of the previous page (its `created` and id), not an
    offset, so objects created or changed while a client pages never make a later page
    repeat what an earlier one returned.  The count is of every match, for
    `expand[]=total_count`.
    """
    after = _decode_page(page) if page else None
    found: list[dict[str, Any]] = []
    total = 0
    more = False
    for row in tx.scan(type):
        if not matches(query, row.doc):
            continue
        total += 1
        if after is not None and (row.doc["created"], row.doc["id"]) >= after:
            continue  # on or before the previous page (scan is newest first)
        if len(found) < limit:
            found.append(row.doc)
        else:
            more = True
    next_page = _encode_page(found[-1]) if more and found else None
    return found, next_page, total


def _encode_page(last: dict[str, Any]) -> str:
    raw = f"after:{last['created']}:{last['id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_page(page: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(page + "=" * (-len(page) % 4)).decode()
        kind, created, object_id = raw.split(":", 2)
        if kind != "after" or not created.isdigit() or not object_id:
            raise ValueError(page)
        return int(created), object_id
    except ValueError:  # also binascii.Error and UnicodeDecodeError
        raise InvalidRequestError("Invalid page token.", param="page") from None
