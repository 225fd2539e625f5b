"""The remote simulator (`python -m tender.processor.remote_sim`) in a subprocess, with
its journal of authorisations readable by tests."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import free_port


class RemoteSim:
    def __init__(self, journal: str | None = None, delay_before: float = 0.0, delay_after: float = 0.0) -> None:
        """`journal` reopens another simulator's journal; `delay_before`/`delay_after` hold
        each authorisation request open before / after it is journalled."""
        self.dir = tempfile.mkdtemp(prefix="tender-remote-sim-")
        self.journal = journal or os.path.join(self.dir, "journal.db")
        self.delays = ("--delay-before", str(delay_before), "--delay-after", str(delay_after))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(self.dir) / "sim.log"

    def start(self) -> RemoteSim:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tender.processor.remote_sim", "--port", str(self.port),
             "--journal", self.journal, *self.delays],
            stdout=log, stderr=log, start_new_session=True,
        )
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"remote_sim exited: {self.log_path.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"remote_sim did not start: {self.log_path.read_text()}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def rows(self) -> list[dict[str, Any]]:
        """Every journal row: authorisations, and ids closed by a lookup (request None)."""
        with sqlite3.connect(self.journal) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute("SELECT * FROM authorizations ORDER BY created")]

    def authorizations(self) -> list[dict[str, Any]]:
        return [row for row in self.rows() if row["request"] is not None]
