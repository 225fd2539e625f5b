"""The SQLite baseline: sqlite3 alone running the statements tender's units run.

The counterpart of `bench.asyncpg_alone` for SQLite: a bare ASGI app on the stack of
`tender serve` and `bench.ceiling` (uvicorn + httptools + uvloop, access log off, as many
worker processes as tender runs) that, per request, runs the statements tender's unit of
work ran for that kind of request and answers with tender's body and response headers.
Writes are committed as tender commits them: the requests queued meanwhile share one
transaction (group commit), each in its own SAVEPOINT, on connections opened by tender's
own `_connect` (`synchronous=FULL`, WAL, 32 MB page cache, statement journals in memory,
foreign keys), BEGIN IMMEDIATE and COMMIT on an I/O thread, and the processes taking
turns at writing through tender's own `_WriterTurn` (an exclusive `flock` on the file).  A retrieve reads the row in a read transaction,
decodes both JSON columns and pretty-prints the document, as tender does.

What is not run: everything else tender does for a request — form decoding,
authentication, validation, the services' Python, rendering, the rehearsal ahead of the
writer's turn, the request log, the webhook dispatcher.

The statements come from `capture`, which runs a scratch tender in-process (a temporary
database) and records what each unit sent: the store's rehearsal (`SQLiteStore._rehearse`)
already records every statement a write unit makes, with its parameters, and the batch
replays them (`tender.store.sqlite._replay`), where `capture` reads them.  Ids tender
generated are replaced per request by fresh ones of the same length (as in
`bench.asyncpg_alone`); the capture's account by the seeded database's.

    python -m bench.sqlite_alone --port 12114 --db FILE --replay replay.json --account acct_… [--workers 2]
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from bench.asyncpg_alone import GENERATED_ID, Ids, Text
from bench.ceiling import arguments, baseline_app, serve
from tender.store.sqlite import _READ, BATCH, _WriterTurn
from tender.store.sqlite import _connect as tender_connect

# uvicorn starts several workers from an import string, each calling the factory in its own
# process: the database, the replay file and the account reach them through the environment.
DB_ENV, REPLAY_ENV, ACCOUNT_ENV = "BENCH_SQLITE_DB", "BENCH_SQLITE_REPLAY", "BENCH_SQLITE_ACCOUNT"


def capture() -> dict[str, Any]:
    """The statements of one create and one create+confirm, as tender's units sent them:
    `{scenario: {"account": ..., "body": ..., "steps": [[kind, sql, params], ...]}}`, bytes
    parameters (the JSON columns) as `{"bytes": text}`."""
    import tempfile

    import uvloop

    from bench.backends import PUBLISHABLE_KEY, SECRET_KEY
    from bench.costs import CONFIRM_BODY, CREATE_BODY, Asgi
    from tender.app import TenderApp
    from tender.processor.simulator import Simulator
    from tender.services import accounts
    from tender.store import sqlite as store

    replayed: list[list[Any]] = []
    original = store._replay

    def recording(conn: sqlite3.Connection, steps: list[Any]) -> bool:
        replayed.append(steps)
        return original(conn, steps)

    def encode(value: Any) -> Any:
        return {"bytes": value.decode()} if isinstance(value, bytes) else value

    async def run(path: str) -> dict[str, Any]:
        db = store.SQLiteStore(path, rehearse_always=True)
        try:
            keys = accounts.ensure_test_account(db, SECRET_KEY, PUBLISHABLE_KEY)
            app = TenderApp(db, Simulator(accounts.fingerprint_key(db, keys.account)))
            client = Asgi(app)
            found: dict[str, Any] = {}
            for scenario, body in (("create", CREATE_BODY), ("confirm", CONFIRM_BODY)):
                replayed.clear()
                status, answer = await client.call("POST", "/v1/payment_intents", body)
                if status != 200 or len(replayed) != 1:
                    raise RuntimeError(f"capturing {scenario}: status {status}, {len(replayed)} units replayed")
                found[scenario] = {
                    "account": keys.account,
                    "body": answer.decode(),
                    "steps": [[kind, sql, [encode(p) for p in params]] for kind, sql, params, _ in replayed[0]],
                }
            return found
        finally:
            db.close()

    store._replay = recording
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return uvloop.run(run(os.path.join(tmp, "capture.db")))
    finally:
        store._replay = original


def summary(found: dict[str, Any]) -> dict[str, Any]:
    """What the results record of the capture: each scenario's statements."""
    return {scenario: {"statements": [sql for _, sql, _ in f["steps"]]} for scenario, f in found.items()}


def connect(path: str) -> sqlite3.Connection:
    """A connection with tender's own settings, at tender's default durability (FULL)."""
    return tender_connect(path, "full")


