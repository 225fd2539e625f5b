"""The webhook dispatcher: drains the durable outbox (stripe-behaviour §7.5).

Every event is written together with one `deliveries` row per endpoint that receives
it, in the transaction that made the change.  The dispatcher repeatedly

1. claims due deliveries — a lease: the row's `next_attempt_at` moves past the request
   timeout, so if this process dies (even `kill -9`) the delivery simply comes due
   again and another (or the restarted) dispatcher sends it: at-least-once;
2. POSTs each event, concurrently, with a per-request timeout, at most `per_endpoint`
   at a time to any one endpoint so a slow or dead receiver cannot hold up the others;
3. records every attempt (time, status, latency, first bytes of the answer) and either
   marks the delivery done (any 2xx), schedules the next retry (`retry.RetryPolicy`),
   or gives up when the retry window has closed;
4. disables an endpoint whose deliveries have all failed for `disable_after` seconds,
   with a log line.

Any number of dispatchers may share one database; they coordinate only through claims.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx
import orjson

from tender.core import webhook_endpoints as rules
from tender.store.base import Stored
from tender.webhooks import signing
from tender.webhooks.retry import DAY, RetryPolicy

log = logging.getLogger("tender.webhooks")
T = TypeVar("T")

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


@dataclass(frozen=True)
class DispatcherConfig:
    """How deliveries are made.  Every field has a `TENDER_WEBHOOK_*` variable:

        TENDER_WEBHOOK_TIMEOUT         seconds for one POST, connect to last byte   (10)
        TENDER_WEBHOOK_CONCURRENCY     POSTs in flight in this dispatcher           (64)
        TENDER_WEBHOOK_PER_ENDPOINT    POSTs in flight to any one endpoint          (8)
        TENDER_WEBHOOK_POLL_INTERVAL   seconds between looks at the outbox          (0.5)
        TENDER_WEBHOOK_LEASE           extra seconds a claim outlives the timeout   (30)
        TENDER_WEBHOOK_DISABLE_AFTER   disable an endpoint failing this long, s     (259200; 0 = never)
        TENDER_WEBHOOK_RETRY_*         the retry schedule, see `retry.py`
    """

    timeout: float = 10.0
    concurrency: int = 64
    per_endpoint: int = 8
    poll_interval: float = 0.5
    lease: float = 30.0
    disable_after: float = 3 * DAY
    response_bytes: int = 1024
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DispatcherConfig:
        env = os.environ if env is None else env
        default = cls()

        def number(name: str, value: float) -> float:
            raw = env.get(f"TENDER_WEBHOOK_{name}")
            return float(raw) if raw not in (None, "") else value

        return cls(
            timeout=number("TIMEOUT", default.timeout),
            concurrency=max(1, int(number("CONCURRENCY", default.concurrency))),
            per_endpoint=max(1, int(number("PER_ENDPOINT", default.per_endpoint))),
            poll_interval=number("POLL_INTERVAL", default.poll_interval),
            lease=number("LEASE", default.lease),
            disable_after=number("DISABLE_AFTER", default.disable_after),
            retry=RetryPolicy.from_env(env),
        )


class OutboxTx(Protocol):
    """The unit-of-work operations recording an attempt needs."""

    def get(self, type: str, object_id: str) -> Stored | None: ...

    def update(self, stored: Stored) -> None: ...

    def get_delivery(self, event_id: str, endpoint_id: str) -> dict[str, Any] | None: ...

    def insert_delivery_attempt(self, attempt: dict[str, Any]) -> int: ...

    def finish_delivery(
        self,
        event_id: str,
        endpoint_id: str,
        *,
        status: str,
        next_attempt_at: float | None,
        attempted_at: float,
        status_code: int | None,
        error: str | None,
    ) -> None: ...

    def close_deliveries(self, endpoint_id: str, status: str) -> int: ...


class Outbox(Protocol):
    """What the dispatcher needs from the store (SQLiteStore implements it)."""

    async def next_delivery_due(self, endpoint_ids: Iterable[str] | None = None) -> float | None: ...

    async def claim_deliveries(
        self,
        *,
        now: float,
        lease_until: float,
        token: str,
        limit: int,
        per_endpoint: int,
        busy: dict[str, int],
        endpoint_ids: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]: ...

    # `fn` receives the store's transaction, which provides `OutboxTx`.
    def write(self, account: str, fn: Callable[[Any], T]) -> Awaitable[T]: ...


@dataclass(frozen=True)
class Delivery:
    """One claimed (event, endpoint) pair, with what sending it needs."""

    account: str
    event_id: str
    event_type: str
    event: dict[str, Any]
    endpoint_id: str
    url: str
    private: dict[str, Any]
    attempts: int
    window_start: float

    @classmethod
    def from_claim(cls, row: dict[str, Any]) -> Delivery:
        return cls(**row)


@dataclass(frozen=True)
class Outcome:
    attempted_at: float
    succeeded: bool
    status_code: int | None
    latency_ms: float
    response_body: str | None
    error: str | None


class Dispatcher:
    def __init__(
        self,
        store: Outbox,
        config: DispatcherConfig | None = None,
        endpoint_ids: Iterable[str] | None = None,
    ) -> None:
        self.store = store
        self.config = config or DispatcherConfig()
        # `tender listen` delivers only to its own endpoint.
        self.endpoint_ids = list(endpoint_ids) if endpoint_ids is not None else None
        self.token = secrets.token_hex(8)
        self._busy: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._client: httpx.AsyncClient | None = None
        self._rng = random.Random()

    # -- the loop ---------------------------------------------------------------------

    async def run(self) -> None:
        """Deliver until `stop()`; in-flight POSTs are abandoned then and, their claims
        expiring, sent again later."""
        self._wake = asyncio.Event()
        limits = httpx.Limits(max_connections=self.config.concurrency, max_keepalive_connections=16)
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.timeout),
            limits=limits,
            follow_redirects=False,  # a 3xx is a failure (§7.5)
            trust_env=False,  # deliveries go straight to the endpoint, never via a proxy
        ) as client:
            self._client = client
            try:
                while not self._stopping:
                    try:
                        await self.dispatch_due()
                    except Exception:
                        log.exception("claiming webhook deliveries failed")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.config.poll_interval)
                    self._wake.clear()
            finally:
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
                self._client = None

    async def stop(self) -> None:
        self._stopping = True
        if self._wake is not None:
            self._wake.set()

    async def dispatch_due(self) -> int:
        """Claim what is due and start sending it; returns how many were started."""
        free = self.config.concurrency - sum(self._busy.values())
        now = time.time()
        due = await self.store.next_delivery_due(self.endpoint_ids)
        if free <= 0 or due is None or due > now:
            return 0
        claimed = await self.store.claim_deliveries(
            now=now,
            lease_until=now + self.config.timeout + self.config.lease,
            token=self.token,
            limit=free,
            per_endpoint=self.config.per_endpoint,
            busy=dict(self._busy),
            endpoint_ids=self.endpoint_ids,
        )
        for row in claimed:
            delivery = Delivery.from_claim(row)
            self._busy[delivery.endpoint_id] = self._busy.get(delivery.endpoint_id, 0) + 1
            task = asyncio.create_task(self._deliver(delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            outcome = await self.send(delivery)
            await self._record(delivery, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivering %s to %s failed", delivery.event_id, delivery.endpoint_id)
        finally:
            left = self._busy.get(delivery.endpoint_id, 1) - 1
            if left:
                self._busy[delivery.endpoint_id] = left
            else:
                self._busy.pop(delivery.endpoint_id, None)
            if self._wake is not None:
                self._wake.set()  # a slot is free: look for more work now

    # -- one attempt ------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> Outcome:
        """POST the event, signed now with every active secret of the endpoint."""
        assert self._client is not None
        body = orjson.dumps(delivery.event, option=orjson.OPT_INDENT_2)
        started_at = time.time()
        keys = rules.signing_keys(delivery.private, started_at)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signing.signature_header(keys, int(started_at), body),
            "User-Agent": USER_AGENT,
            "Accept": "*/*; q=0.5, application/xml",
            "Cache-Control": "no-cache",
        }
        status: int | None = None
        excerpt: str | None = None
        error: str | None = None
        clock = time.monotonic()
        try:
            async with asyncio.timeout(self.config.timeout):
                async with self._client.stream(
                    "POST", delivery.url, content=body, headers=headers
                ) as response:
                    status = response.status_code
                    excerpt = await _first_bytes(response, self.config.response_bytes)
        except TimeoutError:
            error = f"timed out after {self.config.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency_ms = (time.monotonic() - clock) * 1000
        succeeded = error is None and status is not None and 200 <= status < 300
        return Outcome(started_at, succeeded, status, latency_ms, excerpt, error)

    async def _record(self, delivery: Delivery, outcome: Outcome) -> None:
        config = self.config
        now = time.time()

        def record(tx: OutboxTx) -> None:
            tx.insert_delivery_attempt({
                "event_id": delivery.event_id,
                "endpoint_id": delivery.endpoint_id,
                "event_type": delivery.event_type,
                "url": delivery.url,
                "attempted_at": outcome.attempted_at,
                "succeeded": outcome.succeeded,
                "status_code": outcome.status_code,
                "latency_ms": outcome.latency_ms,
                "response_body": outcome.response_body,
                "error": outcome.error,
            })
            current = tx.get_delivery(delivery.event_id, delivery.endpoint_id)
            if current is None:
                return

            def finish(status: str, next_attempt_at: float | None) -> None:
                tx.finish_delivery(
                    delivery.event_id, delivery.endpoint_id,
                    status=status, next_attempt_at=next_attempt_at,
                    attempted_at=outcome.attempted_at, status_code=outcome.status_code,
                    error=outcome.error,
                )

            # Only the holder of the claim decides what comes next: after a lease ran out
            # another dispatcher may own this delivery now, and a resend made while this
            # attempt was on the wire (it clears the claim) still owes a new attempt.
            ours = current["status"] == "pending" and current["claim"] == self.token
            if outcome.succeeded:
                if ours or current["status"] == "failed":
                    finish("succeeded", None)
            elif ours:
                next_at = config.retry.next_attempt_at(
                    current["attempts"] + 1, current["window_start"], now, self._rng
                )
                finish("pending" if next_at is not None else "failed", next_at)
            endpoint = tx.get("webhook_endpoint", delivery.endpoint_id)
            if endpoint is not None:
                self._track_health(tx, endpoint, outcome.succeeded, now)

        await self.store.write(delivery.account, record)

    def _track_health(self, tx: OutboxTx, endpoint: Stored, succeeded: bool, now: float) -> None:
        """A success ends a failing streak; a streak longer than `disable_after` disables
        the endpoint and gives up what it is still owed."""
        private = endpoint.private
        if succeeded:
            if rules.record_success(private):
                tx.update(endpoint)
            return
        was_failing = "failing_since" in private
        since = rules.record_failure(private, now)
        if endpoint.doc["status"] == rules.ENABLED and rules.should_disable(
            since, now, self.config.disable_after
        ):
            rules.disable(endpoint.doc, private)
            given_up = tx.close_deliveries(endpoint.doc["id"], "failed")
            log.warning(
                "webhook endpoint %s (%s) disabled: no delivery succeeded for %.0f s;"
                " %d pending deliveries given up. Re-enable it with disabled=false.",
                endpoint.doc["id"], endpoint.doc["url"], now - since, given_up,
            )
            tx.update(endpoint)
        elif not was_failing:
            tx.update(endpoint)


async def _first_bytes(response: httpx.Response, limit: int) -> str:
    """The start of the receiver's answer, for the attempt log; the rest is not read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit].decode("utf-8", "replace")
