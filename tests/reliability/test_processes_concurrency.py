"""Several tender processes on one database (SQLite or PostgreSQL, by --backend): row
locks (SQLite: units taking turns) and the idempotency rules hold across processes, not
just within one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import server as support
from tests.support.server import SECRET_KEY, TenderServer

PROCESSES = 3
REQUESTS = 50


servers = support.servers_fixture(PROCESSES, {"TENDER_NO_DISPATCHER": "1"})


def _spread(servers: list[TenderServer], requests: list[tuple[str, dict[str, Any], dict[str, str]]]) -> list[httpx.Response]:
    """Send every request at once, round-robin over the processes."""
    clients = [httpx.Client(base_url=s.base_url, auth=(SECRET_KEY, ""), timeout=30) for s in servers]

    def send(i: int) -> httpx.Response:
        path, data, headers = requests[i]
        return clients[i % len(clients)].post(path, data=data, headers=headers)

    try:
        with ThreadPoolExecutor(len(requests)) as pool:
            return list(pool.map(send, range(len(requests))))
    finally:
        for client in clients:
            client.close()


def _intent(srv: TenderServer, amount: int, confirm: bool) -> dict[str, Any]:
    response = httpx.post(
        srv.base_url + "/v1/payment_intents", auth=(SECRET_KEY, ""),
        data={"amount": amount, "currency": "usd", "payment_method": "pm_card_visa",
              "payment_method_types[]": "card", "confirm": str(confirm).lower()},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_concurrent_confirms_over_several_processes_charge_once(servers: list[TenderServer]) -> None:
    intent = _intent(servers[0], 1500, confirm=False)
    answers = _spread(servers, [(f"/v1/payment_intents/{intent['id']}/confirm", {}, {})] * REQUESTS)
    statuses = Counter(a.status_code for a in answers)
    assert statuses[200] == 1, statuses
    assert statuses[400] == REQUESTS - 1, statuses
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 400} == {
        "payment_intent_unexpected_state"
    }
    charges = httpx.get(
        servers[1].base_url + "/v1/charges", params={"payment_intent": intent["id"]}, auth=(SECRET_KEY, "")
    ).json()["data"]
    assert [c["status"] for c in charges] == ["succeeded"]


def test_one_idempotency_key_over_several_processes_makes_one_object(servers: list[TenderServer]) -> None:
    marker = os.urandom(6).hex() + "@example.com"
    request = ("/v1/customers", {"email": marker}, {"Idempotency-Key": "key-" + marker})
    answers = _spread(servers, [request] * REQUESTS)
    assert {a.status_code for a in answers} <= {200, 409}, Counter(a.status_code for a in answers)
    created = {a.json()["id"] for a in answers if a.status_code == 200}
    assert len(created) == 1
    found = httpx.get(
        servers[2].base_url + "/v1/customers", params={"email": marker}, auth=(SECRET_KEY, "")
    ).json()["data"]
    assert [c["id"] for c in found] == list(created)


def test_concurrent_refunds_over_several_processes_never_over_refund(servers: list[TenderServer]) -> None:
    intent = _intent(servers[0], 1000, confirm=True)
    request = ("/v1/refunds", {"payment_intent": intent["id"], "amount": "300"}, {})
    answers = _spread(servers, [request] * 20)
    refunded = [a.json() for a in answers if a.status_code == 200]
    assert len(refunded) == 3, Counter(a.status_code for a in answers)
    assert {a.status_code for a in answers} == {200, 400}
    charge = httpx.get(
        servers[1].base_url + f"/v1/charges/{intent['latest_charge']}", auth=(SECRET_KEY, "")
    ).json()
    assert charge["amount_refunded"] == 900


def test_processes_migrating_one_database_at_once_all_succeed(tmp_path: Path) -> None:
    if support.BACKEND == "postgres":
        from tests.support import postgres

        db = postgres.new_database()
    else:
        db = f"sqlite:///{tmp_path / 'new.db'}"
    migrating = [
        subprocess.Popen([sys.executable, "-m", "tender.cli", "migrate", "--db", db],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60)[0].decode() for p in migrating]
    assert [p.returncode for p in migrating] == [0] * 4, outputs


def test_database_outage_answers_503_api_error_then_recovers_without_restart() -> None:
    import time

    if support.BACKEND != "postgres":
        pytest.skip("a database server to stop needs --backend postgres")
    from tests.support import postgres

    pg, folder = postgres.private_server()
    srv = TenderServer(db=pg.get_uri(), extra_env={"TENDER_NO_DISPATCHER": "1"}).start()
    try:
        with httpx.Client(base_url=srv.base_url, auth=(SECRET_KEY, ""), timeout=30) as client:
            assert client.post("/v1/customers", data={"name": "before"}).status_code == 200
            postgres.stop_abruptly(folder)
            for answer in (client.post("/v1/customers", data={"name": "during"}), client.get("/v1/customers")):
                assert answer.status_code == 503
                assert answer.json()["error"]["type"] == "api_error"
                assert answer.headers["stripe-should-retry"] == "true"
            postgres.restart(pg, folder)
            deadline = time.time() + 10
            while (answer := client.post("/v1/customers", data={"name": "after"})).status_code != 200:
                assert time.time() < deadline, answer.text
                time.sleep(0.2)
            names = [c["name"] for c in client.get("/v1/customers").json()["data"]]
            assert names == ["after", "before"]
    finally:
        srv.stop()
        pg.cleanup()
