"""What every list and search endpoint shares: its parameters and its response shape."""

from __future__ import annotations

from typing import Any

from tender.api.endpoint import Call
from tender.api.params import LIMIT, Created, Spec, Str, check_cursors
from tender.core import search
from tender.services.context import Context
from tender.services.listing import count_matches, list_page, search_page
from tender.store.base import ListQuery, Tx

LIST_PARAMS: dict[str, Spec] = {
    "limit": LIMIT,
    "starting_after": Str(),
    "ending_before": Str(),
    "created": Created(),
}
SEARCH_PARAMS: dict[str, Spec] = {"query": Str(), "limit": LIMIT, "page": Str()}


def list_response(
    tx: Tx,
    ctx: Context,
    type: str,
    params: dict[str, Any],
    url: str,
    customer: str | None = None,
    parent: str | None = None,
) -> dict[str, Any]:
    """One page of a cursor-paginated list, newest first (§4.3)."""
    check_cursors(params)
    data, has_more = list_page(
        tx,
        ListQuery(
            account=ctx.account,
            type=type,
            limit=params.get("limit", 10),
            starting_after=params.get("starting_after"),
            ending_before=params.get("ending_before"),
            created=params.get("created"),
            customer=customer,
            parent=parent,
        ),
    )
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def search_response(
    tx: Tx, type: str, fields: search.SearchFields, call: Call, url: str
) -> dict[str, Any]:
    """One page of search results (§4.4); `total_count` exists, and is counted, only
    when `expand[]=total_count` asks for it."""
    params = call.params
    query = search.parse_query(params["query"], fields)
    data, next_page = search_page(tx, type, query, params.get("limit", 10), params.get("page"))
    result: dict[str, Any] = {
        "object": "search_result",
        "data": data,
        "has_more": next_page is not None,
        "next_page": next_page,
        "url": url,
    }
    if "total_count" in call.expand:
        result["total_count"] = count_matches(tx, type, query)
    return result
