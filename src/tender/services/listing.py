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
    """Matches newest first; `page` is the opaque token a previous page handed out."""
    offset = _decode_page(page) if page else 0
    found: list[dict[str, Any]] = []
    total = 0
    for row in tx.scan(type):
        if matches(query, row.doc):
            if offset <= total < offset + limit:
                found.append(row.doc)
            total += 1
    next_offset = offset + limit
    next_page = _encode_page(next_offset) if total > next_offset else None
    return found, next_page, total


def _encode_page(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_page(page: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(page + "=" * (-len(page) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "offset" or not value.isdigit():
            raise ValueError(page)
        return int(value)
    except ValueError:
        raise InvalidRequestError("Invalid page token.", param="page") from None
