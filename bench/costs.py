"""Where a request's CPU goes, measured in-process (no sockets, no wrk): `python -m bench.costs`.

Two parts:

1. Pieces of the hot paths, each timed alone (best of 5 repeats, µs per call): id
   generation, API-key hashing, form decoding, the event snapshot (`copy.deepcopy`),
   JSON encode/decode, one INSERT into `objects` and into `events`.
2. Whole requests through tender's ASGI app, called directly with in-memory ASGI
   messages: process CPU per request (event loop + writer thread) for create,
   create+confirm, retrieve, list.  Subtracting this from the CPU per request measured
   under `tender serve` (bench.run's `us/req`) leaves what uvicorn + httptools + uvloop
   cost per request — compare with the ceiling's `us/req`.

CPU time (time.process_time) is used because the machine is shared: it moves much less
than wall time when other jobs run.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sqlite3
import tempfile
import time
import timeit
from collections.abc import Callable
from typing import Any

import orjson

from bench.backends import PUBLISHABLE_KEY, SECRET_KEY

CREATE_BODY = b"amount=2000&currency=usd&payment_method_types%5B%5D=card"
CONFIRM_BODY = CREATE_BODY + b"&confirm=true&payment_method=pm_card_visa"


def best_us(fn: Callable[[], Any], number: int = 2000, repeat: int = 5) -> float:
    return 1e6 * min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def pieces(intent: dict[str, Any]) -> list[tuple[str, float]]:
    from tender.api import forms
    from tender.core import events, ids

    doc = orjson.dumps(intent)
    out = [
        ("ids.new_id (one id; a create makes 4: request, intent, client secret, event)",
         best_us(lambda: ids.new_id("payment_intent"))),
        ("ids.hash_api_key (SHA-256 of the key, every request)", best_us(lambda: ids.hash_api_key(SECRET_KEY))),
        ("forms.decode_form (the create body)", best_us(lambda: forms.decode_form(CREATE_BODY))),
        ("copy.deepcopy(intent) (the event snapshot)", best_us(lambda: copy.deepcopy(intent))),
        ("events.new_event (snapshot + envelope)", best_us(lambda: events.new_event(
            event_id="evt_x", created=1, type="payment_intent.created", obj=intent, api_version="v",
            request_id="req_x", idempotency_key=None))),
        ("orjson.loads(intent)", best_us(lambda: orjson.loads(doc))),
        ("orjson.dumps(intent)", best_us(lambda: orjson.dumps(intent))),
        ("orjson.dumps(intent, OPT_INDENT_2) (the response)",
         best_us(lambda: orjson.dumps(intent, option=orjson.OPT_INDENT_2))),
    ]
    out += sql_pieces(intent)
    return out


def sql_pieces(intent: dict[str, Any]) -> list[tuple[str, float]]:
    """One INSERT into objects / events with tender's schema, in a transaction of 64 (no
    fsync: synchronous=OFF, so this is the CPU of the statement and its index updates)."""
    from tender.core import ids
    from tender.store.base import Stored
    from tender.store.sqlite import SQLiteStore, SQLiteTx

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "costs.db")
        SQLiteStore(path).close()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA synchronous=OFF")
        tx = SQLiteTx(conn, "acct_costs")
        event = {"id": "", "object": "event", "type": "payment_intent.created", "created": 1,
                 "data": {"object": intent}}

        def insert_objects(n: int = 64) -> None:
            conn.execute("BEGIN")
            for _ in range(n):
                tx.insert(Stored({**intent, "id": ids.new_id("payment_intent")}, {}))
            conn.execute("COMMIT")

        def insert_events(n: int = 64) -> None:
            conn.execute("BEGIN")
            for _ in range(n):
                event["id"] = ids.new_id("event")
                tx.insert_event(event)
            conn.execute("COMMIT")

        def new_ids(n: int = 64) -> None:
            for _ in range(n):
                ids.new_id("event")

        id_cost = best_us(new_ids, number=20) / 64
        objects = best_us(insert_objects, number=20) / 64 - id_cost
        events = best_us(insert_events, number=20) / 64 - id_cost
        row = conn.execute("SELECT id FROM objects LIMIT 1").fetchone()[0]
        get = best_us(lambda: tx.get("payment_intent", row))
        begin_commit = best_us(lambda: (conn.execute("BEGIN"), conn.execute("COMMIT")))
        conn.close()
    return [
        ("SQLiteTx.insert (objects row, 5 indexes, no fsync)", objects),
        ("SQLiteTx.insert_event (events row + webhook-endpoint lookup, no fsync)", events),
        ("SQLiteTx.get (SELECT + 2 orjson.loads)", get),
        ("BEGIN + COMMIT of a read (the reader's wrapper per request)", begin_commit),
    ]


class Asgi:
    """Calls tender's ASGI app directly: one request, in-memory messages."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        path_part, _, query = path.partition("?")
        headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {SECRET_KEY}".encode())]
        if body:
            headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        scope = {"type": "http", "method": method, "path": path_part, "query_string": query.encode(),
                 "headers": headers, "scheme": "http", "server": ("127.0.0.1", 1)}
        sent = False
        out: dict[str, Any] = {}

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
            else:
                out["body"] = message.get("body", b"")

        await self.app(scope, receive, send)
        return out["status"], out["body"]


