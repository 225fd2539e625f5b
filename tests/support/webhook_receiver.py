"""A webhook receiver on 127.0.0.1 in the test process: records what tender POSTs,
verifies it with the official SDK, and can be slow, failing, or down."""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
import stripe

from tests.support.server import free_port


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes
    event: dict[str, Any] = field(default_factory=dict)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: dispatchers opening dozens of connections at
    # once would overflow it, and a dropped handshake costs seconds of TCP retransmits.
    request_queue_size = 128


class Receiver:
    """`delay` seconds before answering `status`; `stop()` closes the port (connection
    refused), `start()` opens it again on the same port."""

    def __init__(self, port: int | None = None, status: int = 200, delay: float = 0.0) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.status = status
        self.delay = delay
        self.received: list[Received] = []
        self.in_flight = 0  # requests being answered now
        self.most_in_flight = 0  # the most ever answered at once
        self._lock = threading.Lock()
        self._server: _Server | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                record = Received(time.time(), dict(self.headers.items()), body, orjson.loads(body))
                with receiver._lock:
                    receiver.received.append(record)
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                try:
                    if receiver.delay:
                        time.sleep(receiver.delay)
                    self.send_response(receiver.status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(f"answered {receiver.status}".encode())
                except OSError:
                    pass  # tender went away while we were slow
                finally:
                    with receiver._lock:
                        receiver.in_flight -= 1

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def event_ids(self) -> set[str]:
        with self._lock:
            return {r.event["id"] for r in self.received}

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def wait_for(self, ids: set[str], timeout: float) -> set[str]:
        """Wait until every id has arrived; returns those still missing."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            missing = ids - self.event_ids()
            if not missing:
                return set()
            time.sleep(0.05)
        return ids - self.event_ids()

    def verify_all(self, secret: str) -> None:
        """Every request passes the official SDK's signature check with `secret`."""
        for record in self.snapshot():
            stripe.Webhook.construct_event(record.body, record.headers["Stripe-Signature"], secret)
