"""PostgreSQL units of work on the event loop: asyncpg under tender's synchronous `Tx`.

Services and `PostgresTx` are plain functions that call `conn.execute(sql, args)`.  Here a
unit runs in a greenlet on the event loop's thread; each statement switches to the
task that started the unit (`run_unit`) with its coroutine, which the task awaits on an
asyncpg connection before switching back with the answer.  The unit's Python never leaves the loop thread (no
executor hand-off, no contest for the GIL with driver threads), and asyncpg's protocol
costs less per statement than a blocking driver (docs/performance.md, PostgreSQL).

Only work that reaches nothing outside its transaction may run here (reads, and writes
`Store.write(..., contained=True)`): anything that blocks would stop the whole loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, TypeVar, cast

import asyncpg  # type: ignore[import-untyped]
import greenlet

T = TypeVar("T")


class _Unit(greenlet.greenlet):  # type: ignore[misc]
    """The greenlet one unit of work runs in; its parent is the task awaiting its statements."""


async def run_unit(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a greenlet, awaiting here every statement it hands over."""
    unit = _Unit(fn)
    step = unit.switch(*args)
    while not unit.dead:
        try:
            answer = await step
        except BaseException as exc:  # the statement failed, or the task was cancelled
            step = unit.throw(exc)
        else:
            step = unit.switch(answer)
    return cast(T, step)


def _task() -> greenlet.greenlet:
    """The greenlet that awaits for the running unit (checked before any coroutine is made)."""
    current = greenlet.getcurrent()
    if not isinstance(current, _Unit):
        raise RuntimeError("a PostgreSQL statement outside a unit of work (pg_loop.run_unit)")
    return current.parent


_PLACEHOLDER = re.compile(r"%s|%%")
_NATIVE: dict[str, str] = {}


def native(sql: str) -> str:
    """psycopg's `%s` placeholders as PostgreSQL's `$1, $2, …` (and `%%` as `%`)."""
    converted = _NATIVE.get(sql)
    if converted is None:
        numbers = iter(range(1, 65536))
        converted = _PLACEHOLDER.sub(lambda m: "%" if m.group(0) == "%%" else f"${next(numbers)}", sql)
        if len(_NATIVE) > 2000:  # statements built with a variable number of placeholders
            _NATIVE.clear()
        _NATIVE[sql] = converted
    return converted


class Column(NamedTuple):
    name: str


class Cursor:
    """The part of a DB-API cursor `PostgresTx` uses, over rows already received."""

    __slots__ = ("_rows", "_at", "rowcount", "description")

    def __init__(self, rows: Sequence[asyncpg.Record], status: bytes | None) -> None:
        self._rows = rows
        self._at = 0
        self.rowcount = _rowcount(status)
        self.description = [Column(name) for name in rows[0].keys()] if rows else []

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return tuple(self._rows[self._at - 1])

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = [tuple(row) for row in self._rows[self._at:]]
        self._at = len(self._rows)
        return rows


def _rowcount(status: bytes | None) -> int:
    """`UPDATE 2`, `INSERT 0 1`, `SELECT 3` → the count; -1 for a command without one."""
    last = (status or b"").rpartition(b" ")[2]
    return int(last) if last.isdigit() else -1


# Transaction control with no answer to read: held back and sent, joined into one
# round trip, with the next statement that needs one (`BEGIN; SAVEPOINT atomic`, and
# `RELEASE SAVEPOINT atomic; COMMIT` at the end of a unit).
DEFERRED = frozenset({
    "BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    "SAVEPOINT atomic", "RELEASE SAVEPOINT atomic", "ROLLBACK TO SAVEPOINT atomic",
})


class NeedsSnapshot(BaseException):
    """A read tried as a single statement (`Connection(single=True)`) asked for another:
    it runs again in one snapshot.  A BaseException, so that no `except Exception` in a
    unit swallows it."""


class Connection:
    """What `PostgresTx` calls on its connection, for one asyncpg connection, from a unit
    running under `run_unit` (and, for `begin` and `finish`, from the task itself).

    Statements nothing reads the answer of are held back and sent, in their order, with
    the next round trip the unit needs: transaction control joined into one simple query,
    writes (`execute_later`) of the same SQL in a row as one `executemany`.

    `single`: the unit is a read tried outside any transaction, one round trip instead
    of BEGIN, the statement and COMMIT; a single statement sees one snapshot of its own.
    A second statement raises `NeedsSnapshot`."""

    def __init__(self, conn: asyncpg.Connection, single: bool = False) -> None:
        self.raw = conn
        self.single = single
        self._sent = 0
        # (sql, None) for transaction control, (sql, args) for a write held back.
        self._held: list[tuple[str, tuple[Any, ...] | None]] = []
        self.committing = False  # COMMIT was sent: a failure now may have committed

    def execute(self, sql: str, args: Iterable[Any] = ()) -> Cursor:
        if self.single and (self._sent or sql in DEFERRED):
            raise NeedsSnapshot()
        if sql in DEFERRED and not args:
            self._held.append((sql, None))
            return Cursor([], None)
        task = _task()
        for send in self._take_held():
            task.switch(send())
        self._sent += 1
        rows, status, _ = task.switch(self._statement(sql, tuple(args)))
        return Cursor(rows, status)

    def _statement(self, sql: str, args: tuple[Any, ...]) -> Any:
        """One prepared, cached statement: `_execute(..., return_status=True)` is what
        asyncpg's own `execute` calls, giving the rows and the command status (the row
        count)."""
        return self.raw._execute(native(sql), args, 0, None, return_status=True)

    def execute_later(self, sql: str, args: Iterable[Any]) -> None:
        """A write whose answer nothing reads (an INSERT): sent with the next round trip.
        A failure then surfaces at that statement, or at COMMIT; either way the unit fails."""
        if self.single:
            raise NeedsSnapshot()
        self._held.append((sql, tuple(args)))

    def begin(self, sql: str) -> None:
        """Open the unit's transaction with its first statement."""
        self._held.append((sql, None))

    async def finish(self, sql: str) -> None:
        """End the transaction (`COMMIT` or `ROLLBACK`) with whatever is held back; a
        ROLLBACK drops what is held, and a transaction never begun needs none."""
        if sql == "ROLLBACK":
            self._held.clear()
            if not self._sent:
                return  # nothing of the unit reached the database
        self._held.append((sql, None))
        trips = self._take_held()
        for number, send in enumerate(trips, 1):
            if sql == "COMMIT" and number == len(trips):
                self.committing = True  # this round trip carries the COMMIT
            await send()

    def _take_held(self) -> list[Callable[[], Any]]:
        """What is held, as the round trips that send it (each a coroutine maker)."""
        held, self._held = self._held, []
        trips: list[Callable[[], Any]] = []
        at = 0
        while at < len(held):
            sql, args = held[at]
            end = at + 1
            if args is None:
                while end < len(held) and held[end][1] is None:
                    end += 1
                query = "; ".join(statement for statement, _ in held[at:end])
                trips.append(lambda query=query: self.raw.execute(query))
            else:
                while end < len(held) and held[end][0] == sql and held[end][1] is not None:
                    end += 1
                rows = [row for _, row in held[at:end] if row is not None]
                if len(rows) == 1:
                    trips.append(lambda sql=sql, row=rows[0]: self._statement(sql, row))
                else:
                    trips.append(lambda sql=sql, rows=rows: self.raw.executemany(native(sql), rows))
            at = end
        self._sent += len(trips)
        return trips
