"""After `kill -9`, every response a client received is still true (SQLite, synchronous=FULL)."""

from __future__ import annotations

import threading
import time

import httpx

from tests.support.server import SECRET_KEY, TenderServer


def _traffic(base_url: str, acknowledged: list[dict], stop: threading.Event) -> None:  # type: ignore[type-arg]
    with httpx.Client(base_url=base_url, auth=(SECRET_KEY, ""), timeout=5) as client:
        while not stop.is_set():
            try:
                response = client.post("/v1/payment_intents", data={
                    "amount": "1500", "currency": "usd", "payment_method_types[]": "card",
                    "payment_method": "pm_card_visa", "confirm": "true",
                })
            except httpx.HTTPError:
                return  # the server died mid-request: that answer was never received
            if response.status_code == 200:
                acknowledged.append(response.json())


def test_acknowledged_payments_survive_kill_9() -> None:
    server = TenderServer().start()
    acknowledged: list[dict] = []  # type: ignore[type-arg]
    stop = threading.Event()
    workers = [
        threading.Thread(target=_traffic, args=(server.base_url, acknowledged, stop)) for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    deadline = time.time() + 30
    while len(acknowledged) < 200 and time.time() < deadline:
        time.sleep(0.01)
    server.kill()  # while the workers are still sending
    stop.set()
    for worker in workers:
        worker.join()
    assert len(acknowledged) >= 200

    restarted = TenderServer(db=server.db).start()
    try:
        with httpx.Client(base_url=restarted.base_url, auth=(SECRET_KEY, "")) as client:
            for intent in acknowledged:
                stored = client.get(f"/v1/payment_intents/{intent['id']}").json()
                assert stored["status"] == "succeeded" == intent["status"]
                assert stored["amount_received"] == 1500
                assert stored["latest_charge"] == intent["latest_charge"]
                charge = client.get(f"/v1/charges/{intent['latest_charge']}").json()
                assert charge["status"] == "succeeded" and charge["captured"] is True
                assert charge["balance_transaction"].startswith("txn_")
    finally:
        restarted.stop()
