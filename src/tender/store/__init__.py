"""Storage: the `Store` protocol (`base`), SQLite and PostgreSQL implementations."""

from __future__ import annotations

from typing import Any

from tender.config import Settings


def open_store(settings: Settings) -> Any:
    """The store `settings.db` names, migrated: `sqlite:///PATH` or `postgresql://…`."""
    if settings.is_postgres:
        from tender.store.postgres import PostgresStore

        return PostgresStore(settings.db)
    from tender.store.sqlite import SQLiteStore

    if settings.rehearse not in ("contended", "always"):
        raise ValueError(f"TENDER_REHEARSE must be contended or always, not {settings.rehearse!r}")
    return SQLiteStore(
        settings.sqlite_path, durability=settings.durability, rehearse_always=settings.rehearse == "always"
    )
