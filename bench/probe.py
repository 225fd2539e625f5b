"""Real documents from a real tender, for the ceiling body and the seed templates.

A scratch tender is started on an empty database and driven through the API into every
status the seed uses; the documents (and their private columns, read from the scratch
SQLite file) become templates.  Each benchmark request is also sent once and must answer
200, so a broken scenario fails before any measurement.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench.servers import tender_server

CREATE = {"amount": "2000", "currency": "usd", "payment_method_types[]": "card"}
CONFIRM = {**CREATE, "confirm": "true", "payment_method": "pm_card_visa"}


def call(base: str, key: str, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, bytes]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def ok(base: str, key: str, method: str, path: str, form: dict[str, str] | None = None) -> dict[str, Any]:
    status, body = call(base, key, method, path, form)
    if status != 200:
        raise RuntimeError(f"{method} {path} answered {status}: {body[:400]!r}")
    return dict(json.loads(body))


def capture(workdir: Path, secret: str, publishable: str) -> dict[str, Any]:
    """Run the scratch server; return {'intent_body': bytes, 'intents': {status: doc},
    'charges': {status: (doc, private)}, 'payment_method': (doc, private),
    'balance_transaction': (doc, private)}."""
    db = workdir / "probe.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    server = tender_server(f"sqlite:///{db}", secret, publishable, workdir / "probe.log")
    server.start()
    try:
        base = server.url
        intents: dict[str, dict[str, Any]] = {}
        succeeded = ok(base, secret, "POST", "/v1/payment_intents", CONFIRM)
        _, intent_body = call(base, secret, "GET", f"/v1/payment_intents/{succeeded['id']}")
        intents["succeeded"] = succeeded
        intents["requires_payment_method"] = ok(base, secret, "POST", "/v1/payment_intents", CREATE)
        intents["requires_confirmation"] = ok(
            base, secret, "POST", "/v1/payment_intents", {**CREATE, "payment_method": "pm_card_visa"})
        intents["requires_action"] = ok(base, secret, "POST", "/v1/payment_intents", {
            **CREATE, "confirm": "true", "payment_method": "pm_card_threeDSecure2Required"})
        intents["requires_capture"] = ok(base, secret, "POST", "/v1/payment_intents", {
            **CONFIRM, "capture_method": "manual"})
        to_cancel = ok(base, secret, "POST", "/v1/payment_intents", CREATE)
        intents["canceled"] = ok(base, secret, "POST", f"/v1/payment_intents/{to_cancel['id']}/cancel",
                                 {"cancellation_reason": "abandoned"})
        for status, doc in intents.items():
            if doc["status"] != status:
                raise RuntimeError(f"probe wanted {status}, tender answered {doc['status']}")
        # Every benchmark request once, before anything is measured.
        ok(base, secret, "GET", "/v1/payment_intents?limit=10")
        ok(base, secret, "GET", "/v1/payment_intents/search?" + urllib.parse.urlencode(
            {"query": 'status:"succeeded"'}))
    finally:
        server.stop()
    conn = sqlite3.connect(db)
    try:
        def row(object_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
            doc, private = conn.execute(
                "SELECT doc, private FROM objects WHERE id = ?", (object_id,)).fetchone()
            return json.loads(doc), json.loads(private)

        charges = {s: row(intents[s]["latest_charge"]) for s in ("succeeded", "requires_capture")}
        payment_method = row(intents["succeeded"]["payment_method"])
        balance_txn = row(charges["succeeded"][0]["balance_transaction"])
    finally:
        conn.close()
    return {
        "intent_body": intent_body,
        "intents": intents,
        "charges": charges,
        "payment_method": payment_method,
        "balance_transaction": balance_txn,
    }
