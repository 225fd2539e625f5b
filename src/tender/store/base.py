"""What services need from storage, independent of the database behind it.

A unit of work is a plain function `fn(tx) -> result` that the store runs inside a
transaction (`Store.write`) or against a consistent snapshot (`Store.read`).  Services
are written against `Tx`; the SQLite and (later) PostgreSQL stores implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


@dataclass
class Stored:
    """One resource as persisted: its public document and fields only tender sees."""

    doc: dict[str, Any]
    private: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListQuery:
    account: str
    type: str
    limit: int = 10
    starting_after: str | None = None  # id; objects older than it
    ending_before: str | None = None  # id; objects newer than it
    created: dict[str, int] | None = None  # gt/gte/lt/lte/eq
    customer: str | None = None
    parent: str | None = None  # payment_intent for charges, charge for refunds


@dataclass(frozen=True)
class IdempotencyRecord:
    method: str
    path: str
    params_hash: str
    status: int
    body: bytes
    request_id: str


class Tx(Protocol):
    account: str

    def atomic(self) -> AbstractContextManager[None]: ...

    def get(self, type: str, object_id: str) -> Stored | None: ...

    def get_for_update(self, type: str, object_id: str) -> Stored | None: ...

    def insert(self, stored: Stored) -> None: ...

    def update(self, stored: Stored) -> None: ...

    def list(self, query: ListQuery) -> tuple[list[Stored], bool]: ...

    def scan(self, type: str) -> Iterable[Stored]: ...

    def find_by_status(self, type: str, status: str) -> Sequence[Stored]: ...

    def account_settings(self) -> dict[str, Any]: ...

    def save_account_settings(self, settings: dict[str, Any]) -> None: ...

    def insert_event(self, event: dict[str, Any]) -> None: ...

    def save_idempotency(self, key: str, record: IdempotencyRecord) -> None: ...


class Store(Protocol):
    async def write(self, account: str, fn: Callable[[Tx], T]) -> T: ...

    async def read(self, account: str, fn: Callable[[Tx], T]) -> T: ...

    def get_idempotency(self, account: str, key: str) -> IdempotencyRecord | None: ...

    async def claim_idempotency(self, account: str, key: str) -> bool:
        """True: this request executes `key` (no record, and no other process holds it)."""
        ...

    async def release_idempotency(self, account: str, key: str) -> None:
        """Drop a claim whose work failed before recording an answer."""
        ...

    def find_api_key(self, key_hash: str) -> tuple[str, str] | None: ...

    def close(self) -> None: ...
