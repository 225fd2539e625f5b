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
