"""Concurrent captures of one held PaymentIntent, spread over several tender processes on
one database (issue 6; SQLite or PostgreSQL, by --backend): PostgreSQL's row lock, or
SQLite's one writer at a time, lets exactly one capture through."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support import server as support
from tests.support.invariants import check_money
from tests.support.server import SECRET_KEY, TenderServer

PROCESSES = 3
CAPTURES = 20
AMOUNT = 1000
PARTIAL = 600
ROUNDS = 5


servers = support.servers_fixture(PROCESSES, {"TENDER_NO_DISPATCHER": "1"})


def _client(srv: TenderServer) -> httpx.Client:
    return httpx.Client(base_url=srv.base_url, auth=(SECRET_KEY, ""), timeout=30)


def _capture_all_at_once(servers: list[TenderServer], intent_id: str) -> list[tuple[int | None, httpx.Response]]:
    """CAPTURES requests at once, round-robin over the processes: even ones capture part
    of the hold, odd ones all of it.  Returns (amount asked, answer) pairs."""
    clients = [_client(s) for s in servers]
    asked = [PARTIAL if i % 2 == 0 else None for i in range(CAPTURES)]

    def capture(i: int) -> httpx.Response:
        data = {} if asked[i] is None else {"amount_to_capture": str(asked[i])}
        return clients[i % len(clients)].post(f"/v1/payment_intents/{intent_id}/capture", data=data)

    try:
        with ThreadPoolExecutor(CAPTURES) as pool:
            return list(zip(asked, pool.map(capture, range(CAPTURES)), strict=True))
    finally:
        for client in clients:
            client.close()


def test_concurrent_captures_over_several_processes_capture_once(servers: list[TenderServer]) -> None:
    with _client(servers[0]) as client:
        for _ in range(ROUNDS):  # a lost race shows up in some rounds, not necessarily the first
            created = client.post("/v1/payment_intents", data={
                "amount": str(AMOUNT), "currency": "usd", "payment_method_types[]": "card",
                "payment_method": "pm_card_visa", "confirm": "true", "capture_method": "manual",
            })
            assert created.status_code == 200 and created.json()["status"] == "requires_capture", created.text
            intent = created.json()

            answers = _capture_all_at_once(servers, intent["id"])
            statuses = Counter(a.status_code for _, a in answers)
            assert statuses == {200: 1, 400: CAPTURES - 1}, statuses
            for _, answer in answers:
                if answer.status_code == 400:
                    error = answer.json()["error"]
                    assert (error["type"], error["code"]) == ("invalid_request_error", "payment_intent_unexpected_state")
                    assert error["payment_intent"]["status"] == "succeeded"
            asked, won = next((asked, a.json()) for asked, a in answers if a.status_code == 200)
            captured = AMOUNT if asked is None else asked
            assert (won["status"], won["amount_received"], won["amount_capturable"]) == ("succeeded", captured, 0)

            stored = client.get(f"/v1/payment_intents/{intent['id']}").json()
            assert stored["amount_received"] == captured
            charges = client.get("/v1/charges", params={"payment_intent": intent["id"]}).json()["data"]
            assert [(c["id"], c["captured"], c["amount_captured"], c["amount_refunded"]) for c in charges] == [
                (intent["latest_charge"], True, captured, AMOUNT - captured)
            ]
            captures = [
                e for e in client.get("/v1/events", params={"type": "charge.captured", "limit": 100}).json()["data"]
                if e["data"]["object"]["id"] == intent["latest_charge"]
            ]
            assert len(captures) == 1, [e["id"] for e in captures]
        check_money(client)  # one balance transaction per capture, and the balance adds up
