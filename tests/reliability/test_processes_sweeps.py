"""Every API process runs the periodic sweep (issue 6): on one database (SQLite or PostgreSQL) several
sweeps race for the same due work, and each piece of it must still happen once."""

from __future__ import annotations

import time
from collections import Counter

import httpx

from tests.support.invariants import all_pages, check_money
from tests.support.server import SECRET_KEY, TenderServer

REFUNDS = 20


def test_a_pending_refund_settles_once_whichever_processes_sweep() -> None:
    server = TenderServer(extra_env={"TENDER_NO_DISPATCHER": "1", "TENDER_SWEEP_INTERVAL": "0.05"})
    server.start("--workers", "3")
    try:
        with httpx.Client(base_url=server.base_url, auth=(SECRET_KEY, ""), timeout=30) as client:
            for _ in range(REFUNDS):  # …7726 refunds start `pending` and settle on a later sweep
                intent = client.post("/v1/payment_intents", data={
                    "amount": "1000", "currency": "usd", "payment_method_types[]": "card",
                    "payment_method": "pm_card_pendingRefund", "confirm": "true",
                }).json()
                refund = client.post("/v1/refunds", data={"payment_intent": intent["id"]})
                assert refund.status_code == 200 and refund.json()["status"] == "pending", refund.text
            deadline = time.time() + 20
            while any(r["status"] == "pending" for r in all_pages(client, "/v1/refunds")):
                assert time.time() < deadline, "refunds never settled"
                time.sleep(0.2)
            time.sleep(0.5)  # sweeps that were under way when the last one settled
            settled = Counter(
                e["data"]["object"]["id"] for e in all_pages(client, "/v1/events", type="refund.updated")
            )
            assert len(settled) == REFUNDS
            assert {r: n for r, n in settled.items() if n > 1} == {}, "a refund was settled twice"
            check_money(client)
    finally:
        server.stop()
