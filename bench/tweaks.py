"""`tender serve` with measurement hooks or candidate optimisations applied from outside,
so a proposal can be measured before anyone changes src/.  Used by `bench.run --tweak`.

    TENDER_BENCH_TWEAKS="switch_interval=0.0005,turn_stats=/tmp/turns.json" \
        python -m bench.tweaks serve --workers 2

The tweaks patch the processes that serve requests.  With one worker that is the process
started.  With `--workers N` (or TENDER_WORKERS=N) the process started is uvicorn's
supervisor and is left alone; each worker is a fresh interpreter (multiprocessing
"spawn") that imports this module as `__mp_main__` before it imports the app, and applies
TENDER_BENCH_TWEAKS then.

Measurement hooks write one summary per process, to PATH with the process id inserted
before the suffix (`/tmp/turns.json` -> `/tmp/turns.1234.json`; appended when PATH has
none): on SIGUSR1 and at exit.  SIGUSR2 resets the counters.  `bench.run` sends SIGUSR2
to every worker after the warm-up and SIGUSR1 after the runs, and collects the files.

Tweaks (comma-separated name=value):
  switch_interval=S    sys.setswitchinterval(S): how long a thread waiting for the GIL
                       waits before asking the holder to drop it (CPython default 0.005).
  turn_stats=PATH      time the SQLite writer's turn, batch by batch: waiting for the flock
                       (another process's turn), BEGIN IMMEDIATE, BEGIN done to the first
                       unit starting (the event loop's latency), the units, the last unit
                       to COMMIT starting, COMMIT, and the whole time the turn was held;
                       units per batch; turns that had to wait; rehearsals made and
                       impossible, replays that held and that failed.  Each phase as mean,
                       p50, p90, p99, max and sum in ms.
  batch=N              cap a group-commit batch at N units (tender.store.sqlite.BATCH).

Candidate optimisations (each a sketch of a proposal in docs/performance.md, applied by
replacing one function; measure with `python -m bench.costs --tweak NAME` or
`python -m bench.run --tweak NAME`):
  read_no_savepoint    reads run without the SAVEPOINT/RELEASE every unit of work gets
                       (a read cannot change anything to roll back).
  read_autocommit      and without BEGIN/COMMIT around them: each SELECT is its own
                       snapshot (fine for one-statement reads such as retrieve).
  gc_stats=PATH        record every garbage collection (generation, pause) and the event
                       loop's stalls (a 10 ms timer firing late), a summary per process
                       as above.
  gc_freeze            gc.freeze() once started: the objects of imported modules leave
                       the collector's generations, so full collections get cheap.
  cache_mb=N           SQLite page cache of N MB per connection instead of 32 (there
                       are two: the reader and the writer).
  mmap_mb=N            PRAGMA mmap_size of N MB: reads map the file instead of pread.
  wal_pages=N          PRAGMA wal_autocheckpoint=N (SQLite's default: 1000 pages).
  checkpointer=MS      no checkpoint inside any COMMIT (wal_autocheckpoint=0); a thread per
                       process runs PRAGMA wal_checkpoint(PASSIVE) every MS ms on its own
                       connection.
  turn_priority=N      experiment: the event-loop and I/O threads of the process holding the
                       writer's turn run N nice levels higher until COMMIT (needs
                       CAP_SYS_NICE).
  no_request_log       RequestLog.record does nothing (what the dashboard's request log
                       costs a request: recording, the flush, the rows' indexes).
"""

from __future__ import annotations

import atexit
import json
import math
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any


def parse(spec: str) -> dict[str, str]:
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


_AT_EXIT: list[Callable[[], None]] = []


def _run_at_exit() -> None:
    for fn in _AT_EXIT:
        fn()


def _at_exit(fn: Callable[[], None]) -> None:
    """Run fn when the process ends: at a normal exit, and on SIGTERM.  uvicorn, once it
    has shut down after a SIGTERM, puts back the handler it found and raises the signal
    again; the default one would end the process without running atexit.  This handler
    runs fn first, then puts the default back and raises the signal again, so the
    process still ends by SIGTERM."""
    if not _AT_EXIT:
        atexit.register(_run_at_exit)

        def on_term(sig: int, frame: Any) -> None:
            _run_at_exit()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, on_term)
    _AT_EXIT.append(fn)


