"""Migration discovery: numbered SQL files, one directory per dialect, same versions."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Migration:
    version: str  # "0001"
    name: str  # "0001_initial.sql"
    statements: list[str]


def migrations(dialect: str) -> list[Migration]:
    """`sqlite` reads `tender/store/migrations/*.sql`, `postgres` its `postgres/` directory."""
    folder = resources.files("tender.store.migrations")
    if dialect != "sqlite":
        folder = folder / dialect
    found = []
    for file in sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name):
        statements = [s for s in file.read_text().split(";") if s.strip()]
        found.append(Migration(file.name.split("_", 1)[0], file.name, statements))
    return found
