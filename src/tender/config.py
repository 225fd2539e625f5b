"""Settings from flags and environment variables (TENDER_*), with defaults that make the
first run work: SQLite in ./tender.db, port 12111."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PORT = 12111
DEFAULT_DB = "sqlite:///tender.db"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@dataclass
class Settings:
    db: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    secret_key: str | None = None
    publishable_key: str | None = None
    durability: str = "full"
    dispatcher: bool = True  # deliver webhooks from this process
    # Empty: the in-process simulator.  http://HOST:PORT: a remote processor
    # (`python -m tender.processor.remote_sim`), called outside the unit of work.
    processor: str = ""
    # SQLite: when API writes run ahead of the writer's turn (docs/architecture.md,
    # rehearsed units): `contended` while another process competes for it; `always` also
    # in a process alone (slower there: for tests that every unit survives a replay).
    rehearse: str = "contended"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db=os.environ.get("TENDER_DB", DEFAULT_DB),
            host=os.environ.get("TENDER_HOST", "127.0.0.1"),
            port=int(os.environ.get("TENDER_PORT", DEFAULT_PORT)),
            secret_key=os.environ.get("TENDER_SECRET_KEY") or None,
            publishable_key=os.environ.get("TENDER_PUBLISHABLE_KEY") or None,
            durability=os.environ.get("TENDER_DURABILITY", "full"),
            dispatcher=os.environ.get("TENDER_NO_DISPATCHER", "").lower() in ("", "0", "false"),
            processor=os.environ.get("TENDER_PROCESSOR", ""),
            rehearse=os.environ.get("TENDER_REHEARSE", "contended"),
        )

    @property
    def is_postgres(self) -> bool:
        return self.db.startswith(POSTGRES_SCHEMES)

    @property
    def sqlite_path(self) -> str:
        """`sqlite:///tender.db` → `tender.db`; `sqlite:////tmp/x.db` → `/tmp/x.db`."""
        if not self.db.startswith("sqlite:///"):
            raise ValueError(
                f"unsupported database URL: {self.db} (use sqlite:///PATH or postgresql://…)"
            )
        return self.db[len("sqlite:///"):]
