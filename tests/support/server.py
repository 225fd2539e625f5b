"""A real tender server in a subprocess, on a free port, with its own database.

The database is SQLite (a file in the server's temporary directory) or, with
`pytest --backend postgres`, a database of its own on one private PostgreSQL per test
session (`tests/support/postgres.py`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

SECRET_KEY = "sk_test_tender_suite_0123456789abcdefghijklmnopqrstuvwxyz"
PUBLISHABLE_KEY = "pk_test_tender_suite_0123456789abcdefghijklmnopqrstuvwxyz"

BACKEND = "sqlite"  # set by `--backend` (tests/conftest.py)
# set by `--processor` (tests/conftest.py): "remote" gives each server its own remote_sim
PROCESSOR = "simulator"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TenderServer:
    def __init__(
        self, db_path: str | None = None, extra_env: dict[str, str] | None = None, db: str | None = None
    ) -> None:
        """`db` (a URL) or `db_path` (a SQLite file) reopen another server's database;
        by default the server gets a new, empty one on the session's backend."""
        self.dir = tempfile.mkdtemp(prefix="tender-test-")
        self.db_path = db_path or os.path.join(self.dir, "tender.db")
        if db is None:
            if BACKEND == "postgres" and db_path is None:
                from tests.support import postgres

                db = postgres.new_database()
            else:
                db = f"sqlite:///{self.db_path}"
        self.db = db
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(self.dir) / "server.log"
        self.remote_sim: Any = None  # started for `--processor remote`

    def start(self, *serve_args: str) -> TenderServer:
        if PROCESSOR == "remote" and "TENDER_PROCESSOR" not in self.extra_env:
            from tests.support.processor import RemoteSim

            self.remote_sim = RemoteSim().start()
            self.extra_env["TENDER_PROCESSOR"] = self.remote_sim.url
        env = {
            **os.environ,
            "TENDER_DB": self.db,
            "TENDER_PORT": str(self.port),
            "TENDER_SECRET_KEY": SECRET_KEY,
            "TENDER_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            **self.extra_env,
        }
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tender.cli", "serve", *serve_args], env=env, stdout=log, stderr=log,
            start_new_session=True,  # `--workers`: a kill reaches the whole group
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tender exited: {self.log_path.read_text()}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"tender did not start: {self.log_path.read_text()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush beyond what was committed."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.remote_sim is not None:
            self.remote_sim.kill()


def on_one_database(count: int, extra_env: dict[str, str] | None = None) -> list[TenderServer]:
    """`count` started servers sharing one new database (several processes)."""
    first = TenderServer(extra_env=extra_env).start()
    return [first] + [TenderServer(db=first.db, extra_env=extra_env).start() for _ in range(count - 1)]


def servers_fixture(count: int, extra_env: dict[str, str] | None = None) -> Any:
    """A module-scoped fixture: `on_one_database(count, extra_env)`, stopped afterwards."""

    @pytest.fixture(scope="module")
    def servers() -> Iterator[list[TenderServer]]:
        started = on_one_database(count, extra_env)
        yield started
        for srv in started:
            srv.stop()

    return servers
