"""The events a live tender recorded about one object, read from its database.

Until `GET /v1/events` is served (issue #4) this is how API tests see which events a
request caused: tender writes them in the same transaction as the change, so once a
response has arrived its events are committed.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from tests.support.server import TenderServer


def events_about(server: TenderServer, object_id: str) -> list[dict[str, Any]]:
    """Every event whose `data.object` is `object_id`, oldest first."""
    query = "SELECT doc FROM events ORDER BY created, id"
    if server.db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(server.db) as pg:
            rows = pg.execute(query).fetchall()
    else:
        conn = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)
        try:
            rows = conn.execute(query).fetchall()
        finally:
            conn.close()
    found = [orjson.loads(doc) for (doc,) in rows]
    return [e for e in found if e["data"]["object"].get("id") == object_id]


def types_about(server: TenderServer, object_id: str) -> list[str]:
    return [e["type"] for e in events_about(server, object_id)]
