"""The API request log that the dashboard's "Request logs" page lists.

`RequestLog.record` runs once per API request, on the event loop, so it only appends a
tuple to a list (~0.5 µs measured); `run` writes what accumulated every FLUSH_SECONDS (and
`flush` once more at shutdown) in write units of CHUNK rows, then prunes rows older
than RETENTION_SECONDS or beyond the newest MAX_ROWS.  A request therefore appears in
the log about a second after it was answered, and a crash loses at most that second.

Kept: method, path, status, request id, the key's kind and last four characters, time,
duration.  Never a key, a client secret, card data or a request body: the query string
and body are not recorded, and a path segment that looks like a secret is masked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from tender.api.auth import Caller
from tender.store.base import RequestLogEntry

log = logging.getLogger("tender.request_log")

FLUSH_SECONDS = 1.0
RETENTION_SECONDS = 7 * 86400
MAX_ROWS = 1_000_000
BUFFER_LIMIT = 100_000  # rows waiting for a flush; past it (the database is down) new ones are dropped
PRUNE_BATCH = 5_000  # rows deleted per flush at most, for each of the two limits
PRUNE_EVERY = 60.0  # seconds between prunes when no request came in
CHUNK = 200  # rows per write unit

# (answered at, seconds taken, method, path template, path params, status, request id, caller)
_Row = tuple[float, float, str, str, dict[str, str], int, str, Caller | None]


class RequestLog:
    def __init__(
        self,
        retention: float = RETENTION_SECONDS,
        max_rows: int = MAX_ROWS,
        buffer_limit: int = BUFFER_LIMIT,
    ) -> None:
        self.retention = retention
        self.max_rows = max_rows
        self.buffer_limit = buffer_limit
        self.dropped = 0
        self._rows: list[_Row] = []
        self._last_prune = 0.0
        self._default_account: str | None = None

    def record(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        status: int,
        request_id: str,
        caller: Caller | None,
        started: float,
    ) -> None:
        """One answered request (`path` is the endpoint's template, `started` a
        `time.perf_counter()` reading): appended to memory, nothing else."""
        if len(self._rows) < self.buffer_limit:
            self._rows.append(
                (time.time(), time.perf_counter() - started, method, path, params, status, request_id, caller)
            )
        else:
            self.dropped += 1

    async def run(self, store: Any, interval: float = FLUSH_SECONDS) -> None:
        """Flush every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.flush(store)
            except Exception:
                log.exception("request log flush failed; its rows are kept for the next one")

    async def flush(self, store: Any) -> int:
        """Write the buffered rows (CHUNK per write unit), then prune; the rows written."""
        rows, self._rows = self._rows, []
        now = time.time()
        if not rows and now - self._last_prune < PRUNE_EVERY:
            return 0
        if self.dropped:
            log.warning("request log: %d requests not recorded (buffer full)", self.dropped)
            self.dropped = 0
        default = self._account_for_anonymous(store) if any(r[7] is None for r in rows) else ""
        entries = [_entry(row, default) for row in rows]
        cutoff = now - self.retention

        def prune(tx: Any) -> None:
            tx.prune_request_logs(created_before=cutoff, keep=self.max_rows, batch=PRUNE_BATCH)

        # In units of CHUNK rows: on SQLite a unit runs on the event loop, and one unit of
        # a whole second's rows held it for tens of milliseconds (p99 of retrieve 100-300 ms).
        written = 0
        try:
            for start in range(0, len(entries), CHUNK):
                chunk = entries[start:start + CHUNK]
                await store.write("", lambda tx, chunk=chunk: tx.insert_request_logs(chunk), contained=True)
                written += len(chunk)
            await store.write("", prune, contained=True)
        except Exception:
            room = max(0, self.buffer_limit - len(self._rows))
            self._rows[:0] = rows[written:][:room]
            raise
        self._last_prune = now
        return len(entries)

    def _account_for_anonymous(self, store: Any) -> str:
        """Requests that no key authenticated are shown to the server's (first) account."""
        if self._default_account is None:
            self._default_account = store.first_account() or ""
        return self._default_account


def _entry(row: _Row, default_account: str) -> RequestLogEntry:
    answered, seconds, method, template, params, status, request_id, caller = row
    if caller is None:
        account, kind, last4 = default_account, None, None
    else:
        account, kind, last4 = caller.account, "publishable" if caller.publishable else "secret", caller.last4
    return RequestLogEntry(account, answered, method, safe_path(template, params), status, request_id,
                           kind, last4, round(seconds * 1000, 2))


_SECRET_PREFIXES = ("sk_", "rk_", "pk_", "whsec_")


def safe_path(template: str, params: dict[str, str]) -> str:
    """The request's path from its endpoint's template, with any segment that looks like
    a key or a client secret (`pi_…_secret_…`) masked: ids only ever reach the log."""
    return template.format_map({name: _mask(value) for name, value in params.items()})


def _mask(segment: str) -> str:
    lowered = segment.lower()
    if lowered.startswith(_SECRET_PREFIXES):
        return "[redacted]"
    cut = lowered.find("_secret")
    if cut >= 0:
        return segment[:cut] + "_secret_[redacted]"
    if "secret" in lowered:
        return "[redacted]"
    return segment
