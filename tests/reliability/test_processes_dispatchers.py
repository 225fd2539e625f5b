"""Two `tender dispatcher` processes draining one outbox to one endpoint (issue 6; SQLite
or PostgreSQL): the claim's lease, taken under `FOR UPDATE SKIP LOCKED` on PostgreSQL and
by units taking turns on SQLite, gives each delivery to one of them, so a receiver that
answers promptly gets every event exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.invariants import all_pages
from tests.support.server import SECRET_KEY, TenderServer
from tests.support.webhook_receiver import Receiver

PER_ENDPOINT = 20  # claims of many rows at once: long enough for two claims to overlap
PAYMENTS = 60  # 3 events each: one dispatcher alone would need 180 × DELAY / PER_ENDPOINT s
DELAY = 0.5
DISPATCHER_ENV = {
    "TENDER_WEBHOOK_POLL_INTERVAL": "0.05",
    "TENDER_WEBHOOK_PER_ENDPOINT": str(PER_ENDPOINT),
    "TENDER_WEBHOOK_TIMEOUT": "10",
    "TENDER_WEBHOOK_LEASE": "30",  # no claim expires during the test: a duplicate is a bug
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver(delay=DELAY).start()  # prompt, but slow enough that deliveries overlap
    yield started
    started.stop()


def _dispatcher(db: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **DISPATCHER_ENV, "TENDER_DB": db, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "tender.cli", "dispatcher"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _wait_until(check: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, message
        time.sleep(0.05)


def test_two_dispatchers_deliver_every_event_once(receiver: Receiver, tmp_path: Path) -> None:
    server = TenderServer(extra_env={"TENDER_NO_DISPATCHER": "1"}).start()
    logs = [tmp_path / "dispatcher-1.log", tmp_path / "dispatcher-2.log"]
    dispatchers: list[subprocess.Popen[bytes]] = []
    try:
        with httpx.Client(base_url=server.base_url, auth=(SECRET_KEY, ""), timeout=30) as client:
            endpoint = client.post("/v1/webhook_endpoints", data={"url": receiver.url, "enabled_events[]": "*"}).json()
            for _ in range(PAYMENTS):
                paid = client.post("/v1/payment_intents", data={
                    "amount": "1500", "currency": "usd", "payment_method_types[]": "card",
                    "payment_method": "pm_card_visa", "confirm": "true",
                })
                assert paid.status_code == 200, paid.text
            expected = {e["id"] for e in all_pages(client, "/v1/events")}
            assert len(expected) == 3 * PAYMENTS
            # Every delivery is due when both start: their claims race from the first poll.
            dispatchers = [_dispatcher(server.db, log) for log in logs]
            missing = receiver.wait_for(expected, timeout=30)
            assert not missing, (
                f"{len(missing)} of {len(expected)} events not delivered; one stands at "
                + client.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{min(missing)}").text
                + "".join(f"\n{log.name}: {log.read_text()[-1500:]}" for log in logs)
            )
            _wait_until(
                lambda: client.get("/v1/events", params={"delivery_success": "false"}).json()["data"] == [],
                15, "deliveries not recorded as done",
            )
            attempts = all_pages(client, f"/v1/webhook_endpoints/{endpoint['id']}/delivery_attempts")
    finally:
        for dispatcher in dispatchers:
            dispatcher.terminate()
        for dispatcher in dispatchers:
            try:
                dispatcher.wait(timeout=15)
            except subprocess.TimeoutExpired:
                dispatcher.kill()
        server.stop()
    assert [d.returncode for d in dispatchers] == [0, 0], [log.read_text()[-2000:] for log in logs]

    received = Counter(r.event["id"] for r in receiver.snapshot())
    assert {i: n for i, n in received.items() if n > 1} == {}, "an event was delivered twice"
    attempted = Counter(a["event"] for a in attempts)
    assert set(attempted) == expected
    assert {i: n for i, n in attempted.items() if n > 1} == {}, "an event was attempted twice"
    assert all(a["succeeded"] for a in attempts)
    receiver.verify_all(endpoint["secret"])
    # Each dispatcher sends at most PER_ENDPOINT at a time to one endpoint: more than that
    # in flight at once shows both were delivering together (else this test proves little).
    assert PER_ENDPOINT < receiver.most_in_flight <= 2 * PER_ENDPOINT, receiver.most_in_flight
