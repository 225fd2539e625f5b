"""`tender serve` with measurement hooks or candidate optimisations applied from outside,
so a proposal can be measured before anyone changes src/.  Used by `bench.run --tweak`.

    TENDER_BENCH_TWEAKS="switch_interval=0.0005,batch_stats=/tmp/batches.json" \
        python -m bench.tweaks serve

Tweaks (comma-separated name=value):
  switch_interval=S    sys.setswitchinterval(S): how long a thread waiting for the GIL
                       waits before asking the holder to drop it (CPython default 0.005).
  batch_stats=PATH     record every group-commit batch of the SQLite writer (size, seconds
                       in the transaction, seconds in COMMIT) and write a summary to PATH
                       at exit.
  batch=N              cap a group-commit batch at N units (tender.store.sqlite.BATCH).

Candidate optimisations (each a sketch of a proposal in docs/performance.md, applied by
replacing one function; measure with `python -m bench.costs --tweak NAME` or
`python -m bench.run --tweak NAME`):
  fast_ids             ids._random via one bytes.translate over CSPRNG bytes drawn from a
                       4 KB os.urandom pool (rejection sampling keeps it unbiased; one
                       GIL-releasing getrandom per ~150 ids instead of one per id) and
                       ids._base62 two digits per step.
  event_no_copy        events.new_event without copy.deepcopy of the object: the store
                       serialises the event at once (SQLiteTx.insert_event), which is
                       already the snapshot.
  read_no_savepoint    reads run without the SAVEPOINT/RELEASE every unit of work gets
                       (a read cannot change anything to roll back).
  read_autocommit      and without BEGIN/COMMIT around them: each SELECT is its own
                       snapshot (fine for one-statement reads such as retrieve).
  loop_units           group commit without the writer thread: units of work run on the
                       event-loop thread, batched (whatever is queued when the previous
                       batch's COMMIT returns, up to 256), and only COMMIT — the fsync —
                       runs in a worker thread.  Python code then never competes with
                       itself for the GIL; the price is that a batch's units hold the
                       loop while they run.
  gc_stats=PATH        record every garbage collection (generation, pause) and the event
                       loop's stalls (a 10 ms timer firing late), summary to PATH at exit.
  gc_freeze            gc.freeze() once started: the objects of imported modules leave
                       the collector's generations, so full collections get cheap.
  cache_mb=N           SQLite page cache of N MB per connection instead of 128 (there
                       are two: the reader and the writer).
  mmap_mb=N            PRAGMA mmap_size of N MB: reads map the file instead of pread.
  wal_pages=N          PRAGMA wal_autocheckpoint=N (SQLite's default: 1000 pages).
  no_request_log       RequestLog.record does nothing (what the dashboard's request log
                       costs a request: recording, the flush, the rows' indexes).
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any


def _parse(spec: str) -> dict[str, str]:
    out = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, _, value = item.partition("=")
        out[name] = value
    return out


def _on_signal(signum: int, fn: Any) -> None:
    """Run fn on signum, after whatever handler an earlier tweak installed."""
    previous = signal.getsignal(signum)

    def handler(sig: int, frame: Any) -> None:
        if callable(previous):
            previous(sig, frame)
        fn()

    signal.signal(signum, handler)


def _batch_stats(path: str) -> None:
    from tender.store import sqlite as store

    sizes: list[int] = []
    durations: list[float] = []
    commits: list[float] = []
    original_run = store.SQLiteStore._run_batch

    class TimedConnection:
        """Wraps the writer's connection to time COMMIT statements."""

        def __init__(self, conn: Any) -> None:
            self._conn = conn

        def execute(self, sql: str, *args: Any) -> Any:
            if sql == "COMMIT":
                t = time.perf_counter()
                try:
                    return self._conn.execute(sql, *args)
                finally:
                    commits.append(time.perf_counter() - t)
            return self._conn.execute(sql, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._conn, name)

    def run_batch(self: Any, conn: Any, batch: list[Any]) -> None:
        t = time.perf_counter()
        try:
            return original_run(self, TimedConnection(conn), batch)  # type: ignore[arg-type]
        finally:
            durations.append(time.perf_counter() - t)
            sizes.append(len(batch))

    store.SQLiteStore._run_batch = run_batch  # type: ignore[method-assign]

    def dump() -> None:
        def q(values: Sequence[float], p: float) -> float:
            return sorted(values)[min(len(values) - 1, int(p * len(values)))] if values else 0.0

        summary = {
            "batches": len(sizes),
            "units": sum(sizes),
            "size": {"mean": statistics.fmean(sizes) if sizes else 0, "p50": q(sizes, 0.5),
                     "p90": q(sizes, 0.9), "max": max(sizes, default=0)},
            "batch_ms": {"mean": 1e3 * statistics.fmean(durations) if durations else 0,
                         "p50": 1e3 * q(durations, 0.5), "p90": 1e3 * q(durations, 0.9),
                         "p99": 1e3 * q(durations, 0.99)},
            "commit_ms": {"mean": 1e3 * statistics.fmean(commits) if commits else 0,
                          "p50": 1e3 * q(commits, 0.5), "p90": 1e3 * q(commits, 0.9),
                          "p99": 1e3 * q(commits, 0.99)},
            "histogram": {str(k): sizes.count(k) for k in sorted(set(sizes))[:80]},
        }
        with open(path, "w") as f:
            json.dump(summary, f, indent=2)

    def reset() -> None:
        sizes.clear()
        durations.clear()
        commits.clear()

    atexit.register(dump)
    # The harness sends SIGUSR2 after the warm-up (only measured runs count) and SIGUSR1
    # after the runs (write the summary now).
    _on_signal(signal.SIGUSR2, reset)
    _on_signal(signal.SIGUSR1, dump)


