"""The PostgreSQL baseline: asyncpg alone running the transactions tender runs.

A bare ASGI app on the stack of `tender serve` and `bench.ceiling` (uvicorn + httptools +
uvloop, access log off, as many worker processes as tender runs: `--workers`, default 1)
with, per worker, an asyncpg pool of as many connections as tender's PostgreSQL store keeps
(8).  Per request it replays, in one transaction, the
statements tender's unit of work ran for that kind of request, with the same parameters,
and answers with the body tender answered with and tender's response headers.

The statements come from `bench.pgcapture`, which runs a tender with `log_statement =
'all'` at the start of the run and reads back the SQL and parameters of one create, one
create+confirm and one retrieve.  What is replayed: every statement of the request's
transaction that touches `objects` (INSERTs, UPDATEs, SELECTs, SELECT … FOR UPDATE,
the events and outbox statements), in order.  What is not: transaction control beyond
one BEGIN/COMMIT pair (tender's second BEGIN, its SAVEPOINT/RELEASE), statements of other
transactions (the API-key lookup, the webhook dispatcher's poll, the request log), and all
the Python around the SQL (form decoding, authentication, services, rendering).

Per request every id tender generated in the captured request (`pi_…`, `ch_…`, `evt_…`,
`req_…`, …) is replaced by a fresh id of the same length, in every parameter and in the
response; a retrieve reads the id in its path and pretty-prints the stored JSON as tender's
response does.

    python -m bench.asyncpg_alone --port 12113 --db postgresql://... --replay replay.json [--workers 2]
"""

from __future__ import annotations

import itertools
import json
import os
import re
from typing import Any

import orjson

from bench.ceiling import arguments, baseline_app, serve

POOL_SIZE = 8  # tender.store.postgres.POOL_SIZE
# uvicorn starts several workers from an import string, each calling the factory in its own
# process: the database and the replay file reach them through the environment.
DB_ENV, REPLAY_ENV = "BENCH_ASYNCPG_DB", "BENCH_ASYNCPG_REPLAY"

# Ids tender makes: a prefix and 24 base62 characters.
GENERATED_ID = re.compile(r"(?<![0-9A-Za-z_])[a-z]{2,5}_[0-9A-Za-z]{24}(?![0-9A-Za-z])")


class Ids:
    """Unique ids of tender's length (prefix + 24 characters): process tag + counter."""

    def __init__(self) -> None:
        self.tag = os.urandom(4).hex()  # 8 characters
        self.counter = itertools.count()

    def new(self, old: str) -> str:
        prefix = old.rsplit("_", 1)[0]
        return f"{prefix}_{self.tag}{next(self.counter):016d}"


class Text:
    """A text with generated ids in it, split once so filling it is one join."""

    def __init__(self, text: str, slots: dict[str, int]) -> None:
        self.parts: list[str | int] = []
        last = 0
        for m in GENERATED_ID.finditer(text):
            if m.group(0) not in slots:
                continue
            self.parts.append(text[last:m.start()])
            self.parts.append(slots[m.group(0)])
            last = m.end()
        self.parts.append(text[last:])
        self.plain = len(self.parts) == 1

    def fill(self, ids: list[str]) -> str:
        if self.plain:
            return self.parts[0]  # type: ignore[return-value]
        return "".join(p if isinstance(p, str) else ids[p] for p in self.parts)


def _convert(value: str | None, type_name: str) -> Any:
    if value is None:
        return None
    if type_name in ("int2", "int4", "int8"):
        return int(value)
    if type_name in ("float4", "float8", "numeric"):
        return float(value)
    if type_name == "bool":
        return value in ("t", "true", "on", "1")
    if type_name == "bytea":
        return bytes.fromhex(value[2:]) if value.startswith("\\x") else value.encode()
    return value


