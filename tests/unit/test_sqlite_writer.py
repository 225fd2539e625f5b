"""The SQLite writer's turn: units run ahead of it (`SQLiteStore.write(..., contained=True)`,
which a store does while other processes compete for the turn, or always when asked) are
replayed in it, and run again in it when a read would find other rows or a write would
change another number of rows; a batch that fails gives the turn back."""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from tender.core.errors import InvalidRequestError
from tender.store.base import Stored
from tender.store.sqlite import SQLiteStore, SQLiteTx
from tests.support import aio

ACCOUNT = "acct_1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(str(tmp_path / "t.db"), rehearse_always=True)
    yield store
    store.close()


def counter(n: int, object_id: str = "cus_counter") -> Stored:
    return Stored({"id": object_id, "object": "customer", "created": 1, "metadata": {}, "n": n})


class Counted:
    """A unit that counts how often it ran (rehearsals included)."""

    def __init__(self, fn: Callable[[SQLiteTx], Any]) -> None:
        self.fn = fn
        self.runs = 0

    def __call__(self, tx: SQLiteTx) -> Any:
        self.runs += 1
        return self.fn(tx)


def increment(tx: SQLiteTx) -> int:
    stored = tx.get("customer", "cus_counter")
    assert stored is not None
    stored.doc["n"] += 1
    tx.update(stored)
    return int(stored.doc["n"])


def current(store: SQLiteStore, object_id: str = "cus_counter") -> Any:
    stored = aio.run(store.read(ACCOUNT, lambda tx: tx.get("customer", object_id)))
    return None if stored is None else stored.doc


def together(store: SQLiteStore, *units: Callable[[SQLiteTx], Any]) -> list[Any]:
    """The units queued at once: they share one batch, each rehearsed on the same snapshot."""

    async def run() -> list[Any]:
        return await asyncio.gather(
            *(store.write(ACCOUNT, unit, contained=True) for unit in units), return_exceptions=True
        )

    return aio.run(run())


def test_a_rehearsed_unit_is_replayed_not_run_again(store: SQLiteStore) -> None:
    store.write_sync(ACCOUNT, lambda tx: tx.insert(counter(0)))
    unit = Counted(increment)
    assert together(store, unit) == [1]
    assert unit.runs == 1
    assert current(store)["n"] == 1


def test_a_unit_whose_read_changed_before_its_turn_runs_again_and_sees_the_change(store: SQLiteStore) -> None:
    store.write_sync(ACCOUNT, lambda tx: tx.insert(counter(0)))
    first, second = Counted(increment), Counted(increment)
    # Both rehearsed against n=0; the second's replay reads n=1 and runs for real.
    assert together(store, first, second) == [1, 2]
    assert (first.runs, second.runs) == (1, 2)
    assert current(store)["n"] == 2


def test_a_unit_reading_its_own_write_gets_it(store: SQLiteStore) -> None:
    def insert_then_read(tx: SQLiteTx) -> Any:
        tx.insert(counter(5, "cus_new"))
        found = tx.get("customer", "cus_new")
        return None if found is None else found.doc["n"]

    unit = Counted(insert_then_read)
    # The rehearsal's snapshot has no cus_new; the replay's read finds it, so the unit
    # runs in its turn, where it does.
    assert together(store, unit) == [5]
    assert unit.runs == 2
    assert current(store, "cus_new")["n"] == 5


def test_a_write_that_would_change_no_row_in_its_turn_runs_again(store: SQLiteStore) -> None:
    store.write_sync(ACCOUNT, lambda tx: tx.insert(counter(0)))
    first, second = (Counted(lambda tx: tx.delete("customer", "cus_counter")) for _ in range(2))
    # Both rehearsals assume their DELETE removes the row; in the turn only the first does.
    assert together(store, first, second) == [True, False]
    assert (first.runs, second.runs) == (1, 2)
    assert current(store) is None


def test_an_error_undoes_the_rehearsed_writes(store: SQLiteStore) -> None:
    def insert_then_refuse(tx: SQLiteTx) -> None:
        tx.insert(counter(1, "cus_refused"))
        raise InvalidRequestError("refused")

    unit = Counted(insert_then_refuse)
    [outcome] = together(store, unit)
    assert isinstance(outcome, InvalidRequestError)
    assert unit.runs == 1
    assert current(store, "cus_refused") is None


def test_an_error_that_keeps_its_changes_keeps_the_rehearsed_writes(store: SQLiteStore) -> None:
    class Declined(InvalidRequestError):
        persist_changes = True

    def insert_then_decline(tx: SQLiteTx) -> None:
        tx.insert(counter(1, "cus_kept"))
        raise Declined("declined")

    [outcome] = together(store, Counted(insert_then_decline))
    assert isinstance(outcome, Declined)
    assert current(store, "cus_kept")["n"] == 1


