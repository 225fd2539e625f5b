"""The PostgreSQL units on the event loop (`tender.store.pg_loop`): a synchronous unit in a
greenlet, its statements awaited by the task that runs it.  No database here: a stand-in
for asyncpg's connection answers each statement after a real `await`; the store over a real
PostgreSQL is exercised by `pytest --backend postgres`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tender.store import pg_loop


class FakeRaw:
    """asyncpg's `Connection._execute` as `pg_loop.Connection` calls it: after yielding
    to the loop, the rows and the command status of one statement."""

    def __init__(self, answers: dict[str, tuple[list[Any], bytes]]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, tuple[Any, ...]]] = []

    async def _execute(self, sql: str, args: tuple[Any, ...], limit: int, timeout: Any, *,
                       return_status: bool) -> tuple[list[Any], bytes, bool]:
        assert return_status and limit == 0
        self.sent.append((sql, args))
        await asyncio.sleep(0)  # another task runs meanwhile
        if sql not in self.answers:
            raise LookupError(f"no answer for {sql}")
        rows, status = self.answers[sql]
        return rows, status, True

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.sent.append((sql, tuple(rows)))
        await asyncio.sleep(0)

    async def execute(self, sql: str) -> str:
        """asyncpg's `execute` without arguments: one simple query, perhaps several statements."""
        self.sent.append((sql, ()))
        await asyncio.sleep(0)
        return "OK"


class Row(tuple[Any, ...]):
    """A stand-in for asyncpg.Record: a tuple with `keys()`."""

    names: tuple[str, ...] = ()

    def keys(self) -> tuple[str, ...]:
        return self.names


def row(**values: Any) -> Row:
    made = Row(values.values())
    made.names = tuple(values)
    return made


def test_native_numbers_placeholders_and_unescapes_percent() -> None:
    assert pg_loop.native("SELECT a FROM t WHERE b = %s AND c LIKE 'x%%' AND d IN (%s, %s)") == (
        "SELECT a FROM t WHERE b = $1 AND c LIKE 'x%' AND d IN ($2, $3)"
    )
    assert pg_loop.native("COMMIT") == "COMMIT"


@pytest.mark.parametrize(("status", "count"), [
    (b"UPDATE 2", 2), (b"INSERT 0 1", 1), (b"SELECT 0", 0), (b"DELETE 17", 17), (b"BEGIN", -1), (None, -1),
])
def test_the_row_count_comes_from_the_command_status(status: bytes | None, count: int) -> None:
    assert pg_loop.Cursor([], status).rowcount == count


def test_a_unit_reads_its_rows_through_a_cursor() -> None:
    raw = FakeRaw({
        "SELECT id, doc FROM objects WHERE id = $1": ([row(id="pi_1", doc="{}"), row(id="pi_2", doc="[]")], b"SELECT 2"),
        "UPDATE objects SET doc = $1": ([], b"UPDATE 2"),
    })
    conn = pg_loop.Connection(raw)

    def unit(object_id: str) -> tuple[Any, ...]:
        cur = conn.execute("SELECT id, doc FROM objects WHERE id = %s", (object_id,))
        names = [column.name for column in cur.description]
        first, rest = cur.fetchone(), cur.fetchall()
        updated = conn.execute("UPDATE objects SET doc = %s", ("{}",)).rowcount
        return names, first, rest, cur.fetchone(), updated

    names, first, rest, after, updated = asyncio.run(pg_loop.run_unit(unit, "pi_1"))
    assert names == ["id", "doc"]
    assert first == ("pi_1", "{}") and rest == [("pi_2", "[]")] and after is None
    assert updated == 2
    assert raw.sent == [("SELECT id, doc FROM objects WHERE id = $1", ("pi_1",)),
                        ("UPDATE objects SET doc = $1", ("{}",))]


