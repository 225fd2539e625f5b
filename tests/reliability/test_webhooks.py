"""Webhooks are never lost (stripe-behaviour §7.4–7.5, issue 4): a receiver that is down,
slow or failing, a tender killed with `kill -9`, a rolled secret — every event still
arrives, signed so that the official SDK accepts it.  Schedules are compressed into
seconds through the TENDER_WEBHOOK_* variables; every receiver is on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from tests.support.server import SECRET_KEY, TenderServer
from tests.support.webhook_receiver import Receiver

FAST = {
    "TENDER_WEBHOOK_POLL_INTERVAL": "0.05",
    "TENDER_WEBHOOK_TIMEOUT": "3",
    "TENDER_WEBHOOK_LEASE": "1",
    "TENDER_WEBHOOK_RETRY_INITIAL": "0.2",
    "TENDER_WEBHOOK_RETRY_MULTIPLIER": "2",
    "TENDER_WEBHOOK_RETRY_MAX_DELAY": "1",
    "TENDER_WEBHOOK_RETRY_JITTER": "0.1",
}


def api(server: TenderServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, auth=(SECRET_KEY, ""), timeout=10)


def add_endpoint(client: httpx.Client, url: str, *events: str) -> dict[str, Any]:
    answer = client.post("/v1/webhook_endpoints", data={"url": url, "enabled_events[]": list(events or ["*"])})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def pay(client: httpx.Client, count: int) -> None:
    for _ in range(count):
        answer = client.post("/v1/payment_intents", data={
            "amount": "1500", "currency": "usd", "payment_method_types[]": "card",
            "payment_method": "pm_card_visa", "confirm": "true",
        })
        assert answer.status_code == 200, answer.text


def all_event_ids(client: httpx.Client) -> set[str]:
    ids: set[str] = set()
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = client.get("/v1/events", params=params).json()
        ids |= {e["id"] for e in page["data"]}
        if not page["has_more"]:
            return ids
        params["starting_after"] = page["data"][-1]["id"]


def eventually(check: Callable[[], Any], timeout: float, message: str) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(message)


def all_delivered(client: httpx.Client) -> bool:
    return client.get("/v1/events", params={"delivery_success": "false"}).json()["data"] == []


@pytest.fixture
def servers() -> Iterator[list[TenderServer]]:
    started: list[TenderServer] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.stop()


def test_a_receiver_down_for_a_while_gets_every_event_once_it_is_up(
    servers: list[TenderServer], receivers: list[Receiver]
) -> None:
    receiver = Receiver()  # not listening yet: connection refused
    receivers.append(receiver)
    server = TenderServer(extra_env=FAST).start()
    servers.append(server)
    with api(server) as client:
        endpoint = add_endpoint(client, receiver.url)
        pay(client, 10)
        expected = all_event_ids(client)
        assert len(expected) == 30
        attempts_path = f"/v1/webhook_endpoints/{endpoint['id']}/delivery_attempts"
        eventually(
            lambda: len(client.get(attempts_path, params={"limit": 100}).json()["data"]) >= 60,
            10, "tender did not keep retrying while the receiver was down",
        )
        failed = client.get(attempts_path, params={"limit": 100}).json()["data"]
        assert not any(a["succeeded"] for a in failed)
        assert all(a["response_status"] is None and "Connect" in a["error"] for a in failed)

        receiver.start()
        assert receiver.wait_for(expected, timeout=15) == set(), "events lost"
        receiver.verify_all(endpoint["secret"])
        eventually(lambda: all_delivered(client), 10, "pending_webhooks never reached 0")


def test_deliveries_pending_or_in_flight_survive_kill_9(
    servers: list[TenderServer], receivers: list[Receiver]
) -> None:
    receiver = Receiver(delay=1.0).start()  # slow: requests are in flight when tender dies
    receivers.append(receiver)
    env = FAST | {"TENDER_WEBHOOK_PER_ENDPOINT": "4"}
    server = TenderServer(extra_env=env).start()
    servers.append(server)
    with api(server) as client:
        endpoint = add_endpoint(client, receiver.url)
        pay(client, 10)
        expected = all_event_ids(client)
    eventually(lambda: len(receiver.snapshot()) >= 2, 10, "no delivery started")
    server.kill()
    in_flight_at_kill = len(receiver.snapshot())
    assert in_flight_at_kill < len(expected)  # most were still pending
    receiver.delay = 0

    restarted = TenderServer(db=server.db, extra_env=env).start()
    servers.append(restarted)
    with api(restarted) as client:
        assert all_event_ids(client) == expected
        assert receiver.wait_for(expected, timeout=20) == set(), "events lost across kill -9"
        receiver.verify_all(endpoint["secret"])
        eventually(lambda: all_delivered(client), 10, "deliveries not recorded as done")


def test_a_slow_receiver_does_not_delay_the_others(
    servers: list[TenderServer], receivers: list[Receiver]
) -> None:
    slow = Receiver(delay=5.0).start()
    fast = Receiver().start()
    receivers.extend([slow, fast])
    server = TenderServer(extra_env=FAST | {"TENDER_WEBHOOK_TIMEOUT": "10", "TENDER_WEBHOOK_PER_ENDPOINT": "4"}).start()
    servers.append(server)
    with api(server) as client:
        add_endpoint(client, slow.url)
        endpoint = add_endpoint(client, fast.url)
        started = time.time()
        pay(client, 10)
        expected = all_event_ids(client)
        assert fast.wait_for(expected, timeout=5) == set()
        elapsed = time.time() - started
    assert elapsed < 3.0, f"the fast receiver waited {elapsed:.1f} s behind the slow one"
    assert len(slow.snapshot()) <= 4  # at most PER_ENDPOINT requests held by the slow receiver
    fast.verify_all(endpoint["secret"])


def test_after_a_secret_roll_old_and_new_secrets_both_verify_during_the_overlap(
    servers: list[TenderServer], receivers: list[Receiver]
) -> None:
    receiver = Receiver().start()
    receivers.append(receiver)
    server = TenderServer(extra_env=FAST).start()
    servers.append(server)
    with api(server) as client:
        endpoint = add_endpoint(client, receiver.url, "payment_intent.created")
        old = endpoint["secret"]
        rolled = client.post(f"/v1/webhook_endpoints/{endpoint['id']}/roll_secret", data={"expires_in": "2"})
        new = rolled.json()["secret"]
        rolled_at = time.time()

        pay(client, 1)
        during = eventually(lambda: receiver.snapshot(), 10, "nothing delivered")[0]
        assert during.headers["Stripe-Signature"].count("v1=") == 2
        for secret in (old, new):
            stripe.Webhook.construct_event(during.body, during.headers["Stripe-Signature"], secret)

        time.sleep(max(0.0, rolled_at + 3.2 - time.time()))
        pay(client, 1)
        after = eventually(lambda: receiver.snapshot()[1:], 10, "nothing delivered")[0]
        assert after.headers["Stripe-Signature"].count("v1=") == 1
        stripe.Webhook.construct_event(after.body, after.headers["Stripe-Signature"], new)
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(after.body, after.headers["Stripe-Signature"], old)


def test_redirects_and_errors_fail_and_any_2xx_succeeds(
    servers: list[TenderServer], receivers: list[Receiver]
) -> None:
    receiver = Receiver(status=302).start()
    receivers.append(receiver)
    server = TenderServer(extra_env=FAST).start()
    servers.append(server)
    with api(server) as client:
        endpoint = add_endpoint(client, receiver.url, "payment_intent.created")
        client.post("/v1/payment_intents", data={"amount": "100", "currency": "usd", "payment_method_types[]": "card"})
        path = f"/v1/webhook_endpoints/{endpoint['id']}/delivery_attempts"
        first = eventually(lambda: client.get(path).json()["data"], 10, "no attempt")[-1]
        assert first["succeeded"] is False and first["response_status"] == 302
        receiver.status = 404
        eventually(lambda: client.get(path).json()["data"][0]["response_status"] == 404, 10, "no retry")
        receiver.status = 204
        eventually(lambda: client.get(path).json()["data"][0]["succeeded"], 10, "a 204 was not a success")
        eventually(lambda: all_delivered(client), 5, "delivery not done")


def test_a_resend_made_while_the_first_attempt_is_on_the_wire_is_not_lost(
    servers: list[TenderServer], receivers: list[Receiver]
) -> None:
    # The receiver has the event but tender not yet its answer; with one POST per endpoint
    # at a time the resend must wait for that answer, whose record must not close it.
    receiver = Receiver(delay=1.0).start()
    receivers.append(receiver)
    server = TenderServer(extra_env=FAST | {"TENDER_WEBHOOK_PER_ENDPOINT": "1"}).start()
    servers.append(server)
    with api(server) as client:
        endpoint = add_endpoint(client, receiver.url, "payment_intent.created")
        client.post("/v1/payment_intents", data={"amount": "100", "currency": "usd", "payment_method_types[]": "card"})
        event_id = eventually(receiver.event_ids, 10, "nothing delivered").pop()
        resent = client.post(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{event_id}/resend")
        assert resent.status_code == 200, resent.text
        eventually(lambda: len(receiver.snapshot()) == 2, 10, "the resend was lost")
        delivery = f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{event_id}"
        eventually(lambda: client.get(delivery).json()["status"] == "succeeded", 10, "not finished")
        attempts = client.get(f"/v1/webhook_endpoints/{endpoint['id']}/delivery_attempts").json()["data"]
        assert [a["event"] for a in attempts] == [event_id, event_id]


def test_an_endpoint_failing_for_the_configured_period_is_disabled_with_a_log_line(
    servers: list[TenderServer], receivers: list[Receiver]
) -> None:
    receiver = Receiver(status=500).start()
    receivers.append(receiver)
    server = TenderServer(extra_env=FAST | {"TENDER_WEBHOOK_DISABLE_AFTER": "1.5"}).start()
    servers.append(server)
    with api(server) as client:
        endpoint = add_endpoint(client, receiver.url)
        pay(client, 1)
        path = f"/v1/webhook_endpoints/{endpoint['id']}"
        eventually(lambda: client.get(path).json()["status"] == "disabled", 15, "never disabled")
        # Attempts already on the wire when the endpoint was disabled are still recorded;
        # let them land, then nothing more may be attempted: the events are given up on.
        time.sleep(0.5)
        attempts = client.get(path + "/delivery_attempts", params={"limit": 100}).json()["data"]
        assert attempts and all(a["response_status"] == 500 for a in attempts)
        assert attempts[0]["response_body"] == "answered 500"
        count = len(attempts)
        time.sleep(1.0)
        assert len(client.get(path + "/delivery_attempts", params={"limit": 100}).json()["data"]) == count
        assert len(client.get("/v1/events", params={"delivery_success": "false"}).json()["data"]) == 3
    log = server.log_path.read_text()
    assert f"webhook endpoint {endpoint['id']}" in log and "disabled" in log


def _cli(server: TenderServer, *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ, **FAST,
        "TENDER_DB": server.db, "TENDER_PORT": str(server.port),
        "PYTHONUNBUFFERED": "1", "COLUMNS": "250",
    }
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "tender.cli", *args], env=env, stdout=out, stderr=subprocess.STDOUT)


def test_tender_dispatcher_delivers_for_a_server_run_with_no_dispatcher(
    servers: list[TenderServer], receivers: list[Receiver], tmp_path: Path
) -> None:
    receiver = Receiver().start()
    receivers.append(receiver)
    server = TenderServer(extra_env=FAST | {"TENDER_NO_DISPATCHER": "1"}).start()
    servers.append(server)
    tail_log = tmp_path / "tail.log"
    tail = _cli(server, "events", "tail", log=tail_log)
    try:
        eventually(lambda: "Tailing events" in tail_log.read_text(), 15, "events tail did not start")
        with api(server) as client:
            endpoint = add_endpoint(client, receiver.url)
            pay(client, 2)
            expected = all_event_ids(client)
            time.sleep(0.5)
            assert receiver.snapshot() == []  # nobody delivers
            dispatcher = _cli(server, "dispatcher")
            try:
                assert receiver.wait_for(expected, timeout=15) == set()
            finally:
                dispatcher.terminate()
                dispatcher.wait(timeout=10)
            receiver.verify_all(endpoint["secret"])
        eventually(lambda: all(i in tail_log.read_text() for i in expected), 5, "events tail missed events")
    finally:
        tail.terminate()
        tail.wait(timeout=10)


def test_listen_forwards_what_trigger_causes(
    servers: list[TenderServer], receivers: list[Receiver], tmp_path: Path
) -> None:
    receiver = Receiver().start()
    receivers.append(receiver)
    server = TenderServer(extra_env=FAST | {"TENDER_NO_DISPATCHER": "1"}).start()
    servers.append(server)
    output = tmp_path / "listen.log"
    listener = _cli(server, "listen", "--forward-to", receiver.url, "--events",
                    "payment_intent.succeeded,charge.refunded", log=output)
    try:
        ready = eventually(lambda: "whsec_" in output.read_text() and output.read_text(), 15, "listen not ready")
        secret = ready.split("signing secret is ")[1].split()[0]
        trigger = _cli(server, "trigger", "charge.refunded", log=tmp_path / "trigger.log")
        assert trigger.wait(timeout=30) == 0, (tmp_path / "trigger.log").read_text()
        got = eventually(lambda: len(receiver.snapshot()) >= 2 and receiver.snapshot(), 15, "nothing forwarded")
        assert sorted(r.event["type"] for r in got) == ["charge.refunded", "payment_intent.succeeded"]
        receiver.verify_all(secret)
        eventually(lambda: output.read_text().count("[200]") >= 2, 10, "listen printed no delivery lines")
        line = next(ln for ln in output.read_text().splitlines() if "--> charge.refunded" in ln)
        assert "evt_" in line and "[200]" in line
    finally:
        listener.terminate()
        listener.wait(timeout=10)
    with api(server) as client:
        endpoints = client.get("/v1/webhook_endpoints").json()["data"]
        assert [e["status"] for e in endpoints] == ["disabled"]  # listen stopped: nothing queued for it
