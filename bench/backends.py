"""Storage backends the benchmark runs tender on.  A backend is a parameter: it knows how
to build (and cache) a seeded database for a tier, how to put it back to its seeded state
between measurements, and how to point `tender serve` at it.

- SQLite: implemented (seeded through tender's own document builders and insert SQL).
- PostgreSQL: tender has no PostgreSQL store yet, so the run is skipped with a note.
  When `tender.store.postgres` exists, implement `PostgresBackend.prepare/reset/server`
  (seed with the same `bench.seed` documents through the PostgreSQL store's insert) and
  add the issue's second baseline: asyncpg alone running the same transactions.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench import seed as seeding
from bench.servers import ROOT, Server, tender_server

SECRET_KEY = "sk_test_tender_bench_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
PUBLISHABLE_KEY = "pk_test_tender_bench_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
MAX_RETRIEVE_IDS = 100_000  # ids handed to wrk for random retrieves (sampled uniformly)


@dataclass(frozen=True)
class Tier:
    name: str  # "10k", "1m", "tiny"
    intents: int


@dataclass
class Prepared:
    """A seeded database ready for servers: where it is, which ids it holds, its facts."""

    backend: str
    tier: Tier
    location: str  # a path or URL
    ids_file: Path
    facts: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    name: str

    def unavailable(self) -> str | None: ...

    def prepare(self, tier: Tier, templates: dict[str, Any], workdir: Path, reseed: bool,
                log: Any) -> Prepared: ...

    def reset(self, prepared: Prepared) -> None: ...

    def server(self, prepared: Prepared, log_path: Path, tweaks: str = "") -> Server: ...

    def stored_intents(self, prepared: Prepared) -> int: ...


def _fingerprint(templates: dict[str, Any]) -> str:
    """Changes when anything that shapes the seeded file changes: the schema, the intent
    builder, the seeder, the shape of the documents tender made for the templates."""
    import inspect

    from tender.core.payment_intents import new_payment_intent

    digest = hashlib.sha256()
    for part in sorted((ROOT / "src" / "tender" / "store" / "migrations").glob("*.sql")):
        digest.update(part.name.encode() + part.read_bytes())
    digest.update(inspect.getsource(new_payment_intent).encode())
    digest.update((ROOT / "bench" / "seed.py").read_bytes())
    shapes = {k: sorted(v) for k, v in templates["intents"].items()}
    shapes.update({f"charge:{k}": sorted(v[0]) for k, v in templates["charges"].items()})
    digest.update(json.dumps(shapes, sort_keys=True).encode())
    return digest.hexdigest()[:12]


class SQLiteBackend:
    name = "sqlite"

    def unavailable(self) -> str | None:
        return None

    def prepare(self, tier: Tier, templates: dict[str, Any], workdir: Path, reseed: bool,
                log: Any) -> Prepared:
        base = workdir / f"sqlite-{tier.name}-{tier.intents}-{_fingerprint(templates)}"
        db, meta_path, ids_file = Path(f"{base}.db"), Path(f"{base}.json"), Path(f"{base}.ids")
        facts = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        # Seeded holds expire 7 days after `created`; a day-old seed could see the sweeper
        # release some of them, so it is rebuilt.
        fresh = time.time() - facts.get("max_created", 0) < 86400
        if not reseed and fresh and db.exists() and ids_file.exists() and "seeded_rowids" in facts:
            log(f"  reusing seeded {db.name} ({facts['intents']:,} intents, seeded in {facts['seconds']} s)")
        else:
            for old in workdir.glob(f"sqlite-{tier.name}-*"):
                old.unlink()
            from tender.services import accounts
            from tender.store.sqlite import SQLiteStore

            store = SQLiteStore(str(db))
            keys = accounts.ensure_test_account(store, SECRET_KEY, PUBLISHABLE_KEY)
            store.close()

            def progress(done: int, total: int, seconds: float) -> None:
                log(f"  seeded {done:,}/{total:,} intents ({seconds:.0f} s)")

            log(f"  seeding {tier.intents:,} PaymentIntents into {db} ...")
            facts = seeding.seed(str(db), keys.account, tier.intents, templates, progress=progress)
            intent_ids = facts.pop("intent_ids")
            sample = intent_ids if len(intent_ids) <= MAX_RETRIEVE_IDS else random.Random(3).sample(
                intent_ids, MAX_RETRIEVE_IDS)
            ids_file.write_text("\n".join(sample) + "\n")
            conn = sqlite3.connect(db)
            facts["seeded_rowids"] = {t: conn.execute(f'SELECT coalesce(max(rowid), 0) FROM "{t}"').fetchone()[0]
                                      for t in _data_tables(conn)}
            conn.close()
            facts["account"] = keys.account
            facts["file_bytes"] = db.stat().st_size
            meta_path.write_text(json.dumps(facts, indent=2))
            log(f"  seeded {tier.intents:,} intents + {facts['charges']:,} charges in {facts['seconds']} s"
                f" ({facts['file_bytes'] / 1e6:,.0f} MB)")
        prepared = Prepared(self.name, tier, str(db), ids_file, facts)
        self.reset(prepared)
        return prepared

    def reset(self, prepared: Prepared) -> None:
        """Back to the seeded state: drop every row earlier measurements added (rows past
        each table's last seeded rowid: objects, events, idempotency records, deliveries,
        ...).  Seeded rows are never updated by the benchmark's requests, so this is exact.
        No server may be running."""
        conn = sqlite3.connect(prepared.location, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            seeded = prepared.facts["seeded_rowids"]
            conn.execute("BEGIN IMMEDIATE")
            for table in _data_tables(conn):
                conn.execute(f'DELETE FROM "{table}" WHERE rowid > ?', (seeded.get(table, 0),))
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def server(self, prepared: Prepared, log_path: Path, tweaks: str = "") -> Server:
        return tender_server(f"sqlite:///{prepared.location}", SECRET_KEY, PUBLISHABLE_KEY, log_path,
                             tweaks)

    def stored_intents(self, prepared: Prepared) -> int:
        conn = sqlite3.connect(prepared.location)
        try:
            row = conn.execute(
                "SELECT count(*) FROM objects WHERE type = 'payment_intent'").fetchone()
            return int(row[0])
        finally:
            conn.close()


# Tables the benchmark never writes to; every other table is reset to its seeded rows.
_KEEP = ("accounts", "api_keys", "schema_migrations")


def _data_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                        " AND name NOT LIKE 'sqlite_%'").fetchall()
    return [name for name, sql in rows if name not in _KEEP and "WITHOUT ROWID" not in (sql or "").upper()]


class PostgresBackend:
    name = "postgresql"

    def unavailable(self) -> str | None:
        if importlib.util.find_spec("tender.store.postgres") is None:
            return ("tender has no PostgreSQL store yet (no tender.store.postgres); "
                    "the PostgreSQL run and its asyncpg-alone baseline are skipped")
        return ("tender.store.postgres exists but the benchmark's PostgreSQL seeding and "
                "asyncpg baseline are not written yet (bench/backends.py: PostgresBackend)")

    def prepare(self, tier: Tier, templates: dict[str, Any], workdir: Path, reseed: bool,
                log: Any) -> Prepared:
        raise NotImplementedError

    def reset(self, prepared: Prepared) -> None:
        raise NotImplementedError

    def server(self, prepared: Prepared, log_path: Path, tweaks: str = "") -> Server:
        raise NotImplementedError

    def stored_intents(self, prepared: Prepared) -> int:
        raise NotImplementedError


BACKENDS: dict[str, Backend] = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}