def test_units_interleave_each_getting_its_own_answers() -> None:
    answers = {f"SELECT {n}": ([row(n=n)], b"SELECT 1") for n in range(6)}
    conns = [pg_loop.Connection(FakeRaw(answers)) for _ in range(3)]
    order: list[tuple[int, int]] = []

    def unit(which: int) -> list[int]:
        seen = []
        for step in range(2):
            n = which * 2 + step
            got = conns[which].execute(f"SELECT {n}").fetchone()
            assert got is not None
            order.append((which, step))
            seen.append(got[0])
        return seen

    async def main() -> list[list[int]]:
        return list(await asyncio.gather(*(pg_loop.run_unit(unit, which) for which in range(3))))

    assert asyncio.run(main()) == [[0, 1], [2, 3], [4, 5]]
    # Each unit's second statement waited while the others sent theirs: they interleaved.
    assert order.index((2, 0)) < order.index((0, 1))


def test_a_failed_statement_raises_in_the_unit_which_may_carry_on() -> None:
    raw = FakeRaw({"SELECT 1": ([row(one=1)], b"SELECT 1")})
    conn = pg_loop.Connection(raw)

    def unit() -> str:
        try:
            conn.execute("SELECT missing")
        except LookupError as exc:
            caught = str(exc)
        answer = conn.execute("SELECT 1").fetchone()
        return f"{caught}; then {answer}"

    assert asyncio.run(pg_loop.run_unit(unit)) == "no answer for SELECT missing; then (1,)"


def test_an_error_leaving_the_unit_reaches_the_caller() -> None:
    conn = pg_loop.Connection(FakeRaw({}))

    def unit() -> None:
        conn.execute("SELECT missing")

    with pytest.raises(LookupError, match="SELECT missing"):
        asyncio.run(pg_loop.run_unit(unit))


def test_a_statement_outside_a_unit_is_refused_before_anything_is_sent() -> None:
    raw = FakeRaw({"SELECT 1": ([], b"SELECT 0")})
    with pytest.raises(RuntimeError, match="outside a unit of work"):
        pg_loop.Connection(raw).execute("SELECT 1")
    assert raw.sent == []


def test_transaction_control_travels_with_the_next_round_trip() -> None:
    raw = FakeRaw({"SELECT 1": ([row(one=1)], b"SELECT 1"), "UPDATE t SET a = $1": ([], b"UPDATE 1")})
    conn = pg_loop.Connection(raw)
    conn.begin("BEGIN")

    def unit() -> None:
        conn.execute("SAVEPOINT atomic")
        conn.execute("SELECT 1")
        conn.execute("UPDATE t SET a = %s", (2,))
        conn.execute("RELEASE SAVEPOINT atomic")

    async def main() -> None:
        await pg_loop.run_unit(unit)
        await conn.finish("COMMIT")

    asyncio.run(main())
    assert raw.sent == [
        ("BEGIN; SAVEPOINT atomic", ()),
        ("SELECT 1", ()),
        ("UPDATE t SET a = $1", (2,)),
        ("RELEASE SAVEPOINT atomic; COMMIT", ()),
    ]
    assert conn.committing


def test_a_rollback_drops_what_is_held_and_sends_nothing_if_nothing_was_sent() -> None:
    """Held control statements and writes alike."""
    raw = FakeRaw({"SELECT 1": ([row(one=1)], b"SELECT 1")})
    untouched = pg_loop.Connection(raw)
    untouched.begin("BEGIN")
    untouched.execute("SAVEPOINT atomic")  # held, outside a unit: nothing to send yet
    asyncio.run(untouched.finish("ROLLBACK"))
    assert raw.sent == [] and not untouched.committing

    used = pg_loop.Connection(raw)
    used.begin("BEGIN")

    async def main() -> None:
        await pg_loop.run_unit(lambda: (
            used.execute("SELECT 1"), used.execute("SAVEPOINT atomic"),
            used.execute_later("INSERT INTO a VALUES (%s)", (1,)),
        ))
        await used.finish("ROLLBACK")

    asyncio.run(main())
    assert raw.sent == [("BEGIN", ()), ("SELECT 1", ()), ("ROLLBACK", ())]


