"""Server processes for the benchmark: started fresh, watched, always stopped.

Every process started here is recorded in `_LIVE` and stopped by `stop_all()`, which the
harness runs on exit and on SIGINT/SIGTERM, so a run never leaves a server behind.

A server may run several uvicorn workers: the process started here is then a supervisor
and the workers are its children.  CPU and memory are measured over the whole process
tree (the supervisor and every live descendant, found through
/proc/<pid>/task/<tid>/children), the event loops per worker.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_LIVE: list[Server] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS) and the RSS split — RssAnon (heap: Python objects, SQLite's
    page cache), RssFile (mapped files), RssShmem — in kB from /proc/<pid>/status; empty
    when the process is gone."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:", "RssShmem:")):
                    name, value = line.split(":", 1)
                    out[name] = int(value.split()[0])
    except OSError:
        pass
    return out


def cpu_seconds(pid: int, children: bool = False) -> float:
    """user+system CPU seconds of a live process (all its threads); with `children`, plus
    those of its children that have exited and been waited for."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        if children:
            ticks += int(fields[13]) + int(fields[14])
        return ticks / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def children(pid: int) -> list[int]:
    """The live children of a process.  Linux lists a child under the thread that started
    it, so every thread's list is read."""
    kids: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(k) for k in f.read().split())
        except OSError:
            continue
    return kids


def process_tree(pid: int) -> list[int]:
    """A process and all its live descendants, parents before their children."""
    tree = [pid]
    i = 0
    while i < len(tree):
        tree.extend(children(tree[i]))
        i += 1
    return tree


