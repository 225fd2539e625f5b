"""Money movement is recorded before it is attempted (issue 6): with a remote processor
a charge attempt is written before the processor is called and resolved after, and a
`kill -9` in between is recovered on restart by asking the processor by attempt id —
never double-charged, never lost."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.processor import RemoteSim
from tests.support.server import SECRET_KEY, TenderServer
from tests.support.waiting import wait_for


def _client(server: TenderServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, auth=(SECRET_KEY, ""), timeout=60)


def _intent(client: httpx.Client, card: str = "pm_card_visa", **extra: str) -> dict[str, Any]:
    answer = client.post("/v1/payment_intents", data={
        "amount": "2500", "currency": "usd", "payment_method_types[]": "card", "payment_method": card, **extra,
    })
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _settled(client: httpx.Client, intent_id: str) -> dict[str, Any]:
    """The intent once recovery has moved it out of `processing`."""
    def done() -> dict[str, Any] | None:
        intent: dict[str, Any] = client.get(f"/v1/payment_intents/{intent_id}").json()
        return None if intent["status"] == "processing" else intent

    return dict(wait_for(done, what=f"{intent_id} to leave processing"))


def _charges(client: httpx.Client, intent_id: str) -> list[dict[str, Any]]:
    return list(client.get("/v1/charges", params={"payment_intent": intent_id}).json()["data"])


def _event_types(client: httpx.Client, intent_id: str) -> list[str]:
    events = client.get("/v1/events", params={"limit": 100}).json()["data"]
    return sorted(e["type"] for e in events if intent_id in (e["data"]["object"]["id"],
                                                             e["data"]["object"].get("payment_intent")))


# -- (a) the remote processor behaves as the in-process one -------------------------------


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, TenderServer]]:
    sim = RemoteSim().start()
    started = {
        "simulator": TenderServer(extra_env={"TENDER_PROCESSOR": ""}).start(),
        "remote": TenderServer(extra_env={"TENDER_PROCESSOR": sim.url}).start(),
    }
    yield started
    for server in started.values():
        server.stop()
    sim.kill()


def _confirmed(client: httpx.Client, card: str, **extra: str) -> dict[str, Any]:
    """What a client observes of one create-and-confirm, without ids and times."""
    answer = client.post("/v1/payment_intents", data={
        "amount": "2500", "currency": "usd", "payment_method_types[]": "card", "payment_method": card,
        "confirm": "true", **extra,
    })
    body = answer.json()
    intent = body if answer.status_code == 200 else body["error"]["payment_intent"]
    charges = _charges(client, intent["id"])
    return {
        "http": answer.status_code,
        "error": None if answer.status_code == 200 else (body["error"]["type"], body["error"].get("code"),
                                                          body["error"].get("decline_code")),
        "status": intent["status"],
        "amount_received": intent["amount_received"],
        "next_action": (intent["next_action"] or {}).get("type"),
        "last_payment_error": (intent["last_payment_error"] or {}).get("code"),
        "charges": [(c["status"], c["captured"], c["outcome"]["type"], c["outcome"]["network_status"],
                     c["payment_method_details"]["card"]["three_d_secure"]) for c in charges],
        "events": _event_types(client, intent["id"]),
        "id": intent["id"],
    }


@pytest.mark.parametrize("card, extra", [
    ("pm_card_visa", {}),
    ("pm_card_visa", {"capture_method": "manual"}),
    ("pm_card_chargeDeclined", {}),
    ("pm_card_chargeDeclinedInsufficientFunds", {}),
    ("pm_card_radarBlock", {}),
    ("pm_card_threeDSecure2Required", {}),
    ("pm_card_threeDSecure2Required", {"error_on_requires_action": "true"}),
    ("pm_card_chargeDeclinedProcessingError", {}),
    ("pm_card_threeDSecureOptional", {}),
])
def test_a_confirmation_answers_the_same_through_a_remote_processor(
    servers: dict[str, TenderServer], card: str, extra: dict[str, str]
) -> None:
    observed = {}
    for name, server in servers.items():
        with _client(server) as client:
            observed[name] = _confirmed(client, card, **extra)
            observed[name].pop("id")
    assert observed["remote"] == observed["simulator"]


def test_a_challenge_completed_on_the_page_charges_through_the_remote_processor(
    servers: dict[str, TenderServer],
) -> None:
    outcomes = {}
    for name, server in servers.items():
        with _client(server) as client:
            intent = _confirmed(client, "pm_card_threeDSecure2Required", return_url="https://shop.example/back")
            url = client.get(f"/v1/payment_intents/{intent['id']}").json()["next_action"]["redirect_to_url"]["url"]
            page = httpx.post(url, data={"action": "complete"}, follow_redirects=False)
            assert page.status_code == 303
            after = client.get(f"/v1/payment_intents/{intent['id']}").json()
            outcomes[name] = (parse_qs(urlsplit(page.headers["location"]).query)["redirect_status"],
                              after["status"], [c["status"] for c in _charges(client, intent["id"])],
                              _event_types(client, intent["id"]))
    assert outcomes["remote"] == outcomes["simulator"]
    assert outcomes["remote"][:3] == (["succeeded"], "succeeded", ["succeeded"])


def test_an_idempotent_retry_replays_the_remote_answer(servers: dict[str, TenderServer]) -> None:
    with _client(servers["remote"]) as client:
        intent = _intent(client)
        first = client.post(f"/v1/payment_intents/{intent['id']}/confirm", headers={"Idempotency-Key": "remote-1"})
        again = client.post(f"/v1/payment_intents/{intent['id']}/confirm", headers={"Idempotency-Key": "remote-1"})
        assert first.status_code == again.status_code == 200
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert len(_charges(client, intent["id"])) == 1


# -- (b), (c) kill -9 between recording the attempt and applying the answer ----------------


def _confirm_in_background(server: TenderServer, intent_id: str, key: str) -> threading.Thread:
    """A confirm whose answer never arrives (tender is killed while it waits)."""
    def send() -> None:
        try:
            with _client(server) as client:
                client.post(f"/v1/payment_intents/{intent_id}/confirm", headers={"Idempotency-Key": key})
        except httpx.HTTPError:
            pass

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_kill_after_the_processor_answered_charges_exactly_once_on_restart() -> None:
    sim = RemoteSim(delay_after=60).start()  # journals the authorisation, then holds the answer
    server = TenderServer(extra_env={"TENDER_PROCESSOR": sim.url}).start()
    restarted = None
    try:
        with _client(server) as client:
            intent = _intent(client)
        sender = _confirm_in_background(server, intent["id"], "confirm-b")
        journalled = wait_for(sim.authorizations, what="the processor to journal the authorisation")
        server.kill()
        sender.join()

        restarted = TenderServer(db=server.db, extra_env={"TENDER_PROCESSOR": sim.url}).start()
        with _client(restarted) as client:
            settled = _settled(client, intent["id"])
            assert settled["status"] == "succeeded" and settled["amount_received"] == 2500
            charges = _charges(client, intent["id"])
            assert [(c["status"], c["captured"], c["id"]) for c in charges] == [
                ("succeeded", True, settled["latest_charge"])
            ]
            assert charges[0]["balance_transaction"].startswith("txn_")
            assert _event_types(client, intent["id"]).count("payment_intent.succeeded") == 1
            # The original request, retried, sees the outcome; nothing is authorised again.
            retry = client.post(f"/v1/payment_intents/{intent['id']}/confirm", headers={"Idempotency-Key": "confirm-b"})
            assert retry.status_code == 200 and retry.headers["idempotent-replayed"] == "true"
            assert retry.json()["status"] == "succeeded"
            assert retry.json()["latest_charge"] == settled["latest_charge"]
        assert [(row["attempt_id"], row["asked"]) for row in sim.authorizations()] == [
            (journalled[0]["attempt_id"], 1)
        ]
    finally:
        for process in (restarted, server):
            if process is not None:
                process.stop()
        sim.kill()


def test_kill_before_the_processor_acted_fails_the_attempt_without_a_charge() -> None:
    sim = RemoteSim(delay_before=60).start()  # holds the request without acting on it
    server = TenderServer(extra_env={"TENDER_PROCESSOR": sim.url}).start()
    restarted = None
    replacement = None
    try:
        with _client(server) as client:
            intent = _intent(client)
            sender = _confirm_in_background(server, intent["id"], "confirm-c")
            wait_for(lambda: client.get(f"/v1/payment_intents/{intent['id']}").json()["status"] == "processing",
                     what="the attempt to be recorded")
        server.kill()
        sim.kill()  # the request it held dies with it, never journalled
        sender.join()
        assert sim.rows() == []

        replacement = RemoteSim(journal=sim.journal).start()
        restarted = TenderServer(db=server.db, extra_env={"TENDER_PROCESSOR": replacement.url}).start()
        with _client(restarted) as client:
            settled = _settled(client, intent["id"])
            assert settled["status"] == "requires_payment_method"
            assert settled["latest_charge"] is None and settled["amount_received"] == 0
            error = settled["last_payment_error"]
            assert error["type"] == "api_error"
            assert "no money moved" in error["message"]
            assert error["payment_method"]["id"] == intent["payment_method"]
            assert _charges(client, intent["id"]) == []
            assert _event_types(client, intent["id"]) == ["payment_intent.created", "payment_intent.payment_failed"]
            retry = client.post(f"/v1/payment_intents/{intent['id']}/confirm", headers={"Idempotency-Key": "confirm-c"})
            assert retry.headers["idempotent-replayed"] == "true"
            assert retry.status_code == 500 and retry.json()["error"]["type"] == "api_error"
            assert retry.json()["error"]["payment_intent"]["status"] == "requires_payment_method"
        # The processor was asked, found nothing, and will refuse that attempt id from now on.
        [closed] = replacement.rows()
        assert closed["request"] is None
        late = httpx.post(replacement.url + "/v1/authorizations", json={
            "attempt_id": closed["attempt_id"],
            "request": {"token": "sim_visa", "amount": 2500, "currency": "usd"},
        })
        assert late.status_code == 409
        assert replacement.authorizations() == []
    finally:
        for process in (restarted, server):
            if process is not None:
                process.stop()
        for simulator in (replacement, sim):
            if simulator is not None:
                simulator.kill()


# -- (d) concurrent confirms and state errors while the attempt is out --------------------


def test_concurrent_confirms_authorise_once() -> None:
    sim = RemoteSim(delay_before=1).start()  # the attempt stays out while the others arrive
    server = TenderServer(extra_env={"TENDER_PROCESSOR": sim.url}).start()
    try:
        with _client(server) as client:
            intent = _intent(client)
        with ThreadPoolExecutor(20) as pool, _client(server) as client:
            answers = list(pool.map(
                lambda _: client.post(f"/v1/payment_intents/{intent['id']}/confirm"), range(20)
            ))
        statuses = Counter(a.status_code for a in answers)
        assert statuses == {200: 1, 400: 19}, statuses
        assert {a.json()["error"]["code"] for a in answers if a.status_code == 400} == {
            "payment_intent_unexpected_state"
        }
        assert len(sim.authorizations()) == 1
        with _client(server) as client:
            assert [c["status"] for c in _charges(client, intent["id"])] == ["succeeded"]
    finally:
        server.stop()
        sim.kill()


def test_capture_cancel_and_confirm_are_refused_while_the_processor_decides() -> None:
    sim = RemoteSim(delay_before=2).start()
    server = TenderServer(extra_env={"TENDER_PROCESSOR": sim.url}).start()
    try:
        with _client(server) as client:
            intent = _intent(client, capture_method="manual")
            sender = _confirm_in_background(server, intent["id"], "confirm-d")
            wait_for(lambda: client.get(f"/v1/payment_intents/{intent['id']}").json()["status"] == "processing",
                     what="the attempt to be recorded")
            for action in ("cancel", "capture", "confirm"):
                refused = client.post(f"/v1/payment_intents/{intent['id']}/{action}")
                assert refused.status_code == 400, (action, refused.text)
                error = refused.json()["error"]
                assert error["code"] == "payment_intent_unexpected_state"
                assert "status of processing" in error["message"]
            sender.join()
            assert client.get(f"/v1/payment_intents/{intent['id']}").json()["status"] == "requires_capture"
        assert len(sim.authorizations()) == 1
    finally:
        server.stop()
        sim.kill()
