"""Payment traffic for crash tests: threads sending creates, create+confirms, holds then
partial captures, and partial refunds to one or more tender servers, remembering every
answer that arrived (acknowledged) and every request that got none.

After the servers were killed and one restarted, `verify_acknowledged` checks that each
200 a client received is still true, and `retry_unanswered` sends every unanswered
request again with its Idempotency-Key and checks that no key ever made two objects.
Every POST carries a unique Idempotency-Key, and objects carry it as `metadata[load_key]`.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.invariants import all_pages
from tests.support.server import SECRET_KEY

AMOUNT = 1500
CAPTURED = 1000  # holds are captured in part: 500 released
# Answers the load may legitimately get besides 200: a refund larger than what is left.
EXPECTED_REFUSALS = {"amount_too_large", "charge_already_refunded"}


@dataclass
class Sent:
    """One POST: what it asked for, under which key, and (when one arrived) the answer."""

    kind: str  # create | pay | hold | capture | refund
    path: str
    data: dict[str, Any]
    key: str
    status: int | None = None  # None: the connection failed, no answer arrived
    body: dict[str, Any] = field(default_factory=dict)


class PaymentLoad:
    def __init__(self, base_urls: list[str], threads: int = 8, seed: int = 6) -> None:
        self.base_urls = base_urls
        self.threads = threads
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._seed = seed

    # -- sending ---------------------------------------------------------------------

    def start(self) -> PaymentLoad:
        for number in range(self.threads):
            worker = threading.Thread(target=self._run, args=(number,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def acknowledged(self) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.status == 200]

    def wait_for_acknowledged(self, count: int, timeout: float) -> int:
        deadline = time.time() + timeout
        while len(self.acknowledged()) < count and time.time() < deadline:
            time.sleep(0.01)
        return len(self.acknowledged())

    def _run(self, number: int) -> None:
        rng = random.Random(self._seed * 1000 + number)
        clients = [httpx.Client(base_url=url, auth=(SECRET_KEY, ""), timeout=20) for url in self.base_urls]
        paid: list[str] = []  # this thread's acknowledged succeeded intents, to refund
        turn = number
        try:
            while not self._stop.is_set():
                turn += 1
                client = clients[turn % len(clients)]
                roll = rng.random()
                if roll < 0.2:
                    self._send(client, "create", "/v1/payment_intents", _intent_params())
                elif roll < 0.5:
                    sent = self._send(client, "pay", "/v1/payment_intents", _intent_params(pay=True))
                    if sent.status == 200:
                        paid.append(sent.body["id"])
                elif roll < 0.7:
                    held = self._send(client, "hold", "/v1/payment_intents", _intent_params(hold=True))
                    if held.status == 200:
                        captured = self._send(
                            client, "capture", f"/v1/payment_intents/{held.body['id']}/capture",
                            {"amount_to_capture": str(CAPTURED)},
                        )
                        if captured.status == 200:
                            paid.append(held.body["id"])
                elif paid:
                    self._send(client, "refund", "/v1/refunds", {
                        "payment_intent": rng.choice(paid), "amount": str(rng.choice((100, 200, 300, 400))),
                    })
                else:
                    self._send(client, "create", "/v1/payment_intents", _intent_params())
        finally:
            for client in clients:
                client.close()

    def _send(self, client: httpx.Client, kind: str, path: str, data: dict[str, Any]) -> Sent:
        key = uuid.uuid4().hex
        if kind in ("create", "pay", "hold", "refund"):
            data = {**data, "metadata[load_key]": key}
        sent = Sent(kind, path, data, key)
        try:
            answer = client.post(path, data=data, headers={"Idempotency-Key": key})
        except httpx.TransportError:
            # The process died with the request (or was already dead): no answer, and
            # nobody can say whether it happened.  Pause so a dead server is not hammered.
            self._stop.wait(0.05)
        else:
            sent.status = answer.status_code
            try:
                sent.body = answer.json()
            except ValueError:
                sent.body = {"not_json": answer.text}
        with self._lock:
            self.sent.append(sent)
        return sent

    # -- checking ----------------------------------------------------------------------

    def unexpected_answers(self) -> list[Sent]:
        """Answers other than 200 and a refund refused for being too large."""
        return [
            s for s in self.sent
            if s.status not in (None, 200)
            and not (s.kind == "refund" and s.status == 400 and s.body.get("error", {}).get("code") in EXPECTED_REFUSALS)
        ]

    def verify_acknowledged(self, client: httpx.Client) -> Counter[str]:
        """Every 200 the load received is still what the database says."""
        checked: Counter[str] = Counter()
        for sent in self.acknowledged():
            answer = sent.body
            if sent.kind == "refund":
                stored = _get(client, f"/v1/refunds/{answer['id']}")
                assert (stored["status"], stored["amount"], stored["charge"]) == (
                    answer["status"], answer["amount"], answer["charge"]
                ), (answer, stored)
            else:
                stored = _get(client, f"/v1/payment_intents/{answer['id']}")
                assert stored["amount"] == answer["amount"] == AMOUNT, (answer, stored)
                if sent.kind == "create":
                    assert stored["status"] == answer["status"] == "requires_payment_method", stored
                elif sent.kind == "pay":
                    assert stored["status"] == answer["status"] == "succeeded", stored
                    assert stored["amount_received"] == AMOUNT, stored
                    assert stored["latest_charge"] == answer["latest_charge"], (answer, stored)
                elif sent.kind == "hold":
                    assert answer["status"] == "requires_capture", answer
                    # A capture may have followed (acknowledged or not); nothing else may.
                    assert stored["status"] in ("requires_capture", "succeeded"), stored
                    assert stored["latest_charge"] == answer["latest_charge"], (answer, stored)
                elif sent.kind == "capture":
                    assert stored["status"] == answer["status"] == "succeeded", stored
                    assert stored["amount_received"] == answer["amount_received"] == CAPTURED, stored
            checked[sent.kind] += 1
        return checked

    def retry_unanswered(self, client: httpx.Client, claim_may_survive: bool) -> Counter[str]:
        """Send each request that got no answer again, with its key, then check that no
        key made two objects.  A replay means the first attempt happened; a fresh 200
        that it never did.  `claim_may_survive` (PostgreSQL): a key claimed by a process
        killed before its work committed answers 409 until the claim expires — and then
        the work must not have happened."""
        outcomes: Counter[str] = Counter()
        conflicted: list[Sent] = []
        for sent in [s for s in self.sent if s.status is None]:
            answer = client.post(sent.path, data=sent.data, headers={"Idempotency-Key": sent.key})
            if answer.status_code == 409 and claim_may_survive:
                conflicted.append(sent)
                outcomes["409 (claim of a killed process)"] += 1
                continue
            refused = answer.status_code == 400 and answer.json()["error"].get("code") in EXPECTED_REFUSALS
            assert answer.status_code == 200 or (sent.kind == "refund" and refused), (sent, answer.text)
            replayed = answer.headers.get("idempotent-replayed") == "true"
            outcomes[f"{sent.kind}: {'replayed' if replayed else 'ran now' if answer.status_code == 200 else 'refused'}"] += 1

        by_key: dict[str, list[str]] = defaultdict(list)
        for path in ("/v1/payment_intents", "/v1/refunds"):
            for obj in all_pages(client, path):
                key = obj["metadata"].get("load_key")
                if key:
                    by_key[key].append(obj["id"])
        doubled = {k: v for k, v in by_key.items() if len(v) > 1}
        assert not doubled, f"one Idempotency-Key made several objects: {doubled}"
        for sent in conflicted:
            if sent.kind == "capture":
                intent = _get(client, sent.path.removesuffix("/capture"))
                assert intent["status"] == "requires_capture", f"claimed capture happened: {intent}"
            else:
                assert sent.key not in by_key, f"claimed {sent.kind} happened: {by_key[sent.key]}"
        return outcomes


def _intent_params(pay: bool = False, hold: bool = False) -> dict[str, Any]:
    params: dict[str, Any] = {"amount": str(AMOUNT), "currency": "usd", "payment_method_types[]": "card"}
    if pay or hold:
        params.update({"payment_method": "pm_card_visa", "confirm": "true"})
    if hold:
        params["capture_method"] = "manual"
    return params


def _get(client: httpx.Client, path: str) -> dict[str, Any]:
    answer = client.get(path)
    assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
    return dict(answer.json())