def _summary_hooks(dump: Callable[[], None], reset: Callable[[], None]) -> None:
    """A stats tweak's summary is written at exit and on SIGUSR1, its counters reset on
    SIGUSR2: the harness sends SIGUSR2 to every worker after the warm-up (only measured
    runs count) and SIGUSR1 after the runs."""
    _at_exit(dump)
    _on_signal(signal.SIGUSR2, reset)
    _on_signal(signal.SIGUSR1, dump)


def stats_file(path: str, pid: int | None = None) -> str:
    """Where a process writes the summary of a stats tweak given PATH: its pid inserted
    before the suffix (`turn_stats.json` -> `turn_stats.1234.json`), or appended."""
    root, ext = os.path.splitext(path)
    return f"{root}.{os.getpid() if pid is None else pid}{ext}"


def _write_json(path: str, summary: dict[str, Any]) -> None:
    """Written whole or not at all: the harness reads the file as soon as it appears."""
    temporary = f"{path}.tmp"
    with open(temporary, "w") as f:
        json.dump(summary, f, indent=2)
    os.replace(temporary, path)


def _quantile(values: Sequence[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(p * len(values)))] if values else 0.0


def _distribution(values: Sequence[float], scale: float = 1e3, digits: int = 3) -> dict[str, Any]:
    """mean, p50, p90, p99, max and sum of `values` (seconds, given in ms by default)."""
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(scale * _quantile(ordered, p), digits)

    return {"n": len(ordered), "mean": round(scale * statistics.fmean(ordered), digits) if ordered else 0.0,
            "p50": at(0.5), "p90": at(0.9), "p99": at(0.99),
            "max": round(scale * ordered[-1], digits) if ordered else 0.0,
            "sum": round(scale * math.fsum(ordered), digits)}


TURN_PHASES = ("flock_wait_ms", "begin_ms", "to_first_unit_ms", "units_ms", "to_commit_ms", "commit_ms",
               "held_ms")