async def _requests(durability: str, n: int) -> list[tuple[str, int, float, float]]:
    from tender.app import TenderApp
    from tender.processor.simulator import Simulator
    from tender.services import accounts
    from tender.store.sqlite import SQLiteStore

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(os.path.join(tmp, "t.db"), durability=durability)
        keys = accounts.ensure_test_account(store, SECRET_KEY, PUBLISHABLE_KEY)
        app = TenderApp(store, Simulator(accounts.fingerprint_key(store, keys.account)))
        client = Asgi(app)
        status, body = await client.call("POST", "/v1/payment_intents", CONFIRM_BODY)
        assert status == 200, body
        intent_id = json.loads(body)["id"]
        cases: list[tuple[str, str, str, bytes]] = [
            ("create", "POST", "/v1/payment_intents", CREATE_BODY),
            ("create+confirm", "POST", "/v1/payment_intents", CONFIRM_BODY),
            ("retrieve", "GET", f"/v1/payment_intents/{intent_id}", b""),
            ("list (limit 10)", "GET", "/v1/payment_intents?limit=10", b""),
        ]
        for name, method, path, body in cases:
            for _ in range(20):  # warm up
                await client.call(method, path, body)
            for concurrency in (1, 64):
                best_cpu, best_wall = float("inf"), float("inf")
                for _ in range(3):
                    c0, w0 = time.process_time(), time.perf_counter()
                    for _ in range(n // concurrency):
                        answers = await asyncio.gather(
                            *(client.call(method, path, body) for _ in range(concurrency)))
                        assert all(status == 200 for status, _ in answers)
                    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
                    best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
                done = (n // concurrency) * concurrency
                results.append((name, concurrency, 1e6 * best_cpu / done, 1e6 * best_wall / done))
        store.close()
    return results


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.costs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=640, help="requests per measurement")
    parser.add_argument("--tweak", default="", help="apply bench.tweaks candidates first, e.g. read_autocommit")
    parser.add_argument("--requests-only", action="store_true", help="skip the pieces")
    args = parser.parse_args()
    n = args.n
    if args.tweak:
        from bench import tweaks

        tweaks.apply(args.tweak)
        print(f"tweaks applied: {args.tweak}")
    with open(os.environ.get("BENCH_INTENT", "/tmp/tender-bench/payment_intent.json"), "rb") as f:
        intent = orjson.loads(f.read())
    if not args.requests_only:
        print("pieces (µs per call, best of 5):")
        for name, us in pieces(intent):
            print(f"  {us:8.2f}  {name}")
    print(f"\nwhole requests through the ASGI app on uvloop, no HTTP server ({n} each, one at a"
          " time and 64 at once; best of 3; durability=normal so no fsync): the CPU of tender itself")
    print(f"  {'in flight':>9} {'cpu µs/req':>10} {'wall µs/req':>11}")
    import uvloop

    for name, concurrency, cpu, wall in uvloop.run(_requests("normal", n)):
        print(f"  {concurrency:>9} {cpu:10.0f} {wall:11.0f}  {name}")


if __name__ == "__main__":
    main()
