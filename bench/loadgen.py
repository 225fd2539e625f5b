"""wrk, driven with bench/lua/tender.lua; one call = one measurement."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "lua" / "tender.lua"
INSTALL_HINT = "wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), or build it from https://github.com/wg/wrk"


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str:
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (out.stdout + out.stderr).splitlines()[0].strip() if (out.stdout + out.stderr) else "?"


def run_wrk(url: str, scenario: str, connections: int, duration: float, key: str,
            ids_file: Path | None, seed: int, timeout: float = 30.0) -> dict[str, Any]:
    """One wrk run (1 thread: on 2 cores the other core is tender's).  Returns requests/s,
    latency percentiles (ms), error counts and wrk's own CPU use (% of one core)."""
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", f"--timeout={int(timeout)}s",
        "-s", str(SCRIPT), url, "--", scenario, key, str(ids_file) if ids_file else "-", str(seed),
    ]
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = duration + timeout + 15
        while True:  # wait4 gives wrk's own CPU time; bounded in case wrk hangs
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > deadline:
                proc.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out.seek(0)
        text = out.read().decode(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result (exit {proc.returncode}):\n{text[-2000:]}")
    raw = json.loads(line[len("BENCH_RESULT "):])
    seconds = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    errors = raw["errors"]
    done = raw["requests"]
    return {
        "requests": done,
        "rps": done / seconds if seconds else 0.0,
        "p50_ms": lat["p50"] / 1000 if done else None,
        "p90_ms": lat["p90"] / 1000 if done else None,
        "p99_ms": lat["p99"] / 1000 if done else None,
        "max_ms": lat["max"] / 1000 if done else None,
        "mean_ms": lat["mean"] / 1000 if done else None,
        "errors": sum(errors.values()),
        "error_detail": errors,
        "seconds": round(seconds, 3),
        "wrk_cpu_pct": round(100 * (usage.ru_utime + usage.ru_stime) / wall, 1),
    }
