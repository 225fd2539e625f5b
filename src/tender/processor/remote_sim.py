"""The simulator behind HTTP, in a process of its own: a remote processor to test tender
against (`python -m tender.processor.remote_sim --port P --journal FILE`).

Every authorisation is journalled by attempt id in its own SQLite file, and the journal
is what makes it a faithful remote processor: `authorize` answers once per attempt id
(a repeat returns the first answer), and `lookup` reports the recorded answer or, for an
id it never saw, records that it never saw it, so a late `authorize` with that id is
refused (409) rather than moving money tender has already given up on.

`--delay-before` and `--delay-after` (seconds, around the journal write) hold a request
open so that tests can kill tender before or after the processor acted.
"""

from __future__ import annotations

import argparse
import secrets
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from tender.processor.simulator import Simulator
from tender.processor.wire import request_from_json, result_to_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS authorizations (
    attempt_id TEXT PRIMARY KEY,
    request TEXT,               -- NULL: looked up before it was ever asked (closed)
    result TEXT,                -- the answer given, JSON; NULL when closed
    created REAL NOT NULL,
    asked INTEGER NOT NULL      -- how many authorize calls carried this id
)
"""


class Journal:
    """Authorisations by attempt id, one SQLite transaction per decision."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(SCHEMA)
        self._lock = threading.Lock()
        self._simulator = Simulator(secrets.token_bytes(32))  # fingerprints are not asked here

    def authorize(self, attempt_id: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """The answer for this attempt (the first one given, on a repeat); None if closed."""
        with self._lock:
            row = self._conn.execute(
                "SELECT result FROM authorizations WHERE attempt_id = ?", (attempt_id,)
            ).fetchone()
            if row is not None:
                self._conn.execute("UPDATE authorizations SET asked = asked + 1 WHERE attempt_id = ?", (attempt_id,))
                return None if row[0] is None else dict(orjson.loads(row[0]))
            result = result_to_json(self._simulator.authorize(request_from_json(request), attempt_id))
            self._conn.execute(
                "INSERT INTO authorizations VALUES (?, ?, ?, ?, 1)",
                (attempt_id, orjson.dumps(request), orjson.dumps(result), time.time()),
            )
            return result

    def lookup(self, attempt_id: str) -> dict[str, Any] | None:
        """The recorded answer; None when never asked — and from now on never answered."""
        with self._lock:
            row = self._conn.execute(
                "SELECT result FROM authorizations WHERE attempt_id = ?", (attempt_id,)
            ).fetchone()
            if row is None:
                self._conn.execute(
                    "INSERT INTO authorizations VALUES (?, NULL, NULL, ?, 0)", (attempt_id, time.time())
                )
                return None
            return None if row[0] is None else dict(orjson.loads(row[0]))


def make_handler(journal: Journal, delay_before: float, delay_after: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path == "/healthz":
                self._answer(200, {"ok": True})
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            body = orjson.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
            parts = self.path.strip("/").split("/")
            if parts == ["v1", "authorizations"]:
                time.sleep(delay_before)
                result = journal.authorize(body["attempt_id"], body["request"])
                time.sleep(delay_after)
                if result is None:
                    self._answer(409, {"error": "attempt_closed"})
                else:
                    self._answer(200, {"result": result})
            elif len(parts) == 4 and parts[:2] == ["v1", "authorizations"] and parts[3] == "lookup":
                found = journal.lookup(parts[2])
                self._answer(404 if found is None else 200, {"result": found})
            else:
                self._answer(404, {"error": "not_found"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = orjson.dumps(body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--journal", required=True, help="SQLite file of authorisations by attempt id")
    parser.add_argument("--delay-before", type=float, default=0.0, help="seconds to hold a request before acting")
    parser.add_argument("--delay-after", type=float, default=0.0, help="seconds to hold the answer after acting")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(
        (args.host, args.port), make_handler(Journal(args.journal), args.delay_before, args.delay_after)
    )
    server.daemon_threads = True
    print(f"remote simulator on http://{args.host}:{args.port} (journal {args.journal})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
