"""tender's benchmark (issue #7): `make bench`, `make bench-quick`.

For each backend (SQLite; PostgreSQL on a private pgserver cluster) and each tier of stored
PaymentIntents, on this machine in this run:

- ceiling   a bare ASGI endpoint on the same stack (uvicorn + httptools + uvloop, as many
            worker processes as tender, access log off) answering a real PaymentIntent's JSON;
- create    POST /v1/payment_intents  amount, currency, payment_method_types[]=card;
- confirm   the same with confirm=true&payment_method=pm_card_visa (create+confirm);
- retrieve  GET /v1/payment_intents/:id, ids drawn at random from the seeded set;
- list      GET /v1/payment_intents?limit=10;
- search    GET /v1/payment_intents/search?query=status:"succeeded";
- mix       40% retrieve, 25% create, 25% create+confirm (a fresh intent confirmed in the
            same request), 10% list;

at 1, 16 and 64 connections, each measured `--runs` times (median reported) after a
warm-up, every cell on a freshly started server over a database put back to its seeded
state.  Create, create+confirm and retrieve are also measured on the database driver
alone running tender's transactions on the same stack (asyncpg on PostgreSQL,
bench/asyncpg_alone.py; sqlite3 on SQLite, bench/sqlite_alone.py), taking turns with
tender run by run: the `x alone` column.  With `--workers N` every server runs N uvicorn
workers (tender: TENDER_WORKERS=N); CPU covers each server's whole process tree, memory
is reported per worker (the largest) and in all.  `--tweak` runs tender through
bench/tweaks.py, which patches every worker; the counters of `turn_stats` and `gc_stats`
are reset in each worker after a cell's warm-up and collected from each after its runs
(a summary per worker and one merged).  Prints a table and the issue's targets; writes
bench/results/<timestamp>.json.

    python -m bench.run                 # SQLite and PostgreSQL, tiers 10k and 1m (make bench)
    python -m bench.run --quick         # SQLite only, tiny tier, one short run per cell (make bench-quick)
    python -m bench.run --backends postgresql --tiers 10k --scenarios create,confirm,retrieve
    python -m bench.run --tiers 10k --profile create,retrieve
    python -m bench.run --tiers 10k --scenarios ceiling,create,retrieve --workers 2
    python -m bench.run --tiers 10k --backends sqlite --scenarios create,confirm --connections 64 \
        --runs 1 --workers 2 --tweak turn_stats
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import fcntl
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench import loadgen, probe
from bench import profile as profiling
from bench import tweaks as tweaking
from bench.backends import BACKENDS, PUBLISHABLE_KEY, SECRET_KEY, Backend, Prepared, Tier
from bench.servers import ROOT, Server, ceiling_server, stop_all, system_busy_seconds

SCENARIOS = ("ceiling", "create", "confirm", "retrieve", "list", "search", "mix")
LABELS = {
    "ceiling": "ceiling (bare ASGI)",
    "create": "create",
    "confirm": "create+confirm",
    "retrieve": "retrieve",
    "list": "list (limit 10)",
    "search": "search status",
    "mix": "mix 40/25/25/10",
}
WRITES = {"create", "confirm", "mix"}
TIERS = {"tiny": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
TARGET_CONNECTIONS = 64


def log(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="tiny tier, 1 run of 1 s per cell at 1 and 64 connections, one server per scenario")
    p.add_argument("--backends", default=None,
                   help="comma-separated, from sqlite, postgresql (default both; sqlite with --quick)")
    p.add_argument("--tiers", default=None, help=f"comma-separated, from {', '.join(TIERS)} (default 10k,1m)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--connections", default=None, help="default 1,16,64")
    p.add_argument("--workers", type=int, default=1,
                   help="uvicorn worker processes of every server: tender (TENDER_WORKERS), the ceiling and "
                        "the baselines (default 1)")
    p.add_argument("--duration", type=float, default=None, help="seconds per measured run (default 5)")
    p.add_argument("--runs", type=int, default=None, help="measured runs per cell; the median is reported (default 3)")
    p.add_argument("--warmup", type=float, default=None, help="seconds of warm-up per cell (default 2)")
    p.add_argument("--extra-runs", type=int, default=None,
                   help="runs added to a cell to replace runs disturbed by other load (default 3, 0 with --quick)")
    p.add_argument("--noisy-pct", type=float, default=40.0,
                   help="a run is disturbed when the rest of the machine used more than this %% of a core")
    p.add_argument("--drain-limit", type=float, default=20.0,
                   help="seconds to wait for a server to finish requests left over from a run")
    p.add_argument("--slow-limit", type=float, default=180.0,
                   help="seconds to spend on a cell whose single request is slower than a tenth of a run")
    p.add_argument("--profile", default="", help="scenarios to sample with py-spy, e.g. create,retrieve")
    p.add_argument("--profile-seconds", type=int, default=10)
    p.add_argument("--profile-connections", type=int, default=TARGET_CONNECTIONS)
    p.add_argument("--profile-idle", action="store_true",
                   help="also sample waiting threads (py-spy --idle): wall-clock instead of CPU view")
    p.add_argument("--quiet-wait", type=float, default=None,
                   help="before each cell, wait up to this many seconds for the rest of the machine to be "
                        "quiet (< 25%% of a core busy); default 30, 0 with --quick")
    p.add_argument("--tweak", default="",
                   help="run tender through bench.tweaks with these diagnostics/candidate changes, e.g. "
                        "'turn_stats,switch_interval=0.001' (see bench/tweaks.py), in every worker; "
                        "turn_stats and gc_stats are collected from each worker per cell; not for headline "
                        "figures")
    p.add_argument("--workdir", default=os.environ.get("BENCH_WORKDIR"),
                   help="seeded databases (cached between runs), ids files, server logs; default "
                        "/tmp/tender-bench, or a fresh temporary directory with --quick")
    p.add_argument("--reseed", action="store_true", help="rebuild the seeded databases")
    p.add_argument("--seed-only", action="store_true", help="build (or check) the seeded databases and stop")
    p.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = p.parse_args(argv)
    quick = args.quick
    args.tiers = [t for t in (args.tiers or ("tiny" if quick else "10k,1m")).split(",") if t]
    for t in args.tiers:
        if t not in TIERS:
            p.error(f"unknown tier {t}; choose from {', '.join(TIERS)}")
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    for s in args.scenarios:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s}; choose from {', '.join(SCENARIOS)}")
    args.connections = [int(c) for c in (args.connections or ("1,64" if quick else "1,16,64")).split(",")]
    args.duration = args.duration or (1.0 if quick else 5.0)
    args.runs = args.runs or (1 if quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if quick else 2.0)
    args.server_per_cell = not quick
    args.temporary_workdir = args.workdir is None and quick
    if args.workdir is None:
        # --quick seeds 1,000 intents in a fraction of a second: a private directory lets it
        # run next to another benchmark (make test runs it) without sharing a database.
        args.workdir = tempfile.mkdtemp(prefix="tender-bench-quick-") if quick else "/tmp/tender-bench"
    if args.extra_runs is None:
        args.extra_runs = 0 if quick else 3
    if args.quiet_wait is None:
        args.quiet_wait = 0.0 if quick else 30.0
    args.backends = [b for b in (args.backends or ("sqlite" if quick else "sqlite,postgresql")).split(",") if b]
    for b in args.backends:
        if b not in BACKENDS:
            p.error(f"unknown backend {b}; choose from {', '.join(BACKENDS)}")
    args.profile = [s for s in args.profile.split(",") if s]
    if args.workers < 1:
        p.error("--workers must be at least 1")
    return args


# -- measuring ----------------------------------------------------------------------------


def drain(server: Server, limit: float) -> float | None:
    """Wait until the server has answered whatever a finished run left queued: a health
    request sent now is answered only after them.  Seconds waited, or None past `limit`."""
    started = time.monotonic()
    while True:
        remaining = limit - (time.monotonic() - started)
        if remaining <= 0:
            return None
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(server.url + server.ready_path, timeout=remaining) as r:
                r.read()
        except (urllib.error.URLError, OSError):
            continue
        if time.monotonic() - t0 < 0.05:
            return round(time.monotonic() - started, 3)


SLOW_CANDIDATES = ("retrieve", "list", "search")
STATS_TWEAKS = ("turn_stats", "gc_stats")


def timed_request(server: Server, scenario: str, ids_file: Path | None) -> float:
    """One request of a read scenario, as the wrk script sends it; seconds it took."""
    path = {
        "list": "/v1/payment_intents?limit=10",
        "search": "/v1/payment_intents/search?query=status%3A%22succeeded%22",
    }.get(scenario)
    if path is None:
        assert ids_file is not None
        with open(ids_file) as f:
            path = "/v1/payment_intents/" + f.readline().strip()
    req = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {SECRET_KEY}"})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=600) as r:
        r.read()
        if r.status != 200:
            raise RuntimeError(f"{scenario}: {r.status}")
    return time.monotonic() - t0


def wait_for_quiet(limit: float, threshold_pct: float = 25.0) -> float | None:
    """The machine is shared: before a cell, wait (at most `limit` s) for one second in
    which everything else together used less than `threshold_pct` of one core.  Returns
    the seconds waited, or None when it never got quiet (the cell runs anyway; its
    `other` column shows the noise)."""
    if limit <= 0:
        return 0.0
    started = time.monotonic()
    while time.monotonic() - started < limit:
        b0, t0 = system_busy_seconds(), time.monotonic()
        time.sleep(1.0)
        if 100 * (system_busy_seconds() - b0) / (time.monotonic() - t0) < threshold_pct:
            return round(time.monotonic() - started, 1)
    return None


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(key: str) -> float | None:
        values = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(values) if values else None

    return {
        "rps": med("rps"), "p50_ms": med("p50_ms"), "p90_ms": med("p90_ms"), "p99_ms": med("p99_ms"),
        "max_ms": med("max_ms"), "errors": sum(r["errors"] for r in runs),
        "wrk_cpu_pct": med("wrk_cpu_pct"), "server_cpu_pct": med("server_cpu_pct"),
        "other_cpu_pct": med("other_cpu_pct"), "cpu_us_per_req": med("cpu_us_per_req"),
        "db_cpu_pct": med("db_cpu_pct"), "db_us_per_req": med("db_us_per_req"),
        "loop_cpu_pct": med("loop_cpu_pct"),
    }


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.workdir = Path(args.workdir)
        self.out = Path(args.out)
        self.cells: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.profiles: list[dict[str, Any]] = []
        self.tiers: list[dict[str, Any]] = []
        self.body_path = self.workdir / "payment_intent.json"
        self.baselines: dict[str, Any] = {}  # per backend: what its baseline runs (PostgreSQL: tender's SQL)
        self.seed_counter = 0
        self.git_at_start: dict[str, Any] = {}
        self.block = "none"  # the backend whose cells are being measured (ceiling cells included)
        self.db_cpu: Any = None  # CPU seconds of the backend's database server, when it has one
        # --tweak as the servers get it: a stats tweak given without a path writes under
        # workdir/logs (each process to its own file: tweaks.stats_file).
        self.stats_paths: dict[str, str] = {}
        items = []
        for name, value in tweaking.parse(args.tweak).items():
            if name in STATS_TWEAKS:
                value = value or str(self.workdir / "logs" / f"{self.stamp}-{name}.json")
                self.stats_paths[name] = value
            items.append(f"{name}={value}" if value else name)
        self.tweak_spec = ",".join(items)

    def start(self, backend: Backend | None, prepared: Prepared | None, scenario: str) -> Server:
        logs = self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        if scenario == "ceiling":
            server = ceiling_server(self.body_path, logs / f"{self.stamp}-ceiling.log", self.args.workers)
        else:
            assert backend is not None and prepared is not None
            backend.reset(prepared)
            server = backend.server(prepared, logs / f"{self.stamp}-{prepared.tier.name}-{scenario}.log",
                                    self.tweak_spec, self.args.workers)
        return server.start()

    def tweak_stats(self, server: Server, begin: bool) -> dict[str, Any]:
        """With --tweak turn_stats / gc_stats: reset the counters of every worker of the
        server (begin, after the warm-up) or collect them (after the runs): each worker
        writes its own file on SIGUSR1.  Per tweak: `workers`, each worker's summary (with
        its pid), `merged`, all of them together, and `missing`, workers that wrote
        nothing in time."""
        if not self.stats_paths or server.name != "tender":
            return {}
        pids = server.worker_pids()
        if begin:
            _signal_all(pids, signal.SIGUSR2)
            return {}
        files = {(name, pid): Path(tweaking.stats_file(path, pid))
                 for name, path in self.stats_paths.items() for pid in pids}
        for f in files.values():
            f.unlink(missing_ok=True)
        _signal_all(pids, signal.SIGUSR1)
        found: dict[tuple[str, int], Any] = {}
        deadline = time.monotonic() + 5
        while len(found) < len(files) and time.monotonic() < deadline:
            time.sleep(0.05)
            for key, f in files.items():
                if key not in found and f.exists():
                    try:
                        found[key] = json.loads(f.read_text())
                    except ValueError:
                        continue
        out: dict[str, Any] = {}
        for name in self.stats_paths:
            per_worker = [{"pid": pid, **found[(name, pid)]} for pid in pids if (name, pid) in found]
            if not per_worker:
                continue
            out[name] = {"workers": per_worker, "merged": tweaking.MERGE[name](per_worker)}
            missing = [pid for pid in pids if (name, pid) not in found]
            if missing:
                out[name]["missing"] = missing
        return out

    def measure(self, server: Server, scenario: str, connections: int, duration: float,
                ids_file: Path | None) -> dict[str, Any]:
        self.seed_counter += 1
        db0 = self.db_cpu() if self.db_cpu else None
        cpu0, busy0, t0 = server.cpu(), system_busy_seconds(), time.monotonic()
        loop0 = server.loop_cpu()
        result = loadgen.run_wrk(server.url, scenario, connections, duration, SECRET_KEY, ids_file,
                                 seed=self.seed_counter)
        wall = time.monotonic() - t0
        cpu_used = server.cpu() - cpu0  # the whole process tree: supervisor and workers
        server_cpu = 100 * cpu_used / wall
        # The main threads (the event loops) of the workers, summed; the rest of the
        # server's CPU is its other threads (SQLite's writer, PostgreSQL's connection pool
        # threads) and, with several workers, the supervisor.
        result["loop_cpu_pct"] = round(100 * (server.loop_cpu() - loop0) / wall, 1)
        result["cpu_us_per_req"] = round(1e6 * cpu_used / result["requests"]) if result["requests"] else None
        busy = 100 * (system_busy_seconds() - busy0) / wall
        result["server_cpu_pct"] = round(server_cpu, 1)
        # The database server (PostgreSQL's processes) works for this server: not noise.
        db_cpu = 0.0
        if db0 is not None and self.db_cpu:
            db_used = self.db_cpu() - db0
            db_cpu = 100 * db_used / wall
            result["db_cpu_pct"] = round(db_cpu, 1)
            result["db_us_per_req"] = round(1e6 * db_used / result["requests"]) if result["requests"] else None
        # Everything else the machine did meanwhile (other users' jobs): the noise.
        result["other_cpu_pct"] = round(max(0.0, busy - server_cpu - db_cpu - result["wrk_cpu_pct"]), 1)
        server.record_memory()
        return result

    def run_scenario(self, backend: Backend | None, prepared: Prepared | None, tier: Tier,
                     scenario: str) -> None:
        """The cells of one scenario (tender's, or the ceiling's) at every connection count."""
        args = self.args
        kind = "ceiling" if scenario == "ceiling" else "tender"
        label = LABELS[scenario]
        ids_file = prepared.ids_file if prepared else None
        server: Server | None = None
        saturated: str | None = None
        try:
            for c in args.connections:
                cell: dict[str, Any] = {
                    "backend": backend.name if backend else "none", "server": kind, "block": self.block,
                    "tier": tier.name, "stored_intents": tier.intents, "scenario": scenario, "connections": c,
                    "workers": args.workers,
                }
                if saturated:
                    cell["skipped"] = saturated
                    self.cells.append(cell)
                    log(f"    {label:<20} c={c:<3} skipped: {saturated}")
                    continue
                cell["quiet_wait_s"] = wait_for_quiet(args.quiet_wait)
                if server is None or args.server_per_cell:
                    if server is not None:
                        server.stop()
                    server = self.start(backend, prepared, scenario)
                if scenario in SLOW_CANDIDATES:
                    times = [timed_request(server, scenario, ids_file)]
                    if times[0] > args.duration / 10:  # the first may have read cold pages
                        times.append(timed_request(server, scenario, ids_file))
                    cell["single_request_s"] = [round(t, 4) for t in times]
                    if times[-1] > args.duration / 10:
                        self.sequential_cell(server, cell, scenario, ids_file, times)
                        saturated = (f"one request takes {times[-1]:.1f} s; more connections would only"
                                     " queue behind it")
                        continue
                if args.warmup > 0:
                    loadgen.run_wrk(server.url, scenario, c, args.warmup, SECRET_KEY, ids_file, seed=0)
                    if drain(server, args.drain_limit) is None:
                        saturated = f"server still busy {args.drain_limit:.0f} s after the warm-up"
                self.tweak_stats(server, begin=True)
                runs: list[dict[str, Any]] = []
                # A run during which the rest of the machine was busy (other > --noisy-pct) is
                # replaced by another, up to --extra-runs; the decision uses only the outside
                # load, never the result.
                while not saturated and len(runs) < args.runs + args.extra_runs:
                    if sum(1 for r in runs if r["clean"]) >= args.runs:
                        break
                    run = self.measure(server, scenario, c, args.duration, ids_file)
                    run["clean"] = run["other_cpu_pct"] < args.noisy_pct
                    runs.append(run)
                    waited = drain(server, args.drain_limit)
                    run["drain_s"] = waited
                    if waited is None:
                        saturated = (f"at c={c} the server was still busy {args.drain_limit:.0f} s after"
                                     " a run (each request takes longer than the run)")
                        break
                clean = [r for r in runs if r["clean"]]
                cell["runs"] = runs
                enough = len(clean) >= (args.runs + 1) // 2
                cell["median"] = median_of(clean if enough else runs) if runs else None
                if runs:
                    cell["median"]["clean_runs"] = len(clean)
                    cell["median"]["all_runs"] = len(runs)
                collected = self.tweak_stats(server, begin=False)
                cell.update(collected)
                self.memory(cell, server)
                if saturated and not runs:
                    cell["skipped"] = saturated
                self.cells.append(cell)
                m = cell["median"]
                if m:
                    db = (f"  db {m['db_cpu_pct']:.0f}% ({m['db_us_per_req'] or 0:.0f} us/req)"
                          if m.get("db_cpu_pct") is not None else "")
                    if m.get("loop_cpu_pct") is not None:
                        db = f"  loop thread{'s' if args.workers > 1 else ''} {m['loop_cpu_pct']:.0f}%{db}"
                    log(f"    {label:<20} c={c:<3} {m['rps']:>9,.0f} req/s  p50 {_ms(m['p50_ms'])}"
                        f"  p99 {_ms(m['p99_ms'])}  errors {m['errors']}  wrk {m['wrk_cpu_pct']:.0f}%"
                        f"  server {m['server_cpu_pct']:.0f}% ({m['cpu_us_per_req'] or 0:.0f} us/req){db}"
                        f"  other {m['other_cpu_pct']:.0f}%  {_rss(cell)}"
                        f"  runs [{', '.join(format(r['rps'], ',.0f') + ('' if r['clean'] else '*') for r in runs)}]")
                for line in render_tweak_stats(collected):
                    log("      " + line)
                if scenario in args.profile and c == args.profile_connections and not saturated:
                    self.profile(server, tier, scenario, c, ids_file)
                if saturated and server is not None:
                    server.stop()
                    server = None
        finally:
            if server is not None:
                server.stop()

    def run_pair(self, backend: Backend, prepared: Prepared, tier: Tier, scenario: str) -> None:
        """tender and the backend's baseline (asyncpg or sqlite3 alone) for one scenario,
        side by side: per connection count both servers run on the same database, warm up,
        then take turns, run for run, so that each pair of runs meets the same outside load.
        A pair counts as undisturbed when both of its runs are.  Each server gets its cell;
        the tender cell also gets `paired_ratios` (tender / baseline per pair) and
        `ratio_to_alone`, the median of the undisturbed pairs' ratios (`ratio_to_asyncpg`
        in results written before run 20261127T181947Z, when PostgreSQL had the only
        baseline)."""
        args = self.args
        base = getattr(backend, "baseline_name", "baseline")
        ids_file = prepared.ids_file
        logs = self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        for c in args.connections:
            cells: dict[str, dict[str, Any]] = {
                kind: {"backend": backend.name, "server": kind, "block": self.block, "tier": tier.name,
                       "stored_intents": tier.intents, "scenario": scenario, "connections": c,
                       "workers": args.workers, "paired": True}
                for kind in ("tender", base)}
            quiet = wait_for_quiet(args.quiet_wait)
            backend.reset(prepared)
            servers: dict[str, Server] = {}
            try:
                servers["tender"] = backend.server(
                    prepared, logs / f"{self.stamp}-{tier.name}-{scenario}.log", self.tweak_spec,
                    args.workers).start()
                servers[base] = backend.baseline_server(  # type: ignore[attr-defined]
                    prepared, logs / f"{self.stamp}-{tier.name}-{base}-{scenario}.log", args.workers).start()
                saturated: str | None = None
                for server in servers.values():
                    if args.warmup > 0:
                        loadgen.run_wrk(server.url, scenario, c, args.warmup, SECRET_KEY, ids_file, seed=0)
                        if drain(server, args.drain_limit) is None:
                            saturated = f"{server.name} still busy {args.drain_limit:.0f} s after the warm-up"
                self.tweak_stats(servers["tender"], begin=True)
                runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in servers}
                pairs = 0
                while not saturated and pairs < args.runs + args.extra_runs:
                    clean_pairs = sum(1 for a, b in zip(runs["tender"], runs[base], strict=True)
                                      if a["clean"] and b["clean"])
                    if clean_pairs >= args.runs:
                        break
                    for kind, server in servers.items():
                        run = self.measure(server, scenario, c, args.duration, ids_file)
                        run["clean"] = run["other_cpu_pct"] < args.noisy_pct
                        runs[kind].append(run)
                        waited = drain(server, args.drain_limit)
                        run["drain_s"] = waited
                        if waited is None:
                            saturated = f"{kind} still busy {args.drain_limit:.0f} s after a run"
                    pairs += 1
                cells["tender"].update(self.tweak_stats(servers["tender"], begin=False))
                n = min(len(runs["tender"]), len(runs[base]))
                both = [runs["tender"][i]["clean"] and runs[base][i]["clean"] for i in range(n)]
                enough = sum(both) >= (args.runs + 1) // 2
                for kind, server in servers.items():
                    cell = cells[kind]
                    cell["quiet_wait_s"] = quiet
                    cell["runs"] = runs[kind]
                    chosen = [r for i, r in enumerate(runs[kind][:n]) if both[i]] if enough else runs[kind]
                    cell["median"] = median_of(chosen) if chosen else None
                    if cell["median"]:
                        cell["median"]["clean_runs"] = sum(both)
                        cell["median"]["all_runs"] = n
                    self.memory(cell, server)
                    if saturated and not runs[kind]:
                        cell["skipped"] = saturated
                ratios = [runs["tender"][i]["rps"] / runs[base][i]["rps"] for i in range(n)
                          if runs[base][i]["rps"]]
                cells["tender"]["paired_ratios"] = [round(r, 3) for r in ratios]
                chosen_ratios = [r for r, ok in zip(ratios, both, strict=False) if ok] if enough else ratios
                if chosen_ratios:
                    cells["tender"]["ratio_to_alone"] = statistics.median(chosen_ratios)
                if scenario in args.profile and c == args.profile_connections and not saturated:
                    self.profile(servers["tender"], tier, scenario, c, ids_file)
            finally:
                for server in servers.values():
                    server.stop()
            for kind in ("tender", base):
                cell = cells[kind]
                self.cells.append(cell)
                m = cell.get("median")
                label = LABELS[scenario] if kind == "tender" else f"{kind}: {LABELS[scenario]}"
                if not m:
                    log(f"    {label:<20} c={c:<3} skipped: {cell.get('skipped', '')}")
                    continue
                extra = ""
                if kind == "tender" and "ratio_to_alone" in cell:
                    extra = (f"  x {base} {cell['ratio_to_alone']:.2f} (pairs "
                             + ", ".join(f"{r:.2f}" for r in cell["paired_ratios"]) + ")")
                log(f"    {label:<20} c={c:<3} {m['rps']:>9,.0f} req/s  p50 {_ms(m['p50_ms'])}"
                    f"  p99 {_ms(m['p99_ms'])}  errors {m['errors']}  wrk {m['wrk_cpu_pct']:.0f}%"
                    f"  server {m['server_cpu_pct']:.0f}% ({m['cpu_us_per_req'] or 0:.0f} us/req)"
                    f"  loop thread{'s' if args.workers > 1 else ''} {m['loop_cpu_pct'] or 0:.0f}%"
                    f"  db {m['db_cpu_pct'] or 0:.0f}% ({m['db_us_per_req'] or 0:.0f} us/req)"
                    f"  other {m['other_cpu_pct']:.0f}%  {_rss(cell)}"
                    f"  runs [{', '.join(format(r['rps'], ',.0f') + ('' if r['clean'] else '*') for r in cell['runs'])}]"
                    + extra)
                for line in render_tweak_stats({name: cell[name] for name in STATS_TWEAKS if name in cell}):
                    log("      " + line)

    def sequential_cell(self, server: Server, cell: dict[str, Any], scenario: str,
                        ids_file: Path | None, times: list[float]) -> None:
        """A request slower than a tenth of a run: time `runs` requests one after another
        (bounded by --slow-limit seconds) instead of a wrk run that would finish none."""
        times = list(times)
        started = time.monotonic()
        while len(times) < self.args.runs and time.monotonic() - started + times[-1] < self.args.slow_limit:
            times.append(timed_request(server, scenario, ids_file))
        median = statistics.median(times)
        cell["runs"] = [{"requests": 1, "rps": 1 / t, "p50_ms": 1e3 * t, "p99_ms": 1e3 * t, "errors": 0,
                         "sequential": True} for t in times]
        cell["median"] = {"rps": 1 / median, "p50_ms": 1e3 * median, "p90_ms": None, "p99_ms": 1e3 * max(times),
                          "max_ms": 1e3 * max(times), "errors": 0, "wrk_cpu_pct": 0.0, "server_cpu_pct": None,
                          "other_cpu_pct": None, "cpu_us_per_req": None}
        cell["note"] = f"{len(times)} sequential requests (one at a time; each too slow for a wrk run)"
        server.record_memory()
        self.memory(cell, server)
        self.cells.append(cell)
        log(f"    {LABELS[scenario]:<20} c=1   {len(times)} sequential requests: "
            + ", ".join(f"{t:.1f} s" for t in times) + f"  {_rss(cell)}")

    @staticmethod
    def memory(cell: dict[str, Any], server: Server) -> None:
        """Peak memory of the server so far (servers are per cell unless --quick).
        `rss_kb`, `hwm_kb`, `rss_anon_kb`, `rss_file_kb`: of the largest single worker (with
        1 worker, the server process); `worker_hwm_kb`: each worker's VmHWM; `total_rss_kb`:
        the peak of the whole process tree's summed VmRSS, `total_hwm_kb`: the sum of its
        processes' VmHWM (supervisor and workers)."""
        cell["rss_kb"], cell["hwm_kb"] = server.max_rss_kb, server.hwm_kb
        cell["rss_anon_kb"], cell["rss_file_kb"] = server.max_anon_kb, server.max_file_kb
        cell["worker_hwm_kb"] = server.worker_hwm_kb
        cell["total_rss_kb"], cell["total_hwm_kb"] = server.total_rss_kb, server.total_hwm_kb

    def profile(self, server: Server, tier: Tier, scenario: str, connections: int,
                ids_file: Path | None) -> None:
        secs = self.args.profile_seconds
        kind = "wall" if self.args.profile_idle else "cpu"
        where = tier.name if self.block == "sqlite" else f"{self.block}-{tier.name}"
        raw = self.out / f"{self.stamp}-profile-{kind}-{where}-{scenario}.txt"
        # With several workers, the first one is sampled: each serves a share of the load.
        spy = profiling.record(server.worker_pids()[0], secs, raw, idle=self.args.profile_idle)
        time.sleep(0.5)
        loaded = self.measure(server, scenario, connections, secs + 1, ids_file)
        _, err = spy.communicate(timeout=secs + 30)
        drain(server, self.args.drain_limit)
        if not raw.exists():
            log(f"    py-spy failed: {err.decode(errors='replace')[-500:]}")
            return
        summary = profiling.summarise(raw)
        self.profiles.append({"backend": self.block, "tier": tier.name, "scenario": scenario,
                              "connections": connections, "workers": server.workers,
                              "raw": str(raw.relative_to(ROOT)) if raw.is_relative_to(ROOT) else str(raw),
                              "rps_while_sampled": loaded["rps"], "summary": summary})
        sampled = f", worker 1 of {server.workers}" if server.workers > 1 else ""
        log(f"    profile ({secs} s at c={connections}{sampled}, {loaded['rps']:,.0f} req/s while sampled): {raw}")
        log("      " + profiling.render(summary, top=12).replace("\n", "\n      "))

    def run(self) -> int:
        args = self.args
        if loadgen.wrk_path() is None:
            log(loadgen.INSTALL_HINT)
            return 2
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.out.mkdir(parents=True, exist_ok=True)
        lock = open(self.workdir / ".lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"another benchmark is using {self.workdir}; wait for it or pass --workdir")
            return 3
        t_start = time.monotonic()
        self.git_at_start = _git_state()
        log(f"tender benchmark {self.stamp}: tiers {', '.join(args.tiers)}; connections "
            f"{args.connections}; {args.runs} x {args.duration:g} s per cell after {args.warmup:g} s warm-up;"
            f" {_workers(args.workers)} per server")
        log("capturing real documents from a scratch tender ...")
        templates = probe.capture(self.workdir, SECRET_KEY, PUBLISHABLE_KEY)
        self.body_path.write_bytes(templates["intent_body"])
        log(f"  ceiling body: a real PaymentIntent, {len(templates['intent_body'])} bytes")
        for name in args.backends:
            backend = BACKENDS[name]
            reason = backend.unavailable()
            if reason:
                log(f"[{name}] skipped: {reason}")
                self.skipped.append({"backend": name, "reason": reason})
                continue
            try:
                self.run_backend(backend, templates)
            finally:
                self.db_cpu = None
                if hasattr(backend, "close"):
                    backend.close()
        elapsed = time.monotonic() - t_start
        if args.seed_only:
            log(f"seeded in {elapsed:.0f} s")
            return 0
        report = self.report(elapsed)
        path = self.out / f"{self.stamp}.json"
        path.write_text(json.dumps(report, indent=2, default=str))
        log("")
        log(render_table(report))
        log("")
        log(render_targets(report["targets"]))
        if report["tender"] != report["tender_at_start"]:
            log("\nnote: src/ changed during this run (commit or working tree); cells may have measured"
                " different code")
        log(f"\nwrote {path}  ({elapsed / 60:.1f} min)")
        return 0

    def run_backend(self, backend: Backend, templates: dict[str, Any]) -> None:
        args, name = self.args, backend.name
        self.block = name
        baseline_scenarios = [s for s in getattr(backend, "baseline_scenarios", ()) if s in args.scenarios]
        if baseline_scenarios and not args.seed_only:
            self.baselines[name] = backend.prepare_baseline(self.workdir, log)  # type: ignore[attr-defined]
        for tier_name in args.tiers:
            tier = Tier(tier_name, TIERS[tier_name])
            log(f"[{name}] tier {tier.name}: {tier.intents:,} stored PaymentIntents")
            prepared = backend.prepare(tier, templates, self.workdir, args.reseed, log)
            self.db_cpu = getattr(backend, "db_cpu", None)
            self.tiers.append({"backend": name, "tier": tier.name, "intents": tier.intents,
                               "facts": prepared.facts})
            if args.seed_only:
                continue
            for scenario in args.scenarios:
                if scenario == "ceiling":
                    self.run_scenario(None, None, tier, scenario)
                    continue
                if scenario in baseline_scenarios:
                    self.run_pair(backend, prepared, tier, scenario)
                else:
                    self.run_scenario(backend, prepared, tier, scenario)

    def report(self, elapsed: float) -> dict[str, Any]:
        add_ratios(self.cells)
        return {
            "timestamp": self.stamp,
            "command": " ".join([Path(sys.executable).name, "-m", "bench.run", *sys.argv[1:]]),
            "machine": {
                "cpus": os.cpu_count(), "platform": platform.platform(),
                "python": platform.python_version(), "wrk": loadgen.wrk_version(),
                "load_average_at_end": os.getloadavg(),
            },
            # Servers run the working tree as it is when each starts: if these differ,
            # src/ changed during the run and cells may have measured different code.
            "tender": _git_state(),
            "tender_at_start": self.git_at_start,
            # uvicorn workers of every server: tender (TENDER_WORKERS), the ceiling and the
            # baselines; each cell records it too.
            "workers": self.args.workers,
            "settings": {
                "durability": "sqlite: full (synchronous=FULL, tender's default); postgresql: the server's"
                              " defaults (fsync=on, synchronous_commit=on)",
                "connections": self.args.connections, "runs": self.args.runs,
                "duration_s": self.args.duration, "warmup_s": self.args.warmup,
                "server_per_cell": self.args.server_per_cell, "wrk_threads": 1,
            },
            "elapsed_s": round(elapsed, 1),
            "tiers": self.tiers,
            "skipped": self.skipped,
            "baselines": self.baselines,
            "cells": self.cells,
            "profiles": self.profiles,
            "targets": targets(self.cells),
        }


def add_ratios(cells: list[dict[str, Any]]) -> None:
    """`ratio_to_ceiling`: req/s over the ceiling's at the same tier and connections,
    measured in the same backend's block of the run (any block's when that one has none).
    `ratio_to_alone` (tender): req/s over its baseline's (asyncpg or sqlite3 alone) for the same
    scenario, tier and connections; `run_pair` has set it already (the median of the
    ratios of runs taken in turns) unless the two were measured apart."""
    ceilings: dict[tuple[Any, ...], float] = {}
    baselines: dict[tuple[Any, ...], float] = {}
    for c in cells:
        if not c.get("median"):
            continue
        if c["scenario"] == "ceiling":
            ceilings[(c.get("block"), c["tier"], c["connections"])] = c["median"]["rps"]
            ceilings.setdefault((None, c["tier"], c["connections"]), c["median"]["rps"])
        elif c.get("server", "tender") != "tender":
            baselines[(c["backend"], c["tier"], c["scenario"], c["connections"])] = c["median"]["rps"]
    for cell in cells:
        m = cell.get("median")
        ceiling = (ceilings.get((cell.get("block"), cell["tier"], cell["connections"]))
                   or ceilings.get((None, cell["tier"], cell["connections"])))
        cell["ratio_to_ceiling"] = (m["rps"] / ceiling) if (m and ceiling) else None
        if cell.get("server", "tender") == "tender" and "ratio_to_alone" not in cell:
            base = baselines.get((cell["backend"], cell["tier"], cell["scenario"], cell["connections"]))
            if base:
                cell["ratio_to_alone"] = (m["rps"] / base) if m else None


def _git_state() -> dict[str, Any]:
    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip()

    dirty = git("status", "--porcelain", "--", "src")
    return {"commit": git("rev-parse", "HEAD"), "src_dirty": bool(dirty),
            "src_changes": dirty.splitlines()[:40]}


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:  # a worker gone meanwhile: its file is reported missing
            pass


# -- reporting ----------------------------------------------------------------------------


def _workers(n: int) -> str:
    return "1 worker (one process)" if n == 1 else f"{n} workers (uvicorn: a supervisor + {n} worker processes)"


def _rss(cell: dict[str, Any]) -> str:
    """Peak memory of a cell's server: with several workers, the largest worker's and the
    whole tree's."""
    text = f"rss {cell['rss_kb'] / 1024:.0f} MB (anon {cell['rss_anon_kb'] / 1024:.0f})"
    if cell.get("workers", 1) > 1:
        text += (f" per worker [hwm {', '.join(f'{kb / 1024:.0f}' for kb in cell['worker_hwm_kb'])}],"
                 f" {cell['total_rss_kb'] / 1024:.0f} MB in all")
    return text


def _ms(value: float | None) -> str:
    if value is None:
        return "    -   "
    return f"{value:7.2f}ms" if value < 1000 else f"{value / 1000:6.2f} s "


TURN_LABELS = {"flock_wait_ms": "flock wait", "begin_ms": "BEGIN", "to_first_unit_ms": "to 1st unit",
               "units_ms": "units", "to_commit_ms": "to COMMIT", "commit_ms": "COMMIT", "held_ms": "held"}


def _turn_lines(label: str, t: dict[str, Any]) -> list[str]:
    """One turn_stats summary (a worker's, with percentiles, or merged, without)."""
    units, rehearsals, replays = t["units"], t["rehearsals"], t["replays"]
    share = f"{100 * t['held_share']:.0f}%" if t.get("held_share") is not None else "-"
    head = (f"{label}: {t['batches']:,} batches ({t['contended_batches']:,} waited for another process),"
            f" {units['mean']:.1f} units/batch (max {units['max']:g}); turn held {share} of"
            f" {t['wall_s']:.1f} s; rehearsals {rehearsals['made']:,} + {rehearsals['impossible']:,} impossible,"
            f" replays {replays['ok']:,} ok / {replays['failed']:,} failed")
    keys = ("mean", "p50", "p99") if "p50" in t["held_ms"] else ("mean", "max")
    phases = ", ".join(f"{text} " + "/".join(f"{t[name][k]:.2f}" for k in keys)
                       for name, text in TURN_LABELS.items())
    return [head, f"  ms per batch ({'/'.join(keys)}): {phases}"]


def _gc_line(label: str, g: dict[str, Any]) -> str:
    stalls = g["loop_stalls_over_20ms"]
    return (f"{label}: " + ", ".join(f"gen{n} {v['count']}x max {v['max_ms']} ms" for n, v in g["gc"].items())
            + f"; loop stalls > 20 ms: {stalls['count']} (max {stalls['max_ms']} ms)")


def render_tweak_stats(collected: dict[str, Any]) -> list[str]:
    """The printed lines of --tweak turn_stats / gc_stats for one cell: each worker's, then,
    with several, all of them merged."""
    lines: list[str] = []
    for name, render in (("turn_stats", _turn_lines), ("gc_stats", lambda label, g: [_gc_line(label, g)])):
        stats = collected.get(name)
        if not stats:
            continue
        short = name.removesuffix("_stats")
        workers = stats["workers"]
        for w in workers:
            lines += render(f"{short} (pid {w['pid']})" if len(workers) > 1 else short, w)
        if len(workers) > 1:
            lines += render(f"{short} ({len(workers)} workers merged)", stats["merged"])
        if stats.get("missing"):
            lines.append(f"{short}: no summary from pid {', '.join(map(str, stats['missing']))}")
    return lines


def render_table(report: dict[str, Any]) -> str:
    head = (f"{'backend':<10} {'tier':<5} {'scenario':<20} {'conns':>5} {'req/s':>9} {'p50':>9} "
            f"{'p99':>9} {'x ceiling':>9} {'x alone':>9} {'errors':>6} {'wrk cpu':>7} {'srv cpu':>7}"
            f" {'us/req':>6} {'db cpu':>6} {'db us':>6} {'other':>6} {'runs':>5}")
    lines = [f"medians of {report['settings']['runs']} runs x {report['settings']['duration_s']:g} s; "
             "x ceiling = req/s / the bare ASGI endpoint's req/s at the same connections and tier; "
             "x alone = tender's req/s / its database driver's alone (asyncpg on PostgreSQL, sqlite3 on SQLite) "
             "running the same transactions on the same stack; "
             "cpu = % of one core; us/req = server CPU per request; db cpu, db us = the same for "
             "PostgreSQL's processes; other = CPU used by the rest "
             "of the machine meanwhile (noise); runs = undisturbed/all runs (medians use the "
             "undisturbed ones when most are)",
             f"servers: {_workers(report.get('workers', 1))} each; srv cpu and us/req cover the whole "
             "process tree",
             head, "-" * len(head)]
    last = None
    for cell in report["cells"]:
        key = (cell.get("block", cell["backend"]), cell["tier"])
        if last is not None and key != last:
            lines.append("")
        last = key
        server = cell.get("server", "tender")
        backend = "-" if cell["scenario"] == "ceiling" else (cell["backend"] if server == "tender" else server)
        prefix = f"{backend:<10} {cell['tier']:<5} {LABELS[cell['scenario']]:<20} {cell['connections']:>5}"
        m = cell.get("median")
        if not m:
            lines.append(f"{prefix}  skipped: {cell.get('skipped', '')}")
            continue
        ratio = cell.get("ratio_to_ceiling")
        vs_pg = cell.get("ratio_to_alone")
        if cell.get("note"):
            lines.append(f"{prefix} {m['rps']:>9,.2f} {_ms(m['p50_ms']):>9} {_ms(m['p99_ms']):>9} "
                         f"{(f'{ratio:.4f}' if ratio is not None else '-'):>9}  {cell['note']}")
            continue
        db_pct = f"{m['db_cpu_pct']:>5.0f}%" if m.get("db_cpu_pct") is not None else f"{'-':>6}"
        db_us = f"{m['db_us_per_req']:>6.0f}" if m.get("db_us_per_req") is not None else f"{'-':>6}"
        lines.append(
            f"{prefix} {m['rps']:>9,.0f} {_ms(m['p50_ms']):>9} {_ms(m['p99_ms']):>9} "
            f"{(f'{ratio:.2f}' if ratio is not None else '-'):>9} "
            f"{(f'{vs_pg:.2f}' if vs_pg is not None else '-'):>9} {m['errors']:>6} "
            f"{m['wrk_cpu_pct']:>6.0f}% {m['server_cpu_pct']:>6.0f}% {m['cpu_us_per_req'] or 0:>6.0f}"
            f" {db_pct} {db_us} {m['other_cpu_pct']:>5.0f}% {m.get('clean_runs', 0)}/{m.get('all_runs', 0):<3}")
    for s in report["skipped"]:
        lines.append(f"\n{s['backend']}: skipped — {s['reason']}")
    return "\n".join(lines)


def targets(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets (2 cores, SQLite synchronous=FULL, 64 connections), pass/fail:
    the absolute figures and p99 on SQLite; on PostgreSQL tender against asyncpg alone
    (`ratio_to_alone`, see add_ratios); on both, 1M against 10k and the workers' RSS."""
    out: list[dict[str, Any]] = []
    ceilings = {(c.get("block"), c["tier"], c["connections"]): c for c in cells if c["scenario"] == "ceiling"}
    any_ceiling = {(c["tier"], c["connections"]): c for c in cells if c["scenario"] == "ceiling"}
    cells = [c for c in cells if c["scenario"] != "ceiling" and c.get("server", "tender") == "tender"]
    by = {(c["backend"], c["tier"], c["scenario"], c["connections"]): c for c in cells}
    n = TARGET_CONNECTIONS
    backends = sorted({c["backend"] for c in cells})
    tier_names = list(dict.fromkeys(c["tier"] for c in cells))

    def get(backend: str, tier: str, scenario: str, key: str = "rps") -> float | None:
        if scenario == "ceiling":
            cell = ceilings.get((backend, tier, n)) or any_ceiling.get((tier, n))
        else:
            cell = by.get((backend, tier, scenario, n))
        m = cell.get("median") if cell else None
        return m[key] if m else None

    def add(name: str, ok: bool | None, detail: str) -> None:
        out.append({"target": name, "pass": ok, "detail": detail})

    for b in backends:
        for t in tier_names:
            ceiling, create = get(b, t, "ceiling"), get(b, t, "create")
            retrieve, confirm = get(b, t, "retrieve"), get(b, t, "confirm")
            tag = f"[{b} {t}]"
            # The absolute figures and its p99 are set for SQLite (synchronous=FULL);
            # PostgreSQL is judged against asyncpg alone running the same transactions.
            absolute = b == "sqlite"
            if absolute and create is not None and ceiling:
                add(f"{tag} create >= 25% of ceiling at {n}", create / ceiling >= 0.25,
                    f"{create:,.0f} / {ceiling:,.0f} = {100 * create / ceiling:.0f}%")
            if absolute and create is not None:
                add(f"{tag} create >= 3,000 req/s at {n}", create >= 3000, f"{create:,.0f} req/s")
            if absolute and retrieve is not None and ceiling:
                add(f"{tag} retrieve >= 50% of ceiling at {n}", retrieve / ceiling >= 0.5,
                    f"{retrieve:,.0f} / {ceiling:,.0f} = {100 * retrieve / ceiling:.0f}%")
            if absolute and confirm is not None:
                add(f"{tag} create+confirm >= 1,500 req/s at {n}", confirm >= 1500, f"{confirm:,.0f} req/s")
            for scenario in ("create", "confirm", "retrieve"):
                cell = by.get((b, t, scenario, n))
                if absolute or cell is None or "ratio_to_alone" not in cell:
                    continue
                ratio = cell["ratio_to_alone"]
                add(f"{tag} {LABELS[scenario]} >= 70% of asyncpg alone at {n}",
                    ratio is not None and ratio >= 0.7,
                    f"{100 * ratio:.0f}%" if ratio is not None else "no figure")
            p99s = {c["scenario"]: (c["median"]["p99_ms"] if c.get("median") else None)
                    for c in cells if c["backend"] == b and c["tier"] == t and c["connections"] == n}
            if absolute and p99s:
                bad = {s: v for s, v in p99s.items() if v is None or v >= 50}
                add(f"{tag} p99 < 50 ms at {n} (every scenario)", not bad,
                    ", ".join(f"{LABELS[s]} {_ms(v).strip()}" for s, v in p99s.items()))
        if "10k" in tier_names and "1m" in tier_names:
            worse = []
            compared = 0
            for c in cells:
                if c["backend"] != b or c["tier"] != "1m" or not c.get("median"):
                    continue
                base = by.get((b, "10k", c["scenario"], c["connections"]))
                if not base or not base.get("median"):
                    continue
                compared += 1
                ratio = c["median"]["rps"] / base["median"]["rps"]
                if ratio < 0.9:
                    worse.append(f"{LABELS[c['scenario']]}@{c['connections']} {100 * ratio:.0f}%")
            skipped_1m = [f"{LABELS[c['scenario']]}@{c['connections']}" for c in cells
                          if c["backend"] == b and c["tier"] == "1m" and not c.get("median")]
            detail = ("1m req/s below 90% of 10k: " + ", ".join(worse)) if worse else f"{compared} cells within 10%"
            if skipped_1m:
                detail += "; no 1m figure (saturated): " + ", ".join(skipped_1m)
            add(f"[{b}] 1m figures within 10% of 10k (req/s)", not worse and not skipped_1m, detail)
        mine = [c for c in cells if c["backend"] == b and c.get("hwm_kb")]
        if mine:
            # hwm_kb is the largest single worker's: the target is per worker.
            worst = max(mine, key=lambda c: c["hwm_kb"])
            peak = worst["hwm_kb"] / 1024
            anon = max(c.get("rss_anon_kb", 0) for c in mine) / 1024
            workers = worst.get("workers", 1)
            detail = (f"peak {peak:.0f} MB in {LABELS[worst['scenario']]}@{worst['connections']} {worst['tier']}"
                      f" (largest anonymous part {anon:.0f} MB)")
            if workers > 1:
                detail += (f"; per worker of {workers}, that server {worst['total_hwm_kb'] / 1024:.0f} MB in all"
                           " (sum of VmHWM)")
            add(f"[{b}] tender RSS < 150 MB (VmHWM{' per worker' if workers > 1 else ''}, every server)",
                peak < 150, detail)
    return out


def render_targets(items: list[dict[str, Any]]) -> str:
    lines = ["targets (issue #7):"]
    for t in items:
        mark = "PASS" if t["pass"] else ("n/a " if t["pass"] is None else "FAIL")
        lines.append(f"  {mark}  {t['target']}: {t['detail']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    atexit.register(stop_all)

    def on_signal(signum: int, _frame: Any) -> None:
        stop_all()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return Bench(args).run()
    finally:
        stop_all()
        if args.temporary_workdir:
            shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
