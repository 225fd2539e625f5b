"""Keyset pages of a filtered list that stay cheap at millions of rows.

The store's list index is newest first (created, id), as the API pages it; a page is
read from its cursor in batches, each its own short read (the event loop serves other
requests in between), and rows the filter rejects are skipped.  The indexed parts of a
filter (the `created` range, a customer) go into the `ListQuery`; the rest (status,
amount, the search language, email text) is checked row by row.  A page never reads
more than BUDGET rows: when it stops early the reader gets "look further" from where it
stopped, instead of a request that scans millions of rows for a rare match.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tender.core.errors import InvalidRequestError
from tender.store.base import ListQuery

BATCH = 500
BUDGET = 5_000
FIRST = ""  # the `newer` cursor meaning "the first page"

Keep = Callable[[dict[str, Any]], bool]
Read = Callable[[Callable[[Any], Any]], Awaitable[Any]]


@dataclass
class Page:
    rows: list[dict[str, Any]]  # newest first
    older: str | None  # `starting_after` of the next page; None: nothing older
    newer: str | None  # `ending_before` of the previous page; FIRST: the first page; None: none
    scanned: int  # rows read to make this page
    stopped: bool  # BUDGET ran out before the page filled


async def page(read: Read, query: ListQuery, keep: Keep | None, size: int, budget: int = BUDGET) -> Page:
    """`size` rows of `query` that `keep` accepts, from its cursor (`starting_after`:
    older rows, `ending_before`: newer rows), reading at most about `budget` rows."""
    backwards = query.ending_before is not None
    cursor = query.ending_before if backwards else query.starting_after
    if cursor is not None and await read(lambda tx: tx.get(query.type, cursor)) is None:
        raise InvalidRequestError("That page no longer exists; start again from the first page.")
    batch = size + 1 if keep is None else max(size + 1, min(BATCH, budget))
    found: list[dict[str, Any]] = []
    scanned = 0
    edge = cursor  # the last row read, walking away from the cursor
    first_seen: str | None = None
    exhausted = False
    while len(found) <= size and scanned < budget:
        step = dataclasses.replace(
            query, limit=batch,
            starting_after=None if backwards else edge, ending_before=edge if backwards else None,
        )
        rows, more = await read(lister(step))
        walk = [row.doc for row in (reversed(rows) if backwards else rows)]
        for doc in walk:
            scanned += 1
            edge = doc["id"]
            first_seen = first_seen or edge
            if keep is None or keep(doc):
                found.append(doc)
                if len(found) > size:
                    break
        if not more or not walk:
            exhausted = True
            break
    full = len(found) > size
    stopped = not full and not exhausted
    shown = found[:size]
    onward = shown[-1]["id"] if full else edge if stopped else None
    if backwards:
        shown.reverse()
        back = shown[-1]["id"] if shown else first_seen or cursor
        return Page(shown, older=back, newer=onward, scanned=scanned, stopped=stopped)
    if cursor is None:
        back = None
    else:
        back = shown[0]["id"] if shown else first_seen or FIRST
    return Page(shown, older=onward, newer=back, scanned=scanned, stopped=stopped)


def lister(query: ListQuery) -> Callable[[Any], Any]:
    """A read unit: one `tx.list(query)`."""
    return lambda tx: tx.list(query)


def links(base: str, filters: dict[str, str], result: Page) -> tuple[str | None, str | None]:
    """(newer, older) page URLs keeping the filters."""
    from urllib.parse import urlencode

    def url(cursor: dict[str, str]) -> str:
        params = {k: v for k, v in {**filters, **cursor}.items() if v}
        return base + ("?" + urlencode(params) if params else "")

    newer = None if result.newer is None else url({"ending_before": result.newer} if result.newer else {})
    older = None if result.older is None else url({"starting_after": result.older})
    return newer, older