def _is_spawned_worker(pid: int) -> bool:
    """A process multiprocessing started to run a uvicorn worker (`spawn_main(...)
    --multiprocessing-fork` on its command line)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"--multiprocessing-fork" in f.read().split(b"\0")
    except OSError:
        return False


def main_thread_cpu_seconds(pid: int) -> float:
    """user+system CPU seconds of a process's main thread alone (tender's event loop; the
    rest of `cpu_seconds` is its other threads: SQLite's writer, PostgreSQL's pool)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def system_busy_seconds() -> float:
    """CPU seconds all processes on the machine have spent busy (every core), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Server:
    """One server on loopback; `start` polls `ready_path` until it answers 200.

    With `workers` > 1 the process started is uvicorn's supervisor and the workers, which
    serve the requests, are its children; with 1 the process started serves them itself.

    Memory, sampled over every process of the tree: `max_rss_kb`, `hwm_kb` (VmHWM),
    `max_anon_kb` and `max_file_kb` are the peaks of the largest single worker (with 1
    worker, of the server process: what they always were); `total_rss_kb` is the peak of
    the tree's summed VmRSS in one sample (shared file pages count once per process),
    `total_hwm_kb` the sum of each process's VmHWM, and `worker_hwm_kb` each worker's
    VmHWM."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log_path: Path,
                 ready_path: str = "/healthz", workers: int = 1) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.log_path = log_path
        self.ready_path = ready_path
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.max_rss_kb = 0
        self.hwm_kb = 0
        self.max_anon_kb = 0
        self.max_file_kb = 0
        self.total_rss_kb = 0
        self.total_hwm_kb = 0
        self.worker_hwm_kb: list[int] = []
        # Per process seen in the tree: its peaks so far (VmRSS, VmHWM, RssAnon, RssFile +
        # RssShmem); and the processes seen as workers.
        self._peaks: dict[int, dict[str, int]] = {}
        self._worker_pids: set[int] = set()
        self._memory_lock = threading.Lock()  # the sampler thread and the harness both record
        self._sampler: threading.Thread | None = None
        self._stop_sampling = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 60.0) -> Server:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, cwd=ROOT)
        log.close()
        _LIVE.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; log:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError(f"{self.name} did not answer within {timeout}s; log: {self.log_path}")
        if self.workers > 1:
            self._wait_for_workers(deadline)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _wait_for_workers(self, deadline: float) -> None:
        """The first answer comes from whichever worker started first.  Wait until all the
        workers exist and have gone idle (imports and start-up done: none used more than
        10% of a core over 0.2 s), so that no measurement finds one of them still starting."""
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) < self.workers:
                time.sleep(0.05)
                continue
            before = [cpu_seconds(p) for p in pids]
            time.sleep(0.2)
            if all(cpu_seconds(p) - b <= 0.02 for p, b in zip(pids, before, strict=True)):
                return
        self.stop()
        raise RuntimeError(f"{self.name}: {self.workers} workers did not all start; log: {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the server process itself with 1 worker; with
        more, the supervisor's children that multiprocessing spawned as workers (not its
        resource tracker, another child)."""
        if self.workers == 1:
            return [self.pid]
        return [pid for pid in children(self.pid) if _is_spawned_worker(pid)]

    def _sample(self) -> None:
        while not self._stop_sampling.wait(0.25):
            self.record_memory()

    def record_memory(self) -> None:
        if self.proc is None:
            return
        tree = process_tree(self.proc.pid)
        statuses = {pid: proc_status(pid) for pid in tree}
        with self._memory_lock:
            self._worker_pids.update(self.worker_pids())
            for pid, status in statuses.items():
                if not status:  # gone meanwhile
                    continue
                peaks = self._peaks.setdefault(pid, {"rss": 0, "hwm": 0, "anon": 0, "file": 0})
                peaks["rss"] = max(peaks["rss"], status.get("VmRSS", 0))
                peaks["hwm"] = max(peaks["hwm"], status.get("VmHWM", 0))
                peaks["anon"] = max(peaks["anon"], status.get("RssAnon", 0))
                peaks["file"] = max(peaks["file"], status.get("RssFile", 0) + status.get("RssShmem", 0))
            workers = [peaks for pid, peaks in self._peaks.items() if pid in self._worker_pids]
            if workers:
                self.max_rss_kb = max(p["rss"] for p in workers)
                self.hwm_kb = max(p["hwm"] for p in workers)
                self.max_anon_kb = max(p["anon"] for p in workers)
                self.max_file_kb = max(p["file"] for p in workers)
                self.worker_hwm_kb = [p["hwm"] for p in workers]
            rss_now = sum(status.get("VmRSS", 0) for status in statuses.values())
            self.total_rss_kb = max(self.total_rss_kb, rss_now)
            self.total_hwm_kb = sum(p["hwm"] for p in self._peaks.values())

    def cpu(self) -> float:
        """CPU seconds of the whole tree: every live process (all its threads) plus the
        children each has reaped, so a worker that exits keeps counting."""
        return sum(cpu_seconds(pid, children=True) for pid in process_tree(self.pid))

    def loop_cpu(self) -> float:
        """CPU seconds of the workers' main threads (their event loops), summed."""
        return sum(main_thread_cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        self._stop_sampling.set()
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.record_memory()
            tree = process_tree(self.proc.pid)
            self.proc.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for pid in tree[1:]:  # workers left running by a supervisor killed at the timeout
                if Path(f"/proc/{pid}").exists():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
        if self in _LIVE:
            _LIVE.remove(self)


def stop_all() -> None:
    for server in list(_LIVE):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def tender_server(db_url: str, secret_key: str, publishable_key: str, log_path: Path,
                  tweaks: str = "", workers: int = 1) -> Server:
    """`tender serve` as a user runs it, with `workers` uvicorn workers (TENDER_WORKERS);
    with `tweaks`, through bench.tweaks (diagnostics and candidate changes), which patches
    the processes that serve: the one started with 1 worker, else each worker."""
    port = free_port()
    env = {
        **os.environ,
        "TENDER_DB": db_url,
        "TENDER_HOST": "127.0.0.1",
        "TENDER_PORT": str(port),
        "TENDER_SECRET_KEY": secret_key,
        "TENDER_PUBLISHABLE_KEY": publishable_key,
        "TENDER_WORKERS": str(workers),
    }
    module = "tender.cli"
    if tweaks:
        env["TENDER_BENCH_TWEAKS"] = tweaks
        module = "bench.tweaks"
    return Server("tender", [sys.executable, "-m", module, "serve"], env, port, log_path, workers=workers)


def ceiling_server(body_path: Path, log_path: Path, workers: int = 1) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--body", str(body_path),
            "--workers", str(workers)]
    return Server("ceiling", argv, dict(os.environ), port, log_path, ready_path="/", workers=workers)
