"""What services need from storage, independent of the database behind it.

A unit of work is a plain function `fn(tx) -> result` that the store runs inside a
transaction (`Store.write`) or against a consistent snapshot (`Store.read`).  Services
are written against `Tx`; the SQLite and (later) PostgreSQL stores implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar

from tender.core.search import SearchPlan

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


class RequestLogEntry(NamedTuple):
    """One API request as the dashboard's request log shows it: never a key (only its
    kind and last four characters), a client secret, card data or a body.  A tuple in
    the table's column order: one is built per request, at half a dataclass's cost."""

    account: str
    created: float  # epoch seconds
    method: str
    path: str
    status: int
    request_id: str
    key_kind: str | None  # secret | publishable; None when no key authenticated
    key_last4: str | None
    duration_ms: float


# The status of a placeholder idempotency record: a key whose work is still running (a
# durable claim on PostgreSQL, a charge attempt waiting for a remote processor).  Never a
# real answer's status.
PENDING_ANSWER = 0


@dataclass(frozen=True)
class IdempotencyRecord:
    method: str
    path: str
    params_hash: str
    status: int
    body: bytes
    request_id: str


@dataclass
class ChargeAttempt:
    """A call to a remote processor, recorded before it is made (`charge_attempts` table)."""

    id: str  # chatt_…: the processor's idempotency key
    account: str
    payment_intent: str
    request: dict[str, Any]  # the AuthorizationRequest, as JSON
    context: dict[str, Any]  # what applying the answer needs (services.charge_attempts)
    created: float
    status: str = "pending"  # pending, resolved, failed
    outcome: str | None = None


class Tx(Protocol):
    account: str

    def atomic(self) -> AbstractContextManager[None]: ...

    def get(self, type: str, object_id: str) -> Stored | None: ...

    def get_for_update(self, type: str, object_id: str) -> Stored | None: ...

    def insert(self, stored: Stored) -> None: ...

    def update(self, stored: Stored) -> None: ...

    def list(self, query: ListQuery) -> tuple[list[Stored], bool]: ...

    def scan(self, type: str) -> Iterable[Stored]: ...

    def search(
        self, type: str, plan: SearchPlan, after: tuple[int, str] | None, chunk: int
    ) -> Iterator[Stored]:
        """Objects of `type` that meet `plan`, newest first, from just past `after`
        (created, id): read `chunk` at a time, more each time, while the caller asks."""
        ...

    def count_search(self, type: str, plan: SearchPlan) -> int:
        """How many objects of `type` meet `plan`."""
        ...

    def find_by_status(self, type: str, status: str) -> Sequence[Stored]: ...

    def holds_due(self, now: int) -> Sequence[str]:
        """Ids of uncaptured PaymentIntents whose hold may have expired by `now`."""
        ...

    def account_settings(self) -> dict[str, Any]: ...

    def save_account_settings(self, settings: dict[str, Any]) -> None: ...

    def insert_event(self, event: dict[str, Any]) -> None:
        """Record `event` (serialised now: later changes to its object are not in it)
        and queue its webhook deliveries."""

    def save_idempotency(self, key: str, record: IdempotencyRecord) -> None: ...

    def insert_request_logs(self, entries: Sequence[RequestLogEntry]) -> None:
        """Append request-log rows, each under its own `account` (a flush spans accounts)."""
        ...

    def list_request_logs(
        self,
        *,
        limit: int,
        before: int | None = None,
        after: int | None = None,
        method: str | None = None,
        status_class: int | None = None,
        request_id: str | None = None,
    ) -> tuple[Sequence[dict[str, Any]], bool]:
        """This account's request-log rows, newest first; `before`/`after` are row ids
        (keyset pages), `status_class` 2, 4 or 5 keeps 2xx, 4xx or 5xx answers."""
        ...

    def prune_request_logs(self, *, created_before: float, keep: int, batch: int) -> int:
        """Delete up to `batch` rows older than `created_before` and up to `batch` rows
        beyond the newest `keep` (all accounts); the number deleted."""
        ...

    def insert_charge_attempt(self, attempt: ChargeAttempt) -> None: ...

    def get_charge_attempt(self, attempt_id: str) -> ChargeAttempt | None:
        """Locked until this unit commits (load its PaymentIntent first)."""
        ...

    def finish_charge_attempt(self, attempt_id: str, status: str, outcome: str) -> None: ...


class Store(Protocol):
    async def write(self, account: str, fn: Callable[[Tx], T], contained: bool = False) -> T:
        """`fn` in a transaction, its result once committed.  `contained`: `fn` has no
        effect outside the transaction but its result (no network call, no shared state),
        so the store may run it ahead of its turn at the database and replay its
        statements (SQLite), or on the event loop (PostgreSQL); a hint only.  Any unit
        must still be safe to run again from the start (PostgreSQL does, after a
        serialization failure)."""
        ...

    async def read(self, account: str, fn: Callable[[Tx], T]) -> T: ...

    # Awaited: on PostgreSQL these are network round trips, made off the event loop so
    # one slow or unreachable database stalls only the requests that need it.
    async def get_idempotency(self, account: str, key: str) -> IdempotencyRecord | None: ...

    async def claim_idempotency(self, account: str, key: str) -> bool:
        """True: this request executes `key` (no record, and no other process holds it)."""
        ...

    async def release_idempotency(self, account: str, key: str) -> None:
        """Drop a claim whose work failed before recording an answer."""
        ...

    async def find_api_key(self, key_hash: str) -> tuple[str, str] | None: ...

    def pending_charge_attempts(self, created_before: float) -> list[ChargeAttempt]:
        """Attempts of every account still pending, created before `created_before`."""
        ...

    def close(self) -> None: ...