class Scenario:
    """One captured unit: its statements, with the ids it generated as slots."""

    def __init__(self, captured: dict[str, Any], account: str) -> None:
        def texts(value: Any) -> list[str]:
            text = value["bytes"] if isinstance(value, dict) else value
            return [m.group(0) for m in GENERATED_ID.finditer(text)] if isinstance(text, str) else []

        generated = [i for _, _, params in captured["steps"] for value in params for i in texts(value)]
        theirs = captured["account"]
        self.generated = [i for i in dict.fromkeys(generated) if i != "pm_card_visa" and i != theirs]
        slots = {old: n for n, old in enumerate(self.generated)}
        self.steps: list[tuple[int, str, list[tuple[str, Any]]]] = []
        for kind, sql, params in captured["steps"]:
            values: list[tuple[str, Any]] = []
            for value in params:
                if value == theirs:
                    values.append(("value", account))
                elif isinstance(value, dict):
                    values.append(("bytes", Text(value["bytes"].replace(theirs, account), slots)))
                elif isinstance(value, str):
                    values.append(("text", Text(value.replace(theirs, account), slots)))
                else:
                    values.append(("value", value))
            self.steps.append((kind, sql, values))
        self.body = Text(captured["body"], slots)

    def run(self, conn: sqlite3.Connection, ids: Ids) -> bytes:
        fresh = [ids.new(old) for old in self.generated]
        for kind, sql, values in self.steps:
            args = [v.fill(fresh).encode() if how == "bytes" else v.fill(fresh) if how == "text" else v
                    for how, v in values]
            if kind == _READ:
                conn.execute(sql, args).fetchall()
            else:
                conn.execute(sql, args)
        return self.body.fill(fresh).encode()


class Writer:
    """Group commit as tender's SQLite store does it, with its writer's turn
    (`_WriterTurn`), without the rehearsal."""

    def __init__(self, path: str) -> None:
        self.conn = connect(path)
        self.io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alone-commit")
        self.turn = _WriterTurn(path)
        self.ids = Ids()
        self.pending: list[tuple[Scenario, asyncio.Future[bytes]]] = []
        self.committing = False

    async def write(self, scenario: Scenario) -> bytes:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()
        self.pending.append((scenario, future))
        if not self.committing:
            self.committing = True
            loop.create_task(self._commit_pending())
        return await future

    async def _commit_pending(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                await asyncio.sleep(0)  # requests already read join this batch
                await loop.run_in_executor(self.io, self.turn.begin, self.conn)
                batch, self.pending = self.pending[:BATCH], self.pending[BATCH:]
                try:
                    answers = []
                    for scenario, _ in batch:
                        self.conn.execute("SAVEPOINT unit")
                        answers.append(scenario.run(self.conn, self.ids))
                        self.conn.execute("RELEASE unit")
                    await loop.run_in_executor(self.io, self.turn.end, self.conn, "COMMIT")
                except BaseException as exc:
                    self.turn.end(self.conn, "ROLLBACK")
                    for _, future in batch:
                        future.set_exception(RuntimeError(f"batch failed: {exc!r}"))
                    continue
                for (_, future), answer in zip(batch, answers, strict=True):
                    future.set_result(answer)
        finally:
            self.committing = False


def make_app(path: str, replay: dict[str, Any], account: str) -> Any:
    scenarios = {name: Scenario(captured, account) for name, captured in replay.items()}
    state: dict[str, Any] = {}

    async def startup() -> None:
        state["writer"] = Writer(path)
        state["reader"] = connect(path)

    def retrieve(intent_id: str) -> bytes | None:
        reader: sqlite3.Connection = state["reader"]
        reader.execute("BEGIN")
        try:
            row = reader.execute(
                "SELECT doc, private FROM objects WHERE id = ? AND account = ? AND type = ?",
                (intent_id, account, "payment_intent"),
            ).fetchone()
        finally:
            reader.execute("COMMIT")
        if row is None:
            return None
        doc, _private = orjson.loads(row[0]), orjson.loads(row[1])
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2)

    async def answer(method: str, path: str, body: bytes) -> bytes | None:
        if method == "POST":
            writer: Writer = state["writer"]
            return await writer.write(scenarios["confirm" if b"confirm=true" in body else "create"])
        return retrieve(path.rsplit("/", 1)[1])

    return baseline_app(answer, startup)


def app_from_env() -> Any:
    """The app of one worker (uvicorn's factory), from the BENCH_SQLITE_* variables."""
    with open(os.environ[REPLAY_ENV]) as f:
        replay = json.load(f)
    return make_app(os.environ[DB_ENV], replay, os.environ[ACCOUNT_ENV])


def main() -> None:
    parser = arguments()
    parser.add_argument("--db", required=True, help="the SQLite file (tender's schema, seeded)")
    parser.add_argument("--replay", required=True, help="capture()'s output, as JSON")
    parser.add_argument("--account", required=True, help="the seeded account's id")
    args = parser.parse_args()
    os.environ[DB_ENV], os.environ[REPLAY_ENV], os.environ[ACCOUNT_ENV] = args.db, args.replay, args.account
    serve("bench.sqlite_alone:app_from_env", args)


if __name__ == "__main__":
    main()
