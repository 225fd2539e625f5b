"""Lists (cursor pagination) and search (query language, page tokens) for any resource."""

from __future__ import annotations

import base64
from typing import Any

from tender.core.errors import InvalidRequestError, ResourceMissing
from tender.core.search import Query, SearchPlan, matches, plan
from tender.store.base import ListQuery, Tx

# Candidates read per round trip while a search page fills: this many per object wanted
# when some clause is left for `matches` (the store reads more as the walk goes on).
CANDIDATES_PER_MATCH = 4
COUNT_CHUNK = 1000


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
) -> tuple[list[dict[str, Any]], str | None]:
    """Matches newest first, and the token of the next page when there are more.

    `page` names the last object of the previous page (its `created` and id), not an
    offset, so objects created or changed while a client pages never make a later page
    repeat what an earlier one returned.  The store narrows the walk to the objects the
    query's indexable clauses admit (`core.search.plan`); `matches` decides each, and
    the walk stops at the first match past the page.
    """
    after = _decode_page(page) if page else None
    narrowed = _store_plan(tx, query)
    chunk = limit + 1 if narrowed.exact else CANDIDATES_PER_MATCH * (limit + 1)
    found: list[dict[str, Any]] = []
    for row in tx.search(type, narrowed, after, chunk):
        if matches(query, row.doc):
            found.append(row.doc)
            if len(found) > limit:
                break
    more = len(found) > limit
    found = found[:limit]
    return found, _encode_page(found[-1]) if more else None


def count_matches(tx: Tx, type: str, query: Query) -> int:
    """Every match, for `expand[]=total_count`: counted by the store when the query is
    all indexable clauses, else by walking the candidates."""
    narrowed = _store_plan(tx, query)
    if narrowed.exact:
        return tx.count_search(type, narrowed)
    candidates = tx.search(type, narrowed, None, COUNT_CHUNK)
    return sum(1 for row in candidates if matches(query, row.doc))


def _store_plan(tx: Tx, query: Query) -> SearchPlan:
    """The query's plan, with `customer` only when it is a customer's id as stored.

    Search compares ids ignoring case, the store exactly.  Objects only refer to
    customers that exist, and ids are random base62: when the id exists as given, no
    other spelling of it names a customer, so the exact comparison finds every match.
    An id that does not exist as given is left to `matches` (slower, never wrong).
    """
    narrowed = plan(query)
    if narrowed.customer is not None and tx.get("customer", narrowed.customer) is None:
        return narrowed.without_customer()
    return narrowed


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
