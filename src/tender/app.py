"""The ASGI application: routes `/v1/*` to API endpoints, serves the 3-D Secure pages,
answers CORS pre-flights (Stripe.js calls the API straight from browsers)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from tender.api.endpoint import Api, Endpoint, Response, dumps
from tender.api.request_log import RequestLog
from tender.api.routes import ALL_ENDPOINTS
from tender.config import Settings
from tender.core import clock, ids
from tender.core.errors import InvalidRequestError
from tender.services import charge_attempts, events, payment_intents, refunds
from tender.services.context import Context
from tender.web.dashboard.app import Dashboard
from tender.web.static import serve as static
from tender.web.threeds import pages
from tender.webhooks.dispatcher import Dispatcher

log = logging.getLogger("tender.app")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_BODY = 1024 * 1024
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-credentials", b"true"),
    (b"access-control-allow-methods", b"GET, POST, HEAD, OPTIONS, DELETE"),
    (
        b"access-control-expose-headers",
        b"Request-Id, Stripe-Manage-Version, Stripe-Should-Retry, X-Stripe-External-Auth-Required, "
        b"X-Stripe-Privileged-Session-Required",
    ),
    (b"access-control-max-age", b"300"),
    (b"cache-control", b"no-cache, no-store"),
]


class BodyTooLarge(Exception):
    pass


class TenderApp:
    def __init__(
        self,
        store: Any,
        processor: Any,
        capture_window: int = 7 * 86400,
        sweep_interval: float = 60.0,
        digest_key: bytes = b"",
        dispatcher: Dispatcher | None = None,
        event_retention: int = events.RETENTION,
    ) -> None:
        self.store = store
        self.processor = processor
        self.keys: Any = None  # the test account's keys, when built by `create_app`
        self.api = Api(store, processor, capture_window, digest_key)
        self.sweep_interval = sweep_interval
        self._sweeper: asyncio.Task[None] | None = None
        self._recovery: asyncio.Task[None] | None = None
        # Webhook deliveries (issue 4): None when run with --no-dispatcher.
        self.dispatcher = dispatcher
        self._dispatching: asyncio.Task[None] | None = None
        self._logging: asyncio.Task[None] | None = None  # the request log's flush (issue 8)
        self.event_retention = event_retention
        self.routes: dict[str, list[Endpoint]] = {}
        for endpoint in ALL_ENDPOINTS:
            self.routes.setdefault(endpoint.method, []).append(endpoint)
        self.dashboard = Dashboard(store, processor, capture_window)  # issue 8: /dashboard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if path.startswith("/v1/"):
            await self._api(scope, receive, send, path, method)
        elif path.startswith("/3d_secure/"):
            await self._challenge(scope, receive, send, path, method)
        elif path == "/dashboard" or path.startswith("/dashboard/"):
            await self.dashboard(scope, receive, send)
        elif path.startswith("/js/"):
            await _send(send, *static.respond(path, method, _header(scope, b"if-none-match")))
        elif path == "/healthz":
            await _send(send, 200, b'{"ok": true}', [(b"content-type", b"application/json")])
        else:
            await _send(send, 404, b"Not found", [(b"content-type", b"text/plain")])

    async def _api(self, scope: Scope, receive: Receive, send: Send, path: str, method: str) -> None:
        if method == "OPTIONS":
            await _send(send, 200, b"", CORS_HEADERS + [
                (b"access-control-allow-headers", _header(scope, b"access-control-request-headers") or b"*"),
            ])
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        try:
            body = await _read_body(receive)
        except BodyTooLarge:
            response = _error_response(InvalidRequestError("Request body too large: the limit is 1 MB."), 400)
        else:
            response = await self._dispatch(scope, method, path, headers, body)
        await _send(
            send,
            response.status,
            response.body,
            [(b"content-type", b"application/json")] + CORS_HEADERS + response.headers,
        )

    async def _dispatch(
        self, scope: Scope, method: str, path: str, headers: dict[bytes, bytes], body: bytes
    ) -> Response:
        for endpoint in self.routes.get("GET" if method == "HEAD" else method, []):
            match = endpoint.pattern.match(path)
            if match:
                return await self.api.handle(
                    endpoint, match.groupdict(), method, headers, scope["query_string"], body,
                    _base_url(scope, headers),
                )
        error = InvalidRequestError(
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
            "or we can help at https://support.stripe.com/."
        )
        return _error_response(error, 404)

    async def _challenge(self, scope: Scope, receive: Receive, send: Send, path: str, method: str) -> None:
        parts = path.strip("/").split("/")
        if len(parts) != 4 or method not in ("GET", "POST"):
            await _send(send, 404, b"Not found", [(b"content-type", b"text/plain")])
            return
        _, account, intent_id, nonce = parts
        form: dict[str, str] = {}
        if method == "POST":
            try:
                body = await _read_body(receive)
            except BodyTooLarge:
                body = b""
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
        headers = {k.lower(): v for k, v in scope["headers"]}
        status, html, location = await pages.challenge(
            self.store, self.processor, account, intent_id, nonce, method, form,
            _base_url(scope, headers),
        )
        extra = [(b"location", location.encode())] if location else []
        await _send(send, status, html.encode(), [(b"content-type", b"text/html; charset=utf-8")] + extra)

    async def _recover_at_start(self) -> None:
        """Charge attempts a crash left between recording and resolving (kept as a task:
        the API serves meanwhile, those intents answering `processing`)."""
        try:
            await self.recover_charge_attempts(0)
        except Exception:
            log.exception("charge attempt recovery at start-up failed; the sweep will retry")

    async def _sweep_forever(self) -> None:
        """Time-driven transitions: expire uncaptured authorisations (T16), settle pending
        refunds, drop events past their retention, settle charge attempts a remote
        processor left unanswered."""
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                await self.sweep()
            except Exception:
                log.exception("sweep failed")
            try:
                await self.store.delete_events_before(clock.now() - self.event_retention)
            except Exception:
                log.exception("event retention sweep failed")
            try:
                await self.recover_charge_attempts(charge_attempts.RECOVER_AFTER)
            except Exception:
                log.exception("charge attempt recovery failed")

    async def recover_charge_attempts(self, age: float) -> list[str]:
        """Settle charge attempts with a remote processor pending for more than `age`
        seconds (0 at start-up: whatever a crash left); the intents settled."""
        if not self.processor.remote:
            return []
        return await self.api.recover_charge_attempts(time.time() - age)

    async def sweep(self) -> list[str]:
        account = self.store.first_account()
        if account is None:
            return []
        ctx = Context(account=account, processor=self.processor)

        def expire(tx: Any) -> list[str]:
            now = clock.now()
            return payment_intents.expire_authorizations(tx, ctx, now) + refunds.settle_pending(tx, ctx, now)

        changed: list[str] = await self.store.write(account, expire)
        return changed

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.processor.remote:
                    self._recovery = asyncio.create_task(self._recover_at_start())
                self._sweeper = asyncio.create_task(self._sweep_forever())
                self._logging = asyncio.create_task(self.api.request_log.run(self.store))
                if self.dispatcher is not None:
                    self._dispatching = asyncio.create_task(self.dispatcher.run())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._sweeper:
                    self._sweeper.cancel()
                if self.dispatcher is not None and self._dispatching is not None:
                    await self.dispatcher.stop()
                    await asyncio.wait({self._dispatching}, timeout=5)
                if self._logging is not None:
                    self._logging.cancel()
                    await _flush_request_log(self.api.request_log, self.store)
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(settings: Settings | None = None) -> TenderApp:
    """The app for `settings` (by default from TENDER_* variables): the factory uvicorn's
    workers call (`tender.app:create_app`), one store and dispatcher per process."""
    import os

    from tender.processor import open_processor
    from tender.services import accounts
    from tender.store import open_store
    from tender.webhooks.dispatcher import DispatcherConfig

    settings = settings or Settings.from_env()
    store = open_store(settings)
    keys = accounts.ensure_test_account(store, settings.secret_key, settings.publishable_key)
    secret = accounts.fingerprint_key(store, keys.account)
    app = TenderApp(
        store,
        open_processor(settings.processor, secret),
        capture_window=int(os.environ.get("TENDER_CAPTURE_WINDOW", 7 * 86400)),
        sweep_interval=float(os.environ.get("TENDER_SWEEP_INTERVAL", 60)),
        digest_key=secret,
        dispatcher=Dispatcher(store, DispatcherConfig.from_env()) if settings.dispatcher else None,
        event_retention=int(os.environ.get("TENDER_EVENT_RETENTION", events.RETENTION)),
    )
    app.keys = keys
    return app


async def _flush_request_log(request_log: RequestLog, store: Any) -> None:
    """At shutdown: what the last second of requests left in memory."""
    try:
        await request_log.flush(store)
    except Exception:
        log.exception("request log: final flush failed")


def _error_response(error: InvalidRequestError, status: int) -> Response:
    """An error answered before any endpoint ran: still a Stripe body with a Request-Id."""
    return Response(
        status,
        dumps({"error": error.body()}),
        [(b"request-id", ids.new_id("request").encode()), (b"stripe-should-retry", b"false")],
    )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return None


def _base_url(scope: Scope, headers: dict[bytes, bytes]) -> str:
    host = headers.get(b"host")
    if host:
        return f"{scope.get('scheme', 'http')}://{host.decode('latin-1')}"
    server = scope.get("server") or ("127.0.0.1", 12111)
    return f"{scope.get('scheme', 'http')}://{server[0]}:{server[1]}"

