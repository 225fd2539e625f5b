"""After `kill -9`, every response a client received is still true and the books balance
(SQLite, synchronous=FULL; with --backend postgres, one process on PostgreSQL).  Several
processes on one PostgreSQL: tests/reliability/test_postgres_faults.py."""

from __future__ import annotations

import httpx

from tests.support import server as support
from tests.support.invariants import check_money
from tests.support.payment_load import PaymentLoad
from tests.support.server import SECRET_KEY, TenderServer


def test_acknowledged_payments_survive_kill_9() -> None:
    server = TenderServer().start()
    load = PaymentLoad([server.base_url]).start()
    try:
        acknowledged = load.wait_for_acknowledged(200, timeout=30)
        server.kill()  # while the load is still sending
    finally:
        load.stop()
        server.kill()
    assert acknowledged >= 200
    assert load.unexpected_answers() == []

    restarted = TenderServer(db=server.db).start()
    try:
        with httpx.Client(base_url=restarted.base_url, auth=(SECRET_KEY, ""), timeout=30) as client:
            checked = load.verify_acknowledged(client)
            assert checked["pay"] and checked["capture"] and checked["refund"], checked
            load.retry_unanswered(client, claim_may_survive=support.BACKEND == "postgres")
            check_money(client)
    finally:
        restarted.stop()
