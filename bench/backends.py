"""Storage backends the benchmark runs tender on.  A backend is a parameter: it knows how
to build (and cache) a seeded database for a tier, how to put it back to its seeded state
between measurements, and how to point `tender serve` at it.

- SQLite: seeded through tender's own document builders and insert SQL; its baseline is
  sqlite3 alone running the statements tender's units run, committed as tender commits
  them (`bench.sqlite_alone`), measured in the same run for create, create+confirm,
  retrieve.
- PostgreSQL: a private cluster from the `pgserver` wheel, seeded with the same documents
  through the PostgreSQL store's own row builder (`PostgresTx.insert`) and COPY; it also
  has the issue's second baseline, asyncpg alone running tender's transactions
  (`bench.asyncpg_alone`), measured in the same run for create, create+confirm, retrieve.

Optional parts of a backend (`getattr` in `bench.run`): `baseline_name`,
`baseline_scenarios`, `prepare_baseline` and `baseline_server` (a second server measured
next to tender),
`db_cpu` (CPU seconds of a database server outside tender's process, so that it is not
counted as outside noise) and `close` (stop what `prepare` started).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench import seed as seeding
from bench.servers import ROOT, Server, cpu_seconds, free_port, tender_server

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

    def server(self, prepared: Prepared, log_path: Path, tweaks: str = "", workers: int = 1) -> Server: ...

    def stored_intents(self, prepared: Prepared) -> int: ...


def _fingerprint(templates: dict[str, Any], dialect: str = "sqlite") -> str:
    """Changes when anything that shapes the seeded file changes: the schema, the intent
    builder, the store's insert, the seeder, the shape of the documents tender made for
    the templates."""
    import inspect

    from tender.core.payment_intents import new_payment_intent

    digest = hashlib.sha256()
    migrations = ROOT / "src" / "tender" / "store" / "migrations"
    for part in sorted((migrations if dialect == "sqlite" else migrations / dialect).glob("*.sql")):
        digest.update(part.name.encode() + part.read_bytes())
    if dialect == "postgres":
        from tender.store.postgres import PostgresTx

        digest.update(inspect.getsource(PostgresTx.insert).encode())
    digest.update(inspect.getsource(new_payment_intent).encode())
    digest.update((ROOT / "bench" / "seed.py").read_bytes())
    shapes = {k: sorted(v) for k, v in templates["intents"].items()}
    shapes.update({f"charge:{k}": sorted(v[0]) for k, v in templates["charges"].items()})
    digest.update(json.dumps(shapes, sort_keys=True).encode())
    return digest.hexdigest()[:12]


class SQLiteBackend:
    """tender on a SQLite file, with a baseline: sqlite3 alone running the statements
    tender's units run, committed as tender commits them (`bench.sqlite_alone`)."""

    name = "sqlite"
    baseline_name = "sqlite3"
    baseline_scenarios = ("create", "confirm", "retrieve")

    def unavailable(self) -> str | None:
        return None

    def prepare_baseline(self, workdir: Path, log: Any) -> dict[str, Any]:
        """Capture the statements tender's units run per request (`bench.sqlite_alone.capture`),
        for the baseline to replay; returns a summary for the results."""
        from bench import sqlite_alone

        log("  capturing the statements tender's units run per request (a scratch tender, in-process) ...")
        found = sqlite_alone.capture()
        self._replay = workdir / "sqlite-replay.json"
        self._replay.write_text(json.dumps(found))
        for scenario, f in found.items():
            log(f"    {scenario}: the baseline replays tender's {len(f['steps'])} statements")
        return sqlite_alone.summary(found)

    def baseline_server(self, prepared: Prepared, log_path: Path, workers: int = 1) -> Server:
        """sqlite3 alone, with as many workers as tender; a retrieve runs on the loop
        (in-line with tender's reads); writes take turns as tender's do."""
        port = free_port()
        argv = [sys.executable, "-m", "bench.sqlite_alone", "--port", str(port), "--db", prepared.location,
                "--replay", str(self._replay), "--account", prepared.facts["account"], "--workers", str(workers)]
        return Server("sqlite3", argv, dict(os.environ), port, log_path, ready_path="/", workers=workers)

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

    def server(self, prepared: Prepared, log_path: Path, tweaks: str = "", workers: int = 1) -> Server:
        return tender_server(f"sqlite:///{prepared.location}", SECRET_KEY, PUBLISHABLE_KEY, log_path,
                             tweaks, workers)

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
    """tender on a private PostgreSQL from the `pgserver` wheel (nothing installed on the
    system), with the issue's second baseline: asyncpg alone running tender's transactions
    (`bench.asyncpg_alone`).

    The cluster lives in `<workdir>/pgdata` and is kept between runs (stopped at the end of
    each); each tier is a database in it, `bench_<tier>_<fingerprint>`, rebuilt when the
    fingerprint changes or after a day (as the SQLite files are).  PostgreSQL runs with its
    defaults (fsync on, synchronous_commit on: every COMMIT waits for its WAL flush)."""

    name = "postgresql"
    baseline_name = "asyncpg"
    baseline_scenarios = ("create", "confirm", "retrieve")

    def __init__(self) -> None:
        self._pg: Any = None
        self._pgdata: Path | None = None
        self._replay: Path | None = None

    def unavailable(self) -> str | None:
        for module, why in (("tender.store.postgres", "tender has no PostgreSQL store"),
                            ("pgserver", "the pgserver wheel is not installed (.venv/bin/pip install -e '.[test]')"),
                            ("asyncpg", "asyncpg is not installed (.venv/bin/pip install -e '.[test]')")):
            if importlib.util.find_spec(module) is None:
                return f"{why}; the PostgreSQL run and its asyncpg-alone baseline are skipped"
        return None

    # -- the cluster ------------------------------------------------------------------

    def _cluster(self, workdir: Path) -> Any:
        """Start (or reuse) the bench's own PostgreSQL in <workdir>/pgdata."""
        if self._pg is not None:
            return self._pg
        import warnings

        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set" (harmless)
            warnings.simplefilter("ignore")
            import pgserver

        pgdata = workdir / "pgdata"
        # pgserver stops the server when the last process holding it exits, counting
        # holders in a file; a holder killed outright would keep the server up forever.
        handles = pgdata / ".handle_pids.json"
        if handles.exists():
            try:
                alive = [pid for pid in json.loads(handles.read_text()) if Path(f"/proc/{pid}").exists()]
                handles.write_text(json.dumps(alive))
            except ValueError:
                handles.unlink()
        self._pg = pgserver.get_server(pgdata, cleanup_mode="stop")
        self._pgdata = pgdata
        return self._pg

    def close(self) -> None:
        """Stop the cluster (its files stay, for the next run)."""
        if self._pg is not None:
            self._pg.cleanup()
            self._pg = None

    def db_cpu(self) -> float | None:
        """CPU seconds used so far by the cluster: the postmaster, every backend alive and
        every backend that has exited (the postmaster reaps them: its children's time)."""
        if self._pg is None:
            return None
        pid = self._pg.get_pid()
        total = cpu_seconds(pid, children=True)
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            kids = []
        return total + sum(cpu_seconds(k) for k in kids)

    # -- seeding ----------------------------------------------------------------------

    def prepare(self, tier: Tier, templates: dict[str, Any], workdir: Path, reseed: bool,
                log: Any) -> Prepared:
        import psycopg

        pg = self._cluster(workdir)
        fingerprint = _fingerprint(templates, "postgres")
        database = f"bench_{tier.name}_{fingerprint}"
        url = pg.get_uri(database)
        base = workdir / f"postgresql-{tier.name}-{tier.intents}-{fingerprint}"
        meta_path, ids_file = Path(f"{base}.json"), Path(f"{base}.ids")
        facts = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        with psycopg.connect(pg.get_uri(), autocommit=True) as admin:
            databases = {r[0] for r in admin.execute("SELECT datname FROM pg_database")}
            fresh = time.time() - facts.get("max_created", 0) < 86400
            if not reseed and fresh and database in databases and ids_file.exists() and "seeded_rows" in facts:
                log(f"  reusing seeded database {database} ({facts['intents']:,} intents, seeded in"
                    f" {facts['seconds']} s)")
                prepared = Prepared(self.name, tier, url, ids_file, facts)
                self.reset(prepared)
                return prepared
            for old in sorted(databases):
                if old.startswith(f"bench_{tier.name}_"):
                    admin.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
            for old in workdir.glob(f"postgresql-{tier.name}-*"):
                old.unlink()
            admin.execute(f'CREATE DATABASE "{database}"')
        from tender.services import accounts
        from tender.store.postgres import PostgresStore

        store = PostgresStore(url)  # migrations, as tender runs them at start-up
        keys = accounts.ensure_test_account(store, SECRET_KEY, PUBLISHABLE_KEY)
        store.close()

        def progress(done: int, total: int, seconds: float) -> None:
            log(f"  seeded {done:,}/{total:,} intents ({seconds:.0f} s)")

        log(f"  seeding {tier.intents:,} PaymentIntents into PostgreSQL database {database} ...")
        facts = seeding.seed_postgres(url, keys.account, tier.intents, templates, progress=progress)
        intent_ids = facts.pop("intent_ids")
        sample = intent_ids if len(intent_ids) <= MAX_RETRIEVE_IDS else random.Random(3).sample(
            intent_ids, MAX_RETRIEVE_IDS)
        ids_file.write_text("\n".join(sample) + "\n")
        with psycopg.connect(url, autocommit=True) as conn:
            facts["seeded_rows"] = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                                    for t in _pg_data_tables(conn)}
            facts["database_bytes"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
            facts["settings"] = dict(conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync',"
                " 'synchronous_commit', 'shared_buffers', 'wal_level', 'max_connections')").fetchall())
        # Rows with `created` at or past this second were made by the benchmark.
        facts["cutoff"] = facts["max_created"]
        facts["account"] = keys.account
        facts["database"] = database
        meta_path.write_text(json.dumps(facts, indent=2))
        log(f"  seeded {tier.intents:,} intents + {facts['charges']:,} charges in {facts['seconds']} s"
            f" ({facts['database_bytes'] / 1e6:,.0f} MB)")
        prepared = Prepared(self.name, tier, url, ids_file, facts)
        self.reset(prepared)
        return prepared

    def reset(self, prepared: Prepared) -> None:
        """Back to the seeded state.  Tables the seed left empty (events, deliveries,
        idempotency records, ...) are truncated; in `objects`, rows created at or after the
        seed's start (its high-water mark: every seeded row is older) are deleted, type by
        type along the `objects_by_type` index, then the table is vacuumed so the next cell
        does not inherit dead rows or a vacuum running in its measurement.  A checkpoint
        then writes everything out, so no cell starts with the last one's dirty pages.
        Seeded rows are never updated by the benchmark's requests.  No server may be running."""
        import psycopg

        facts = prepared.facts
        seeded = facts["seeded_rows"]
        with psycopg.connect(prepared.location, autocommit=True) as conn:
            tables = _pg_data_tables(conn)
            empty = [t for t in tables if not seeded.get(t)]
            if empty:
                conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in empty))
            deleted = 0
            for table in tables:
                if table in empty:
                    continue
                if table == "objects":
                    types = [r[0] for r in conn.execute(
                        "WITH RECURSIVE t(type) AS (SELECT min(type) FROM objects WHERE account = %s"
                        " UNION ALL SELECT (SELECT min(type) FROM objects WHERE account = %s AND type > t.type)"
                        " FROM t WHERE t.type IS NOT NULL) SELECT type FROM t WHERE type IS NOT NULL",
                        (facts["account"], facts["account"])).fetchall()]
                    for kind in types:
                        deleted += conn.execute(
                            "DELETE FROM objects WHERE account = %s AND type = %s AND created >= %s",
                            (facts["account"], kind, facts["cutoff"])).rowcount
                else:
                    deleted += conn.execute(f'DELETE FROM "{table}" WHERE created >= %s',
                                            (facts["cutoff"],)).rowcount
            if deleted:
                conn.execute("VACUUM (ANALYZE) objects")
            conn.execute("CHECKPOINT")

    # -- servers ----------------------------------------------------------------------

    def server(self, prepared: Prepared, log_path: Path, tweaks: str = "", workers: int = 1) -> Server:
        # As many workers as on SQLite (--workers, default 1), so the figures compare.
        return tender_server(prepared.location, SECRET_KEY, PUBLISHABLE_KEY, log_path, tweaks, workers)

    def prepare_baseline(self, workdir: Path, log: Any) -> dict[str, Any]:
        """Capture the statements tender runs per request (`bench.pgcapture`), for the
        baseline to replay; returns a summary for the results."""
        from bench import pgcapture

        log("  capturing the SQL tender sends per request (log_statement = 'all' on a scratch database) ...")
        found = pgcapture.capture(self, workdir)
        self._replay = workdir / "pg-replay.json"
        self._replay.write_text(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "statements"}
                                            for k, v in found.items()}))
        for scenario, f in found.items():
            log(f"    {scenario}: tender sent {len(f['statements'])} statements, the baseline replays"
                f" {len(f['replay'])}; {len(f['warnings'])} server warnings")
        return pgcapture.summary(found)

    def baseline_server(self, prepared: Prepared, log_path: Path, workers: int = 1) -> Server:
        """asyncpg alone, with as many workers as tender (each with its own pool of 8)."""
        port = free_port()
        argv = [sys.executable, "-m", "bench.asyncpg_alone", "--port", str(port), "--db", prepared.location,
                "--replay", str(self._replay), "--workers", str(workers)]
        return Server("asyncpg", argv, dict(os.environ), port, log_path, ready_path="/", workers=workers)

    def stored_intents(self, prepared: Prepared) -> int:
        import psycopg

        with psycopg.connect(prepared.location) as conn:
            row = conn.execute("SELECT count(*) FROM objects WHERE type = 'payment_intent'").fetchone()
            return int(row[0]) if row else 0


def _pg_data_tables(conn: Any) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
    return [r[0] for r in rows if r[0] not in _KEEP]


BACKENDS: dict[str, Backend] = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}