def test_a_unit_that_needs_a_new_row_id_runs_in_its_turn(store: SQLiteStore) -> None:
    def log_row(tx: SQLiteTx) -> int:
        cur = tx.conn.execute(
            "INSERT INTO request_logs (account, created, method, path, status, request_id, duration_ms)"
            " VALUES (?, 1, 'GET', '/v1/x', 200, 'req_1', 1)",
            (ACCOUNT,),
        )
        return int(cur.lastrowid or 0)

    unit = Counted(log_row)
    [row_id] = together(store, unit)
    assert unit.runs == 2  # the rehearsal could not know the id
    rows = aio.run(store.read(ACCOUNT, lambda tx: tx.conn.execute("SELECT id FROM request_logs").fetchall()))
    assert rows == [(row_id,)]


def test_a_store_alone_with_its_database_does_not_rehearse(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "alone.db"))
    try:
        store.write_sync(ACCOUNT, lambda tx: tx.insert(counter(0)))
        unit = Counted(increment)
        assert together(store, unit) == [1]
        assert unit.runs == 1
    finally:
        store.close()


def test_a_store_whose_turn_another_process_held_rehearses(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    store, other = SQLiteStore(path), SQLiteStore(path)
    try:
        store.write_sync(ACCOUNT, lambda tx: tx.insert(counter(0)))
        holder = other._turn  # flock: another open file description competes as a process would
        holder.begin(other._writer)
        try:
            pending = Thread(target=lambda: (time.sleep(0.2), holder.end(other._writer, "COMMIT")))
            pending.start()
            assert together(store, Counted(increment)) == [1]  # waited for the turn
            pending.join()
        finally:
            holder.end(other._writer, "ROLLBACK")
        assert store._turn.contended
        first, second = Counted(increment), Counted(increment)
        assert together(store, first, second) == [2, 3]
        assert (first.runs, second.runs) == (1, 2)  # rehearsed; the second ran again
    finally:
        store.close()
        other.close()


def test_a_savepoint_that_was_not_rolled_back_is_left_out_of_the_replay(store: SQLiteStore) -> None:
    def nested(tx: SQLiteTx) -> None:
        with tx.atomic():
            tx.insert(counter(1, "cus_inner"))

    rehearsed = store._rehearse(ACCOUNT, nested)
    assert rehearsed is not None
    steps, _ = rehearsed
    assert [step[1].split()[0] for step in steps] == ["INSERT"]
    assert together(store, nested) == [None]
    assert current(store, "cus_inner")["n"] == 1


def test_a_savepoint_rolled_back_is_replayed_with_its_rollback(store: SQLiteStore) -> None:
    def keep_outer_undo_inner(tx: SQLiteTx) -> str:
        tx.insert(counter(1, "cus_outer"))
        try:
            with tx.atomic():
                tx.insert(counter(2, "cus_undone"))
                raise InvalidRequestError("undo the inner part")
        except InvalidRequestError:
            pass
        with tx.atomic():
            tx.insert(counter(3, "cus_after"))
        return "done"

    unit = Counted(keep_outer_undo_inner)
    assert together(store, unit) == ["done"]
    assert unit.runs == 1
    assert current(store, "cus_outer")["n"] == 1
    assert current(store, "cus_undone") is None
    assert current(store, "cus_after")["n"] == 3


def test_a_batch_that_fails_outside_the_database_gives_the_turn_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tender.core.errors import APIError
    from tender.store import sqlite

    path = str(tmp_path / "shared.db")
    store, other = SQLiteStore(path), SQLiteStore(path)
    try:
        store.write_sync(ACCOUNT, lambda tx: tx.insert(counter(0)))

        def broken(*args: Any) -> Any:  # a bug in the batch's own code, mid-transaction
            raise RuntimeError("bug")

        with monkeypatch.context() as patched:
            patched.setattr(sqlite, "_run_unit", broken)
            [outcome] = together(store, increment)
        assert isinstance(outcome, APIError)
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if the turn was kept
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        assert together(other, Counted(increment)) == [1]
    finally:
        store.close()
        other.close()


def test_the_rehearse_setting_reaches_the_store_and_refuses_other_values(tmp_path: Path) -> None:
    from tender.config import Settings
    from tender.store import open_store

    always = open_store(Settings(db=f"sqlite:///{tmp_path / 'a.db'}", rehearse="always"))
    contended = open_store(Settings(db=f"sqlite:///{tmp_path / 'c.db'}"))
    try:
        assert always.rehearse_always and not contended.rehearse_always
    finally:
        always.close()
        contended.close()
    with pytest.raises(ValueError, match="TENDER_REHEARSE"):
        open_store(Settings(db=f"sqlite:///{tmp_path / 'x.db'}", rehearse="sometimes"))
