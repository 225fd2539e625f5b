"""Faults with several tender processes on one database (issue 6; SQLite or PostgreSQL): `kill -9` of one API
process and then of all of them under payment traffic loses no acknowledged answer and
leaves the books balanced; a database outage never stalls a process's event loop."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support import postgres
from tests.support import server as support
from tests.support.invariants import check_money
from tests.support.payment_load import PaymentLoad
from tests.support.server import SECRET_KEY, TenderServer

NO_DISPATCHER = {"TENDER_NO_DISPATCHER": "1"}


@pytest.fixture
def servers() -> Iterator[list[TenderServer]]:
    started: list[TenderServer] = []
    yield started
    for srv in started:
        srv.kill()


def uvicorn_workers(master: int) -> list[int]:
    """The worker processes `tender serve --workers N` (pid `master`) spawned."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                command = cmdline.read()
        except (OSError, ValueError):
            continue  # exited meanwhile
        if parent == master and b"spawn_main" in command:
            found.append(int(entry))
    return found


def test_kill_9_of_one_then_every_process_loses_no_acknowledged_payment(servers: list[TenderServer]) -> None:
    pooled = TenderServer(extra_env=NO_DISPATCHER).start("--workers", "2")
    servers.append(pooled)
    servers.append(TenderServer(db=pooled.db, extra_env=NO_DISPATCHER).start())
    workers = uvicorn_workers(pooled.process.pid)  # type: ignore[union-attr]
    assert len(workers) == 2, workers
    load = PaymentLoad([s.base_url for s in servers]).start()
    try:
        assert load.wait_for_acknowledged(100, timeout=30) >= 100
        os.kill(workers[0], signal.SIGKILL)  # one API process, mid-flight; the others carry on
        after_first = len(load.acknowledged()) + 100
        assert load.wait_for_acknowledged(after_first, timeout=30) >= after_first
        for srv in servers:
            srv.kill()  # then every process (uvicorn's master and workers), mid-flight
    finally:
        load.stop()
    assert load.unexpected_answers() == []
    assert any(s.status is None for s in load.sent)  # requests really were cut off

    restarted = TenderServer(db=pooled.db, extra_env=NO_DISPATCHER).start()
    servers.append(restarted)
    with httpx.Client(base_url=restarted.base_url, auth=(SECRET_KEY, ""), timeout=30) as client:
        checked = load.verify_acknowledged(client)
        assert checked["pay"] and checked["capture"] and checked["refund"], checked
        load.retry_unanswered(client, claim_may_survive=support.BACKEND == "postgres")
        check_money(client)


def test_a_database_outage_does_not_stall_the_event_loop(servers: list[TenderServer]) -> None:
    """Requests that need the database (an API key's look-up, an Idempotency-Key's, the
    dispatcher's poll of the outbox) wait for it off the event loop: meanwhile the process
    still answers what needs no database (here /healthz) at once."""
    if support.BACKEND != "postgres":
        pytest.skip("a database server to stop needs --backend postgres")
    pg, folder = postgres.private_server()
    try:
        srv = TenderServer(db=pg.get_uri(), extra_env={"TENDER_WEBHOOK_POLL_INTERVAL": "0.05"}).start()
        servers.append(srv)
        # The secret key is now cached for a few seconds: the Idempotency-Key request below
        # goes to the database for its key's record, not for the API key.
        assert httpx.get(srv.base_url + "/v1/customers", auth=(SECRET_KEY, "")).status_code == 200
        postgres.stop_abruptly(folder)
        answers: list[httpx.Response] = []

        def call(key: str, headers: dict[str, str]) -> None:
            answers.append(httpx.post(srv.base_url + "/v1/customers", auth=(key, ""), headers=headers, timeout=30))

        waiting = [  # an API key not seen yet; an Idempotency-Key to look up
            threading.Thread(target=call, args=("sk_test_not_cached_0123456789abcdefghij", {})),
            threading.Thread(target=call, args=(SECRET_KEY, {"Idempotency-Key": "outage"})),
        ]
        for thread in waiting:
            thread.start()
        slowest = 0.0
        deadline = time.time() + 30
        while any(thread.is_alive() for thread in waiting):  # each waits up to the pool's 5 s
            assert time.time() < deadline, "no answer while the database is down"
            started = time.time()
            assert httpx.get(srv.base_url + "/healthz", timeout=30).status_code == 200
            slowest = max(slowest, time.time() - started)
            time.sleep(0.05)
        assert [a.status_code for a in answers] == [503, 503], [a.text for a in answers]
        assert all(a.json()["error"]["type"] == "api_error" for a in answers)
        assert slowest < 2.0, f"/healthz waited {slowest:.1f} s behind the database"
    finally:
        for srv in servers:
            srv.kill()
        servers.clear()
        pg.cleanup()
