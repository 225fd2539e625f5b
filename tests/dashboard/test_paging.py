"""Keyset pages of a filtered list (web/dashboard/paging.py) against a real store: every
match shown once, forwards and backwards, and never more than the budget read per page."""

from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tender.store.base import ListQuery, Stored
from tender.store.sqlite import SQLiteStore
from tender.web.dashboard import paging

N = 60


def _walk(tmp_path: Path, keep: paging.Keep | None, size: int, budget: int) -> dict[str, Any]:
    store = SQLiteStore(str(tmp_path / "paging.db"))
    store.ensure_account("acct_a", {"fingerprint_key": "00"})
    # Ids in creation order; several rows share a second, as busy servers' do.
    docs = [{"id": f"pi_{n:03d}", "object": "payment_intent", "created": 1_000 + n // 3, "amount": n,
             "currency": "usd", "status": "succeeded"} for n in range(N)]
    reads = 0

    async def read(fn: Any) -> Any:
        nonlocal reads
        reads += 1
        return await store.read("acct_a", fn)

    async def go() -> dict[str, Any]:
        await store.write("acct_a", lambda tx: [tx.insert(Stored(doc)) for doc in docs])
        query = ListQuery(account="acct_a", type="payment_intent")
        pages, stops, most_read = [], 0, 0
        result = await paging.page(read, dataclasses.replace(query, limit=size), keep, size, budget)
        while True:
            pages.append([doc["id"] for doc in result.rows])
            stops += result.stopped
            most_read = max(most_read, result.scanned)
            if result.older is None:
                break
            result = await paging.page(
                read, dataclasses.replace(query, limit=size, starting_after=result.older), keep, size, budget
            )
        # And back up again from the last page.
        back = []
        while result.newer:
            result = await paging.page(
                read, dataclasses.replace(query, limit=size, ending_before=result.newer), keep, size, budget
            )
            back.append([doc["id"] for doc in result.rows])
        return {"pages": pages, "back": back, "stops": stops, "most_read": most_read, "newer": result.newer}

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's loop
        outcome = thread.submit(asyncio.run, go()).result()
    store.close()
    outcome["expected"] = [doc["id"] for doc in reversed(docs) if keep is None or keep(doc)]
    return outcome


def test_unfiltered_pages_cover_every_row_once(tmp_path: Path) -> None:
    walk = _walk(tmp_path, None, 7, 1000)
    assert [i for page in walk["pages"] for i in page] == walk["expected"]
    assert all(len(page) == 7 for page in walk["pages"][:-1])
    assert [i for page in reversed(walk["back"]) for i in page] + walk["pages"][-1] == walk["expected"]
    assert walk["newer"] is None  # back at the top


def test_filtered_pages_show_each_match_once_in_order(tmp_path: Path) -> None:
    walk = _walk(tmp_path, lambda doc: doc["amount"] % 4 == 0, 4, 1000)
    assert [i for page in walk["pages"] for i in page] == walk["expected"]
    assert [i for page in reversed(walk["back"]) for i in page] + walk["pages"][-1] == walk["expected"]


def test_a_rare_match_stops_at_the_budget_and_looks_further_on_demand(tmp_path: Path) -> None:
    walk = _walk(tmp_path, lambda doc: doc["amount"] in (3, 58), 5, 10)
    assert [i for page in walk["pages"] for i in page] == ["pi_058", "pi_003"]
    assert walk["stops"] >= 4  # pages that ran out of budget and said so
    assert walk["most_read"] <= 10 + 5  # the budget, plus at most the rest of one batch
    # Walking back up finds the same matches, newest last reached.
    assert [i for page in reversed(walk["back"]) for i in page] + walk["pages"][-1] == walk["expected"]