def _fast_ids() -> None:
    import secrets

    from tender.core import ids

    alphabet = ids.ALPHABET
    table = bytes((ord(alphabet[b % 62]) if b < 248 else 0) for b in range(256))
    rejected = bytes(range(248, 256))  # 248 = 4 * 62: the kept bytes map uniformly
    pairs = [a + b for a in alphabet for b in alphabet]

    def base62(number: int, width: int) -> str:
        chunks = []
        for _ in range(width // 2):
            number, low = divmod(number, 3844)
            chunks.append(pairs[low])
        if width % 2:
            chunks.append(alphabet[number % 62])
        return "".join(reversed(chunks))

    # os.urandom releases the GIL (getrandom may block), so every call lets the other
    # thread in and then waits for the GIL back; draw from a 4 KB pool instead.
    import threading

    class Pool:
        lock = threading.Lock()
        data = b""
        at = 0

    def take(n: int) -> bytes:
        with Pool.lock:
            if Pool.at + n > len(Pool.data):
                Pool.data, Pool.at = secrets.token_bytes(4096), 0
            Pool.at += n
            return Pool.data[Pool.at - n:Pool.at]

    def random(length: int) -> str:
        while True:
            out = take(length + 8).translate(table, rejected)
            if len(out) >= length:
                return out[:length].decode()

    assert base62(123456789, 10) == ids._base62(123456789, 10)
    ids._base62 = base62
    ids._random = random


def _event_no_copy() -> None:
    from tender.core import events

    original = events.new_event

    def new_event(**kwargs: Any) -> dict[str, Any]:
        obj = kwargs.pop("obj")
        event = original(obj={}, **kwargs)
        event["data"]["object"] = obj  # serialised by the store straight away
        return event

    events.new_event = new_event


def _lean_reads(autocommit: bool) -> None:
    from collections.abc import Iterator
    from contextlib import contextmanager

    from tender.store import sqlite as store

    class ReadTx(store.SQLiteTx):
        @contextmanager
        def atomic(self) -> Iterator[None]:
            yield

    async def read(self: Any, account: str, fn: Any) -> Any:
        conn = self._reader
        if autocommit:
            return fn(ReadTx(conn, account))
        conn.execute("BEGIN")
        try:
            return fn(ReadTx(conn, account))
        finally:
            conn.execute("COMMIT")

    store.SQLiteStore.read = read  # type: ignore[method-assign]


def _loop_units() -> None:
    import asyncio
    import sqlite3

    from tender.core.errors import APIError, StripeError
    from tender.store import sqlite as store

    class State:
        def __init__(self, conn: Any) -> None:
            self.conn = conn
            self.pending: list[tuple[str, Any, asyncio.Future[Any]]] = []
            self.running = False

    states: dict[int, State] = {}

    async def write(self: Any, account: str, fn: Any) -> Any:
        st = states.get(id(self))
        if st is None:
            st = states[id(self)] = State(store._connect(self.path, self.durability))
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        st.pending.append((account, fn, future))
        if not st.running:
            st.running = True
            loop.create_task(drain(st))
        return await future

    def run_unit(conn: Any, account: str, fn: Any) -> tuple[bool, Any]:
        conn.execute("SAVEPOINT unit")
        try:
            result = fn(store.SQLiteTx(conn, account))
        except StripeError as exc:
            if not exc.persist_changes:
                conn.execute("ROLLBACK TO unit")
            conn.execute("RELEASE unit")
            return False, exc
        except Exception as exc:
            conn.execute("ROLLBACK TO unit")
            conn.execute("RELEASE unit")
            return False, exc
        conn.execute("RELEASE unit")
        return True, result

    async def drain(st: State) -> None:
        loop = asyncio.get_running_loop()
        try:
            while st.pending:
                await asyncio.sleep(0)  # requests already read join this batch
                batch, st.pending = st.pending[:256], st.pending[256:]
                st.conn.execute("BEGIN IMMEDIATE")
                outcomes = [run_unit(st.conn, account, fn) for account, fn, _ in batch]
                try:
                    await loop.run_in_executor(None, st.conn.execute, "COMMIT")
                except sqlite3.Error as exc:
                    if st.conn.in_transaction:
                        st.conn.execute("ROLLBACK")
                    failure = APIError("The database could not commit this request. Retry it.")
                    failure.__cause__ = exc
                    outcomes = [(False, failure)] * len(batch)
                for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if not future.done():
                        if ok:
                            future.set_result(value)
                        else:
                            future.set_exception(value)
        finally:
            st.running = False

    store.SQLiteStore.write = write  # type: ignore[method-assign]


def _gc_stats(path: str) -> None:
    import asyncio
    import gc

    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    stalls: list[float] = []
    started = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - started[0])

    gc.callbacks.append(on_gc)

    async def watch() -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - t - 0.01
            if late > 0.02:
                stalls.append(late)

    def dump() -> None:
        summary = {
            "gc": {str(g): {"count": len(v), "total_ms": round(1e3 * sum(v), 1),
                            "max_ms": round(1e3 * max(v, default=0), 1)} for g, v in pauses.items()},
            "loop_stalls_over_20ms": {"count": len(stalls), "max_ms": round(1e3 * max(stalls, default=0), 1),
                                      "sum_ms": round(1e3 * sum(stalls), 1)},
        }
        with open(path, "w") as f:
            json.dump(summary, f, indent=2)

    def reset() -> None:
        for values in pauses.values():
            values.clear()
        stalls.clear()

    atexit.register(dump)
    _on_signal(signal.SIGUSR2, reset)
    _on_signal(signal.SIGUSR1, dump)
    from tender import app as tender_app

    startup = tender_app.TenderApp._lifespan

    async def lifespan(self: Any, receive: Any, send: Any) -> None:
        asyncio.get_running_loop().create_task(watch())
        await startup(self, receive, send)

    tender_app.TenderApp._lifespan = lifespan  # type: ignore[method-assign]


