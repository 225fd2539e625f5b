"""One private PostgreSQL per test session (per xdist worker), from the `pgserver` wheel:
no system install.  Every `TenderServer` gets a database of its own on it."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from typing import Any

_server: Any = None


def server() -> Any:
    global _server
    if _server is None:
        import pgserver

        folder = tempfile.mkdtemp(prefix="tender-pg-")
        _server = pgserver.get_server(folder, cleanup_mode="stop")
        atexit.register(_stop, folder)
    return _server


def new_database() -> str:
    """A fresh empty database; its URL."""
    import psycopg

    name = "tender_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server().get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return str(server().get_uri(name))


def _stop(folder: str) -> None:
    if _server is not None:
        _server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def private_server() -> tuple[Any, str]:
    """A PostgreSQL of its own (for a test that stops it), and its folder."""
    import pgserver

    folder = tempfile.mkdtemp(prefix="tender-pg-private-")
    return pgserver.get_server(folder, cleanup_mode="delete"), folder


def stop_abruptly(folder: str) -> None:
    """Fast shutdown of the postmaster (clients are disconnected), as an outage would."""
    import os
    import signal
    import time

    pid_file = os.path.join(folder, "postmaster.pid")
    with open(pid_file) as f:
        os.kill(int(f.readline()), signal.SIGINT)
    while os.path.exists(pid_file):
        time.sleep(0.05)


def restart(pg: Any, folder: str) -> None:
    """Start a stopped server again on the same socket (pgserver itself would not)."""
    from pgserver._commands import pg_ctl

    socket_dir = pg.get_uri().split("host=")[1]
    pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", folder + "/restart.log", "start"],
           pgdata=folder, user=pg.system_user, timeout=20)