def _turn_stats(path: str) -> None:
    """The SQLite writer's turn, batch by batch, timed by wrapping `_WriterTurn.begin`
    and `.end` (on the I/O thread), `_run_unit` (on the event loop), `_replay` and
    `SQLiteStore._rehearse`; each original still does the work."""
    from tender.store import sqlite as store

    class Batch:
        __slots__ = ("called", "locked", "begun", "contended", "first", "last", "units", "unit_s", "replays")

        def __init__(self, called: float) -> None:
            self.called = called
            self.locked = self.begun = self.first = self.last = 0.0
            self.contended = False
            self.units = 0
            self.unit_s = 0.0
            self.replays = [0, 0, 0]  # ok, failed, raised (of the failed)

    class Totals:
        since = time.perf_counter()
        contended = 0
        rollbacks = 0
        # Rehearsals are counted when they happen (on the event loop, before the unit
        # queues); replays with their batch.  Units in flight at a reset may show in one
        # count and not the other.
        rehearsed = 0
        unrehearsable = 0
        rehearse_s = 0.0
        replays_ok = 0
        replays_failed = 0
        replays_raised = 0  # of the failed: the replay raised sqlite3.Error

    phases: dict[str, list[float]] = {name: [] for name in TURN_PHASES}
    units: list[int] = []
    open_turns: dict[int, Batch] = {}  # by the writer connection: one batch at a time each

    class TimedConnection:
        """The writer's connection as `begin`/`end` see it: notes when the flock is ours
        (BEGIN IMMEDIATE is sent) and times the statements."""

        def __init__(self, conn: Any, batch: Batch, mark: str) -> None:
            self._conn, self._batch, self._mark = conn, batch, mark
            self.seconds = 0.0

        def execute(self, sql: str, *args: Any) -> Any:
            t = time.perf_counter()
            if self._mark == "locked":
                self._batch.locked = t
            try:
                return self._conn.execute(sql, *args)
            finally:
                self.seconds += time.perf_counter() - t

        def __getattr__(self, name: str) -> Any:
            return getattr(self._conn, name)

    original_begin = store._WriterTurn.begin
    original_end = store._WriterTurn.end
    original_run_unit = store._run_unit
    original_replay = store._replay
    original_rehearse = store.SQLiteStore._rehearse

    def begin(self: Any, conn: Any, *args: Any, **kwargs: Any) -> Any:
        batch = Batch(time.perf_counter())
        result = original_begin(self, TimedConnection(conn, batch, "locked"), *args, **kwargs)
        batch.begun = time.perf_counter()
        batch.contended = bool(getattr(self, "contended", False))
        open_turns[id(conn)] = batch
        return result

    def end(self: Any, conn: Any, statement: str, *args: Any, **kwargs: Any) -> Any:
        batch = open_turns.pop(id(conn), None)
        if batch is None:  # a ROLLBACK after a failed COMMIT already ended the turn
            return original_end(self, conn, statement, *args, **kwargs)
        called = time.perf_counter()
        timed = TimedConnection(conn, batch, "")
        try:
            return original_end(self, timed, statement, *args, **kwargs)
        finally:
            released = time.perf_counter()
            if batch.called >= Totals.since:  # not a turn begun before a reset
                record(batch, statement, called, timed.seconds, released)

    def record(batch: Batch, statement: str, called: float, statement_s: float, released: float) -> None:
        if statement != "COMMIT":
            Totals.rollbacks += 1
        Totals.contended += batch.contended
        locked = batch.locked or batch.begun  # BEGIN never sent: the turn failed at once
        phases["flock_wait_ms"].append(locked - batch.called)
        phases["begin_ms"].append(batch.begun - locked)
        if batch.units:
            phases["to_first_unit_ms"].append(batch.first - batch.begun)
            phases["to_commit_ms"].append(called - batch.last)
        phases["units_ms"].append(batch.unit_s)
        phases["commit_ms"].append(statement_s)
        phases["held_ms"].append(released - locked)
        units.append(batch.units)
        Totals.replays_ok += batch.replays[0]
        Totals.replays_failed += batch.replays[1]
        Totals.replays_raised += batch.replays[2]

    def run_unit(conn: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return original_run_unit(conn, *args, **kwargs)
        finally:
            done = time.perf_counter()
            batch = open_turns.get(id(conn))
            if batch is not None:
                if not batch.units:
                    batch.first = t
                batch.units += 1
                batch.unit_s += done - t
                batch.last = done

    def replay(conn: Any, *args: Any, **kwargs: Any) -> Any:
        # Counted with the batch, so that they cover the batches recorded and no other.
        batch = open_turns.get(id(conn)) or Batch(0.0)
        try:
            replayed = original_replay(conn, *args, **kwargs)
        except BaseException:
            batch.replays[1] += 1
            batch.replays[2] += 1
            raise
        batch.replays[0 if replayed else 1] += 1
        return replayed

    def rehearse(self: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            rehearsed = original_rehearse(self, *args, **kwargs)
        finally:
            Totals.rehearse_s += time.perf_counter() - t
        if rehearsed is None:
            Totals.unrehearsable += 1
        else:
            Totals.rehearsed += 1
        return rehearsed

    store._WriterTurn.begin = begin  # type: ignore[method-assign]
    store._WriterTurn.end = end  # type: ignore[method-assign]
    store._run_unit = run_unit
    store._replay = replay
    store.SQLiteStore._rehearse = rehearse  # type: ignore[method-assign]

    def summary() -> dict[str, Any]:
        wall = time.perf_counter() - Totals.since
        held = math.fsum(phases["held_ms"])
        return {
            "pid": os.getpid(),
            "wall_s": round(wall, 3),
            "batches": len(units),
            "contended_batches": Totals.contended,  # had to wait for another process's turn
            "rollbacks": Totals.rollbacks,
            "held_share": round(held / wall, 4) if wall > 0 else None,  # of wall time, turn held
            "units": _distribution(units, scale=1, digits=2),
            **{name: _distribution(values) for name, values in phases.items()},
            "rehearsals": {"made": Totals.rehearsed, "impossible": Totals.unrehearsable,
                           "ms_sum": round(1e3 * Totals.rehearse_s, 3)},
            "replays": {"ok": Totals.replays_ok, "failed": Totals.replays_failed,
                        "raised": Totals.replays_raised},
        }

    def dump() -> None:
        _write_json(stats_file(path), summary())

    def reset() -> None:
        Totals.since = time.perf_counter()
        Totals.contended = Totals.rollbacks = Totals.rehearsed = Totals.unrehearsable = 0
        Totals.replays_ok = Totals.replays_failed = Totals.replays_raised = 0
        Totals.rehearse_s = 0.0
        for values in phases.values():
            values.clear()
        units.clear()

    _summary_hooks(dump, reset)


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
        _write_json(stats_file(path), summary)

    def reset() -> None:
        for values in pauses.values():
            values.clear()
        stalls.clear()

    _summary_hooks(dump, reset)
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


def _checkpointer(interval_ms: float) -> None:
    """Candidate: no connection checkpoints inside its COMMIT (wal_autocheckpoint=0);
    instead a thread of each process, on a connection of its own, runs a PASSIVE
    checkpoint every `interval_ms`, outside the writer's turn and off its I/O thread."""
    import threading

    from tender.store import sqlite as store

    original = store._connect
    started: list[str] = []

    def run(path: str, durability: str) -> None:
        conn = original(path, durability)
        while True:
            time.sleep(interval_ms / 1000)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except Exception:  # busy: another process is checkpointing
                pass

    def connect(path: str, durability: str) -> Any:
        conn = original(path, durability)
        conn.execute("PRAGMA wal_autocheckpoint=0")
        if path not in started:
            started.append(path)
            threading.Thread(target=run, args=(path, durability), daemon=True, name="checkpointer").start()
        return conn

    store._connect = connect


def _turn_priority(boost: int) -> None:
    """Experiment: while this process holds the SQLite writer's turn, its event-loop
    thread (which replays the batch's units) and its I/O thread run `boost` nice levels
    higher, so the serial section is not preempted by the other workers' parsing and
    rehearsals.  Lowering a nice value needs CAP_SYS_NICE."""
    import threading

    from tender.store import sqlite as store

    original_begin = store._WriterTurn.begin
    original_end = store._WriterTurn.end
    original_write = store.SQLiteStore.write
    loop_tid: list[int] = []

    async def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not loop_tid:
            loop_tid.append(threading.get_native_id())
        return await original_write(self, *args, **kwargs)

    def begin(self: Any, conn: Any, *args: Any, **kwargs: Any) -> Any:
        result = original_begin(self, conn, *args, **kwargs)
        for tid in loop_tid + [threading.get_native_id()]:
            os.setpriority(os.PRIO_PROCESS, tid, -boost)
        return result

    def end(self: Any, conn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_end(self, conn, *args, **kwargs)
        finally:
            for tid in loop_tid + [threading.get_native_id()]:
                os.setpriority(os.PRIO_PROCESS, tid, 0)

    store.SQLiteStore.write = write  # type: ignore[method-assign]
    store._WriterTurn.begin = begin  # type: ignore[method-assign]
    store._WriterTurn.end = end  # type: ignore[method-assign]


def _no_request_log() -> None:
    from tender.api import request_log

    request_log.RequestLog.record = lambda self, *args: None  # type: ignore[method-assign]


def _read_threads(count: int) -> None:
    """Candidate: reads on `count` threads, each with its own reader connection, so that
    reads waiting on the disk (the 1M tier, cold pages) overlap instead of queueing on
    the event loop's thread."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from tender.store import sqlite as store

    local = threading.local()
    pools: dict[int, ThreadPoolExecutor] = {}

    def run(self: Any, account: str, fn: Any) -> Any:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = store._connect(self.path, self.durability)
        conn.execute("BEGIN")
        try:
            return fn(store._ReadTx(conn, account))
        finally:
            conn.execute("COMMIT")

    async def read(self: Any, account: str, fn: Any) -> Any:
        import asyncio

        pool = pools.get(id(self))
        if pool is None:
            pool = pools[id(self)] = ThreadPoolExecutor(count, thread_name_prefix="tender-read")
        return await asyncio.get_running_loop().run_in_executor(pool, run, self, account, fn)

    store.SQLiteStore.read = read  # type: ignore[method-assign]


def apply(spec: str) -> None:
    tweaks = parse(spec)
    if "read_threads" in tweaks:
        _read_threads(int(tweaks["read_threads"]))
    if "no_request_log" in tweaks:
        _no_request_log()
    if "turn_priority" in tweaks:
        _turn_priority(int(tweaks["turn_priority"]))
    if "checkpointer" in tweaks:
        _checkpointer(float(tweaks["checkpointer"]))
    if "gc_stats" in tweaks:
        _gc_stats(tweaks["gc_stats"])
    if "gc_freeze" in tweaks:
        import gc

        gc.freeze()
    if "cache_mb" in tweaks or "mmap_mb" in tweaks or "wal_pages" in tweaks:
        _pragmas(tweaks.get("cache_mb"), tweaks.get("mmap_mb"), tweaks.get("wal_pages"))
    if "read_no_savepoint" in tweaks or "read_autocommit" in tweaks:
        _lean_reads(autocommit="read_autocommit" in tweaks)
    if "switch_interval" in tweaks:
        sys.setswitchinterval(float(tweaks["switch_interval"]))
    if "batch" in tweaks:
        from tender.store import sqlite as store

        store.BATCH = int(tweaks["batch"])
    if "turn_stats" in tweaks:
        _turn_stats(tweaks["turn_stats"])


def merge_turn_stats(workers: list[dict[str, Any]]) -> dict[str, Any]:
    """Several processes' turn_stats as one: counts and sums added, means weighted by
    batches (a phase's sum over its count), maxima the largest; no percentiles (they do
    not add up).  `held_share`: the share of the longest wall time during which some
    process held the turn (turns do not overlap)."""
    wall = max((w["wall_s"] for w in workers), default=0.0)
    batches = sum(w["batches"] for w in workers)

    def merged(key: str, digits: int = 3) -> dict[str, Any]:
        n = sum(w[key]["n"] for w in workers)
        total = math.fsum(w[key]["sum"] for w in workers)
        return {"n": n, "mean": round(total / n, digits) if n else 0.0,
                "max": max((w[key]["max"] for w in workers), default=0.0), "sum": round(total, digits)}

    held_s = math.fsum(w["held_ms"]["sum"] for w in workers) / 1e3
    return {
        "processes": len(workers),
        "wall_s": wall,
        "batches": batches,
        "contended_batches": sum(w["contended_batches"] for w in workers),
        "rollbacks": sum(w["rollbacks"] for w in workers),
        "held_share": round(held_s / wall, 4) if wall > 0 else None,
        "units": merged("units", 2),
        **{name: merged(name) for name in TURN_PHASES},
        "rehearsals": {key: round(sum(w["rehearsals"][key] for w in workers), 3)
                       for key in ("made", "impossible", "ms_sum")},
        "replays": {key: sum(w["replays"][key] for w in workers) for key in ("ok", "failed", "raised")},
    }


def merge_gc_stats(workers: list[dict[str, Any]]) -> dict[str, Any]:
    """Several processes' gc_stats as one: counts and times added, maxima the largest."""
    gens = sorted({g for w in workers for g in w["gc"]})
    stalls = [w["loop_stalls_over_20ms"] for w in workers]
    return {
        "processes": len(workers),
        "gc": {g: {"count": sum(w["gc"][g]["count"] for w in workers if g in w["gc"]),
                   "total_ms": round(sum(w["gc"][g]["total_ms"] for w in workers if g in w["gc"]), 1),
                   "max_ms": max(w["gc"][g]["max_ms"] for w in workers if g in w["gc"])} for g in gens},
        "loop_stalls_over_20ms": {"count": sum(s["count"] for s in stalls),
                                  "max_ms": max((s["max_ms"] for s in stalls), default=0.0),
                                  "sum_ms": round(sum(s["sum_ms"] for s in stalls), 1)},
    }


# What bench.run does with each stats tweak's per-process summaries.
MERGE = {"turn_stats": merge_turn_stats, "gc_stats": merge_gc_stats}


def _serve_workers(argv: list[str]) -> int:
    """How many uvicorn workers `tender serve` will start (--workers, else TENDER_WORKERS);
    1 for other commands."""
    if not argv or argv[0] != "serve":
        return 1
    workers = os.environ.get("TENDER_WORKERS") or "1"
    for i, arg in enumerate(argv):
        if arg == "--workers" and i + 1 < len(argv):
            workers = argv[i + 1]
        elif arg.startswith("--workers="):
            workers = arg.partition("=")[2]
    return int(workers)


def main() -> None:
    # With several workers this process is uvicorn's supervisor and serves nothing: the
    # tweaks are applied in each worker instead (below), not here.
    if _serve_workers(sys.argv[1:]) == 1:
        apply(os.environ.get("TENDER_BENCH_TWEAKS", ""))
    from tender.cli import main as tender_main

    tender_main(sys.argv[1:], prog_name="tender")


if __name__ == "__main__":
    main()
elif __name__ == "__mp_main__":
    # A uvicorn worker of `python -m bench.tweaks serve --workers N`: multiprocessing starts
    # it as a fresh interpreter ("spawn") that imports the parent's main module under this
    # name before it runs the worker, so the worker is patched before it imports the app.
    apply(os.environ.get("TENDER_BENCH_TWEAKS", ""))
