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

    def server(self, prepared: Prepared, log_path: Path) -> Server: ...

    def stored_intents(self, prepared: Prepared) -> int: ...


def _fingerprint() -> str:
    """Changes when anything that shapes the seeded file changes."""
    digest = hashlib.sha256()
    src = ROOT / "src" / "tender"
    parts = sorted((src / "store" / "migrations").glob("*.sql")) + [
        src / "core" / "payment_intents.py", src / "core" / "charges.py", src / "core" / "ids.py",
        src / "store" / "sqlite.py", ROOT / "bench" / "seed.py",
    ]
    for part in parts:
        digest.update(part.name.encode())
        digest.update(part.read_bytes())
    return digest.hexdigest()[:12]


class SQLiteBackend:
    name = "sqlite"

    def unavailable(self) -> str | None:
        return None

    def prepare(self, tier: Tier, templates: dict[str, Any], workdir: Path, reseed: bool,
                log: Any) -> Prepared:
        base = workdir / f"sqlite-{tier.name}-{tier.intents}-{_fingerprint()}"
        db, meta_path, ids_file = Path(f"{base}.db"), Path(f"{base}.json"), Path(f"{base}.ids")
        if not reseed and db.exists() and meta_path.exists() and ids_file.exists():
            facts = json.loads(meta_path.read_text())
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
            facts["seeded_max_rowid"] = conn.execute("SELECT max(rowid) FROM objects").fetchone()[0]
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
        """Back to the seeded state: drop what earlier measurements wrote (objects after
        the seeded rowids, every event and idempotency record).  No server may be running."""
        conn = sqlite3.connect(prepared.location, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM objects WHERE rowid > ?", (prepared.facts["seeded_max_rowid"],))
            conn.execute("DELETE FROM events")
            conn.execute("DELETE FROM idempotency_keys")
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def server(self, prepared: Prepared, log_path: Path) -> Server:
        return tender_server(f"sqlite:///{prepared.location}", SECRET_KEY, PUBLISHABLE_KEY, log_path)

    def stored_intents(self, prepared: Prepared) -> int:
        conn = sqlite3.connect(prepared.location)
        try:
            row = conn.execute(
                "SELECT count(*) FROM objects WHERE type = 'payment_intent'").fetchone()
            return int(row[0])
        finally:
            conn.close()


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

    def server(self, prepared: Prepared, log_path: Path) -> Server:
        raise NotImplementedError

    def stored_intents(self, prepared: Prepared) -> int:
        raise NotImplementedError


BACKENDS: dict[str, Backend] = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}
