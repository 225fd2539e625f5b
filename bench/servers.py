"""Server processes for the benchmark: started fresh, watched, always stopped.

Every process started here is recorded in `_LIVE` and stopped by `stop_all()`, which the
harness runs on exit and on SIGINT/SIGTERM, so a run never leaves a server behind.
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
    """One server process on loopback; `wait_ready` polls `ready_path` until it answers 200."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log_path: Path,
                 ready_path: str = "/healthz") -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.log_path = log_path
        self.ready_path = ready_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.max_rss_kb = 0
        self.hwm_kb = 0
        self.max_anon_kb = 0
        self.max_file_kb = 0
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
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop_sampling.wait(0.25):
            self.record_memory()

    def record_memory(self) -> None:
        if self.proc is None:
            return
        status = proc_status(self.proc.pid)
        self.max_rss_kb = max(self.max_rss_kb, status.get("VmRSS", 0))
        self.hwm_kb = max(self.hwm_kb, status.get("VmHWM", 0))
        self.max_anon_kb = max(self.max_anon_kb, status.get("RssAnon", 0))
        self.max_file_kb = max(self.max_file_kb, status.get("RssFile", 0) + status.get("RssShmem", 0))

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def loop_cpu(self) -> float:
        return main_thread_cpu_seconds(self.pid)

    def stop(self) -> None:
        self._stop_sampling.set()
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.record_memory()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self in _LIVE:
            _LIVE.remove(self)


def stop_all() -> None:
    for server in list(_LIVE):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def tender_server(db_url: str, secret_key: str, publishable_key: str, log_path: Path,
                  tweaks: str = "") -> Server:
    """`tender serve` as a user runs it; with `tweaks`, through bench.tweaks (diagnostics)."""
    port = free_port()
    env = {
        **os.environ,
        "TENDER_DB": db_url,
        "TENDER_HOST": "127.0.0.1",
        "TENDER_PORT": str(port),
        "TENDER_SECRET_KEY": secret_key,
        "TENDER_PUBLISHABLE_KEY": publishable_key,
    }
    module = "tender.cli"
    if tweaks:
        env["TENDER_BENCH_TWEAKS"] = tweaks
        module = "bench.tweaks"
    return Server("tender", [sys.executable, "-m", module, "serve"], env, port, log_path)


def ceiling_server(body_path: Path, log_path: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--body", str(body_path)]
    return Server("ceiling", argv, dict(os.environ), port, log_path, ready_path="/")