class Scenario:
    """One captured request: its statements with parameters, its body, its ids."""

    def __init__(self, name: str, captured: dict[str, Any]) -> None:
        self.name = name
        self.readonly = bool(captured["readonly"])
        self.path_id = captured.get("path_id")
        generated: list[str] = []
        for _, params in captured["replay"]:
            for value in params:
                if isinstance(value, str):
                    generated += [m.group(0) for m in GENERATED_ID.finditer(value)]
        # Ids the request made (not the one it was asked about, nor stored ones it read).
        fresh = [i for i in dict.fromkeys(generated) if i != self.path_id and i != "pm_card_visa"]
        self.generated = fresh
        slots = {old: n for n, old in enumerate(fresh)}
        if self.path_id:
            slots[self.path_id] = len(fresh)  # filled with the id of the request's path
        self.slots = slots
        self.raw = captured["replay"]
        self.statements: list[tuple[str, list[Any]]] = []
        self.body = Text(captured.get("body", ""), slots)

    async def prepare(self, conn: Any) -> None:
        """Parameter types from the server, values converted once."""
        for sql, params in self.raw:
            stmt = await conn.prepare(sql)
            types = [t.name for t in stmt.get_parameters()]
            values: list[Any] = []
            for value, type_name in zip(params, types, strict=True):
                converted = _convert(value, type_name)
                values.append(Text(converted, self.slots) if isinstance(converted, str) else converted)
            self.statements.append((sql, values))

    async def run(self, conn: Any, ids: Ids, path_id: str | None) -> bytes | None:
        fresh = [ids.new(old) for old in self.generated]
        if self.path_id:
            fresh.append(path_id or "")
        row = None
        if self.readonly:
            transaction = conn.transaction(isolation="repeatable_read", readonly=True)
        else:
            transaction = conn.transaction()
        async with transaction:
            for sql, values in self.statements:
                args = [v.fill(fresh) if isinstance(v, Text) else v for v in values]
                if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    found = await conn.fetch(sql, *args)
                    if row is None and found:
                        row = found[0]
                else:
                    await conn.execute(sql, *args)
        if self.readonly:  # a retrieve: the stored document, rendered as tender renders it
            if row is None:
                return None
            return orjson.dumps(orjson.loads(row[0]), option=orjson.OPT_INDENT_2)
        return self.body.fill(fresh).encode()


def make_app(db: str, replay: dict[str, Any]) -> Any:
    import asyncpg

    scenarios = {name: Scenario(name, captured) for name, captured in replay.items()}
    ids = Ids()
    state: dict[str, Any] = {}

    async def startup() -> None:
        state["pool"] = await asyncpg.create_pool(db, min_size=POOL_SIZE, max_size=POOL_SIZE)
        async with state["pool"].acquire() as conn:
            for scenario in scenarios.values():
                await scenario.prepare(conn)

    async def shutdown() -> None:
        await state["pool"].close()

    async def answer(method: str, path: str, body: bytes) -> bytes | None:
        if method == "POST":
            scenario, path_id = scenarios["confirm" if b"confirm=true" in body else "create"], None
        else:
            scenario, path_id = scenarios["retrieve"], path.rsplit("/", 1)[1]
        async with state["pool"].acquire() as conn:
            return await scenario.run(conn, ids, path_id)

    return baseline_app(answer, startup, shutdown)


def app_from_env() -> Any:
    """The app of one worker (uvicorn's factory), from BENCH_ASYNCPG_DB and BENCH_ASYNCPG_REPLAY."""
    with open(os.environ[REPLAY_ENV]) as f:
        replay = json.load(f)
    return make_app(os.environ[DB_ENV], replay)


def main() -> None:
    parser = arguments()
    parser.add_argument("--db", required=True)
    parser.add_argument("--replay", required=True, help="bench.pgcapture's capture, as JSON")
    args = parser.parse_args()
    os.environ[DB_ENV], os.environ[REPLAY_ENV] = args.db, args.replay
    serve("bench.asyncpg_alone:app_from_env", args)


if __name__ == "__main__":
    main()