def _pragmas(cache_mb: str | None, mmap_mb: str | None, wal_pages: str | None = None) -> None:
    from tender.store import sqlite as store

    original = store._connect

    def connect(*args: Any, **kwargs: Any) -> Any:
        conn = original(*args, **kwargs)
        if cache_mb:
            conn.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        if mmap_mb:
            conn.execute(f"PRAGMA mmap_size={int(mmap_mb) * 1024 * 1024}")
        if wal_pages:
            conn.execute(f"PRAGMA wal_autocheckpoint={int(wal_pages)}")
        return conn

    store._connect = connect


def _no_request_log() -> None:
    from tender.api import request_log

    request_log.RequestLog.record = lambda self, *args: None  # type: ignore[method-assign]


def apply(spec: str) -> None:
    tweaks = _parse(spec)
    if "no_request_log" in tweaks:
        _no_request_log()
    if "gc_stats" in tweaks:
        _gc_stats(tweaks["gc_stats"])
    if "gc_freeze" in tweaks:
        import gc

        gc.freeze()
    if "loop_units" in tweaks:
        _loop_units()
    if "cache_mb" in tweaks or "mmap_mb" in tweaks or "wal_pages" in tweaks:
        _pragmas(tweaks.get("cache_mb"), tweaks.get("mmap_mb"), tweaks.get("wal_pages"))
    if "fast_ids" in tweaks:
        _fast_ids()
    if "event_no_copy" in tweaks:
        _event_no_copy()
    if "read_no_savepoint" in tweaks or "read_autocommit" in tweaks:
        _lean_reads(autocommit="read_autocommit" in tweaks)
    if "switch_interval" in tweaks:
        sys.setswitchinterval(float(tweaks["switch_interval"]))
    if "batch" in tweaks:
        from tender.store import sqlite as store

        store.BATCH = int(tweaks["batch"])
    if "batch_stats" in tweaks:
        _batch_stats(tweaks["batch_stats"])


def main() -> None:
    apply(os.environ.get("TENDER_BENCH_TWEAKS", ""))
    from tender.cli import main as tender_main

    tender_main(sys.argv[1:], prog_name="tender")


if __name__ == "__main__":
    main()