def test_libpq_only_parameters_stay_out_of_the_asyncpg_url() -> None:
    from tender.store.postgres import CONNECT_TIMEOUT, asyncpg_dsn

    assert asyncpg_dsn("postgresql://u:p@db:5432/tender") == ("postgresql://u:p@db:5432/tender", CONNECT_TIMEOUT)
    assert asyncpg_dsn(
        "postgresql://u@db/tender?sslmode=require&connect_timeout=3&keepalives_idle=30&application_name=api"
    ) == ("postgresql://u@db/tender?sslmode=require&application_name=api", 3.0)
    assert asyncpg_dsn("postgresql://u@db/tender?connect_timeout=10") == ("postgresql://u@db/tender", 10.0)


def test_a_single_statement_read_goes_alone_and_a_second_statement_asks_for_a_snapshot() -> None:
    raw = FakeRaw({"SELECT 1": ([row(one=1)], b"SELECT 1"), "SELECT 2": ([row(two=2)], b"SELECT 1")})

    def one(conn: pg_loop.Connection) -> Any:
        return conn.execute("SELECT 1").fetchone()

    def two(conn: pg_loop.Connection) -> Any:
        return conn.execute("SELECT 1").fetchone(), conn.execute("SELECT 2").fetchone()

    def with_savepoint(conn: pg_loop.Connection) -> Any:
        conn.execute("SAVEPOINT atomic")

    assert asyncio.run(pg_loop.run_unit(one, pg_loop.Connection(raw, single=True))) == (1,)
    assert raw.sent == [("SELECT 1", ())]  # no BEGIN, no COMMIT
    for unit in (two, with_savepoint):
        raw.sent.clear()
        with pytest.raises(pg_loop.NeedsSnapshot):
            asyncio.run(pg_loop.run_unit(unit, pg_loop.Connection(raw, single=True)))
        assert raw.sent in ([("SELECT 1", ())], [])  # the second statement was never sent
    # NeedsSnapshot passes through a unit's `except Exception`.
    assert not issubclass(pg_loop.NeedsSnapshot, Exception)


def test_writes_nothing_reads_travel_with_the_next_round_trip_in_order() -> None:
    raw = FakeRaw({"SELECT 1": ([row(one=1)], b"SELECT 1"), "INSERT INTO b VALUES ($1)": ([], b"INSERT 0 1")})
    conn = pg_loop.Connection(raw)
    conn.begin("BEGIN")

    def unit() -> None:
        conn.execute("SAVEPOINT atomic")
        conn.execute_later("INSERT INTO a VALUES (%s)", (1,))
        conn.execute_later("INSERT INTO a VALUES (%s)", (2,))
        conn.execute("SELECT 1")
        conn.execute_later("INSERT INTO b VALUES (%s)", (3,))
        conn.execute("RELEASE SAVEPOINT atomic")

    async def main() -> None:
        await pg_loop.run_unit(unit)
        assert not conn.committing
        await conn.finish("COMMIT")

    asyncio.run(main())
    assert raw.sent == [
        ("BEGIN; SAVEPOINT atomic", ()),
        ("INSERT INTO a VALUES ($1)", ((1,), (2,))),  # one executemany
        ("SELECT 1", ()),
        ("INSERT INTO b VALUES ($1)", (3,)),
        ("RELEASE SAVEPOINT atomic; COMMIT", ()),
    ]
    assert conn.committing



def test_a_read_tried_as_one_statement_never_writes() -> None:
    with pytest.raises(pg_loop.NeedsSnapshot):
        pg_loop.Connection(FakeRaw({}), single=True).execute_later("INSERT INTO a VALUES (%s)", (1,))
